"""IO side of face effects: analysis (cached), tracks at output frame times, and the files the graph reads.

``prepare_faces`` runs once per clip before rendering. Everything it writes goes to ``work_dir``
with the clip's ``tag`` as prefix: sticker PNGs normalised by us (ffmpeg never parses a user's
PNG), ``sendcmd`` scripts and FFV1 mask videos. ``face_filters`` then only adds graph chains.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image

from editor.errors import SpecError
from editor.face import landmarks as lm
from editor.face.assets import builtin_image, load_user_png
from editor.face.cache import CacheEntry, Coverage, FaceCache
from editor.face.composite import FacePlan, Layer, MaskLayer, StickerFace, StickerLayer, add_layers
from editor.face.effects import FaceEffectBase, MaskEffect, StickerEffect, resolve_asset
from editor.face.masks import write_mask_video
from editor.face.scene import Kind, Scene, analyse_scene
from editor.face.smoothing import Track, TrackFrames, TrackingParams, build_tracks, resample
from editor.face.tracking import (
    AnalysisParams,
    DetectorFactory,
    RawFrames,
    analyse_range,
    last_index,
    mediapipe_factory,
    preload_mediapipe,
)
from editor.face.triggers import envelope, holds, needs_hands
from editor.home import file_sha256
from editor.plan.graph import Graph, num
from editor.probe import MediaInfo

DEFAULT_ANALYSIS = AnalysisParams()
DEFAULT_TRACKING = TrackingParams()
MAX_STICKER_SIDE_FACTOR = 2.0
SIZE_STEP = 0.01  # relative sticker size change that triggers a rescale


@dataclass(frozen=True)
class AnalysisStats:
    samples: int  # analysed frames in the requested range
    with_face: int  # ... of which had at least one face
    analysed_now: int  # frames the detector ran on in this call (0 = fully cached)


@dataclass(frozen=True)
class PreparedFaces:
    """The result of ``prepare_faces``: what ``face_filters`` adds to the graph, plus facts and warnings."""

    plan: FacePlan
    warnings: tuple[str, ...]
    face_ids: tuple[int, ...]
    stats: AnalysisStats
    tracks: tuple[TrackFrames, ...] = field(repr=False, default=())
    start: float = 0.0

    @property
    def active(self) -> bool:
        return bool(self.plan.layers)


def face_filters(prepared: PreparedFaces, g: Graph, src: str, *, width: int, height: int) -> str:
    """Add the face layers to ``g`` after the clip's source video ``src``; returns the output label.

    ``src`` must be the clip's source video (display orientation, ``width`` x ``height`` =
    the probed size, source frame rate) with timestamps starting at 0 at source time ``start``.
    """
    if (width, height) != (prepared.plan.width, prepared.plan.height):
        raise ValueError(
            f"face layers were prepared for {prepared.plan.width}x{prepared.plan.height}, "
            f"not {width}x{height}"
        )
    return add_layers(prepared.plan, g, src)


def prepare_faces(
    clip: Path,
    info: MediaInfo,
    effects: Sequence[FaceEffectBase],
    *,
    start: float,
    end: float,
    work_dir: Path,
    cache_dir: Path,
    tag: str,
    asset_root: Path | None = None,
    label: str | None = None,
    detector_factory: DetectorFactory | None = None,
    analysis: AnalysisParams = DEFAULT_ANALYSIS,
    tracking: TrackingParams = DEFAULT_TRACKING,
    scene: Scene | None = None,
) -> PreparedFaces:
    """Analyse ``clip`` over source time ``[start, end)`` (cached) and write the layers' files.

    ``label`` names the clip in warnings (e.g. ``"clips[0]"``); ``asset_root`` is where user
    sticker paths are resolved (as in ``validate_face_effects``). Effects with a ``when`` trigger
    take the mesh and hands from ``scene`` (the clip's shared analysis), analysed here if not given.
    """
    where = label or clip.name
    fps = Fraction(info.fps or 30.0).limit_denominator(1001)
    plan_empty = FacePlan(info.width, info.height, fps, ())
    if not effects:
        return PreparedFaces(plan_empty, (), (), AnalysisStats(0, 0, 0), start=start)
    if not info.has_video:
        return PreparedFaces(
            plan_empty, (f"{where}: no video; face effects skipped",), (), AnalysisStats(0, 0, 0), start=start
        )
    end = min(end, info.duration) if info.duration > 0 and not info.is_still else end
    if end <= start:
        raise SpecError.at(where, f"empty time range for face effects ({start} to {end})")
    work_dir.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[^A-Za-z0-9_]", "_", tag)

    samples, stats = _analyse(
        clip, info, start, end, cache_dir, detector_factory or mediapipe_factory, analysis
    )
    if info.is_still:
        tracking = replace(tracking, min_hits=1, hold=1e9)
    tracks = build_tracks(samples, info.width, info.height, tracking)
    frames = math.ceil((end - start) * float(fps) - 1e-6) + 1
    out_times = start + np.arange(frames) / float(fps)
    by_id = {t.face_id: t for t in tracks}
    warnings: list[str] = []
    if not tracks:
        warnings.append(f"{where}: no face found; face effects skipped")
        return PreparedFaces(plan_empty, tuple(warnings), (), stats, start=start)

    resampled: dict[int, TrackFrames] = {}
    layers: list[Layer] = []
    for i, effect in enumerate(effects):
        chosen = _select(effect, tracks, warnings, f"{where}.face_effects[{i}]")
        for fid in chosen:
            if fid not in resampled:
                resampled[fid] = resample(by_id[fid], out_times, analysis.rate, tracking)
        faces = [resampled[f] for f in chosen if resampled[f].visible.any()]
        if effect.when is not None and faces:
            if scene is None:
                kinds: set[Kind] = {"mesh", "hands"} if needs_hands(effect.when) else {"mesh"}
                scene = analyse_scene(
                    clip, info, kinds, start=start, end=end, cache_dir=cache_dir, params=analysis
                )
            hands = scene.get("hands") if needs_hands(effect.when) else None
            env = envelope(holds(effect.when, scene.get("mesh"), hands), scene.rate, out_times)
            if not env.any():
                warnings.append(
                    f"{where}.face_effects[{i}].when: '{effect.when}' never holds; the effect stays off"
                )
            faces = [TrackFrames(f.face_id, f.points, f.alpha * env) for f in faces]
            faces = [f for f in faces if f.visible.any()]
        if not faces:
            continue
        name = f"{prefix}e{i}"
        layer = _layer(
            effect, faces, name, fps, frames, info, work_dir, asset_root, f"{where}.face_effects[{i}]"
        )
        if layer is not None:
            layers.append(layer)
    plan = FacePlan(info.width, info.height, fps, tuple(layers))
    return PreparedFaces(
        plan,
        tuple(warnings),
        tuple(t.face_id for t in tracks),
        stats,
        tuple(resampled[k] for k in sorted(resampled)),
        start,
    )


def _analyse(
    clip: Path,
    info: MediaInfo,
    start: float,
    end: float,
    cache_dir: Path,
    factory: DetectorFactory,
    params: AnalysisParams,
) -> tuple[list[tuple[float, np.ndarray]], AnalysisStats]:
    cache = FaceCache(cache_dir, params)
    digest = file_sha256(clip)
    entry = cache.load(digest) or CacheEntry(RawFrames.empty(), Coverage())
    top = 0 if info.is_still else last_index(info, params.rate)
    first = max(0, math.floor(start * params.rate) - 1)
    last = min(top, math.ceil(end * params.rate) + 1)
    analysed = 0
    frames, coverage = entry.frames, entry.coverage
    missing = coverage.missing(first, last)
    if missing and factory is mediapipe_factory:
        preload_mediapipe()  # the import overlaps the analysis decode's start-up
    for a, b in missing:
        new = analyse_range(info, a, b, params, factory)
        analysed += len(new.indices)
        frames, coverage = frames.merged(new), coverage.add(a, b)
    if analysed or coverage != entry.coverage:
        cache.save(digest, CacheEntry(frames, coverage))
    window = frames.window(first, last)
    samples = [(idx / params.rate, pts) for idx, pts in window.faces_at()]
    if info.is_still and samples:
        samples = [(start + k / params.rate, samples[0][1]) for k in range(3)]
    in_range = [s for s in samples if start - 1e-6 <= s[0] < end]
    stats = AnalysisStats(len(in_range), sum(1 for s in in_range if len(s[1])), analysed)
    return samples, stats


def _select(effect: object, tracks: list[Track], warnings: list[str], where: str) -> list[int]:
    faces = getattr(effect, "faces", "all")
    ids = [t.face_id for t in tracks]
    if faces == "all":
        return ids
    if faces == "largest":
        return [max(tracks, key=lambda t: t.weight).face_id]
    missing = [f for f in faces if f not in ids]
    if missing:
        warnings.append(
            f"{where}: no face {', '.join(map(str, missing))} in this clip "
            f"(faces found: {', '.join(map(str, ids))})"
        )
    return [f for f in faces if f in ids]


def _layer(
    effect: FaceEffectBase,
    faces: list[TrackFrames],
    name: str,
    fps: Fraction,
    frames: int,
    info: MediaInfo,
    work_dir: Path,
    asset_root: Path | None,
    where: str,
) -> Layer | None:
    size = (info.width, info.height)
    if isinstance(effect, StickerEffect):
        return _sticker_layer(effect, faces, name, fps, frames, size, work_dir, asset_root, where)
    if not isinstance(effect, MaskEffect):
        raise SpecError.at(where, f"unsupported face effect {type(effect).__name__}")
    iod = float(np.median([lm.inter_ocular(f.points[f.visible]).max() for f in faces]))
    planned = effect.mask(iod, info.width, info.height)
    if planned is None:
        return None
    style, filters = planned
    path = work_dir / f"{name}_mask.mkv"
    write_mask_video(path, faces, frames, fps, size, style)
    return MaskLayer(effect.kind, path, filters)


def _sticker_layer(
    effect: StickerEffect,
    faces: list[TrackFrames],
    name: str,
    fps: Fraction,
    frames: int,
    size: tuple[int, int],
    work_dir: Path,
    asset_root: Path | None,
    where: str,
) -> StickerLayer | None:
    resolved = resolve_asset(effect.asset, field=f"{where}.asset", asset_root=asset_root)
    image = (
        builtin_image(effect.asset)
        if resolved.path is None
        else load_user_png(resolved.path, label=f"{where}.asset")
    )
    meta = resolved.meta
    anchor = effect.anchor or meta.anchor
    aspect = image.height / image.width
    cap = MAX_STICKER_SIDE_FACTOR * max(size)

    geoms = []
    for f in faces:
        iod = lm.inter_ocular(f.points)
        u, v = lm.eye_axes(f.points)
        point = (
            lm.anchor_point(f.points, anchor) + (effect.offset[0] * u + effect.offset[1] * v) * iod[:, None]
        )
        width = np.clip(meta.width_iod * effect.scale * iod, 1.0, cap)
        angle = np.arctan2(u[:, 1], u[:, 0])
        geoms.append((f, point, width, angle))
    max_w = max(float(w[f.visible].max()) for f, _, w, _ in geoms)
    png_w = max(1, math.ceil(max_w))
    png_h = max(1, round(png_w * aspect))
    png = work_dir / f"{name}_sticker.png"
    image.resize((png_w, png_h), Image.Resampling.LANCZOS).save(png)

    plans = [
        (f, _sticker_rows(f, point, width, angle, aspect, meta.point)) for f, point, width, angle in geoms
    ]
    rows_all = [r for _, rows in plans for r in rows]
    cw = max(math.ceil(abs(r[0] * math.cos(r[2])) + abs(r[1] * math.sin(r[2]))) for r in rows_all) + 4
    ch = max(math.ceil(abs(r[0] * math.sin(r[2])) + abs(r[1] * math.cos(r[2]))) for r in rows_all) + 4
    canvas = (cw + cw % 2, ch + ch % 2)
    sticker_faces = []
    for f, rows in plans:
        fname = f"{name}f{f.face_id}"
        placed = [_place(r, canvas) for r in rows]
        sticker_cmds = work_dir / f"{fname}_sticker.cmd"
        overlay_cmds = work_dir / f"{fname}_overlay.cmd"
        _write_cmds(sticker_cmds, overlay_cmds, fname, placed, fps)
        sticker_faces.append(StickerFace(fname, sticker_cmds, overlay_cmds, placed[0]))
    return StickerLayer(png, canvas, tuple(sticker_faces))


Row = tuple[int, int, float, float, float, float, float, float]  # w, h, angle, alpha, px, py, ax, ay


def _sticker_rows(
    f: TrackFrames,
    point: np.ndarray,
    width: np.ndarray,
    angle: np.ndarray,
    aspect: float,
    anchor: tuple[float, float],
) -> list[Row]:
    """Per output frame: sticker size, angle, opacity, face point, and the anchor on the image."""
    visible = np.nonzero(f.visible)[0]
    rows: list[Row] = []
    w = h = 0
    for n in range(len(f.alpha)):
        j = n if f.alpha[n] > 0 else int(visible[np.argmin(np.abs(visible - n))])
        target = max(1, round(float(width[j])))
        if abs(target - w) > max(1.0, SIZE_STEP * w):  # fewer scaler re-inits; position stays exact
            w, h = target, max(1, round(target * aspect))
        rows.append(
            (
                w,
                h,
                float(angle[j]),
                float(f.alpha[n]),
                float(point[j, 0]),
                float(point[j, 1]),
                anchor[0] * w,
                anchor[1] * h,
            )
        )
    return rows


def _place(row: Row, canvas: tuple[int, int]) -> tuple[int, int, float, float, int, int]:
    """Overlay position so the image's anchor, rotated about the image centre, lands on the face point."""
    w, h, angle, alpha, px, py, ax, ay = row
    cw, ch = canvas
    dx, dy = ax - w / 2, ay - h / 2
    cos, sin = math.cos(angle), math.sin(angle)
    rx, ry = dx * cos - dy * sin, dx * sin + dy * cos
    return w, h, angle, alpha, round(px - cw / 2 - rx), round(py - ch / 2 - ry)


def _write_cmds(
    sticker_path: Path,
    overlay_path: Path,
    name: str,
    placed: list[tuple[int, int, float, float, int, int]],
    fps: Fraction,
) -> None:
    sticker_lines, overlay_lines = [], []
    prev: tuple[int, int, float, float, int, int] | None = None
    for n, (w, h, angle, alpha, x, y) in enumerate(placed):
        t = max(0.0, (n - 0.25) / float(fps))
        cmds = []
        if prev is None or (w, h) != prev[:2]:
            cmds += [f"scale@{name}s w {w}", f"scale@{name}s h {h}"]
        if prev is None or abs(alpha - prev[3]) > 1e-3:
            cmds.append(f"colorchannelmixer@{name}a aa {num(alpha, 3)}")
        if prev is None or abs(angle - prev[2]) > 1e-4:
            cmds.append(f"rotate@{name}r a {num(angle, 5)}")
        if cmds:
            sticker_lines.append(f"{t:.6f} [enter] {', '.join(cmds)};")
        if prev is None or (x, y) != prev[4:]:
            overlay_lines.append(f"{t:.6f} [enter] overlay@{name}o x {x}, overlay@{name}o y {y};")
        prev = (w, h, angle, alpha, x, y)
    sticker_path.write_text("\n".join(sticker_lines) + "\n")
    overlay_path.write_text("\n".join(overlay_lines) + "\n")
