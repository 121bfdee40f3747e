"""Bidirectional levels and visual order, as data (UAX #9 examples)."""

from __future__ import annotations

import pytest

from editor.text import bidi


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("abc", [0, 0, 0]),
        ("אב", [1, 1]),
        ("ab אב", [0, 0, 0, 1, 1]),  # the space between L and R takes the paragraph's level
        ("אב 12", [1, 1, 1, 2, 2]),  # European numbers in right-to-left text
        ("אב 1.5", [1, 1, 1, 2, 2, 2]),  # one separator between numbers joins them (W4)
        ("عدد ١٢", [1, 1, 1, 1, 2, 2]),  # Arabic-Indic digits are AN
        ("abc 10%", [0, 0, 0, 0, 0, 0, 0]),
        ("אב (גד)", [1, 1, 1, 1, 1, 1, 1]),  # brackets inside RTL take its direction
    ],
)
def test_levels(text: str, expected: list[int]) -> None:
    assert bidi.levels(text) == expected


def test_base_level_follows_the_first_strong_character() -> None:
    assert bidi.base_level("123 שלום abc") == 1
    assert bidi.base_level("... hello שלום") == 0
    assert bidi.base_level("123") == 0


def test_runs_are_reordered_by_level() -> None:
    # "HELLO world 12" in an RTL paragraph: levels R=1, L=2, numbers=2 -> reversed at 1.
    assert bidi.visual_order([1, 2, 1, 2]) == [3, 2, 1, 0]
    assert bidi.visual_order([0, 1, 1, 0]) == [0, 2, 1, 3]
    assert bidi.visual_order([1, 2, 2, 1]) == [3, 1, 2, 0]  # level-2 runs keep their order
    assert bidi.visual_order([]) == []


def test_trailing_spaces_return_to_the_paragraph_level() -> None:
    assert bidi.line_levels("אב  ", [1, 1, 1, 1], 0) == [1, 1, 0, 0]
