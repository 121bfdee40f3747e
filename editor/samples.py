"""Sample media made by code (ffmpeg sources), for the demo, tests, benchmarks and previews."""

from __future__ import annotations

from pathlib import Path

from editor import ffmpeg
from editor.plan.graph import num

_PATTERNS = ("testsrc2", "smptehdbars", "mandelbrot", "rgbtestsrc")


def make_clip(
    path: Path,
    *,
    seconds: float = 3.0,
    width: int = 1080,
    height: int = 1920,
    fps: float = 30,
    audio: bool = True,
    tone: float = 440.0,
    pattern: str = "testsrc2",
    sample_rate: int = 48000,
    channels: int = 2,
    crf: int = 23,
) -> Path:
    """An H.264 (+ AAC) clip with a moving test pattern and, optionally, a tone."""
    if pattern not in _PATTERNS:
        raise ValueError(f"pattern must be one of {_PATTERNS}")
    size = f"{width}x{height}"
    graph = f"{pattern}=s={size}:r={num(fps)},format=yuv420p[v]"
    maps = ["-map", "[v]"]
    if audio:
        layout = "stereo" if channels == 2 else "mono"
        graph += (
            f";sine=f={num(tone)}:r={sample_rate}:d={num(seconds)},"
            f"volume=0.3,aformat=channel_layouts={layout}[a]"
        )
        maps += ["-map", "[a]", "-c:a", "aac", "-b:a", "96k"]
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg.run(
        [
            "-filter_complex",
            graph,
            *maps,
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-crf",
            str(crf),
            "-t",
            num(seconds),
            str(path),
        ]
    )
    return path


