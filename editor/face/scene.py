"""The shared analysis pass: one low-rate decode of a clip feeds every MediaPipe model it needs.

Kinds (each cached on its own, by content, on the same time grid as the face mesh so entries of
different renders line up and merge):

- ``mesh``: FaceMesh landmarks ``(478, 2)`` per face (the face effects' file, shared with them);
- ``faces``: full-range face detection boxes ``(x, y, w, h, score)`` (small, distant faces count);
- ``pose``: 33 pose landmarks ``(x, y, visibility)``, run only on samples without a face (the
  reframe's fallback subject), so it costs nothing on talking-head clips;
- ``hands``: 21 landmarks ``(x, y, z)`` per hand (gesture triggers);
- ``matte``: the selfie-segmentation person matte, uint8 at ``MATTE_LONG_SIDE``.

All coordinates are 0..1 of the display frame. A render first calls ``analyse_scene`` with the
union of what its effects need; later consumers of the same clip find everything cached.
"""

from __future__ import annotations

import math
import os
import tempfile
import zipfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from editor.errors import ReelForgeError, RenderError
from editor.face.cache import Coverage, FaceCache
from editor.face.tracking import (
    AnalysisParams,
    DetectorFactory,
    RawFrames,
    decode_samples,
    last_index,
    mediapipe_factory,
    preload_mediapipe,
)
from editor.home import file_sha256
from editor.probe import MediaInfo

Kind = Literal["mesh", "faces", "pose", "hands", "matte"]
KINDS: tuple[Kind, ...] = ("mesh", "faces", "pose", "hands", "matte")
SCENE_VERSION = 1
MATTE_LONG_SIDE = 256
_SHAPES: dict[str, tuple[int, ...]] = {"mesh": (478, 2), "faces": (5,), "pose": (33, 3), "hands": (21, 3)}


def matte_size(width: int, height: int) -> tuple[int, int]:
    """The stored matte's size for a ``width`` x ``height`` analysis frame (aspect kept)."""
    k = min(1.0, MATTE_LONG_SIDE / max(width, height))
    return max(2, round(width * k)), max(2, round(height * k))


class SceneModels(Protocol):
    """Runs one kind's model on a frame: ``(count, *item_shape)`` results; ``close`` when done."""

    def run(self, kind: Kind, rgb: np.ndarray) -> np.ndarray: ...

    def close(self) -> None: ...


ModelsFactory = Callable[[Collection[Kind], AnalysisParams], SceneModels]


class MediaPipeModels:
    """The real models (MediaPipe solutions bundled in the wheel), started only for the kinds asked."""

    def __init__(
        self,
        kinds: Collection[Kind],
        params: AnalysisParams,
        mesh_factory: DetectorFactory = mediapipe_factory,
    ) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        from mediapipe.python.solutions import face_detection, hands, pose, selfie_segmentation

        self._open: dict[str, Any] = {}
        self._tiled = False  # the last faces were found only on tiles: start there next time
        try:
            if "mesh" in kinds:
                self._open["mesh"] = mesh_factory(params.max_faces)
            if "faces" in kinds:
                self._open["faces"] = face_detection.FaceDetection(
                    model_selection=1, min_detection_confidence=0.5
                )
            if "pose" in kinds:
                self._open["pose"] = pose.Pose(static_image_mode=False, model_complexity=1)
            if "hands" in kinds:
                self._open["hands"] = hands.Hands(
                    static_image_mode=False, max_num_hands=2, model_complexity=0
                )
            if "matte" in kinds:
                self._open["matte"] = selfie_segmentation.SelfieSegmentation(model_selection=1)
        except Exception as exc:
            self.close()
            raise RenderError(f"could not start the scene analysis models: {exc}") from exc

    def run(self, kind: Kind, rgb: np.ndarray) -> np.ndarray:
        model = self._open[kind]
        try:
            if kind == "mesh":
                faces = model.detect(rgb)
                return np.stack(faces).astype(np.float32) if faces else _none(kind)
            if kind == "faces":
                found, self._tiled = _faces(model, rgb, self._tiled)
                return found
            result = model.process(rgb)
        except ReelForgeError:
            raise
        except Exception as exc:
            raise RenderError(f"the {kind} model failed: {exc}") from exc
        if kind == "pose":
            lms = result.pose_landmarks
            if lms is None:
                return _none(kind)
            return np.array([[(p.x, p.y, p.visibility) for p in lms.landmark]], np.float32)
        if kind == "hands":
            hands = result.multi_hand_landmarks or []
            rows = [[(p.x, p.y, p.z) for p in h.landmark] for h in hands]
            return np.array(rows, np.float32).reshape(-1, 21, 3)
        import cv2

        mask = result.segmentation_mask
        w, h = matte_size(rgb.shape[1], rgb.shape[0])
        small = cv2.resize(mask, (w, h), interpolation=cv2.INTER_AREA)
        return np.clip(small * 255 + 0.5, 0, 255).astype(np.uint8)[None]

    def close(self) -> None:
        for model in self._open.values():
            model.close()
        self._open.clear()


