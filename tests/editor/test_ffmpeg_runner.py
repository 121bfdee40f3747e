"""The one process runner: progress, hard timeout, cancel, errors with the stderr tail, no orphans."""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import pytest

from editor import ffmpeg
from editor.errors import RenderCancelled, RenderError, RenderTimeout

ENDLESS = ["-filter_complex", "testsrc2=s=320x240:r=30[v]", "-map", "[v]", "-f", "null", "-"]


def ffmpeg_children() -> list[int]:
    """Live (non-zombie) ffmpeg processes started by this test process."""
    mine = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if "ffmpeg" in stat.split(")")[0] and int(fields[1]) == os.getpid() and fields[0] != "Z":
            mine.append(int(entry.name))
    return mine


def test_progress_is_reported_up_to_one() -> None:
    seen: list[float] = []
    ffmpeg.run(
        ["-filter_complex", "testsrc2=s=160x120:r=30:d=2[v]", "-map", "[v]", "-f", "null", "-"],
        duration=2.0,
        on_progress=seen.append,
    )
    assert seen[-1] == 1.0 and all(0 <= a <= b <= 1 for a, b in itertools.pairwise(seen))


def test_a_timeout_kills_the_process_group() -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match="longer than the 1 s limit"):
        ffmpeg.run(ENDLESS, timeout=1.0)
    assert time.monotonic() - started < 10
    assert ffmpeg_children() == []


def test_cancel_stops_a_running_render() -> None:
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    with pytest.raises(RenderCancelled):
        ffmpeg.run(ENDLESS, cancel=cancel)
    assert ffmpeg_children() == []


def test_a_failure_carries_the_command_and_the_stderr_tail() -> None:
    with pytest.raises(RenderError) as caught:
        ffmpeg.run(["-filter_complex", "nosuchfilter[v]", "-map", "[v]", "-f", "null", "-"])
    error = caught.value
    assert error.message.startswith("ffmpeg failed (exit")
    assert "nosuchfilter" in error.stderr_tail and "nosuchfilter" in " ".join(error.command)


def test_capture_returns_decoded_bytes() -> None:
    raw = ffmpeg.capture(
        ["-filter_complex", "sine=f=440:d=0.5:r=8000[a]", "-map", "[a]", "-f", "s16le", "-ac", "1", "pipe:1"]
    )
    assert len(raw) == 8000  # 0.5 s x 8000 Hz x 2 bytes
