"""editor.audio_decode: ffmpeg to numpy, channel layout, failures named by file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from editor import ffmpeg
from editor.audio_decode import analyze_file, decode_audio
from editor.errors import MediaError
from tests.audio.conftest import dominant_hz, sine, write_wav


def test_mono_and_multichannel_decoding(tmp_path: Path) -> None:
    left, right = sine(440, 2, 48000, amp=0.5), sine(660, 2, 48000, amp=0.25)
    path = write_wav(tmp_path / "st.wav", np.stack([left, right]), 48000)
    mono, sr = decode_audio(path)
    assert sr == 22050 and mono.ndim == 1 and mono.dtype == np.float32
    assert len(mono) == pytest.approx(2 * 22050, abs=64)
    stereo, sr = decode_audio(path, sr=48000, mono=False)
    assert stereo.shape == (2, 96000)
    assert dominant_hz(stereo[0], sr) == pytest.approx(440, abs=1)
    assert dominant_hz(stereo[1], sr) == pytest.approx(660, abs=1)
    np.testing.assert_allclose(stereo[0], left, atol=1e-6)
    short, _ = decode_audio(path, max_seconds=0.5)
    assert len(short) == pytest.approx(0.5 * 22050, abs=64)


def test_video_without_audio_is_a_media_error(tmp_path: Path) -> None:
    silent_video = tmp_path / "silent.mp4"
    ffmpeg.run(
        [
            "-filter_complex",
            "color=c=black:s=64x64:d=1[v]",
            "-map",
            "[v]",
            "-c:v",
            "libx264",
            str(silent_video),
        ]
    )
    with pytest.raises(MediaError, match=r"silent\.mp4: no audio stream"):
        decode_audio(silent_video)


def test_garbage_and_missing_files_are_media_errors(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00not audio at all" * 64)
    with pytest.raises(MediaError, match=r"junk\.mp3"):
        decode_audio(junk)
    with pytest.raises(MediaError, match=r"nope\.wav"):
        decode_audio(tmp_path / "nope.wav")


def test_analyze_file_keeps_channels_for_loudness(tmp_path: Path, warmed: float) -> None:
    tone = sine(997, 6, 44100, amp=10 ** (-20 / 20))
    path = write_wav(tmp_path / "tone.wav", np.stack([tone, tone]), 44100)
    result = analyze_file(path)
    assert result.sample_rate == 48000 and result.duration == pytest.approx(6.0, abs=0.01)
    assert result.loudness_lufs == pytest.approx(-20.0, abs=0.1)  # stereo: both channels count
    assert result.true_peak_db == pytest.approx(-20.0, abs=0.2)
