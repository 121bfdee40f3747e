"""A split render: pieces of a long edit rendered by separate ffmpeg processes side by side, the
sound rendered once for the whole timeline, then joined without re-encoding (``editor.plan.split``).

``render_split`` runs it all on this machine (``workers`` processes at once); ``render_piece``,
``render_sound`` and ``join`` are the steps a queue can hand to different machines.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from audio.attribution import Credit
from editor import ffmpeg
from editor.errors import MediaLimitError, RenderCancelled, RenderError, RenderTimeout
from editor.plan.build import WorkFiles, plan_render
from editor.plan.graph import num
from editor.plan.split import Piece, SplitPlan, plan_split
from editor.plan.timeline import build_timeline
from editor.probe import Limits, MediaInfo
from editor.render import (
    RenderResult,
    Resolver,
    check_assets,
    load_captions,
    probe_sources,
    render,
    render_credits,
    synced,
)
from editor.spec import EditSpec
from editor.text.layers import prepare_text

CONCAT_HEADER = "ffconcat version 1.0\n"
PIECE_ATTEMPTS = 2

log = logging.getLogger("reelforge.split")


@dataclass(frozen=True)
class StepTime:
    """What one step cost: wall seconds, and the output seconds it made (for the cost model)."""

    step: str  # "piece 2", "sound", "join"
    seconds: float
    output_seconds: float


def render_piece(
    piece: Piece,
    media: Mapping[str, MediaInfo],
    target: Path,
    luts: Mapping[str, Path],
    *,
    draft: bool,
    limits: Limits,
    work_dir: Path,
    threads: int | None = None,
    cancel: threading.Event | None = None,
    timeout: float = 3600.0,
) -> StepTime:
    """Render one piece's picture (no sound) to ``target``; its first frame is an IDR frame."""
    started = time.monotonic()
    spec = piece.spec
    timeline = build_timeline(spec, media)
    out = spec.output.draft() if draft else spec.output
    cues = ()  # captions never split (``why_not``)
    texts = prepare_text(spec, cues, work_dir, (out.width, out.height), timeline.duration)
    plan = plan_render(
        spec,
        media,
        target,
        WorkFiles(texts, luts),
        timeline=timeline,
        draft=draft,
        limits=limits,
        threads=threads,
        streams="video",
    )
    ffmpeg.run(plan.args, timeout=timeout, cancel=cancel)
    return StepTime(f"piece at {piece.start:.2f} s", time.monotonic() - started, piece.duration)


def render_piece_again(attempts: int, piece: Piece, **options: Any) -> StepTime:
    """``render_piece``, again when its ffmpeg dies (killed, out of memory): a lost piece costs
    only itself. Timeouts, cancels and errors that are not ffmpeg's are not retried."""
    for attempt in range(1, attempts + 1):
        try:
            step = render_piece(piece, **options)
        except (RenderTimeout, RenderCancelled):
            raise
        except RenderError as exc:
            if attempt == attempts:
                raise
            log.warning("piece at %.2f s failed (%s); rendering it again", piece.start, exc.message)
            continue
        return step if attempt == 1 else replace(step, step=f"{step.step} (attempt {attempt})")
    raise AssertionError("unreachable")


def render_sound(
    spec: EditSpec,
    media: Mapping[str, MediaInfo],
    target: Path,
    *,
    limits: Limits,
    cancel: threading.Event | None = None,
    timeout: float = 3600.0,
) -> StepTime:
    """The whole timeline's sound (AAC in MP4), exactly as the one-piece render mixes it."""
    started = time.monotonic()
    timeline = build_timeline(spec, media)
    plan = plan_render(spec, media, target, timeline=timeline, limits=limits, streams="audio")
    ffmpeg.run(plan.args, timeout=timeout, cancel=cancel)
    return StepTime("sound", time.monotonic() - started, timeline.duration)


def concat_list(pieces: Sequence[tuple[Path, float]]) -> str:
    """The concat demuxer's list: each file with its exact length, so timestamps add up exactly."""
    lines = [CONCAT_HEADER]
    for path, seconds in pieces:
        lines.append(f"file '{path.name}'\nduration {num(seconds, 6)}\n")
    return "".join(lines)


