"""Hostile and broken media: refused at the probe with a reason, with no request made, nothing read,
and nothing written. Each case also runs through the CLI for its exit code and one-line message."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image

from editor import ffmpeg
from editor.errors import MediaError, MediaLimitError, RenderError
from editor.probe import Limits, probe
from editor.samples import make_clip
from tests.conftest import run_cli, write_spec


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"#EXTM3U\n")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_trap() -> Iterator[str]:
    """A local HTTP server that records any request a playlist might make."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    assert _Recorder.hits == [], f"a hostile file made requests: {_Recorder.hits}"


def render_refused(folder: Path, name: str, code: int = 3) -> str:
    spec = write_spec(folder, {"clips": [{"src": name, "duration": 1}]}, "hostile.json")
    result = run_cli("render", str(spec), "-o", str(folder / "out.mp4"), cwd=folder)
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("error: clips[0].src: ") and "Traceback" not in result.stderr
    )
    assert not list(folder.glob("*out*")), "a refused render left a file behind"
    return lines[0]


def playlists(tmp_path: Path, base: str) -> dict[str, Path]:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n")
    hls = tmp_path / "hls.mp4"
    hls.write_text(
        f"#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n{base}/seg.ts\n#EXTINF:2,\n"
        f"file:{secret}\n#EXT-X-ENDLIST\n"
    )
    concat = tmp_path / "concat.mp4"
    concat.write_text(f"ffconcat version 1.0\nfile {base}/remote.mp4\nfile {secret}\n")
    return {"hls": hls, "concat": concat}


@pytest.mark.parametrize("kind", ["hls", "concat"])
def test_playlists_named_mp4_are_refused_without_any_request(
    tmp_path: Path, http_trap: str, kind: str
) -> None:
    path = playlists(tmp_path, http_trap)[kind]
    with pytest.raises(MediaError, match="not a video, audio or image file"):
        probe(path)
    # The renderer's own allow-lists hold even if the probe were skipped.
    with pytest.raises(RenderError, match=r"not valid media|not an accepted media format"):
        ffmpeg.run([*ffmpeg.input_args(path), "-f", "null", "-"])
    assert "not a video, audio or image file" in render_refused(tmp_path, path.name)


def test_runner_refuses_inputs_that_bypass_the_allow_lists(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="only local files"):
        ffmpeg.run(["-i", "http://127.0.0.1:9/x.mp4", "-f", "null", "-"])
    with pytest.raises(RenderError, match="allow-lists"):
        ffmpeg.run(["-i", f"file:{tmp_path}/x.mp4", "-f", "null", "-"])


def test_missing_empty_and_text_files(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError, match="file not found"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(MediaError, match="empty"):
        probe(tmp_path / "empty.mp4")
    with pytest.raises(MediaError, match="not a video"):
        probe(tmp_path / "notes.mp4")
    assert "file not found" in render_refused(tmp_path, "missing.mp4")
    assert "empty" in render_refused(tmp_path, "empty.mp4")
    assert "not a video" in render_refused(tmp_path, "notes.mp4")


def test_a_refusal_names_the_problem_but_not_where_the_server_keeps_the_file(tmp_path: Path) -> None:
    """The reason goes back to whoever uploaded the file: the storage layout is none of their business."""
    storage = tmp_path / "srv-storage" / "users" / "7" / "media"
    storage.mkdir(parents=True)
    (storage / "upload.mp4").write_text("this is not a video\n" * 50)
    with pytest.raises(MediaError) as caught:
        probe(storage / "upload.mp4")
    message = str(caught.value)
    assert "Invalid data found when processing input" in message
    assert "srv-storage" not in message and "file:" not in message and str(tmp_path) not in message


def test_truncated_mp4s_are_refused_with_or_without_their_index(tmp_path: Path) -> None:
    whole = make_clip(tmp_path / "whole.mp4", seconds=2, width=320, height=568)
    faststart = tmp_path / "fast.mp4"
    ffmpeg.run([*ffmpeg.input_args(whole), "-c", "copy", "-movflags", "+faststart", str(faststart)])
    for source, name in ((whole, "cut_tail.mp4"), (faststart, "cut_data.mp4")):
        data = source.read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 2])
        with pytest.raises(MediaError):
            probe(tmp_path / name)
        render_refused(tmp_path, name)


def test_a_16k_by_16k_image_is_over_the_frame_limit(tmp_path: Path) -> None:
    Image.new("1", (16384, 16384)).save(tmp_path / "huge.png")
    with pytest.raises(MediaLimitError, match="over the frame size limit"):
        probe(tmp_path / "huge.png")
    assert "frame size limit" in render_refused(tmp_path, "huge.png")


def test_a_ten_hour_clip_is_over_the_duration_limit(tmp_path: Path) -> None:
    long = tmp_path / "long.mp4"
    ffmpeg.run(
        [
            "-filter_complex",
            "color=s=16x16:r=1/600[v]",
            "-map",
            "[v]",
            "-t",
            "36000",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(long),
        ]
    )
    with pytest.raises(MediaLimitError, match="36000 s is longer than the 900 s limit"):
        probe(long)
    assert "longer than" in render_refused(tmp_path, "long.mp4")


def test_too_many_streams_and_extreme_audio_are_over_limits(tmp_path: Path) -> None:
    multi = tmp_path / "multi.mka"
    ffmpeg.run(
        [
            "-filter_complex",
            "sine=d=1[a];sine=d=1[b];sine=d=1[c]",
            "-map",
            "[a]",
            "-map",
            "[b]",
            "-map",
            "[c]",
            str(multi),
        ]
    )
    with pytest.raises(MediaLimitError, match="3 streams is over the limit of 2"):
        probe(multi, Limits(max_streams=2))
    with pytest.raises(MediaLimitError, match="44100 Hz"):
        probe(multi, Limits(max_sample_rate=22050))
