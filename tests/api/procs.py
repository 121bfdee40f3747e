"""Process helpers for tests: which ffmpeg processes are still running for a given folder."""

from __future__ import annotations

from pathlib import Path


def ffmpeg_processes(folder: Path) -> list[int]:
    """Pids of live ffmpeg processes whose command line mentions ``folder``."""
    found = []
    needle = str(folder).encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            state = (proc / "stat").read_text().split(") ", 1)[1][:1]
        except OSError:
            continue
        if b"ffmpeg" in cmdline.split(b"\0", 1)[0] and needle in cmdline and state != "Z":
            found.append(int(proc.name))
    return found
