"""The ``reelforge`` command: one module per command group, assembled here.

Exit codes: 0 ok; 2 the spec is wrong; 3 a media file is wrong; 1 the render failed.
Errors are one line on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import typer

from cli import batch, catalog, db, presets, render, serve, sounds, spec, template, users, worker

app = typer.Typer(
    help="ReelForge: vertical video from edit specs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
for group in (render, catalog, spec, serve, users, db, worker, sounds, presets, template, batch):
    group.register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
