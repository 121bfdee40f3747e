"""The layering the README promises, checked on the source: no import cycles, the engine imports no
server package, the HTTP service holds no CLI code."""

from __future__ import annotations

import ast
import subprocess
import sys

from tests.conftest import ROOT

PACKAGES = ("editor", "audio", "api", "cli", "presets")
SERVER_PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "sqlalchemy",
    "alembic",
    "celery",
    "boto3",
    "psycopg",
    "api",
)


def _imports() -> dict[str, set[str]]:
    """Every project module and the project modules it imports, counting imports inside functions
    (a module importing the package it sits in is not an edge: Python loads that package first)."""
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py") if "migrations" not in p.parts]
    modules = {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in files
    }

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            else:
                continue
            for target in targets:
                found = known(target)
                if found and found != name and not name.startswith(found + "."):
                    graph[name].add(found)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycles_between_project_modules() -> None:
    graph = _imports()
    assert len(graph) > 100 and graph["editor.render"] >= {"editor.plan.build", "editor.walk"}
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_engine_imports_no_server_package() -> None:
    code = (
        "import sys, editor.render, editor.resolve, editor.template.media, cli.render; "
        f"print(sorted(m for m in {SERVER_PACKAGES!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_http_service_has_no_cli_code() -> None:
    graph = _imports()
    assert not [m for m in graph if m.startswith("api.") and any(t.startswith("cli") for t in graph[m])]
    assert not [p for p in (ROOT / "api").rglob("*.py") if "import typer" in p.read_text()]
