"""The analysis pass: decode a clip at a low rate and size, run the face detector, keep raw landmarks.

The detector is a seam (``FaceDetector``); ``MediaPipeDetector`` is the real one: MediaPipe's
FaceMesh solution with refined landmarks (478 points), which finds faces with the bundled
short-range face detector and tracks them between frames. Frames are decoded by ffmpeg (rotation
applied), scaled so the long side is at most ``AnalysisParams.long_side`` and sampled on a fixed
grid of ``rate`` frames per second of source time, so analysed ranges from different renders of
the same file line up and can be cached and merged.
"""

from __future__ import annotations

import contextlib
import importlib.machinery
import importlib.util
import math
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

import numpy as np

from editor import ffmpeg
from editor.errors import MediaError, RenderError
from editor.face.landmarks import N_LANDMARKS
from editor.plan.graph import num
from editor.probe import MediaInfo


class _LazyDrawing:
    """Import MediaPipe's drawing helpers lazily (``importlib.util.LazyLoader``): their code runs on
    first attribute access. ``mediapipe.python.solutions`` imports them eagerly, and they import
    matplotlib.pyplot and OpenCV, about a second of a cold face render; we never draw with them.
    (Not matplotlib itself lazily: on Python 3.11 the ``import matplotlib.pyplot`` statement reads
    the lazy modules' ``__spec__`` and ``__path__``, which loads them at once.)"""

    names = frozenset(
        {"mediapipe.python.solutions.drawing_utils", "mediapipe.python.solutions.drawing_styles"}
    )

    @classmethod
    def find_spec(
        cls, name: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if name not in cls.names:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


if _LazyDrawing not in sys.meta_path:
    sys.meta_path.insert(0, _LazyDrawing)


class FaceDetector(Protocol):
    """Finds faces in consecutive RGB frames of one video; call ``close`` when done."""

    def detect(self, rgb: np.ndarray) -> list[np.ndarray]:
        """Landmarks of every face in ``rgb`` (H x W x 3 uint8), each ``(478, 2)`` in 0..1 of W and H."""
        ...

    def close(self) -> None: ...


DetectorFactory = Callable[[int], FaceDetector]  # max_faces -> a fresh detector for one video run


@dataclass(frozen=True)
class AnalysisParams:
    """What the analysis depends on besides the file's bytes (part of the cache key)."""

    # 10 samples/s: the tracker's ~8-10 ms a sample was most of a cold face render's cost at 15;
    # smoothing interpolates to the output's frame rate either way. The model works on its own
    # small crops, so 480 px only makes decoding and scaling cheaper.
    rate: float = 10.0
    long_side: int = 480
    max_faces: int = 4
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def key(self) -> str:
        return (
            f"r{num(self.rate)}-l{self.long_side}-m{self.max_faces}"
            f"-d{num(self.min_detection_confidence)}-t{num(self.min_tracking_confidence)}"
        )


class MediaPipeDetector:
    """MediaPipe FaceMesh (video mode, refined landmarks) behind the ``FaceDetector`` seam."""

    def __init__(self, max_faces: int = 4, params: AnalysisParams = AnalysisParams()) -> None:
        # MediaPipe's C++ side logs through glog/absl to stderr; keep a CLI's output to its own lines.
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        try:
            from mediapipe.python.solutions import face_mesh
        except ImportError as exc:  # pragma: no cover - mediapipe is a hard dependency
            raise RenderError(f"face effects need MediaPipe: {exc}") from exc
        try:
            self._mesh: Any = face_mesh.FaceMesh(
                static_image_mode=False,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=params.min_detection_confidence,
                min_tracking_confidence=params.min_tracking_confidence,
            )
        except Exception as exc:  # MediaPipe raises plain RuntimeError/ValueError
            raise RenderError(f"could not start the face tracker: {exc}") from exc

    def detect(self, rgb: np.ndarray) -> list[np.ndarray]:
        try:
            result = self._mesh.process(rgb)
        except Exception as exc:
            raise RenderError(f"the face tracker failed: {exc}") from exc
        faces = result.multi_face_landmarks or []
        out = []
        for face in faces:
            pts = np.array([(p.x, p.y) for p in face.landmark], dtype=np.float32)
            if pts.shape == (N_LANDMARKS, 2):
                out.append(pts)
        return out

    def close(self) -> None:
        self._mesh.close()


def _import_face_mesh() -> None:
    os.environ.setdefault("GLOG_minloglevel", "2")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with contextlib.suppress(ImportError):  # MediaPipeDetector reports it where it matters
        from mediapipe.python.solutions import face_mesh  # noqa: F401


def preload_mediapipe() -> threading.Thread:
    """Import MediaPipe in a background thread (seconds: it pulls in OpenCV and matplotlib), so it
    overlaps the analysis decode's start; ``MediaPipeDetector`` then waits only for what is left
    (Python's import lock). Only when analysis is needed: a cached render must not pay the import's
    CPU. Render worker processes call it when they start."""
    thread = threading.Thread(target=_import_face_mesh, daemon=True, name="mediapipe-preload")
    thread.start()
    return thread


def mediapipe_factory(max_faces: int) -> FaceDetector:
    return MediaPipeDetector(max_faces)


@dataclass(frozen=True)
class RawFrames:
    """Raw detections on grid indices: sample ``i`` is source time ``i / rate``."""

    indices: np.ndarray  # (M,) int64, sorted, unique
    counts: np.ndarray  # (M,) faces per sample
    points: np.ndarray  # (sum(counts), 478, 2) float32, normalised 0..1 (x of width, y of height)

    @staticmethod
    def empty() -> RawFrames:
        return RawFrames(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, N_LANDMARKS, 2), np.float32)
        )

    def faces_at(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(index, (n, 478, 2) points)`` per sample, in time order."""
        offsets = np.concatenate([[0], np.cumsum(self.counts)])
        for k, idx in enumerate(self.indices):
            yield int(idx), self.points[offsets[k] : offsets[k + 1]]

    def window(self, first: int, last: int) -> RawFrames:
        """Samples with ``first <= index <= last``."""
        keep = (self.indices >= first) & (self.indices <= last)
        per_face = np.repeat(keep, self.counts)
        return RawFrames(self.indices[keep], self.counts[keep], self.points[per_face])

    def merged(self, other: RawFrames) -> RawFrames:
        """Both sets of samples; on a clash ``other`` wins."""
        mine = ~np.isin(self.indices, other.indices)
        per_face = np.repeat(mine, self.counts)
        indices = np.concatenate([self.indices[mine], other.indices])
        counts = np.concatenate([self.counts[mine], other.counts])
        points = np.concatenate([self.points[per_face], other.points])
        order = np.argsort(indices, kind="stable")
        offsets = np.concatenate([[0], np.cumsum(counts)])
        rows = np.concatenate(
            [np.arange(offsets[k], offsets[k + 1]) for k in order] or [np.zeros(0, np.int64)]
        )
        return RawFrames(indices[order], counts[order], points[rows.astype(np.int64)])


def analysis_size(info: MediaInfo, long_side: int) -> tuple[int, int]:
    """The decode size for analysis: the display size scaled so its long side is at most ``long_side``."""
    scale = min(1.0, long_side / max(info.width, info.height))
    return max(2, round(info.width * scale / 2) * 2), max(2, round(info.height * scale / 2) * 2)


def last_index(info: MediaInfo, rate: float) -> int:
    return max(0, math.ceil(info.duration * rate) - 1)


def decode_samples(
    info: MediaInfo, first: int, last: int, params: AnalysisParams
) -> Iterator[tuple[int, np.ndarray]]:
    """``(grid index, RGB frame)`` for samples ``first..last`` of ``info.path``: display orientation,
    at the analysis size. The one decode of every analysis (face mesh here, the shared scene pass)."""
    width, height = analysis_size(info, params.long_side)
    seek = ["-ss", num(first / params.rate, 6)] if first > 0 else []
    args = [
        *ffmpeg.input_args(info.path, before=[*seek, "-t", num((last - first + 1) / params.rate, 6)]),
        "-map", "0:v:0", "-an", "-sn", "-dn",
        "-vf", f"fps={num(params.rate, 6)}:round=near,scale={width}:{height}:flags=bilinear",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
    ]  # fmt: skip
    size = width * height * 3
    try:
        with ffmpeg.open_pipe(args) as proc:
            assert proc.stdout is not None
            k = 0
            while first + k <= last:
                buf = _read_exact(proc.stdout, size)
                if buf is None:
                    break
                yield first + k, np.frombuffer(buf, np.uint8).reshape(height, width, 3)
                k += 1
    except RenderError as exc:
        if exc.stderr_tail:
            raise MediaError(f"{info.path.name}: could not decode the video for analysis ({exc})") from exc
        raise


def analyse_range(
    info: MediaInfo, first: int, last: int, params: AnalysisParams, factory: DetectorFactory
) -> RawFrames:
    """Decode samples ``first..last`` of ``info.path`` and run a fresh detector over them."""
    indices: list[int] = []
    counts: list[int] = []
    points: list[np.ndarray] = []
    detector: FaceDetector | None = None
    try:
        for idx, rgb in decode_samples(info, first, last, params):
            if detector is None:  # built once ffmpeg runs: its start-up and the model's load overlap
                detector = factory(params.max_faces)
            faces = detector.detect(rgb)
            indices.append(idx)
            counts.append(len(faces))
            points.extend(faces)
    finally:
        if detector is not None:
            detector.close()
    stacked = np.stack(points).astype(np.float32) if points else np.zeros((0, N_LANDMARKS, 2), np.float32)
    return RawFrames(np.array(indices, np.int64), np.array(counts, np.int64), stacked)


def _read_exact(stream: Any, size: int) -> bytes | None:
    chunks: list[bytes] = []
    got = 0
    while got < size:
        chunk = stream.read(size - got)
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
