"""The progressive preview: planned as data, then rendered for real and checked while it grows."""

from __future__ import annotations

import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest

from editor.errors import MediaLimitError, RenderError
from editor.plan.preview import HlsPlan, Playlist, parse_playlist, tee_path
from editor.preview import FolderSink
from editor.probe import Limits
from editor.render import local_resolver, render
from editor.resolve import parse_spec
from tests.conftest import TINY, run_cli, write_spec
from tests.editor.test_plan import plan

ONE_CLIP: dict[str, object] = {"clips": [{"src": "a.mp4", "in": 1, "out": 3}], "audio": {"loudness": None}}

# Two clips with a transition and a sound: 4 + 4 - 0.5 = 7.5 s, so 0.5 + 2 + 2 + 2 + 1 s of segments.
EDIT: dict[str, Any] = {
    "output": TINY,
    "clips": [{"src": "a.mp4", "transition": {"type": "fade", "duration": 0.5}}, {"src": "b.mov"}],
    "audio": {"sound": {"src": "music.m4a", "volume": 0.5}, "loudness": None},
}


def test_without_a_preview_the_mp4_output_is_planned_as_before() -> None:
    args = plan(ONE_CLIP).args
    assert args[args.index("-c:v") :] == (
        "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-rc-lookahead", "5", "-pix_fmt", "yuv420p",
        "-color_range", "tv", "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709",
        "-c:a", "aac", "-b:a", "160k", "-ar", "48000", "-ac", "2",
        "-movflags", "+faststart+use_metadata_tags", "-t", "2", "-fs", str(Limits().max_bytes),
        "-f", "mp4", "file:/out/x.mp4",
    )  # fmt: skip


def test_a_preview_tees_the_one_encode_into_the_mp4_and_an_hls_playlist() -> None:
    hls = HlsPlan(Path("/work/hls"))
    args = plan(ONE_CLIP, hls=hls, metadata={"comment": "hi"}).args
    assert args.count("-c:v") == 1 and args.count("-f") == args.count("-i") + 1  # one output, one encode
    assert args[args.index("-ac") :] == (
        "-ac", "2",
        "-force_key_frames", "expr:gte(t,if(eq(n_forced,0),0,0.5+(n_forced-1)*2))",
        "-t", "2", "-metadata", "comment=hi", "-f", "tee",
        "[f=mp4:movflags=+faststart+use_metadata_tags]file:/out/x.mp4|"
        "[f=hls:hls_segment_type=fmp4:hls_time=0.25:hls_list_size=0:hls_playlist_type=event:"
        "hls_flags=temp_file+independent_segments:hls_fmp4_init_filename=init.mp4:"
        "hls_segment_filename=/work/hls/seg%05d.m4s]file:/work/hls/index.m3u8",
    )  # fmt: skip


@pytest.mark.parametrize("name", ["a|b", "a:b", "a[b]", "it's", "back\\slash"])
def test_tee_paths_with_its_syntax_are_refused_not_escaped(name: str) -> None:
    with pytest.raises(RenderError, match="TMPDIR"):
        tee_path(Path("/tmp") / name / "x.mp4")
    assert tee_path(Path("/tmp/plain-name_1.x/x.mp4")) == "/tmp/plain-name_1.x/x.mp4"


def test_the_playlist_parser_reads_what_the_hls_muxer_writes() -> None:
    text = (
        "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
        '#EXT-X-PLAYLIST-TYPE:EVENT\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:1.000000,\nseg00000.m4s\n'
        "#EXTINF:2.000000,\nseg00001.m4s\n"
    )
    assert parse_playlist(text) == Playlist("init.mp4", (("seg00000.m4s", 1.0), ("seg00001.m4s", 2.0)), False)
    assert parse_playlist(text + "#EXT-X-ENDLIST\n").ended
    with pytest.raises(ValueError, match="no #EXTINF"):
        parse_playlist("#EXTM3U\nseg.m4s\n")


def decoded_seconds(init: Path, segment: Path, work: Path) -> tuple[float, float]:
    """Decode one fMP4 segment (after its init segment): seconds of video frames and of audio."""
    joined = work / f"joined-{segment.name}.mp4"
    joined.write_bytes(init.read_bytes() + segment.read_bytes())
    frames, samples = 0, 0
    with av.open(str(joined)) as container:
        rate = container.streams.video[0].average_rate or Fraction(30)
        for frame in container.decode(video=0, audio=0):
            if isinstance(frame, av.AudioFrame):
                samples += frame.samples
            else:
                frames += 1
    joined.unlink()
    return frames / float(rate), samples / 48000


class CheckingSink(FolderSink):
    """Publishes to a folder and, each time a playlist lands, checks what a player would see."""

    def __init__(self, folder: Path, work: Path) -> None:
        super().__init__(folder)
        self.work = work
        self.checked: list[Playlist] = []

    def put(self, name: str, path: Path) -> None:
        super().put(name, path)
        if name != "index.m3u8":
            return
        playlist = parse_playlist((self.folder / name).read_text())
        assert playlist.init == "init.mp4" and playlist.segments
        assert all((self.folder / n).is_file() for n in playlist.names)  # never a missing file
        for segment, seconds in playlist.segments:
            video, audio = decoded_seconds(self.folder / "init.mp4", self.folder / segment, self.work)
            assert video == pytest.approx(seconds, abs=1 / 30 + 1e-6), segment
            assert audio == pytest.approx(seconds, abs=0.1), segment  # AAC frames are 21 ms, plus priming
        self.checked.append(playlist)


