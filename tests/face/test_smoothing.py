"""Track building and resampling on synthetic landmarks (no MediaPipe, no video)."""

from __future__ import annotations

import numpy as np

from editor.face import landmarks as lm
from editor.face.smoothing import TrackingParams, build_tracks, resample

W, H = 400, 800


def _face(cx: float, cy: float, iod: float) -> np.ndarray:
    """A fake 478-point face (normalised coords) with its irises ``iod`` pixels apart."""
    pts = np.zeros((lm.N_LANDMARKS, 2), np.float32)
    pts[:] = (cx, cy)
    pts[lm.RIGHT_IRIS] = (cx - iod / 2, cy)
    pts[lm.LEFT_IRIS] = (cx + iod / 2, cy)
    return pts / np.array([W, H], np.float32)


def test_ids_follow_faces_not_detection_order() -> None:
    samples = []
    for i in range(20):
        a, b = _face(100 + 3 * i, 200, 40), _face(300 - 3 * i, 600, 30)
        faces = np.stack([a, b] if i % 2 else [b, a])  # the detector's order flips every frame
        samples.append((i / 15, faces))
    samples.append((20 / 15, np.stack([_face(90, 700, 20)])))  # a one-off false positive
    tracks = build_tracks(samples, W, H, TrackingParams())
    assert [t.face_id for t in tracks] == [0, 1]
    left, right = (lm.eye_centre(t.points) for t in tracks)
    assert np.allclose(left[:, 1], 200) and np.allclose(right[:, 1], 600)
    assert np.all(np.diff(left[:, 0]) > 0) and np.all(np.diff(right[:, 0]) < 0)


def test_lost_face_holds_then_fades_and_short_gaps_are_bridged() -> None:
    params = TrackingParams()
    seen = [i for i in range(30) if i not in (10, 11)]  # a 2-sample dropout, then lost after 2 s
    samples = [(i / 15, np.stack([_face(200, 300, 50)])) for i in seen]
    (track,) = build_tracks(samples, W, H, params)
    out_times = np.arange(0, 3.5, 1 / 30)
    frames = resample(track, out_times, 15.0, params)
    alpha = frames.alpha
    assert alpha[out_times < 1.9].min() == 1.0  # the dropout at ~0.7 s never shows
    last = 29 / 15 + 0.5 / 15
    assert alpha[(out_times > last) & (out_times < last + params.hold)].min() == 1.0
    fading = alpha[
        (out_times > last + params.hold + 0.05) & (out_times < last + params.hold + params.fade - 0.05)
    ]
    assert len(fading) and (fading > 0).all() and (fading < 1).all() and np.all(np.diff(fading) < 0)
    assert alpha[out_times > last + params.hold + params.fade + 0.01].max() == 0.0
