"""Smart reframe: the camera path as data, and a real render of a face crossing a wide frame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from editor.face.reframe import ReframeParams, crop_size, plan_crop
from editor.face.scene import analyse_scene
from editor.face.tracking import AnalysisParams, RawFrames
from editor.plan.build import plan_render
from editor.probe import probe
from editor.render import local_resolver, render
from editor.spec import validate_spec
from testkit import look_media
from tests.media import frame_at

W, H = 1920, 1080
RATE = 15.0
ASPECT = 1080 / 1920


def boxes(per_sample: list[list[tuple[float, float, float, float]]]) -> RawFrames:
    """Face detections (x, y, w, h normalised) per grid sample 0..n-1, score 0.9."""
    rows = [np.array([(*b, 0.9) for b in s], np.float32).reshape(-1, 5) for s in per_sample]
    return RawFrames(
        np.arange(len(rows), dtype=np.int64),
        np.array([len(r) for r in rows], np.int64),
        np.concatenate(rows) if rows else np.zeros((0, 5), np.float32),
    )


def no_pose(n: int) -> RawFrames:
    return RawFrames(np.arange(n, dtype=np.int64), np.zeros(n, np.int64), np.zeros((0, 33, 3), np.float32))


def crop_for(
    faces: RawFrames, pose: RawFrames, n: int, params: ReframeParams = ReframeParams()
) -> np.ndarray:
    times = np.arange(round(n / RATE * 30)) / 30
    crop = plan_crop(
        faces, pose, size=(W, H), aspect=ASPECT, rate=RATE, window=(0, n - 1), times=times, params=params
    )
    assert (crop.width, crop.height) == crop_size(W, H, ASPECT) == (606, 1080)
    return crop.xy


def test_crop_follows_a_moving_face_smoothly_and_stays_in_the_frame() -> None:
    n = 90  # 6 s: the face crosses the middle 60 % of the frame
    faces = boxes([[(0.17 + 0.6 * i / n, 0.4, 0.06, 0.1)] for i in range(n)])
    xy = crop_for(faces, no_pose(n), n)
    assert xy[:, 0].min() >= 0 and xy[:, 0].max() <= W - 606 and (xy[:, 1] == 0).all()
    centre = xy[:, 0] + 303
    face = (0.2 + 0.6 * np.arange(len(xy)) / 30 * RATE / n) * W
    inside = (face > xy[:, 0] + 606 / 3) & (face < xy[:, 0] + 2 * 606 / 3)
    assert inside.mean() >= 0.9
    accel = np.abs(np.diff(centre, 2))
    assert accel.max() <= 3  # eased: no jumps between frames


def test_jittery_detections_give_a_still_camera() -> None:
    rng = np.random.default_rng(1)
    n = 60
    faces = boxes([[(0.47 + rng.normal(0, 0.01), 0.4, 0.06, 0.1)] for _ in range(n)])
    xy = crop_for(faces, no_pose(n), n)
    assert np.ptp(xy[10:-10, 0]) <= 8  # +-19 px of detector noise -> a few pixels of drift


def test_two_faces_framed_together_when_they_fit_else_the_larger() -> None:
    n = 30
    close = boxes([[(0.40, 0.4, 0.05, 0.1), (0.52, 0.4, 0.05, 0.1)]] * n)
    xy = crop_for(close, no_pose(n), n)
    assert abs(xy[15, 0] + 303 - 0.485 * W) < 4
    apart = boxes([[(0.10, 0.4, 0.05, 0.1), (0.80, 0.4, 0.08, 0.14)]] * n)
    xy = crop_for(apart, no_pose(n), n)
    assert abs(xy[15, 0] + 303 - 0.84 * W) < 4


def test_pose_when_no_face_and_centre_when_nobody() -> None:
    n = 30
    pose = np.zeros((n, 33, 3), np.float32)
    pose[:, [0, 11, 12]] = (0.8, 0.4, 0.9)
    people = RawFrames(np.arange(n, dtype=np.int64), np.ones(n, np.int64), pose)
    xy = crop_for(boxes([[]] * n), people, n)
    assert abs(xy[15, 0] + 303 - 0.8 * W) < 4
    xy = crop_for(boxes([[]] * n), no_pose(n), n)
    assert abs(xy[15, 0] + 303 - W / 2) < 2


@pytest.fixture(scope="module")
def crossing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return look_media.crossing(tmp_path_factory.mktemp("reframe") / "cross.mp4", seconds=4.0)


def test_smart_render_keeps_the_crossing_face_central(crossing: Path, tmp_path: Path) -> None:
    from mediapipe.python.solutions import face_detection

    spec = validate_spec(
        {"output": {"width": 1080, "height": 1920}, "clips": [{"src": crossing.name, "fit": "smart"}]}
    )
    out = tmp_path / "smart.mp4"
    home = tmp_path / "home"
    render(spec, out, resolve=local_resolver(crossing.parent), home=home)
    detector = face_detection.FaceDetection(model_selection=1)
    central = []
    for t in np.linspace(0.1, 3.8, 20):
        found = detector.process(frame_at(out, float(t), width=540, height=960)).detections or []
        assert len(found) == 1, t
        box = found[0].location_data.relative_bounding_box
        central.append(1 / 3 < box.xmin + box.width / 2 < 2 / 3)
    detector.close()
    assert np.mean(central) >= 0.9
    # The analysis is cached by content: a second look at the clip decodes nothing.
    info = probe(crossing)
    again = analyse_scene(
        crossing, info, {"faces", "pose"}, start=0, end=4, cache_dir=home / "cache" / "faces"
    )
    assert again.analysed_now == 0
    faces = again.get("faces")
    samples = 4 * AnalysisParams().rate  # the 4 s clip at the analysis rate; the small face is found on tiles
    assert (
        len(faces.indices) >= 0.95 * samples and (faces.counts == 1).mean() >= 0.9
    )  # the small face, on tiles


def test_smart_on_an_output_aspect_clip_is_cover(tmp_path: Path) -> None:
    clip = look_media.still_clip(tmp_path / "square.mp4", "astronaut", seconds=1.0, size=512)
    info = probe(clip)
    data: dict[str, Any] = {
        "output": {"width": 720, "height": 720},
        "clips": [{"src": clip.name, "fit": "smart"}],
    }
    smart = plan_render(validate_spec(data), {clip.name: info}, tmp_path / "a.mp4")
    data["clips"][0]["fit"] = "cover"
    cover = plan_render(validate_spec(json.loads(json.dumps(data))), {clip.name: info}, tmp_path / "a.mp4")
    assert smart.graph == cover.graph
    from editor.face.hooks import prepare_clip_hooks
    from editor.plan.timeline import build_timeline

    spec = validate_spec({**data, "clips": [{"src": clip.name, "fit": "smart"}]})
    hooks, _ = prepare_clip_hooks(
        spec, {clip.name: info}, build_timeline(spec, {clip.name: info}), tmp_path, None, tmp_path
    )
    assert hooks == {}  # nothing to analyse, nothing to crop
