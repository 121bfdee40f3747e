"""Measured clip effects (stabilize, auto_enhance), planned as data: their place in the graph, the
camera path maths, the vidstab result parser and the colour correction, with made-up measurements."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from editor.effects.enhance import ColourFix
from editor.effects.stabilize import CropWindow
from editor.errors import SpecError
from editor.measure.cache import MeasureCache
from editor.measure.camera import crop_commands, max_margin, plan_crop
from editor.measure.colour import correction, frame_stats
from editor.measure.motion import parse_trf
from editor.measure.prepare import prepare_measured
from editor.plan.build import WorkFiles
from editor.plan.timeline import build_timeline
from editor.resolve import parse_spec
from tests.editor.test_plan import MEDIA, plan

WINDOW = CropWindow("stab0_0", Path("/w/stab0_0.cmd"), 960, 1700, 60, 110)
FIX = ColourFix((1.2, 1.0, 0.8), 0.05, 0.6, 0.9)


def stab_clip(**effect: object) -> dict[str, object]:
    return {"src": "a.mp4", "effects": [{"type": "stabilize", **effect}, {"type": "auto_enhance"}]}


def test_stabilize_crops_the_source_frames_before_the_fit_and_enhance_grades_after_it() -> None:
    graph = plan({"clips": [stab_clip()]}, work=_work({0: {0: WINDOW, 1: FIX}})).graph
    crop = "sendcmd=f=/w/stab0_0.cmd,crop@stab0_0=w=960:h=1700:x=60:y=110:exact=1"
    assert f"[col1]{crop}[fx2]" in graph  # on the source frames, once in the output's colours
    assert "[fx2]fps=30:start_time=0[timed3]" in graph  # then speed, rate and the fit, which scales it up
    # 0.8 of the fix: gains ** 0.8, levels 0.04..0.68 (chroma stretched with them), gamma 0.9 ** 0.8;
    # the gains' cast (bluish: +Pb, -Pr) is taken off the chroma in proportion to luma.
    grade = (
        "colorcorrect=rl=-0.0055:bl=0.0079:rh=0.0818:bh=-0.1178:saturation=1.5625,"
        "lutyuv=y='16+219*pow(clip(((val-16)/219-0.04)/0.64,0,1),0.9192)'"
    )
    clip_label = graph.split("format=yuv420p[")[1].split("]")[0]
    assert f"[{clip_label}]{grade}[" in graph  # at the output size, after the fit


def test_top_level_measured_effects_apply_to_each_clip_and_not_to_the_sequence() -> None:
    spec = {
        "clips": [{"src": "a.mp4", "out": 1}, {"src": "b.mov", "out": 1}],
        "effects": [{"type": "auto_enhance", "strength": 1}, {"type": "vignette"}],
    }
    fixes = {0: {0: FIX}, 1: {0: ColourFix((1.0, 1.0, 1.0), 0.0, 1.0, 1.0)}}
    graph = plan(spec, work=_work(fixes)).graph
    assert graph.count("colorcorrect=") == 2 and "saturation=1.8182," in graph  # FIX in full: 1 / 0.55
    assert (
        "colorcorrect=rl=0:bl=0:rh=0:bh=0:saturation=1,lutyuv=y='16+219*pow(clip(((val-16)/219-0)/1,0,1),1)'"
        in graph
    )
    assert graph.count("vignette") == 1
    own = {"src": "a.mp4", "effects": [{"type": "auto_enhance", "strength": 0.5}]}
    graph = plan({**spec, "clips": [own]}, work=_work({0: {0: FIX}})).graph
    assert graph.count("colorcorrect=") == 1 and "saturation=1.2903," in graph  # its own, at 0.5: 1 / 0.775


def test_a_measured_effect_without_a_measurement_is_left_out_and_a_still_has_no_source_stage() -> None:
    graph = plan({"clips": [{"src": "p.jpg", "duration": 1, **stab_clip()}]}, work=_work({0: {1: FIX}})).graph
    assert "crop@" not in graph and "sendcmd" not in graph and "colorcorrect" in graph
    assert "colorcorrect" not in plan({"clips": [stab_clip(strength=0.5)]}).graph


def test_zero_strength_enhance_adds_nothing() -> None:
    spec = {"clips": [{"src": "a.mp4", "effects": [{"type": "auto_enhance", "strength": 0}]}]}
    assert "colorcorrect" not in plan(spec, work=_work({0: {0: FIX}})).graph


@pytest.mark.parametrize(
    ("spec", "field", "words"),
    [
        ({"clips": [{"src": "a.mp4", "effects": [{"type": "stabilise"}]}]}, "type", "stabilize"),
        ({"clips": [{"src": "a.mp4", "effects": [{"type": "stabilize", "strength": 2}]}]}, "strength", "1"),
        ({"clips": [{"src": "a.mp4", "effects": [{"type": "auto_enhance", "gain": 2}]}]}, "gain", "unknown"),
        (
            {"clips": [{"src": "a.mp4"}], "layers": [{"src": "b.mov", "effects": [{"type": "stabilize"}]}]},
            "",
            "layers[0].effects[0]: 'stabilize' is measured on a clip",
        ),
    ],
)
def test_bad_measured_effects_are_spec_errors_naming_the_field(
    spec: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(SpecError) as err:
        parse_spec(spec)
    where, reason = err.value.problems[0]
    assert where.endswith(field) and words in reason


def test_the_crop_window_cancels_a_known_shake_and_never_leaves_the_frame() -> None:
    rng = np.random.default_rng(1)
    offsets = rng.uniform(-20, 20, (150, 2)) + np.outer(np.arange(150), [0.5, 0.0])  # jitter + slow pan
    shifts = np.diff(offsets, axis=0, prepend=offsets[:1])
    path = plan_crop(shifts, 30.0, (1080, 1920), 0.6)
    assert path.x.min() >= 0 and path.x.max() + path.width <= 1080
    assert path.y.min() >= 0 and path.y.max() + path.height <= 1920
    assert path.width / path.height == pytest.approx(1080 / 1920, abs=0.003)
    assert 1.0 < path.zoom <= 1 / (1 - 2 * max_margin(0.6)) + 0.01
    # What the viewer sees: the picture's offset minus the window's, per frame.
    seen = (offsets - offsets[0]) - np.stack([path.x, path.y], axis=1)
    before = np.linalg.norm(np.diff(offsets, axis=0), axis=1).mean()
    after = np.linalg.norm(np.diff(seen, axis=0), axis=1).mean()
    assert after < 0.1 * before


def test_a_shake_larger_than_the_cap_is_only_partly_corrected_but_stays_inside() -> None:
    shifts = np.zeros((60, 2))
    shifts[30] = (400.0, 0.0)  # a jump far past the 10 % margin
    path = plan_crop(shifts, 30.0, (1080, 1920), 1.0)
    assert path.width >= 1080 * (1 - 2 * max_margin(1.0)) - 2
    assert path.x.min() >= 0 and path.x.max() + path.width <= 1080


def test_crop_commands_move_the_named_crop_only_when_it_moves() -> None:
    shifts = np.zeros((4, 2))
    shifts[2] = (10.0, 0.0)
    text = crop_commands(plan_crop(shifts, 25.0, (200, 100), 0.2), "s")
    lines = text.strip().splitlines()
    assert lines[0].startswith("0.000000 [enter] crop@s x ") and "crop@s y" in lines[0]
    assert all("[enter] crop@s x" in line for line in lines) and len(lines) <= 4


def test_vidstab_results_become_picture_shifts_in_source_pixels() -> None:
    lines = [  # as read from the file, newlines kept
        line + "\n"
        for line in [
            "VID.STAB 1",
            "#      accuracy = 9",
            "Frame 1 (List 0 [])",
            "Frame 2 (List 3 [(LM -4 2 10 10 32 0.5 1.0),(LM -4 2 50 10 32 0.5 1.0),"
            "(LM 9 9 90 10 32 0.3 1.0)])",
            "Frame 3 (List 0 [])",
        ]
    ]
    shifts = parse_trf(lines, scale=2.0)
    assert shifts.tolist() == [[0.0, 0.0], [8.0, -4.0], [0.0, 0.0]]  # the outlier field is ignored


def test_the_colour_correction_undoes_a_cast_and_leaves_a_balanced_frame_alone() -> None:
    rng = np.random.default_rng(5)
    scene = rng.uniform(0.05, 0.95, (40, 40, 3))
    scene[:, :20] = scene[:, :20].mean(axis=2, keepdims=True)  # half of it grey
    balanced = correction(frame_stats(scene)[None])
    assert np.allclose(balanced.gains, 1.0, atol=0.02) and balanced.gamma == 1.0
    dim_blue = np.clip(scene * np.array([0.7, 0.9, 1.2]) * 0.6, 0, 1)
    fix = correction(frame_stats(dim_blue)[None])
    r, g, b = fix.gains
    assert r > g > b and r / b > 1.4  # red up, blue down
    assert fix.white < 0.75  # the levels stretch the dim picture back towards full range


def test_the_correction_is_steady_against_an_odd_frame() -> None:
    rng = np.random.default_rng(6)
    frames = [rng.uniform(0.05, 0.9, (30, 30, 3)) for _ in range(9)]
    frames[4] = np.full((30, 30, 3), 0.98)  # a flash
    stats = np.array([frame_stats(f) for f in frames])
    with_flash, without = correction(stats), correction(np.delete(stats, 4, axis=0))
    assert np.allclose(with_flash.gains, without.gains, atol=0.02)
    assert with_flash.white == pytest.approx(without.white, abs=0.02)


def _work(measured: Mapping[int, Mapping[int, object]]) -> WorkFiles:
    return WorkFiles(measured=measured)


def test_the_measure_cache_round_trips_and_treats_a_bad_entry_as_absent(tmp_path: Path) -> None:
    cache = MeasureCache(tmp_path / "motion", version=1)
    shifts = np.arange(6.0).reshape(3, 2)
    assert cache.load("abc", "k1") is None
    cache.save("abc", "k1", {"shifts": shifts})
    loaded = cache.load("abc", "k1")
    assert loaded is not None and np.array_equal(loaded["shifts"], shifts)
    assert (
        cache.load("abc", "k2") is None
        and MeasureCache(tmp_path / "motion", version=2).load("abc", "k1") is None
    )
    cache.path_for("abc", "k1").write_bytes(b"not a zip")
    assert cache.load("abc", "k1") is None
    assert [p.name for p in (tmp_path / "motion").iterdir() if p.name.startswith(".tmp")] == []


def test_effects_at_zero_strength_are_neither_measured_nor_planned(tmp_path: Path) -> None:
    off = [{"type": "stabilize", "strength": 0}, {"type": "auto_enhance", "strength": 0}]
    spec = parse_spec({"clips": [{"src": "a.mp4", "effects": off}]})
    measured = prepare_measured(
        spec, MEDIA, build_timeline(spec, MEDIA), tmp_path / "work", tmp_path / "home"
    )
    assert measured.by_clip == {0: {}} and not (tmp_path / "home").exists()  # /m/a.mp4 is never read
    graph = plan({"clips": [{"src": "a.mp4", "effects": off}]}, work=_work(measured.by_clip)).graph
    assert "crop@" not in graph and "colorcorrect" not in graph
