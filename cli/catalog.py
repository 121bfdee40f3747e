"""``reelforge transitions list`` and ``reelforge effects list``: what the engine offers."""

from __future__ import annotations

import typer

from cli.common import JsonFlag, print_table

COLUMNS = {
    "name": lambda item: item["name"],
    "parameters": lambda item: ", ".join(item["parameters"]),
    "description": lambda item: item["description"],
}


def register(app: typer.Typer) -> None:
    transitions = typer.Typer(help="Transitions the engine offers.", no_args_is_help=True)
    effects = typer.Typer(help="Film effects the engine offers.", no_args_is_help=True)

    @transitions.command("list")
    def transitions_list(as_json: JsonFlag = False) -> None:
        """Every transition, with its parameters and a one-line description."""
        from editor.transitions import TRANSITIONS, describe

        print_table([describe(t) for t in TRANSITIONS.values()], COLUMNS, as_json)

    @effects.command("list")
    def effects_list(as_json: JsonFlag = False) -> None:
        """Every film effect, with its parameters (ranges, defaults) and a one-line description."""
        from editor.effects import EFFECTS, describe

        print_table([describe(cls) for cls in EFFECTS.values()], COLUMNS, as_json)

    app.add_typer(transitions, name="transitions")
    app.add_typer(effects, name="effects")