def join(
    pieces: Sequence[tuple[Path, float]],
    sound: Path,
    target: Path,
    *,
    duration: float,
    metadata: Mapping[str, str],
    limits: Limits,
    timeout: float = 3600.0,
) -> StepTime:
    """Concatenate the pieces' video and mux the sound: stream copy only, MP4 with fast start."""
    started = time.monotonic()
    folder = pieces[0][0].parent
    listing = folder / f"pieces-{uuid.uuid4().hex[:8]}.ffconcat"
    listing.write_text(concat_list(pieces))
    args = [
        *ffmpeg.concat_input_args(listing),
        *ffmpeg.input_args(sound, demuxer="mov"),
        "-map",
        "0:v",
        "-map",
        "1:a",
        "-c",
        "copy",
        "-movflags",
        "+faststart+use_metadata_tags",
        "-t",
        num(duration, 6),
        "-fs",
        str(limits.max_bytes),
    ]
    for key, value in sorted(metadata.items()):
        args += ["-metadata", f"{key}={value}"]
    ffmpeg.run([*args, "-f", "mp4", f"file:{target.resolve()}"], timeout=timeout)
    return StepTime("join", time.monotonic() - started, duration)


def render_split(
    spec: EditSpec,
    output: Path,
    *,
    resolve: Resolver,
    workers: int,
    draft: bool = False,
    limits: Limits = Limits(),
    credits: Sequence[Credit] = (),
    asset_root: Path | None = None,
    home: Path | None = None,
    threads: int | None = None,
    timeout: float = 3600.0,
    on_step: Callable[[StepTime], None] | None = None,
    work_root: Path | None = None,
) -> tuple[RenderResult, SplitPlan]:
    """Render ``spec`` in up to ``workers`` pieces at once; edits that do not split (short, or with
    what a piece cannot reproduce: ``SplitPlan.reason``) render in one piece as ``render`` does.
    ``work_root`` is where the temporary pieces go (default: the system's temporary folder)."""
    started = time.monotonic()
    luts = check_assets(spec, resolve, asset_root)
    media = probe_sources(spec, resolve, limits)
    spec = synced(spec, media, {}, home)
    timeline = build_timeline(spec, media)
    split = plan_split(spec, timeline, workers)
    if len(split.pieces) == 1:
        result = render(
            spec, output, resolve=resolve, draft=draft, limits=limits, credits=credits,
            asset_root=asset_root, home=home, threads=threads, timeout=timeout, work_root=work_root,
        )  # fmt: skip
        said = (split.reason,) if split.reason else ()  # why it did not split, for the caller to show
        return replace(result, warnings=(*said, *result.warnings)), split
    load_captions(spec, resolve)  # none: captions never split, but a broken file is still an error
    metadata, records = render_credits(spec, media, credits)
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.partial.mp4")
    cancel = threading.Event()
    steps: list[StepTime] = []

    def done(step: StepTime) -> StepTime:
        steps.append(step)
        if on_step is not None:
            on_step(step)
        return step

    with tempfile.TemporaryDirectory(prefix="reelforge-split-", dir=work_root) as tmp:
        work = Path(tmp)
        files = [(work / f"piece{i:03d}.mp4", p.duration) for i, p in enumerate(split.pieces)]
        with ThreadPoolExecutor(max_workers=workers + 1) as pool:
            sound = pool.submit(
                render_sound, spec, media, work / "sound.m4a", limits=limits, cancel=cancel, timeout=timeout
            )
            run_piece = partial(
                render_piece_again, PIECE_ATTEMPTS, media=media, luts=luts, draft=draft, limits=limits,
                threads=threads, cancel=cancel, timeout=timeout,
            )  # fmt: skip
            jobs = []
            for i, piece in enumerate(split.pieces):
                (work / f"text{i}").mkdir()
                jobs.append(pool.submit(run_piece, piece, target=files[i][0], work_dir=work / f"text{i}"))
            try:
                for job in [sound, *jobs]:
                    done(job.result())
            except BaseException:
                cancel.set()  # the other pieces stop now, not after they finish
                raise
        if sum(path.stat().st_size for path, _ in files) > limits.max_bytes:
            raise MediaLimitError(f"the render passed the {limits.max_bytes}-byte output limit")
        try:
            done(join(files, work / "sound.m4a", staging, duration=timeline.duration, metadata=metadata,
                      limits=limits, timeout=timeout))  # fmt: skip
            os.replace(staging, output)
        finally:
            staging.unlink(missing_ok=True)
    out = spec.output.draft() if draft else spec.output
    result = RenderResult(
        output=output,
        duration=timeline.duration,
        width=out.width,
        height=out.height,
        fps=out.fps,
        render_seconds=time.monotonic() - started,
        warnings=tuple(s for s in [split.reason] if s),
        cuts=timeline.cuts,
        credits=records,
    )
    return result, split
