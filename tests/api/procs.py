"""Process helpers for tests: which ffmpeg processes are running, and for what."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path


def ffmpeg_cmdlines() -> Iterator[tuple[int, bytes]]:
    """(pid, NUL-separated command line) of every live ffmpeg process."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if b"ffmpeg" in cmdline.split(b"\0", 1)[0] and state != "Z":
            yield int(proc.name), cmdline


def ffmpeg_processes(folder: Path) -> list[int]:
    """Pids of live ffmpeg processes whose command line mentions ``folder``."""
    needle = str(folder).encode()
    return [pid for pid, cmdline in ffmpeg_cmdlines() if needle in cmdline]
