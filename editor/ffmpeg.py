"""The one place that starts processes: ffmpeg, with progress, timeout, cancel and clean kills,
and the long-lived helper processes of a server (``start_helper``: its render workers).

Every ffmpeg runs in its own process group and dies with its parent (PR_SET_PDEATHSIG), so a
timeout, a cancel, Ctrl-C or a killed worker never leaves an orphaned ffmpeg behind. Every input
must be a local file opened with the protocol and demuxer allow-lists (see ``input_args``);
``check_inputs`` refuses any argv that breaks that rule before anything starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from editor.errors import RenderCancelled, RenderError, RenderTimeout

# Demuxers a user file may be opened with. Never hls, concat, playlists, devices or lavfi.
ALLOWED_DEMUXERS = (
    "mov,mp4,m4a,3gp,3g2,mj2",
    "matroska,webm",
    "wav",
    "mp3",
    "ogg",
    "flac",
    "aac",
    "image2",
    "png_pipe",
    "jpeg_pipe",
    "webp_pipe",
)
FORMAT_WHITELIST = ",".join(ALLOWED_DEMUXERS)
PROTOCOL_WHITELIST = "file"
_SAFE_INPUT_OPTS = ("-protocol_whitelist", PROTOCOL_WHITELIST, "-format_whitelist", FORMAT_WHITELIST)

# The audio of every file we publish (renders, remixed sounds): AAC 160 kb/s at 48 kHz.
AAC_OUTPUT = ("-c:a", "aac", "-b:a", "160k", "-ar", "48000")

ProgressCallback = Callable[[float], None]

_HINTS = (
    ("not on whitelist", "the file is not an accepted media format (playlists and lists are refused)"),
    ("Invalid data found", "the file is not valid media or is truncated"),
    ("No such file", "a media file is missing"),
    ("Cannot allocate memory", "the media needs more memory than allowed"),
    ("No space left", "the disk is full"),
    ("Error initializing filter", "the filter graph was rejected; this is a bug in ReelForge"),
)


@cache
def ffmpeg_exe() -> str:
    """``$REELFORGE_FFMPEG`` when an operator sets one, else the static ffmpeg inside the pinned
    imageio-ffmpeg wheel: the build the suite, the benchmarks and the Docker image all run. Never a
    PATH lookup: a system ffmpeg (another version, other filters) would be picked up silently."""
    return os.environ.get("REELFORGE_FFMPEG") or str(wheel_ffmpeg())


def wheel_ffmpeg() -> Path:
    """The binary the imageio-ffmpeg wheel ships for this platform (its ``binaries`` folder)."""
    from importlib.resources import files

    folder = Path(str(files("imageio_ffmpeg.binaries")))
    found = sorted(p for p in folder.glob("ffmpeg-*") if p.is_file())
    if not found:
        raise RenderError(
            f"no ffmpeg in {folder} for this platform; set REELFORGE_FFMPEG to an ffmpeg binary"
        )
    return found[0]


@dataclass(frozen=True)
class FfmpegBuild:
    """Which ffmpeg renders: its path, where it came from and the version it reports."""

    path: str
    origin: str  # "REELFORGE_FFMPEG" or "imageio-ffmpeg wheel"
    version: str  # the first line of ``ffmpeg -version``, e.g. "n9.0.2-17-g2a571b6068-20260930"

    def describe(self) -> str:
        return f"ffmpeg {self.version} ({self.origin}: {self.path})"

    def to_json(self) -> dict[str, str]:
        return {"path": self.path, "origin": self.origin, "version": self.version}


@cache
def ffmpeg_build() -> FfmpegBuild:
    """Run ``ffmpeg -version`` once per process; what ``probe``, ``serve`` and ``worker`` report."""
    path = ffmpeg_exe()
    origin = "REELFORGE_FFMPEG" if os.environ.get("REELFORGE_FFMPEG") else "imageio-ffmpeg wheel"
    try:
        done = subprocess.run([path, "-hide_banner", "-version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        raise RenderError(
            f"ffmpeg at {path} ({origin}) does not run: {exc}", command=[path, "-version"]
        ) from None
    first = done.stdout.decode("utf-8", "replace").partition("\n")[0]
    version = first.removeprefix("ffmpeg version ").split(" Copyright")[0].strip()
    return FfmpegBuild(path=path, origin=origin, version=version)


def input_args(path: Path, *, demuxer: str | None = None, before: Sequence[str] = ()) -> list[str]:
    """The argv for one local input, with the allow-lists; ``before`` holds -ss/-t/-loop options."""
    resolved = Path(path).resolve()
    forced = ["-f", demuxer] if demuxer else []
    return [*_SAFE_INPUT_OPTS, *before, *forced, "-i", f"file:{resolved}"]


# Our own list of our own piece files (a split render's join): concat, and MP4 inside it only.
_CONCAT_INPUT_OPTS = (
    "-protocol_whitelist",
    PROTOCOL_WHITELIST,
    "-format_whitelist",
    f"concat,{ALLOWED_DEMUXERS[0]}",
    "-f",
    "concat",
    "-safe",
    "0",
)


def concat_input_args(listing: Path) -> list[str]:
    """The argv for a concat list the render wrote (never a user's file): the pieces it names are
    opened with the same allow-lists, which the concat demuxer passes on."""
    return [*_CONCAT_INPUT_OPTS, "-i", f"file:{Path(listing).resolve()}"]


def check_inputs(args: Sequence[str]) -> None:
    """Refuse argv whose inputs are not allow-listed local files (defence in depth)."""
    previous = -2
    for i, arg in enumerate(args):
        if arg != "-i":
            continue
        target = args[i + 1] if i + 1 < len(args) else ""
        if not target.startswith("file:/"):
            raise RenderError(f"refusing ffmpeg input {target!r}: only local files may be read")
        head = list(args[previous + 2 : i])
        previous = i
        if not _contains(head, _SAFE_INPUT_OPTS) and not _contains(head, _CONCAT_INPUT_OPTS):
            raise RenderError(f"refusing ffmpeg input {target!r}: it lacks the format allow-lists")


def _contains(seq: list[str], sub: Sequence[str]) -> bool:
    n = len(sub)
    return any(tuple(seq[k : k + n]) == tuple(sub) for k in range(len(seq) - n + 1))


@dataclass(frozen=True)
class FfmpegResult:
    seconds: float
    stderr_tail: str


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


_niceness = 0  # added to each ffmpeg's niceness (see ``lower_priority``)


def lower_priority(increment: int) -> None:
    """Run every later ffmpeg of this process ``increment`` steps nicer. A render worker does this so
    that its encodes yield the CPU to the API's requests, while the worker's own Python (which holds
    database locks for short moments) keeps its normal priority and is never starved holding one."""
    global _niceness
    _niceness = increment


def _ffmpeg_child() -> None:  # runs in the child between fork and exec
    _die_with_parent()
    if _niceness:
        os.nice(_niceness)


def _spawn(argv: list[str], *, stdin: int | None, stdout: int | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        argv,
        stdin=stdin if stdin is not None else subprocess.DEVNULL,
        stdout=stdout if stdout is not None else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_ffmpeg_child,
    )


def start_helper(argv: Sequence[str], *, env: Mapping[str, str] | None = None) -> subprocess.Popen[bytes]:
    """A long-lived helper process (a render worker) with a pipe on its stdin and our stdout and
    stderr. It gets its own session, so a terminal's Ctrl-C reaches only us (we stop it in order),
    and it is killed when the thread that started it dies (PR_SET_PDEATHSIG), so a server killed
    with -9 leaves no worker behind: start helpers from a thread that outlives them."""
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        env=dict(env) if env is not None else None,
        start_new_session=True,
        preexec_fn=_die_with_parent,
    )


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """Kill ffmpeg's whole process group: TERM, a short grace, then KILL."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 1.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=grace)
            return
        except subprocess.TimeoutExpired:
            continue


def _base_argv(args: Sequence[str]) -> list[str]:
    check_inputs(args)
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]


