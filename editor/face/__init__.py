"""AR face effects: MediaPipe analysis (cached), stable smoothed tracks, ffmpeg-native compositing.

The planner's contract::

    validate_face_effects(effects, field="clips[0].face_effects", asset_root=...)   # before rendering
    prepared = prepare_faces(clip, info, effects, start=..., end=..., work_dir=..., cache_dir=..., tag="c0_")
    out_label = face_filters(prepared, graph, src_label, width=info.width, height=info.height)
"""

from typing import Any

from editor.face.cache import ANALYSIS_VERSION, default_cache_dir
from editor.face.effects import (
    FACE_EFFECTS,
    BeautyEffect,
    BlurFaceEffect,
    FaceEffect,
    LipTintEffect,
    PixelateFaceEffect,
    StickerEffect,
    validate_face_effects,
)

# MediaPipe and OpenCV load only when a face is analysed, so parsing a spec stays fast.
_LAZY = {
    "AnalysisStats": "editor.face.prepare",
    "PreparedFaces": "editor.face.prepare",
    "face_filters": "editor.face.prepare",
    "prepare_faces": "editor.face.prepare",
    "FaceDetector": "editor.face.tracking",
    "MediaPipeDetector": "editor.face.tracking",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)


__all__ = [
    "ANALYSIS_VERSION",
    "FACE_EFFECTS",
    "AnalysisStats",
    "BeautyEffect",
    "BlurFaceEffect",
    "FaceDetector",
    "FaceEffect",
    "LipTintEffect",
    "MediaPipeDetector",
    "PixelateFaceEffect",
    "PreparedFaces",
    "StickerEffect",
    "default_cache_dir",
    "face_filters",
    "prepare_faces",
    "validate_face_effects",
]