def test_the_playlist_is_playable_while_the_render_runs_and_the_mp4_is_unchanged(
    workdir: Path, tmp_path: Path
) -> None:
    # Larger than TINY so that on any machine the render outlasts several polls of the publisher.
    spec = parse_spec({**EDIT, "output": {"width": 540, "height": 960, "fps": 30, "preset": "veryfast"}})
    plain = render(spec, workdir / "plain.mp4", resolve=local_resolver(workdir))
    sink = CheckingSink(tmp_path / "preview", tmp_path)
    teed = render(spec, workdir / "teed.mp4", resolve=local_resolver(workdir), preview=sink)

    growing = [p for p in sink.checked if not p.ended]
    assert len(growing) >= 2  # checked (decoded, summed) while ffmpeg was still writing
    final = sink.checked[-1]
    assert final.ended and [d for _, d in final.segments] == [0.5, 2.0, 2.0, 2.0, 1.0]
    assert final.duration == pytest.approx(teed.duration, abs=1e-6)
    assert teed.first_segment_seconds is not None and 0 < teed.first_segment_seconds < teed.render_seconds
    assert [p.name for p in workdir.iterdir() if "partial" in p.name] == []
    assert [p.name for p in sink.folder.iterdir() if p.name.startswith(".")] == []

    def facts(path: Path) -> tuple[object, ...]:
        with av.open(str(path)) as c:
            video, audio = c.streams.video[0], c.streams.audio[0]
            frames = sum(1 for _ in c.demux(video))
            layout = (video.codec_context.name, video.width, video.height, audio.codec_context.name)
            return layout, audio.sample_rate, frames, round(float(c.duration or 0) / 1e6, 2)

    assert facts(teed.output) == facts(plain.output)
    # The MP4 keeps its fast start: the moov box comes before the media data.
    head = teed.output.read_bytes()[:4096]
    assert 0 < head.find(b"moov") < max(head.find(b"mdat"), 4096)


def test_the_size_limit_holds_though_the_tee_muxer_ignores_fs(workdir: Path, tmp_path: Path) -> None:
    # A small photo under heavy grain: the input passes the limit, the output soon does not.
    grainy = {
        "output": TINY,
        "clips": [{"src": "photo.jpg", "duration": 20}],
        "effects": [{"type": "grain", "strength": 1.0}],
    }
    limit = (workdir / "photo.jpg").stat().st_size + 1
    with pytest.raises(MediaLimitError, match=f"the {limit}-byte output limit"):
        render(
            parse_spec(grainy),
            workdir / "big.mp4",
            resolve=local_resolver(workdir),
            limits=Limits(max_bytes=limit),
            preview=FolderSink(tmp_path / "preview"),
        )
    assert [p.name for p in workdir.iterdir() if p.is_file() and not p.is_symlink()] == []


class BrokenSink:
    def put(self, name: str, path: Path) -> None:
        raise OSError(28, "No space left on device")


def test_a_failing_preview_ends_the_preview_not_the_render(workdir: Path) -> None:
    resolve = local_resolver(workdir)
    result = render(parse_spec(EDIT), workdir / "out.mp4", resolve=resolve, preview=BrokenSink())
    assert result.output.is_file() and result.first_segment_seconds is None
    assert any("preview: stopped publishing" in w and "No space" in w for w in result.warnings)


def test_an_output_folder_with_tee_syntax_in_its_name_still_renders(workdir: Path, tmp_path: Path) -> None:
    odd = workdir / "a|b [c]:d"
    odd.mkdir()
    for name in ("a.mp4", "b.mov", "music.m4a"):
        shutil.copy(workdir / name, odd / name)
    spec = parse_spec({**EDIT, "clips": [{"src": "a.mp4", "out": 1.5}]})
    result = render(spec, odd / "out.mp4", resolve=local_resolver(odd), preview=FolderSink(tmp_path / "p"))
    assert result.output == (odd / "out.mp4").resolve() and result.output.is_file()
    assert parse_playlist((tmp_path / "p" / "index.m3u8").read_text()).ended


def test_the_cli_writes_the_preview_into_the_folder_given(workdir: Path) -> None:
    spec = write_spec(workdir, {**EDIT, "clips": [{"src": "a.mp4", "out": 2.5}]})
    out, folder = workdir / "out.mp4", workdir / "hls"
    result = run_cli("render", str(spec), "-o", str(out), "--hls", str(folder), "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert 0 < summary["first_segment_seconds"] < summary["render_seconds"]
    playlist = parse_playlist((folder / "index.m3u8").read_text())
    assert playlist.ended and playlist.duration == pytest.approx(2.5)
    assert sorted(p.name for p in folder.iterdir()) == sorted(["index.m3u8", *playlist.names])