def _tail_reader(stream: object, tail: deque[str]) -> threading.Thread:
    def read() -> None:
        for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
            tail.append(raw.decode("utf-8", "replace").rstrip())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def _failure(argv: list[str], code: int, tail: deque[str]) -> RenderError:
    text = "\n".join(tail)
    reason = next((line for line in reversed(tail) if line and not line.startswith("[out#")), "")
    hint = next((h for needle, h in _HINTS if needle in text), "")
    message = f"ffmpeg failed (exit {code}): {reason[:300]}" + (f"; {hint}" if hint else "")
    return RenderError(message, command=argv, stderr_tail=text)


def run(
    args: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float = 3600.0,
    cancel: threading.Event | None = None,
    watch: Callable[[], None] | None = None,
) -> FfmpegResult:
    """Run ffmpeg to completion; report progress in 0..1 when ``duration`` is known.

    ``watch`` runs every poll (50 ms) while ffmpeg works, e.g. to publish the files it has written
    so far; when it raises, ffmpeg is killed and the exception propagates."""
    argv = _base_argv(["-progress", "pipe:1", "-nostats", *args])
    started = time.monotonic()
    tail: deque[str] = deque(maxlen=40)
    proc = _spawn(argv, stdin=None, stdout=subprocess.PIPE)
    readers = [_tail_reader(proc.stderr, tail), _progress_reader(proc, duration, on_progress)]
    try:
        while proc.poll() is None:
            if cancel is not None and cancel.is_set():
                kill_group(proc)
                raise RenderCancelled("render cancelled", command=argv)
            if time.monotonic() - started > timeout:
                kill_group(proc)
                raise RenderTimeout(f"render took longer than the {timeout:.0f} s limit", command=argv)
            if watch is not None:
                watch()
            time.sleep(0.05)
    finally:
        kill_group(proc)  # no-op when it already exited; kills it on KeyboardInterrupt
        for reader in readers:
            reader.join(timeout=2)
    if proc.returncode != 0:
        raise _failure(argv, proc.returncode, tail)
    if on_progress is not None:
        on_progress(1.0)
    return FfmpegResult(seconds=time.monotonic() - started, stderr_tail="\n".join(tail))


