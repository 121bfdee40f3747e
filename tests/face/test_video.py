"""Real faces through MediaPipe and ffmpeg: detection, placement, ids, smoothing, cache, region effects."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editor import samples
from editor.face import BlurFaceEffect, LipTintEffect, PixelateFaceEffect, StickerEffect, face_filters
from editor.face import landmarks as lm
from editor.face.cache import FaceCache
from editor.face.smoothing import TrackingParams, build_tracks, segments
from editor.face.tracking import AnalysisParams
from editor.home import file_sha256
from editor.plan.graph import Graph
from tests.face.conftest import CountingFactory, green_centroids, render_frames


def _eye_errors(frames: np.ndarray, tracks: tuple, radius: float = 45.0) -> np.ndarray:
    """Per frame and face: green-sticker centroid minus the eye centre (pixels)."""
    errors = []
    for n, frame in enumerate(frames):
        ys, xs = np.nonzero(green_centroids(frame))
        for track in tracks:
            if track.alpha[n] < 1:
                continue
            eye = lm.eye_centre(track.points[n])
            near = np.hypot(xs + 0.5 - eye[0], ys + 0.5 - eye[1]) < radius
            assert near.sum() > 50, f"frame {n}: no sticker near face {track.face_id}"
            errors.append((xs[near].mean() + 0.5 - eye[0], ys[near].mean() + 0.5 - eye[1]))
    return np.array(errors)


def test_moving_face_found_and_sticker_lands_between_the_eyes(clips, prepare, green_png) -> None:
    clip = clips["moving"]
    effect = StickerEffect(asset="green.png", scale=0.5)
    prepared, info = prepare(clip, [effect], asset_root=green_png.parent)
    assert prepared.stats.with_face >= 0.95 * prepared.stats.samples > 0
    assert prepared.face_ids == (0,) and prepared.warnings == ()
    frames = render_frames(clip, info, prepared)
    plain = render_frames(clip, info, None)
    assert len(frames) == len(plain) == 90
    err = _eye_errors(frames, prepared.tracks)
    assert np.abs(err).mean() < 1.5 and np.abs(err).max() < 5.0
    # far from the face (the bottom third of the frame) nothing changed
    assert np.abs(frames[:, 440:].astype(int) - plain[:, 440:]).max() <= 2


def test_two_faces_get_two_stickers_with_stable_ids(clips, prepare, green_png) -> None:
    prepared, info = prepare(
        clips["two"], [StickerEffect(asset="green.png", scale=0.5)], asset_root=green_png.parent
    )
    assert prepared.face_ids == (0, 1)
    top, bottom = sorted(prepared.tracks, key=lambda t: float(lm.eye_centre(t.points)[0, 1]))
    assert (lm.eye_centre(top.points)[:, 1] < 320).all() and (lm.eye_centre(bottom.points)[:, 1] > 320).all()
    assert top.alpha.min() == 1 and bottom.alpha.min() == 1  # never lost, never swapped
    frames = render_frames(clips["two"], info, prepared)
    err = _eye_errors(frames, prepared.tracks)
    assert len(err) == 2 * len(frames) and np.abs(err).max() < 5.0


def test_selection_of_faces_by_id_and_largest(clips, prepare, green_png) -> None:
    prepared, _ = prepare(
        clips["two"], [StickerEffect(asset="green.png", faces=[1, 5])], asset_root=green_png.parent
    )
    assert [t.face_id for t in prepared.tracks] == [1]
    assert any("no face 5" in w for w in prepared.warnings)
    prepared, _ = prepare(clips["two"], [BlurFaceEffect(faces="largest")])
    (largest,) = prepared.tracks
    assert lm.eye_centre(largest.points)[0, 1] > 320  # the mirrored copy below is shown larger


def test_face_entering_mid_clip_is_picked_up(clips, prepare) -> None:
    prepared, _ = prepare(clips["entering"], [BlurFaceEffect()])
    assert prepared.face_ids == (0, 1)
    late = prepared.tracks[1]
    first_visible = np.nonzero(late.alpha > 0)[0][0] / 30.0
    assert 1.4 <= first_visible <= 1.8
    assert prepared.tracks[0].alpha.min() == 1


def test_smoothing_removes_jitter_on_a_static_face(clips, prepare, face_cache) -> None:
    clip = clips["static"]
    _prepared, info = prepare(clip, [BlurFaceEffect()])
    entry = FaceCache(face_cache, AnalysisParams()).load(file_sha256(clip))
    assert entry is not None
    samples_ = [(i / 15.0, pts) for i, pts in entry.frames.faces_at()]
    tracks = build_tracks(samples_, info.width, info.height, TrackingParams())
    assert len(tracks) == 1
    raw = lm.eye_centre(tracks[0].points)[:30]
    ((_times, smoothed),) = segments(tracks[0], TrackingParams())
    smooth = lm.eye_centre(smoothed)[:30]
    raw_std = float(np.linalg.norm(raw.std(axis=0)))
    smooth_std = float(np.linalg.norm(smooth.std(axis=0)))
    assert smooth_std < 0.5
    assert smooth_std < 0.6 * raw_std, (raw_std, smooth_std)


def test_second_prepare_uses_the_cache_not_mediapipe(clips, prepare, tmp_path) -> None:
    counter = CountingFactory()
    cache = tmp_path / "cache"
    first, _ = prepare(clips["two"], [BlurFaceEffect()], cache_dir=cache, detector_factory=counter)
    assert counter.frames == first.stats.analysed_now > 0
    seen = counter.frames
    second, _ = prepare(
        clips["two"],
        [StickerEffect(asset="crown"), LipTintEffect()],
        cache_dir=cache,
        detector_factory=counter,
    )
    assert counter.frames == seen and second.stats.analysed_now == 0
    assert second.face_ids == first.face_ids
    # a later range of a longer clip only analyses what is missing
    part, _ = prepare(
        clips["moving"], [BlurFaceEffect()], start=0.0, end=1.0, cache_dir=cache, detector_factory=counter
    )
    rest, _ = prepare(
        clips["moving"], [BlurFaceEffect()], start=0.5, end=3.0, cache_dir=cache, detector_factory=counter
    )
    assert 0 < rest.stats.analysed_now < 45 - part.stats.analysed_now + 4


def test_region_effects_change_the_face_oval_only(clips, prepare) -> None:
    clip = clips["moving"]
    plain = None
    for effect in (
        BlurFaceEffect(),
        PixelateFaceEffect(block=12),
        LipTintEffect(color="#00ff00", opacity=1.0),
    ):
        prepared, info = prepare(clip, [effect])
        frames = render_frames(clip, info, prepared, duration=1.0)
        plain = render_frames(clip, info, None, duration=1.0) if plain is None else plain
        n = 15
        pts = prepared.tracks[0].points[n]
        diff = np.abs(frames[n].astype(int) - plain[n]).sum(axis=2)
        if isinstance(effect, LipTintEffect):
            lip = ((pts[14] + pts[17]) / 2).astype(int)  # inside the lower lip
            patch = frames[n, lip[1] - 1 : lip[1] + 2, lip[0] - 1 : lip[0] + 2].astype(int)
            base = plain[n, lip[1] - 1 : lip[1] + 2, lip[0] - 1 : lip[0] + 2].astype(int)
            assert (patch[..., 1] - patch[..., 0]).mean() > (base[..., 1] - base[..., 0]).mean() + 20
        else:
            nose = pts[lm.NOSE_TIP].astype(int)
            assert diff[nose[1] - 10 : nose[1] + 10, nose[0] - 10 : nose[0] + 10].mean() > 15
        assert diff[560:, :].max() <= 6  # the suit at the bottom is untouched
        assert diff[:, :20].max() <= 6


def test_no_face_passes_through_with_a_warning(prepare, tmp_path) -> None:
    clip = samples.make_clip(tmp_path / "pattern.mp4", seconds=1.0, width=180, height=320, audio=False)
    prepared, info = prepare(clip, [StickerEffect(asset="sunglasses"), BlurFaceEffect()])
    assert prepared.warnings == ("pattern.mp4: no face found; face effects skipped",)
    assert not prepared.active
    g = Graph()
    assert face_filters(prepared, g, "v0", width=info.width, height=info.height) == "v0" and not g.chains


@pytest.mark.parametrize(
    "asset", ["sunglasses", "party_hat", "bunny_ears", "mustache", "clown_nose", "crown"]
)
def test_every_builtin_sticker_renders_on_the_face(clips, prepare, asset, tmp_path: Path) -> None:
    probe_only, _ = prepare(clips["two"], [BlurFaceEffect()])
    top = min(probe_only.tracks, key=lambda t: float(lm.eye_centre(t.points)[0, 1])).face_id
    prepared, info = prepare(clips["two"], [StickerEffect(asset=asset, faces=[top])])
    frames = render_frames(clips["two"], info, prepared, duration=0.2)
    plain = render_frames(clips["two"], info, None, duration=0.2)
    changed = np.abs(frames[3].astype(int) - plain[3]).sum(axis=2) > 30
    ys, _xs = np.nonzero(changed)
    assert len(ys) > 100
    assert ys.max() < 330  # only the top face got it
