"""Triggers: effects show only while an expression or gesture holds (real photos, real analysis)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from editor.errors import SpecError
from editor.face import landmarks as lm
from editor.face.triggers import FADE, envelope, gesture
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from testkit import look_media
from tests.media import frame_at

SIZE = 512
SMILING = [(0.3, 1.2), (3.3, 4.2)]  # the astronaut (smiling): 0-1.5 s and 3-4.5 s
NEUTRAL = [(1.8, 2.7)]  # Grace Hopper (lips closed): 1.5-3 s


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("triggers")
    parts = [
        look_media.still_clip(root / "a.mp4", "astronaut", seconds=1.5, size=SIZE),
        look_media.still_clip(root / "g.mp4", "grace_hopper", seconds=1.5, size=SIZE),
    ]
    look_media.sequence(root / "smiles.mp4", [parts[0], parts[1], parts[0]])
    look_media.crossing(root / "nobody.mp4", width=640, height=360, seconds=1.0, side=2)
    return root


FACES = {"astronaut": (slice(60, 170), slice(175, 280)), "grace_hopper": (slice(110, 280), slice(165, 365))}


def rendered(folder: Path, clip: dict[str, Any], name: str) -> tuple[Path, tuple[str, ...]]:
    spec = parse_spec({"output": {"width": SIZE, "height": SIZE}, "clips": [clip]})
    out = folder / f"{name}.mp4"
    return out, render(spec, out, resolve=local_resolver(folder), home=folder / "home").warnings


def samples(out: Path) -> list[tuple[str, np.ndarray]]:
    """(whose face, frame) at 4 times in each smiling and neutral stretch."""
    spans = [("astronaut", span) for span in SMILING] + [("grace_hopper", span) for span in NEUTRAL]
    return [
        (who, frame_at(out, float(t)).astype(np.float64))
        for who, (a, b) in spans
        for t in np.linspace(a, b, 4)
    ]


def changed(out: Path, plain: Path, *, face_only: bool) -> list[float]:
    """Mean change against the plain render, over the face (or the whole frame), per sample."""
    diffs = []
    for (who, f), (_, o) in zip(samples(out), samples(plain), strict=True):
        region = FACES[who] if face_only else (slice(None), slice(None))
        diffs.append(float(np.abs(f[region] - o[region]).mean()))
    return diffs


def test_face_and_background_effects_show_only_while_smiling(folder: Path) -> None:
    plain, _ = rendered(folder, {"src": "smiles.mp4"}, "plain")
    blurred, warnings = rendered(
        folder, {"src": "smiles.mp4", "face_effects": [{"type": "blur_face", "when": "smile"}]}, "face"
    )
    assert warnings == ()
    diff = changed(blurred, plain, face_only=True)
    # 8 smiling samples, then 4 neutral ones (whose change is x264 noise: another graph, other choices)
    assert min(diff[:8]) > 20 and max(diff[8:]) < 6, diff
    green, _ = rendered(
        folder,
        {
            "src": "smiles.mp4",
            "effects": [{"type": "background", "mode": "replace", "color": "#00ff00", "when": "smile"}],
        },
        "bg",
    )
    diff = changed(green, plain, face_only=False)
    assert min(diff[:8]) > 20 and max(diff[8:]) < 3, diff


def test_a_trigger_that_never_holds_warns(folder: Path) -> None:
    _, warnings = rendered(
        folder, {"src": "nobody.mp4", "face_effects": [{"type": "blur_face", "when": "smile"}]}, "nobody"
    )
    assert warnings == ("clips[0]: no face found; face effects skipped",)
    _, warnings = rendered(
        folder,
        {"src": "smiles.mp4", "effects": [{"type": "background", "when": "peace_sign"}]},
        "nohand",
    )
    assert warnings == (
        "clips[0].effects[0].when: no hand found, so 'peace_sign' never holds; the effect stays off",
    )


def test_unknown_triggers_are_spec_errors_with_suggestions() -> None:
    with pytest.raises(SpecError) as info:
        parse_spec({"clips": [{"src": "a.mp4", "face_effects": [{"type": "blur_face", "when": "smiles"}]}]})
    field, reason = info.value.problems[0]
    assert field == "clips[0].face_effects[0].when" and "'smile'" in reason


def test_envelope_fades_in_and_out_and_ignores_blips() -> None:
    rate, fps = 15.0, 30.0
    states = {i: 10 <= i < 40 or i == 60 for i in range(90)}  # on for 2 s, then a one-sample blip
    times = np.arange(180) / fps
    env = envelope(states, rate, times)
    slack = FADE + 1 / rate  # the fade, plus a sample's rounding
    on = (times >= 10 / rate + slack) & (times < 40 / rate - slack)
    off = (times < 10 / rate - slack) | (times > 40 / rate + slack)
    assert (env[on] == 1).all() and (env[off] == 0).all()
    ramp = env[(times > 10 / rate - FADE) & (times < 10 / rate + FADE)]
    assert (np.diff(ramp) >= 0).all() and 0 < ramp[len(ramp) // 2] < 1


def hand(extended: set[str], up: bool = True) -> np.ndarray:
    """21 normalised hand landmarks: wrist at (0.5, 0.5), fingers pointing up (or down)."""
    pts = np.zeros((21, 3))
    pts[0, :2] = (0.5, 0.5)
    fingers = {"thumb": 1, "index": 5, "middle": 9, "ring": 13, "pinky": 17}
    sign = -1 if up else 1
    for n, (name, base) in enumerate(fingers.items()):
        x = 0.44 + 0.03 * n
        reach = (0.1, 0.15, 0.2, 0.25) if name in extended else (0.1, 0.13, 0.11, 0.09)
        for j, r in enumerate(reach):
            pts[base + j, :2] = (x, 0.5 + sign * r)
    return pts


def test_gestures_from_hand_landmarks() -> None:
    peace = hand({"index", "middle"})
    assert gesture(peace, "peace_sign", None)
    assert not gesture(hand({"index", "middle", "ring", "pinky"}), "peace_sign", None)
    assert not gesture(hand(set()), "peace_sign", None)
    palm = hand({"thumb", "index", "middle", "ring", "pinky"})
    assert gesture(palm, "hand_raised", chin_y=0.6)
    assert not gesture(palm, "hand_raised", chin_y=0.4)  # the wrist is below the chin
    assert not gesture(hand({"index", "middle", "ring", "pinky"}, up=False), "hand_raised", chin_y=0.9)
    assert lm.CHIN == 152  # the chin the gesture is measured against is the mesh's
