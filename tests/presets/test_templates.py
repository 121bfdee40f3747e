"""Templates: planning tested as data, then real renders whose cuts are checked against the beat."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from editor import ffmpeg
from editor.audio_decode import sound_analysis
from editor.errors import SpecError
from editor.presets import Template, default_library, parse_preset
from editor.probe import probe
from editor.render import render
from editor.samples import make_clip, make_music, make_photo
from editor.template.media import LoadedTemplate, plan_files
from editor.template.plan import ClipFacts, beat_grid, plan_template

LIB = default_library()
BPM = 120.0
BEAT = 60.0 / BPM
TINY = {"width": 270, "height": 480, "fps": 30, "preset": "ultrafast"}
GRID = [i * BEAT for i in range(64)]


def template(**fields: Any) -> Template:
    data = {"id": "t", "name": "T", "description": "test", "category": "template", **fields}
    preset = parse_preset(data)
    assert isinstance(preset, Template)
    return preset


def plan(tpl: Template, clips: list[ClipFacts], beats: list[float] = GRID, **kw: Any):  # type: ignore[no-untyped-def]
    return plan_template(tpl, clips, beats, sound_src="s.m4a", library=LIB, output=TINY, **kw)


LONG = [ClipFacts("a", 20.0), ClipFacts("b", 20.0), ClipFacts("c", 20.0)]


def test_beat_grid_starts_at_zero_and_extrapolates_past_the_analysis() -> None:
    assert beat_grid([0.02, 0.5, 1.0, 1.5], 0.0, 6) == pytest.approx((0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0))
    assert beat_grid([1.0, 1.5, 2.0, 2.5, 3.0], 1.2, 2) == pytest.approx((0, 0.3, 0.8))
    with pytest.raises(SpecError):
        beat_grid([1.0], 0.0, 4)


def test_cuts_are_the_slot_boundaries_and_transitions_are_centred_on_them() -> None:
    tpl = template(
        slots=[
            {"beats": 4, "transition": {"type": "fade", "duration": 0.4}},
            {"beats": 2},
            {"beats": 3, "transition": {"type": "slideup", "duration": 2.0}},
            {"beats": 1},
        ]
    )
    p = plan(tpl, LONG)
    assert p.cuts == pytest.approx((2.0, 3.0, 4.5))
    clips = p.spec.clips
    # Each clip plays its slot plus half of each adjacent overlap; the 2 s transition is cut to fit.
    assert clips[0].transition is not None and clips[0].transition.duration == pytest.approx(0.4)
    assert clips[1].transition is None
    assert clips[2].transition is not None and clips[2].transition.duration == pytest.approx(0.4, abs=1e-6)
    assert [c.duration for c in clips] == pytest.approx([2.2, 1.2, 1.7, 0.7], abs=1e-6)
    assert [c.src for c in clips] == ["a", "b", "c", "a"]  # fewer clips than slots: reused in order


def test_a_slot_on_a_phrase_or_bar_starts_there_and_the_slot_before_grows() -> None:
    # 4/4 at 120 BPM: a bar every 2 s, a 4-bar phrase every 8 s (a little off the grid, as analysed).
    bars = [i * 2.0 + 0.03 for i in range(16)]
    phrases = bars[::4]
    tpl = template(
        slots=[{"beats": 4}, {"beats": 2, "on": "phrase"}, {"beats": 2, "on": "bar"}, {"beats": 2}]
    )
    p = plan(tpl, LONG, bars=bars, phrases=phrases)
    # Slot 2 would start at beat 4 (2 s): it waits for the phrase at 8 s; slot 3 would start at
    # 9 s, off the bar: it waits for 10 s. Slot 4 follows on its beat.
    assert p.cuts == pytest.approx((8.0, 10.0, 11.0))
    assert [c.duration for c in p.spec.clips] == pytest.approx([8.0, 2.0, 1.0, 1.0])
    assert p.warnings == ()
    # Without marks in reach the slot starts on its beat, and the result says so.
    p = plan(tpl, LONG, bars=bars, phrases=[30.0])
    assert p.cuts == pytest.approx((2.0, 4.0, 5.0))
    assert p.warnings == ("slot 2: the sound has no phrase start within 16 beats; it starts on its beat",)


def test_the_first_slot_cannot_wait_for_a_bar() -> None:
    with pytest.raises(SpecError, match="first slot starts the video"):
        template(slots=[{"beats": 4, "on": "bar"}, {"beats": 4}])


def test_a_transition_pack_fills_joins_in_rotation_and_the_look_is_applied() -> None:
    tpl = template(slots=[{"beats": 4}] * 4, transitions="smooth", look="noir")
    p = plan(tpl, LONG)
    pack = [t.type for t in LIB.get("smooth").transitions]  # type: ignore[union-attr]
    assert [c.transition.type for c in p.spec.clips[:-1]] == pack[:3]  # type: ignore[union-attr]
    assert [e.type for e in p.spec.effects] == [e.type for e in LIB.get("noir").effects]  # type: ignore[union-attr]
    assert p.data["preset"] == "noir"


def test_reused_clips_continue_where_they_stopped() -> None:
    p = plan(template(slots=[{"beats": 2}] * 4), [ClipFacts("a", 10.0), ClipFacts("b", 10.0)])
    assert [(c.src, c.in_) for c in p.spec.clips] == [("a", 0.0), ("b", 0.0), ("a", 1.0), ("b", 1.0)]


def test_short_clips_are_slowed_then_looped_on_the_beat_never_an_error() -> None:
    tpl = template(slots=[{"beats": 4}, {"beats": 4}])
    p = plan(tpl, [ClipFacts("slow", 1.0), ClipFacts("tiny", 0.3)])
    slow = p.spec.clips[0]
    assert slow.speed == pytest.approx((1.0 - 0.04) / 2.0) and slow.speed >= 0.25
    loops = p.spec.clips[1:]
    assert len(loops) > 1 and all(c.src == "tiny" and 0.25 <= c.speed <= 1 for c in loops)
    assert all((c.duration or 0) * c.speed <= 0.3 for c in loops)  # each play fits in the clip
    assert set(p.cuts) <= set(p.beats)  # the loop restarts on beats
    assert any("slowed" in w for w in p.warnings) and any("looped" in w for w in p.warnings)


def test_stills_fill_their_slot() -> None:
    p = plan(template(slots=[{"beats": 2}, {"beats": 6}]), [ClipFacts("photo.jpg", 0.0, still=True)])
    assert [c.duration for c in p.spec.clips] == pytest.approx([1.0, 3.0])


def test_the_active_segment_is_the_most_active_unused_stretch() -> None:
    activity = tuple(
        [0.0] * 12 + [1.0] * 4 + [0.0] * 8 + [0.5] * 4 + [0.0] * 12
    )  # 10 s, peaks at 3 s and 6 s
    clip = ClipFacts("a", 10.0, activity=activity)
    p = plan(template(slots=[{"beats": 2}, {"beats": 2}], segment="active"), [clip])
    assert [c.in_ for c in p.spec.clips] == pytest.approx([3.0, 6.0])


def test_texts_fill_placeholders_from_beat_to_beat() -> None:
    tpl = template(
        slots=[{"beats": 4}, {"beats": 4}],
        texts=[
            {"key": "title", "default": "Hello", "start_beat": 0, "end_beat": 4},
            {"key": "by", "start_beat": 4},
            {"key": "tag", "default": "#fun", "start_beat": 6, "end_beat": 8},
        ],
    )
    p = plan(tpl, LONG, texts={"title": "My trip"})
    assert [(o.text, o.start, o.end) for o in p.spec.overlays] == [("My trip", 0.0, 2.0), ("#fun", 3.0, 4.0)]
    with pytest.raises(SpecError) as caught:
        plan(tpl, LONG, texts={"titel": "x"})
    assert (
        caught.value.problems[0][0] == "texts.titel" and "did you mean 'title'" in caught.value.problems[0][1]
    )


def test_template_files_are_validated() -> None:
    with pytest.raises(SpecError) as caught:
        template(slots=[{"beats": 2, "transition": {"type": "fade"}}])
    assert "last slot" in caught.value.problems[0][1]
    with pytest.raises(SpecError):
        template(slots=[{"beats": 2}], texts=[{"key": "a", "start_beat": 5}])


# --- real renders ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tpl")
    return {
        "red": make_clip(root / "a.mp4", seconds=3, width=270, height=480, pattern="rgbtestsrc", audio=False),
        "bars": make_clip(root / "b.mp4", seconds=0.8, width=480, height=270, pattern="smptehdbars"),
        "photo": make_photo(root / "p.jpg", width=320, height=240),
        "music": make_music(root / "m.m4a", seconds=12, bpm=BPM),
        "root": root,
    }


def cut_frames(path: Path, fps: float, seconds: float) -> list[float]:
    """Times where the picture jumps (mean frame difference far above its median)."""
    w, h = 54, 96
    raw = ffmpeg.capture(
        [*ffmpeg.input_args(path), "-vf", f"scale={w}:{h}", "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    )
    frames = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3).astype(float)
    diff = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))
    threshold = max(20.0, 8 * float(np.median(diff)))
    return [(i + 1) / fps for i in np.nonzero(diff > threshold)[0]]


def test_every_cut_lands_on_a_beat_of_the_sound(media: dict[str, Path]) -> None:
    tpl = template(
        slots=[
            {"beats": 3},
            {"beats": 2, "transition": {"type": "fade", "duration": 0.3}},
            {"beats": 2},
            {"beats": 1},
            {"beats": 2},
        ],
        sound_start=1.0,
    )
    clips = [media["red"], media["bars"], media["photo"]]
    p, resolve = plan_files(LoadedTemplate(tpl, None), clips, sound=media["music"], output=TINY)
    result = render(p.spec, media["root"] / "cuts.mp4", resolve=resolve)
    frame = 1 / TINY["fps"]
    truth = [k * BEAT - tpl.sound_start for k in range(1, 40)]  # make_music's kicks, in output time
    analysed = [b - tpl.sound_start for b in sound_analysis(media["music"]).beats]
    assert len(result.cuts) == 4
    for cut in result.cuts:
        assert min(abs(cut - b) for b in truth) <= frame + 1e-6
        assert min(abs(cut - b) for b in analysed) <= frame + 1e-6
    assert result.cuts == pytest.approx(p.cuts, abs=1e-4)
    info = probe(result.output)
    assert info.duration == pytest.approx(tpl.total_beats * BEAT, abs=0.1)
    assert (info.width, info.height) == (270, 480)
    # The hard cuts are in the pixels too, where the plan says (the fade is not a jump).
    seen = cut_frames(result.output, TINY["fps"], result.duration)
    hard = [c for i, c in enumerate(result.cuts) if i != 1]
    for cut in hard:
        assert min(abs(cut - s) for s in seen) <= frame + 1e-6, (cut, seen)


def test_a_slot_on_a_bar_waits_for_a_downbeat_the_analysis_found(media: dict[str, Path]) -> None:
    tpl = template(slots=[{"beats": 1}, {"beats": 2, "on": "bar"}, {"beats": 1, "on": "bar"}])
    p, _ = plan_files(LoadedTemplate(tpl, None), [media["red"]], sound=media["music"], output=TINY)
    downbeats = sound_analysis(media["music"]).downbeats
    assert len(downbeats) >= 3 and p.warnings == ()
    for cut in p.cuts:  # both joins open a bar-waiting slot
        assert min(abs(cut - d) for d in downbeats) <= BEAT / 4
    assert p.cuts[1] - p.cuts[0] >= 2 * BEAT - 1e-6


@pytest.mark.parametrize("template_id", [t.id for t in LIB.listing("template")])
def test_every_bundled_template_renders(media: dict[str, Path], template_id: str) -> None:
    tpl = LIB.template(template_id)
    clips = [media["red"], media["bars"]]
    p, resolve = plan_files(
        LoadedTemplate(tpl, None),
        clips,
        sound=media["music"],
        output=TINY,
        texts={t.key: "Hi" for t in tpl.texts},
    )
    result = render(p.spec, media["root"] / f"{template_id}.mp4", resolve=resolve)
    assert probe(result.output).duration == pytest.approx(tpl.total_beats * BEAT, abs=0.1)
    assert all(min(abs(c - b) for b in p.beats) < 1e-3 for c in result.cuts)


def test_cli_template_render_with_a_template_file(media: dict[str, Path]) -> None:
    root = media["root"]
    (root / "mine.json").write_text(
        json.dumps(
            {
                "sound": "m.m4a",
                "output": TINY,
                "slots": [{"beats": 2}, {"beats": 2}],
                "texts": [{"key": "title", "default": "x", "end_beat": 2}],
            }
        )
    )
    out = root / "cli.mp4"
    args = [
        "template",
        "render",
        str(root / "mine.json"),
        "--clips",
        str(media["red"]),
        str(media["bars"]),
        "--text",
        "title=Hi",
        "-o",
        str(out),
        "--json",
    ]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert report["cuts"] == pytest.approx([1.0]) and probe(out).duration == pytest.approx(2.0, abs=0.1)
    bad = CliRunner().invoke(app, ["template", "render", "beat5", str(media["red"]), "-o", str(out)])
    assert bad.exit_code == 2 and "did you mean 'beat-5'" in bad.output
