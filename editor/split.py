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

from audio.analysis import SoundAnalysis
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
LEAD_IN = 0.25  # source seconds read before a piece's cut: longer than a frame of any real video

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
        lead_in=LEAD_IN if piece.start > 0 else 0.0,  # a later piece starts inside a clip
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


@dataclass(frozen=True)
class SplitJob:
    """A split render prepared once (probed, synced, planned): what each of its steps needs."""

    spec: EditSpec  # synced to its sound's beats, if asked
    media: dict[str, MediaInfo]
    luts: dict[str, Path]
    duration: float
    cuts: tuple[float, ...]  # the timeline's clip cuts (the result reports them)
    plan: SplitPlan
    metadata: dict[str, str]  # the MP4's credit tags
    credits: tuple[dict[str, str], ...]


def prepare_split(
    spec: EditSpec,
    *,
    resolve: Resolver,
    pieces: int,
    limits: Limits = Limits(),
    credits: Sequence[Credit] = (),
    analyses: Mapping[str, SoundAnalysis] | None = None,
    asset_root: Path | None = None,
    home: Path | None = None,
) -> SplitJob:
    """Check, probe, sync and cut ``spec`` into up to ``pieces`` pieces (one, and a reason, when it
    does not split)."""
    luts = check_assets(spec, resolve, asset_root)
    media = probe_sources(spec, resolve, limits)
    spec = synced(spec, media, analyses or {}, home)
    timeline = build_timeline(spec, media)
    split = plan_split(spec, timeline, pieces)
    if len(split.pieces) > 1:
        load_captions(spec, resolve)  # none: captions never split, but a broken file is still an error
    metadata, records = render_credits(spec, media, credits)
    return SplitJob(spec, media, luts, timeline.duration, timeline.cuts, split, metadata, records)


def join_into(
    job: SplitJob, pieces: Sequence[Path], sound: Path, output: Path, *, limits: Limits, timeout: float
) -> StepTime:
    """Join the rendered pieces and the sound into ``output``, which appears only when complete."""
    if sum(path.stat().st_size for path in pieces) > limits.max_bytes:
        raise MediaLimitError(f"the render passed the {limits.max_bytes}-byte output limit")
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.with_name(f".{output.stem}.{uuid.uuid4().hex[:8]}.partial.mp4")
    files = [(path, piece.duration) for path, piece in zip(pieces, job.plan.pieces, strict=True)]
    try:
        step = join(files, sound, staging, duration=job.duration, metadata=job.metadata, limits=limits,
                    timeout=timeout)  # fmt: skip
        os.replace(staging, output)
    finally:
        staging.unlink(missing_ok=True)
    return step


def split_result(job: SplitJob, output: Path, *, draft: bool, seconds: float) -> RenderResult:
    out = job.spec.output.draft() if draft else job.spec.output
    return RenderResult(
        output=output.resolve(),
        duration=job.duration,
        width=out.width,
        height=out.height,
        fps=out.fps,
        render_seconds=seconds,
        warnings=tuple(s for s in [job.plan.reason] if s),
        cuts=job.cuts,
        credits=job.credits,
    )


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
    """Render ``spec`` in up to ``workers`` pieces at once on this machine; edits that do not split
    (short, or with what a piece cannot reproduce: ``SplitPlan.reason``) render in one piece as
    ``render`` does. ``work_root`` is where the temporary pieces go (default: the system's)."""
    started = time.monotonic()
    job = prepare_split(spec, resolve=resolve, pieces=workers, limits=limits, credits=credits,
                        asset_root=asset_root, home=home)  # fmt: skip
    split = job.plan
    if len(split.pieces) == 1:
        result = render(
            spec, output, resolve=resolve, draft=draft, limits=limits, credits=credits,
            asset_root=asset_root, home=home, threads=threads, timeout=timeout, work_root=work_root,
        )  # fmt: skip
        said = (split.reason,) if split.reason else ()  # why it did not split, for the caller to show
        return replace(result, warnings=(*said, *result.warnings)), split
    cancel = threading.Event()
    steps: list[StepTime] = []

    def done(step: StepTime) -> StepTime:
        steps.append(step)
        if on_step is not None:
            on_step(step)
        return step

    with tempfile.TemporaryDirectory(prefix="reelforge-split-", dir=work_root) as tmp:
        work = Path(tmp)
        files = [work / f"piece{i:03d}.mp4" for i in range(len(split.pieces))]
        with ThreadPoolExecutor(max_workers=workers + 1) as pool:
            sound = pool.submit(
                render_sound, job.spec, job.media, work / "sound.m4a", limits=limits, cancel=cancel,
                timeout=timeout,
            )  # fmt: skip
            run_piece = partial(
                render_piece_again, PIECE_ATTEMPTS, media=job.media, luts=job.luts, draft=draft,
                limits=limits, threads=threads, cancel=cancel, timeout=timeout,
            )  # fmt: skip
            jobs = []
            for i, piece in enumerate(split.pieces):
                (work / f"text{i}").mkdir()
                jobs.append(pool.submit(run_piece, piece, target=files[i], work_dir=work / f"text{i}"))
            try:
                for future in [sound, *jobs]:
                    done(future.result())
            except BaseException:
                cancel.set()  # the other pieces stop now, not after they finish
                raise
        done(join_into(job, files, work / "sound.m4a", output, limits=limits, timeout=timeout))
    return split_result(job, output, draft=draft, seconds=time.monotonic() - started), split
