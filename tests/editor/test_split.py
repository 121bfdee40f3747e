"""Split renders: the cuts planned as data, then a split render compared with a one-piece render."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
from pathlib import Path
from typing import Any

import av
import pytest

from editor import ffmpeg
from editor.plan.build import plan_render
from editor.plan.split import SplitPlan, allowed_spans, plan_split
from editor.plan.timeline import build_timeline
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from editor.split import LEAD_IN, concat_list, render_split
from tests.conftest import TINY, run_cli, write_spec
from tests.editor.test_plan import MEDIA

# a.mp4 is 4 s in the planning tests' made-up media and in the demo media.
LONG: dict[str, Any] = {
    "output": TINY,
    "clips": [
        {"src": "a.mp4", "transition": {"type": "fade", "duration": 0.5}},
        {"src": "a.mp4"},
        {"src": "a.mp4", "in": 0.5, "transition": {"type": "slideleft", "duration": 0.5}},
        {"src": "a.mp4"},
        {"src": "a.mp4", "effects": [{"type": "ken_burns"}]},
        {"src": "a.mp4", "speed": 2.0},
    ],
    "overlays": [
        {"text": "still", "start": 1, "end": 15},
        {"text": "pop", "start": 15.5, "end": 17.5, "animation": {"in": "pop"}},
    ],
    "audio": {"loudness": None},
}  # 4 + 4 - 0.5 + 3.5 + 4 - 0.5 + 4 + 2 = 20.5 s


def planned(spec: dict[str, Any], pieces: int) -> SplitPlan:
    edit = parse_spec(spec)
    return plan_split(edit, build_timeline(edit, MEDIA), pieces)


def test_cuts_fall_inside_clips_away_from_transitions_timed_effects_and_animated_text() -> None:
    edit = parse_spec(LONG)
    timeline = build_timeline(edit, MEDIA)
    assert [(round(c.start, 3), round(c.duration, 3)) for c in timeline.clips] == [
        (0, 4), (3.5, 4), (7.5, 3.5), (10.5, 4), (14.5, 4), (18.5, 2),
    ]  # fmt: skip
    spans = [(round(a, 4), round(b, 4)) for a, b in allowed_spans(edit, timeline)]
    # EDGE (0.25 s) from each clip's ends: no sliver of a clip too short to hold a source frame
    assert spans == [
        (0.25, 3.25),  # clip 0 up to its fade
        (4.25, 7.25),  # clip 1 after the fade
        (7.75, 10.25),  # clip 2 up to its slide
        (11.25, 14.25),  # clip 3 after the slide; clip 4 zooms
        (18.75, 20.25),  # clip 5, after the animated text
    ]


def test_a_long_edit_splits_near_equal_parts_on_the_frame_grid() -> None:
    plan = planned(LONG, 4)
    assert plan.reason is None
    assert [round(c * 30, 6) for c in plan.cuts] == [154, 308, 428]  # frames: 5.133 s, 10.267 s, 14.267 s
    assert [round(p.duration, 4) for p in plan.pieces] == [5.1333, 5.1333, 4.0, 6.2333]
    first, second = plan.pieces[0].spec, plan.pieces[1].spec
    # The clip cut in two: the first piece ends it early without its transition, the second
    # starts it late with its transition kept.
    assert (first.clips[-1].in_, first.clips[-1].out, first.clips[-1].transition) == (
        0.0,
        pytest.approx(1.6333, abs=1e-4),
        None,
    )
    assert (second.clips[0].in_, second.clips[0].out) == (pytest.approx(1.6333, abs=1e-4), 4.0)
    ends_early = second.clips[1]  # clip 2 (in 0.5) cut before its slide: its transition goes
    assert (ends_early.in_, ends_early.out, ends_early.transition) == (
        0.5,
        pytest.approx(3.2667, abs=1e-4),
        None,
    )
    assert plan.pieces[2].spec.clips[0].transition is not None  # ... and stays with its other half
    # Text moves to the piece's time; still text crossing a cut is split in two.
    assert [(o.text, o.start, round(o.end or 0, 4)) for o in first.overlays] == [("still", 1.0, 5.1333)]
    assert [(o.text, o.start, round(o.end or 0, 4)) for o in second.overlays] == [("still", 0.0, 5.1333)]
    later = plan.pieces[3].spec
    assert [(o.text, round(o.start, 4), round(o.end or 0, 4)) for o in later.overlays] == [
        ("still", 0.0, 0.7333),
        ("pop", 1.2333, 3.2333),
    ]
    assert sum(p.duration for p in plan.pieces) == pytest.approx(20.5)


def test_a_piece_that_starts_inside_a_clip_reads_a_lead_in_before_its_cut() -> None:
    later = planned(LONG, 2).pieces[1]
    cut_clip = later.spec.clips[0]
    assert cut_clip.in_ > LEAD_IN
    lead = plan_render(later.spec, MEDIA, Path("piece.mp4"), streams="video", lead_in=LEAD_IN)
    plain = plan_render(later.spec, MEDIA, Path("piece.mp4"), streams="video")
    # its first input seeks a quarter second earlier and reads that much more; the frames before
    # the cut are timed before 0, where the frame rate conversion takes the one it shows first
    assert float(lead.args[lead.args.index("-ss") + 1]) == pytest.approx(cut_clip.in_ - LEAD_IN, abs=1e-6)
    assert float(plain.args[plain.args.index("-ss") + 1]) == pytest.approx(cut_clip.in_, abs=1e-6)
    assert lead.graph.replace("setpts=PTS-0.25/TB,", "") == plain.graph
    assert lead.graph.count("setpts=PTS-0.25/TB,fps=30:start_time=0") == 1  # the first clip only


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"clips": [{"src": "a.mp4"}] * 3}, "shorter than 20 s"),
        ({"effects": [{"type": "fade_out"}]}, "(fade_out)"),
        ({"layers": [{"src": "a.mp4", "box": {"x": 0, "y": 0, "w": 0.5, "h": 0.5}}]}, "layers"),
        ({"face_effects": [{"type": "blur_face"}]}, "face effects"),
        ({"effects": [{"type": "auto_enhance"}]}, "(auto_enhance)"),
        ({"clips": [{**c, "effects": [{"type": "stabilize"}]} for c in LONG["clips"]]}, "(stabilize)"),
        ({"clips": [{**c, "effects": [{"type": "background"}]} for c in LONG["clips"]]}, "(background)"),
        ({"clips": [{**c, "fit": "smart"} for c in LONG["clips"]]}, "smart reframe"),
    ],
)
def test_what_a_piece_cannot_reproduce_renders_in_one_piece(change: dict[str, Any], reason: str) -> None:
    plan = planned({**LONG, **change}, 4)
    assert len(plan.pieces) == 1 and reason in (plan.reason or "")


def test_the_concat_list_gives_each_piece_its_exact_length() -> None:
    listing = concat_list([(Path("/w/piece000.mp4"), 5.1333333), (Path("/w/piece001.mp4"), 2.5)])
    assert listing == (
        "ffconcat version 1.0\nfile 'piece000.mp4'\nduration 5.133333\nfile 'piece001.mp4'\nduration 2.5\n"
    )


def psnr(a: Path, b: Path, start: float, end: float) -> float:
    """ffmpeg's psnr filter over [start, end) of two videos: the average, in dB."""
    trim = f"trim=start={start}:end={end},setpts=PTS-STARTPTS"
    result = ffmpeg.run(
        [
            *ffmpeg.input_args(a),
            *ffmpeg.input_args(b),
            "-lavfi",
            f"[0:v]{trim}[a];[1:v]{trim}[b];[a][b]psnr",
            "-f",
            "null",
            "-",
        ]
    )
    found = re.findall(r"average:(\S+)", result.stderr_tail)
    return float("inf") if found[-1] == "inf" else float(found[-1])


