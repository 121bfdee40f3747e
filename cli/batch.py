"""``reelforge batch MANIFEST -o OUTDIR``: many specs and templates in parallel (``cli.batch_runner``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from cli.batch_runner import Event, JobResult


def register(app: typer.Typer) -> None:
    @app.command()
    def batch(
        manifest: Annotated[Path, typer.Argument(help="JSON Lines: one job a line; paths relative to it")],
        output: Annotated[Path, typer.Option("-o", "--output", help="folder the outputs are written under")],
        workers: Annotated[
            int | None, typer.Option("--workers", "-w", min=1, max=64, help="processes (default: cores)")
        ] = None,
        resume: Annotated[
            bool, typer.Option("--resume", help="skip outputs that exist and probe valid")
        ] = False,
        to: Annotated[
            str | None,
            typer.Option("--to", help="upload each output: s3://bucket/prefix (REELFORGE_S3_* settings)"),
        ] = None,
        draft: Annotated[bool, typer.Option("--draft", help="Fast 720p previews.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print a JSON report of every job.")] = False,
    ) -> None:
        """Render every job of MANIFEST; exit 1 if any failed (the others still run)."""
        from cli.batch_runner import read_manifest, run_batch

        if to is not None and not to.startswith(("s3://", "file:///")):
            raise typer.BadParameter("must be s3://bucket/prefix or file:///folder", param_hint="--to")
        try:
            jobs = read_manifest(manifest, output)
        except (OSError, UnicodeDecodeError) as exc:
            typer.echo(f"error: cannot read {manifest}: {exc}", err=True)
            raise typer.Exit(2) from None
        if not jobs:
            typer.echo(f"error: {manifest} has no jobs", err=True)
            raise typer.Exit(2)
        display = _Display(len(jobs), fancy=not as_json and sys.stderr.isatty(), quiet=as_json)
        with display:
            results = run_batch(
                jobs, workers=workers, draft=draft, resume=resume, upload_to=to, on_event=display.event
            )
        if as_json:
            counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
            typer.echo(json.dumps({"jobs": [r.to_json() for r in results], **counts}, indent=2))
        else:
            _summary(results)
        if any(r.status == "failed" for r in results):
            raise typer.Exit(1)


class _Display:
    """Rich progress (overall and per job, with ETA) on a terminal; plain lines otherwise."""

    def __init__(self, total: int, *, fancy: bool, quiet: bool) -> None:
        self.total, self.fancy, self.quiet = total, fancy, quiet
        self.tasks: dict[int, Any] = {}
        self.finished = 0

    def __enter__(self) -> _Display:
        if self.fancy:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TimeRemainingColumn

            self.bar = Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                TaskProgressColumn(),
                TimeRemainingColumn(),
            )
            self.overall = self.bar.add_task("all jobs", total=self.total)
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fancy:
            self.bar.stop()

    def event(self, event: Event) -> None:
        kind = event[0]
        if kind == "done":
            result: JobResult = event[1]
            self.finished += 1
            if self.fancy:
                task = self.tasks.pop(result.line, None)
                if task is not None:
                    self.bar.remove_task(task)
                self.bar.update(self.overall, completed=self.finished)
            elif not self.quiet:
                detail = f": {result.error}" if result.error else ""
                typer.echo(
                    f"[{self.finished}/{self.total}] {result.status:7} {result.output} "
                    f"({result.seconds:.1f} s){detail}",
                    err=True,
                )
        elif self.fancy and kind == "start":
            self.tasks[event[1]] = self.bar.add_task(f"line {event[1]}", total=1.0)
        elif self.fancy and kind == "progress" and event[1] in self.tasks:
            self.bar.update(self.tasks[event[1]], completed=event[2])


def _summary(results: list[JobResult]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("line", "output", "status", "seconds", "error")
    for r in results:
        style = {"ok": "green", "skipped": "cyan", "failed": "red"}[r.status]
        table.add_row(str(r.line), r.output, f"[{style}]{r.status}[/]", f"{r.seconds:.1f}", r.error or "")
    console = Console()
    console.print(table)
    counts = {s: sum(r.status == s for r in results) for s in ("ok", "skipped", "failed")}
    console.print(f"{counts['ok']} ok, {counts['skipped']} skipped, {counts['failed']} failed")
