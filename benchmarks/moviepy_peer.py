"""The reference edit in MoviePy 2, the peer ``reference_edit.py`` measures ReelForge against.

Same inputs and output settings as the other two contenders: c1 -> c2 cross-fade 0.5 s, c2 -> c3
slide in from the right 0.5 s (14 s in all), grade (contrast 1.1, saturation 0.8) and vignette over
the whole video, the clips' sound cross-faded and the music mixed in at 0.5, x264 veryfast CRF 20,
AAC 160 kb/s at 48 kHz, 1080x1920 at 30 fps, through the same ffmpeg binary (IMAGEIO_FFMPEG_EXE).
MoviePy composes every frame in numpy, so the grade and the vignette are numpy too, written as
a MoviePy user would: float32, the vignette mask computed once.

    .venv/bin/python benchmarks/moviepy_peer.py WORKDIR OUTPUT.mp4
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from moviepy import AudioFileClip, CompositeAudioClip, CompositeVideoClip, VideoFileClip, afx, vfx

FADE = 0.5
VIGNETTE_ANGLE = 0.7604  # the angle ReelForge's vignette (strength 0.5) hands to ffmpeg


def vignette_mask(width: int, height: int) -> np.ndarray:
    """ffmpeg's vignette falloff: cos(angle * distance / half-diagonal) ** 4, per pixel."""
    y, x = np.ogrid[:height, :width]
    dist = np.hypot(x - width / 2, y - height / 2) / np.hypot(width / 2, height / 2)
    return (np.cos(np.minimum(VIGNETTE_ANGLE * dist, np.pi / 2)) ** 4).astype(np.float32)[..., None]


def grade_and_vignette(mask: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    luma = np.array([0.299, 0.587, 0.114], dtype=np.float32)

    def apply(frame: np.ndarray) -> np.ndarray:
        rgb = (frame.astype(np.float32) - 128.0) * 1.1 + 128.0  # contrast 1.1
        grey = rgb @ luma
        rgb = grey[..., None] + 0.8 * (rgb - grey[..., None])  # saturation 0.8
        return np.clip(rgb * mask, 0, 255).astype(np.uint8)

    return apply


def main(work: Path, output: Path) -> None:
    c1, c2, c3 = (VideoFileClip(str(work / f"c{i}.mp4")) for i in (1, 2, 3))
    second = c1.duration - FADE
    third = second + c2.duration - FADE
    video = CompositeVideoClip(
        [
            c1.with_effects([afx.AudioFadeOut(FADE)]),
            c2.with_start(second).with_effects(
                [vfx.CrossFadeIn(FADE), afx.AudioFadeIn(FADE), afx.AudioFadeOut(FADE)]
            ),
            c3.with_start(third).with_effects([vfx.SlideIn(FADE, "right"), afx.AudioFadeIn(FADE)]),
        ]
    )
    video = video.image_transform(grade_and_vignette(vignette_mask(*video.size)))
    music = AudioFileClip(str(work / "music.m4a")).with_duration(video.duration).with_volume_scaled(0.5)
    video = video.with_audio(CompositeAudioClip([video.audio, music]))
    video.write_videofile(
        str(output),
        fps=30,
        codec="libx264",
        preset="veryfast",
        ffmpeg_params=["-crf", "20"],
        pixel_format="yuv420p",
        audio_codec="aac",
        audio_bitrate="160k",
        audio_fps=48000,
        logger=None,
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