def facts(path: Path) -> tuple[int, float, float, float]:
    """Video frames, video seconds, audio seconds, and where the audio starts against the video."""
    with av.open(str(path)) as c:
        video, audio = c.streams.video[0], c.streams.audio[0]
        frames = [p for p in c.demux(video) if p.size]
        assert video.time_base and audio.time_base
        v_end = max(float((p.pts or 0) + (p.duration or 0)) * video.time_base for p in frames)
        a_start = float((audio.start_time or 0) * audio.time_base)
        a_seconds = float((audio.duration or 0) * audio.time_base)
        v_start = float((video.start_time or 0) * video.time_base)
    return len(frames), round(v_end - v_start, 3), round(a_seconds, 2), round(a_start - v_start, 3)


def test_a_split_render_equals_the_one_piece_render(workdir: Path) -> None:
    spec = parse_spec({**LONG, "audio": {"sound": {"src": "music.m4a", "volume": 0.5}, "loudness": -16}})
    whole = render(spec, workdir / "whole.mp4", resolve=local_resolver(workdir))
    steps: list[str] = []
    split, plan = render_split(
        spec,
        workdir / "split.mp4",
        resolve=local_resolver(workdir),
        workers=3,
        on_step=lambda s: steps.append(s.step),
    )
    assert len(plan.pieces) == 3 and sorted(steps) == sorted(
        ["sound", "join", *(f"piece at {p.start:.2f} s" for p in plan.pieces)]
    )
    assert split.duration == whole.duration == pytest.approx(20.5)
    assert facts(split.output) == facts(whole.output)  # frames, lengths and A/V offset
    with av.open(str(split.output)) as c:  # the pieces start on IDR frames: closed GOPs at the cuts
        keys = [round(float((p.pts or 0) * p.time_base), 3) for p in c.demux(video=0) if p.is_keyframe]
    assert {round(cut, 3) for cut in plan.cuts} <= set(keys)
    for cut in plan.cuts:
        assert psnr(split.output, whole.output, cut - 0.5, cut + 0.5) > 38, cut
    assert [p.name for p in workdir.iterdir() if "partial" in p.name] == []