def _detect(model: Any, rgb: np.ndarray) -> np.ndarray:
    result = model.process(rgb)
    boxes = [d.location_data.relative_bounding_box for d in result.detections or []]
    scores = [d.score[0] for d in result.detections or []]
    rows = [(b.xmin, b.ymin, b.width, b.height, s) for b, s in zip(boxes, scores, strict=True)]
    return np.array(rows, np.float32).reshape(-1, 5)


def _faces(model: Any, rgb: np.ndarray, tiles_first: bool) -> tuple[np.ndarray, bool]:
    """Full-range detection on the frame; on a wide frame with no face found, on square tiles (the
    model sees 192x192: a distant face in a landscape frame is too small until cropped). Returns
    the boxes and whether they came from the tiles (then the next frame starts with the tiles)."""
    h, w = rgb.shape[:2]
    wide = w >= 1.2 * h
    if tiles_first and wide:
        found = _tiles(model, rgb)
        if len(found):
            return found, True
    found = _detect(model, rgb)
    if len(found) or not wide or tiles_first:
        return found, False
    found = _tiles(model, rgb)
    return found, bool(len(found))


def _tiles(model: Any, rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    n = math.ceil(w / h)
    rows: list[np.ndarray] = []
    for x in np.linspace(0, w - h, n).round().astype(int):
        tile = _detect(model, np.ascontiguousarray(rgb[:, x : x + h]))
        tile[:, 0] = (tile[:, 0] * h + x) / w  # back to the whole frame's 0..1
        tile[:, 2] = tile[:, 2] * h / w
        rows.extend(tile)
    return _distinct(np.array(rows, np.float32).reshape(-1, 5))


def _distinct(boxes: np.ndarray, overlap: float = 0.3) -> np.ndarray:
    """The best-scoring box of each group overlapping by more than ``overlap`` (IoU)."""
    kept: list[np.ndarray] = []
    for b in boxes[np.argsort(-boxes[:, 4])]:
        if all(_iou(b, k) <= overlap for k in kept):
            kept.append(b)
    return np.array(kept, np.float32).reshape(-1, 5)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return float(inter / max(a[2] * a[3] + b[2] * b[3] - inter, 1e-9))


def _none(kind: str) -> np.ndarray:
    return np.zeros((0, *_SHAPES[kind]), np.float32)


class SceneCache:
    """One ``.npz`` per (content, kind, parameters): samples and the index ranges covered.

    The ``mesh`` file is the face effects' own (``FaceCache``): same path and layout.
    """

    def __init__(self, directory: Path, params: AnalysisParams) -> None:
        self.directory = directory
        self.params = params

    def path_for(self, digest: str, kind: Kind) -> Path:
        if kind == "mesh":
            return FaceCache(self.directory, self.params).path_for(digest)
        return self.directory / f"{digest}-s{SCENE_VERSION}-{kind}-{self.params.key()}.npz"

    def load(self, digest: str, kind: Kind) -> tuple[RawFrames, Coverage] | None:
        path = self.path_for(digest, kind)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                frames = RawFrames(data["indices"], data["counts"], data["points"])
                ranges = tuple((int(a), int(b)) for a, b in data["coverage"].reshape(-1, 2))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        if int(frames.counts.sum()) != len(frames.points) or len(frames.indices) != len(frames.counts):
            return None
        return frames, Coverage(ranges)

    def save(self, digest: str, kind: Kind, frames: RawFrames, coverage: Coverage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez_compressed(
                    fh,
                    indices=frames.indices,
                    counts=frames.counts,
                    points=frames.points,
                    coverage=np.array(coverage.ranges, np.int64).reshape(-1, 2),
                )
            os.replace(tmp, self.path_for(digest, kind))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


@dataclass(frozen=True)
class Scene:
    """Analysed samples of one clip over a window of the grid, by kind; sample ``i`` is ``i / rate`` s."""

    rate: float
    frames: Mapping[Kind, RawFrames]
    analysed_now: int  # frames decoded in this call (0 = everything was cached)

    def get(self, kind: Kind) -> RawFrames:
        return self.frames[kind]


def grid_window(info: MediaInfo, start: float, end: float, rate: float) -> tuple[int, int]:
    """The grid samples that cover ``[start, end)`` with one sample of margin on each side."""
    top = 0 if info.is_still else last_index(info, rate)
    return max(0, math.floor(start * rate) - 1), min(top, math.ceil(end * rate) + 1)


def analyse_scene(
    clip: Path,
    info: MediaInfo,
    kinds: Collection[Kind],
    *,
    start: float,
    end: float,
    cache_dir: Path,
    params: AnalysisParams = AnalysisParams(),
    factory: ModelsFactory | None = None,
) -> Scene:
    """The ``kinds`` of ``clip`` over source time ``[start, end)``: cached parts loaded, the rest
    analysed in one decode pass over the missing samples (each model runs only where it is missing)."""
    wanted = [k for k in KINDS if k in kinds]
    if "pose" in wanted and "faces" not in wanted:
        wanted.insert(wanted.index("pose"), "faces")  # pose runs where no face was found
    cache = SceneCache(cache_dir, params)
    digest = file_sha256(clip)
    first, last = grid_window(info, start, end, params.rate)
    held: dict[str, tuple[RawFrames, Coverage]] = {}
    gaps: dict[Kind, list[tuple[int, int]]] = {}
    for kind in wanted:
        held[kind] = cache.load(digest, kind) or (RawFrames(*_empty(kind)), Coverage())
        gaps[kind] = held[kind][1].missing(first, last)
    todo = Coverage()
    for ranges in gaps.values():
        for a, b in ranges:
            todo = todo.add(a, b)
    analysed = 0
    if todo.ranges:
        if factory is None:
            preload_mediapipe()  # the import overlaps the analysis decode's start-up
        needed = [k for k in wanted if gaps[k]]
        new = _decode_pass(info, todo.ranges, gaps, needed, params, factory or _default_factory)
        analysed = sum(b - a + 1 for a, b in todo.ranges)
        for kind in needed:
            frames, coverage = held[kind]
            for a, b in gaps[kind]:
                coverage = coverage.add(a, b)
            if len(new[kind].indices):
                frames = new[kind] if not len(frames.indices) else frames.merged(new[kind])
            held[kind] = (frames, coverage)
            cache.save(digest, kind, frames, coverage)
    window = {k: held[k][0].window(first, last) for k in wanted}
    return Scene(params.rate, window, analysed)


def _empty(kind: Kind) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    dtype = np.uint8 if kind == "matte" else np.float32
    shape = (0, 1, 1) if kind == "matte" else (0, *_SHAPES[kind])
    return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(shape, dtype)


def _default_factory(kinds: Collection[Kind], params: AnalysisParams) -> SceneModels:
    return MediaPipeModels(kinds, params)


def _decode_pass(
    info: MediaInfo,
    ranges: tuple[tuple[int, int], ...],
    gaps: Mapping[Kind, list[tuple[int, int]]],
    kinds: list[Kind],
    params: AnalysisParams,
    factory: ModelsFactory,
) -> dict[Kind, RawFrames]:
    out: dict[Kind, tuple[list[int], list[int], list[np.ndarray]]] = {k: ([], [], []) for k in kinds}
    models: SceneModels | None = None
    try:
        for first, last in ranges:
            for idx, rgb in decode_samples(info, first, last, params):
                if models is None:  # built once ffmpeg runs: its start-up and the models' load overlap
                    models = factory(kinds, params)
                found_face = False
                for kind in kinds:
                    if not any(a <= idx <= b for a, b in gaps[kind]):
                        continue
                    result = _none("pose") if kind == "pose" and found_face else models.run(kind, rgb)
                    found_face = found_face or (kind == "faces" and len(result) > 0)
                    indices, counts, items = out[kind]
                    indices.append(idx)
                    counts.append(len(result))
                    items.extend(result)
    finally:
        if models is not None:
            models.close()
    frames: dict[Kind, RawFrames] = {}
    for kind, (indices, counts, items) in out.items():
        empty = _empty(kind)[2]
        data = np.stack(items) if items else empty
        frames[kind] = RawFrames(np.array(indices, np.int64), np.array(counts, np.int64), data)
    return frames