def _progress_reader(
    proc: subprocess.Popen[bytes], duration: float | None, on_progress: ProgressCallback | None
) -> threading.Thread:
    def read() -> None:
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and on_progress and duration and value.lstrip("-").isdigit():
                on_progress(min(max(int(value) / 1e6 / duration, 0.0), 0.999))

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def capture(args: Sequence[str], *, timeout: float = 600.0, max_bytes: int = 1 << 31) -> bytes:
    """Run ffmpeg writing to stdout (``pipe:1``) and return the bytes, e.g. decoded PCM."""
    with open_pipe(args, timeout=timeout) as proc:
        assert proc.stdout is not None
        chunks: list[bytes] = []
        total = 0
        while chunk := proc.stdout.read(1 << 20):
            total += len(chunk)
            if total > max_bytes:
                raise RenderError(f"decoded output exceeds {max_bytes} bytes")
            chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def open_pipe(
    args: Sequence[str], *, write: bool = False, timeout: float = 3600.0
) -> Iterator[subprocess.Popen[bytes]]:
    """ffmpeg with its stdout (or, with ``write``, its stdin) as a pipe for raw frames or samples.

    On leaving the block the process must have exited with 0 (stdin is closed first when
    writing); otherwise its group is killed and a ``RenderError`` raised.
    """
    argv = _base_argv(["-nostats", *args])
    tail: deque[str] = deque(maxlen=40)
    proc = _spawn(
        argv,
        stdin=subprocess.PIPE if write else None,
        stdout=None if write else subprocess.PIPE,
    )
    reader = _tail_reader(proc.stderr, tail)
    timer = threading.Timer(timeout, kill_group, args=(proc,))
    timer.daemon = True
    timer.start()
    try:
        yield proc
        if write and proc.stdin is not None:
            proc.stdin.close()
        elif proc.stdout is not None and proc.stdout.read(1):
            kill_group(proc)  # the reader stopped early on purpose: not a failure
            return
        code = proc.wait()
    finally:
        timer.cancel()
        kill_group(proc)
        reader.join(timeout=2)
    if code != 0:
        raise _failure(argv, code, tail)