def test_the_cli_splits_with_split_n(workdir: Path) -> None:
    spec = write_spec(workdir, LONG)
    out = workdir / "out.mp4"
    result = run_cli("render", str(spec), "-o", str(out), "--split", "2", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["duration"] == 20.5 and summary["warnings"] == []
    assert facts(out)[0] == round(20.5 * 30)  # every frame there once
    both = run_cli("render", str(spec), "-o", str(out), "--split", "2", "--hls", "h", cwd=workdir)
    assert both.returncode == 2 and "--split and --hls" in both.stderr


def rendering(folder: Path, name: str) -> list[int]:
    """Pids of live ffmpeg processes writing ``name`` under ``folder``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except (OSError, IndexError):
            continue
        mine = any(a.startswith(f"file:{folder}".encode()) and a.endswith(name.encode()) for a in argv)
        if b"ffmpeg" in argv[0] and mine and state != "Z":
            found.append(int(proc.name))
    return found


def test_a_piece_whose_ffmpeg_is_killed_is_rendered_again_alone(workdir: Path) -> None:
    # 720x1280 so that each piece runs long enough to be caught running.
    spec = parse_spec({**LONG, "output": {"width": 720, "height": 1280, "fps": 30, "preset": "veryfast"}})
    steps: list[str] = []
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = render_split(
                spec,
                workdir / "split.mp4",
                resolve=local_resolver(workdir),
                workers=3,
                on_step=lambda s: steps.append(s.step),
                work_root=workdir,  # so that its ffmpeg processes name this test's folder
            )
        except BaseException as exc:  # reported below
            outcome["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    victim = None
    deadline = time.monotonic() + 120
    while victim is None and worker.is_alive() and time.monotonic() < deadline:
        victim = next(iter(rendering(workdir, "piece001.mp4")), None)
        time.sleep(0.01)
    assert victim is not None, "the second piece's ffmpeg was never seen running"
    os.kill(victim, signal.SIGKILL)
    worker.join(timeout=300)
    assert "error" not in outcome, outcome.get("error")
    result, plan = outcome["result"]
    second = f"piece at {plan.pieces[1].start:.2f} s"
    assert f"{second} (attempt 2)" in steps  # that piece again...
    assert sum("attempt" in s for s in steps) == 1  # ... and no other
    assert facts(result.output)[0] == round(20.5 * 30)
