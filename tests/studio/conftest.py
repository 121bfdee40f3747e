"""The studio in a real browser: Debian's chromium (never a downloaded one) driven by Playwright,
against a real uvicorn server with real renders. Screenshots of each step go to ``out/studio/``."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.api.conftest import Client, Server, media, settings_for
from tests.conftest import SCREENSHOTS, service_missing

__all__ = ["media"]  # the session's tiny clips, sound and hostile files (tests/api/conftest.py)

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PREVIEWED = ("noir",)  # presets whose previews the server has; the others show "No preview yet"
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


# Module scope: Playwright's sync API keeps an asyncio loop running in the test thread while it is
# open, and any later test in the same xdist worker that starts a loop (anyio.run) would fail.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        service_missing("chromium", FileNotFoundError(CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Embedded server (SQLite, local storage) whose previews folder holds ``PREVIEWED``."""
    from editor.preset_previews import render_previews

    home = tmp_path_factory.mktemp("studio-home")
    render_previews(home / "previews", ids=PREVIEWED)
    server = Server(settings_for(home))
    yield server
    server.stop()


@dataclass
class Shots:
    """Numbered screenshots of one test: ``out/studio/<test>/NN-<step>.png``."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Any, step: str, *, full: bool = False) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=full)
        self.taken.append(path)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    folder = SCREENSHOTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)


def open_studio(browser: Any, server: Server, user: Client, viewport: str) -> Any:
    """A fresh browser context at ``viewport``, signed in as ``user``, every part of the page loaded.
    ``page.problems`` collects script errors, ``page.refused`` every answer >= 400 ("METHOD path status")."""
    phone = viewport == "phone"
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], device_scale_factor=2 if phone else 1, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(90_000)  # a shared 2-core machine: renders and analyses queue
    page = context.new_page()
    problems: list[str] = []
    refused: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not msg.text.startswith("Failed to load resource")  # a status: see ``refused``
            and problems.append(f"console: {msg.text}")
        ),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and refused.append(f"{r.request.method} {urlparse(r.url).path} {r.status}"),
    )
    page.problems, page.refused = problems, refused
    page.goto(f"{server.url}/studio")
    page.get_by_label("Token").fill(user.token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector("body[data-ready=true]")
    return page