def make_photo(path: Path, *, width: int = 1600, height: int = 1200, hue: float = 0.0) -> Path:
    """A still image (JPEG or PNG by suffix) with a colourful gradient."""
    graph = (
        f"gradients=s={width}x{height}:c0=0x2a6fdb:c1=0xf4a261:c2=0xe76f51:n=3:d=1:r=1,"
        f"hue=h={num(hue)},format=rgb24[v]"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg.run(["-filter_complex", graph, "-map", "[v]", "-frames:v", "1", "-update", "1", str(path)])
    return path


def make_music(
    path: Path, *, seconds: float = 20.0, bpm: float = 120.0, root: float = 220.0, progression: int = 0
) -> Path:
    """A beat track: a kick-like thump on every beat over a soft chord, AAC in M4A.

    The chord sits on ``root`` Hz and, with ``progression``, moves that many semitones each bar
    (four bars, then round again), so tracks made with other values are different music.
    """
    beat = 60.0 / bpm
    kick = (
        f"aevalsrc='0.8*sin(2*PI*(60+90*exp(-mod(t,{num(beat)})*30))*mod(t,{num(beat)}))"
        f"*exp(-mod(t,{num(beat)})*9)':s=48000:d={num(seconds)}"
    )
    f = f"{num(root)}*pow(2,mod(floor(t/{num(4 * beat)}),4)*{progression}/12)"
    chord = f"0.08*sin(2*PI*{f}*t)+0.06*sin(2*PI*1.26*{f}*t)+0.05*sin(2*PI*1.498*{f}*t)"
    pad = f"aevalsrc='{chord}':s=48000:d={num(seconds)}"
    graph = f"{kick}[k];{pad}[p];[k][p]amix=inputs=2:normalize=0,aformat=channel_layouts=stereo[a]"
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg.run(["-filter_complex", graph, "-map", "[a]", "-c:a", "aac", "-b:a", "128k", str(path)])
    return path


FACE_PHOTO = Path(__file__).resolve().parents[1] / "presets" / "samples" / "astronaut.jpg"


def make_face_clip(
    path: Path, *, seconds: float = 4.0, width: int = 720, height: int = 1280, fps: float = 30
) -> Path:
    """A clip with a real face (NASA's public-domain astronaut portrait) slowly panned and zoomed."""
    frames = max(1, round(seconds * fps))
    zoom = f"1.0+0.2*on/{frames}"
    graph = (
        f"[0:v]scale=-2:{height * 2},crop={width * 2}:{height * 2},"
        f"zoompan=z='{zoom}':x='(iw-iw/zoom)*(0.3+0.4*on/{frames})'"
        f":y='(ih-ih/zoom)*0.1':d={frames}:s={width}x{height}:fps={num(fps)},format=yuv420p[v];"
        f"sine=f=300:d={num(seconds)},volume=0.2[a]"
    )
    return _photo_clip(path, graph, seconds)


def _photo_clip(path: Path, graph: str, seconds: float) -> Path:
    """Render ``graph`` (``[v]`` from the face photo, ``[a]``) to a small H.264/AAC clip at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg.run(
        [
            *ffmpeg.input_args(FACE_PHOTO),
            *("-filter_complex", graph, "-map", "[v]", "-map", "[a]"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-crf", "20", "-c:a", "aac"),
            *("-t", num(seconds), str(path)),
        ]
    )
    return path


def make_handheld_clip(
    path: Path, *, seconds: float = 3.0, width: int = 360, height: int = 640, fps: float = 30
) -> Path:
    """The astronaut portrait as a dim, bluish handheld phone clip: random shake each frame (by
    ffmpeg's ``random`` in a crop), underexposed under a cool light. What stabilize and
    auto_enhance are for."""
    jitter = max(2, round(width * 0.03))
    graph = (
        f"[0:v]loop=loop=-1:size=1,fps={num(fps)},scale=-2:{round(height * 1.15 / 2) * 2},"
        f"crop={width}:{height}:x='(iw-ow)/2+{jitter}*(2*random(0)-1)':y='(ih-oh)/2+{jitter}*(2*random(1)-1)',"
        "colorchannelmixer=rr=0.48:gg=0.55:bb=0.72,format=yuv420p[v];"
        f"sine=f=300:d={num(seconds)},volume=0.2[a]"
    )
    return _photo_clip(path, graph, seconds)


def make_demo_media(folder: Path, *, small: bool = False) -> list[Path]:
    """The media the examples use, as phones produce it: portrait and landscape, a rotated clip,
    60 fps, mono 44.1 kHz, no audio, odd sizes, a photo and a music track. ``small`` for tests."""
    k = 0.5 if small else 1.0

    def even(v: float) -> int:
        return max(2, round(v * k / 2) * 2)

    folder.mkdir(parents=True, exist_ok=True)
    made = [
        make_clip(folder / "a.mp4", seconds=4, width=even(1080), height=even(1920), tone=330),
        make_clip(
            folder / "b.mov",
            seconds=4,
            width=even(1920),
            height=even(1080),
            fps=60,
            tone=440,
            pattern="smptehdbars",
            sample_rate=44100,
            channels=1,
        ),
        make_clip(
            folder / "d.mp4",
            seconds=3,
            width=even(886),
            height=even(1918),
            fps=24,
            audio=False,
            pattern="rgbtestsrc",
        ),
        make_photo(folder / "photo.jpg", width=even(1600), height=even(1200)),
        make_photo(folder / "photo2.png", width=even(1080), height=even(1350), hue=120),
        make_music(folder / "music.m4a", seconds=24, bpm=120),
        make_face_clip(folder / "face.mp4", seconds=4, width=even(720), height=even(1280)),
    ]
    landscape = make_clip(
        folder / ".c-landscape.mp4",
        seconds=3,
        width=even(1280),
        height=even(720),
        fps=30,
        tone=550,
        pattern="testsrc2",
    )
    rotated = folder / "c.mp4"  # stored landscape with a 90 degree display rotation, like a phone
    ffmpeg.run(
        [*ffmpeg.input_args(landscape, before=("-display_rotation", "90")), "-c", "copy", str(rotated)]
    )
    landscape.unlink()
    return [*made, rotated]


if __name__ == "__main__":
    import sys

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "examples/media")
    for made_path in make_demo_media(target):
        print(made_path)
