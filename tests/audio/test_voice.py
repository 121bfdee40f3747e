"""Voice effects: each chain rendered by ffmpeg on generated sound and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.voice import (
    CHIPMUNK_SEMITONES,
    DEEP_SEMITONES,
    ECHO_DELAY_MS,
    VIBRATO_HZ,
    VOICES,
    voice_chain,
)
from tests.audio.conftest import dominant_hz, read_wav, render, write_wav

SR = 48000


def _through(tmp_path: Path, samples: np.ndarray, name: str) -> np.ndarray:
    src = write_wav(tmp_path / "in.wav", samples, SR)
    out = render([src], f"[0:a]{voice_chain(name)}[out]", tmp_path / f"{name}.wav")
    data, sr = read_wav(out)
    assert sr == SR
    return data.mean(axis=0)


def _tone(hz: float = 440.0, seconds: float = 2.0) -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * hz * np.arange(int(seconds * SR)) / SR)).astype(np.float32)


def _burst(seconds: float = 1.0, length: float = 0.02) -> np.ndarray:
    x = np.zeros(int(seconds * SR), dtype=np.float32)
    rng = np.random.default_rng(3)
    x[: int(length * SR)] = 0.5 * rng.standard_normal(int(length * SR))
    return x


def _cents(a: float, b: float) -> float:
    return 1200 * np.log2(a / b)


@pytest.mark.parametrize(("name", "semitones"), [("chipmunk", CHIPMUNK_SEMITONES), ("deep", DEEP_SEMITONES)])
def test_pitch_voices_shift_a_tone_by_their_semitones(tmp_path: Path, name: str, semitones: int) -> None:
    out = _through(tmp_path, _tone(), name)
    steady = out[SR // 4 : -SR // 4]
    assert abs(_cents(dominant_hz(steady, SR), 440.0) - 100 * semitones) < 5
    assert len(out) == pytest.approx(2 * SR, abs=SR // 20)  # tempo kept


def test_echo_repeats_the_sound_after_its_delay(tmp_path: Path) -> None:
    burst = _burst()
    out = _through(tmp_path, burst, "echo")
    # where the burst recurs: the cross-correlation peak past the dry sound
    xc = np.correlate(out, burst[: int(0.02 * SR)], mode="valid")
    late = np.abs(xc[int(0.05 * SR) :])
    repeat_at = 0.05 + int(np.argmax(late)) / SR
    assert repeat_at * 1000 == pytest.approx(ECHO_DELAY_MS, abs=2)
    assert 0.3 < late.max() / np.abs(xc[: int(0.05 * SR)]).max() < 0.7  # about half as loud


def test_robot_turns_a_glide_into_a_buzz_at_the_frame_rate(tmp_path: Path) -> None:
    t = np.arange(2 * SR) / SR
    glide = (0.3 * np.sin(2 * np.pi * (300 * t + 100 * t**2))).astype(np.float32)
    out = _through(tmp_path, glide, "robot")[SR // 4 : -SR // 4]
    ac = np.correlate(out[:8192], out[:8192], mode="full")[8191:]
    # phases zeroed per 128-sample hop: the output repeats every hop whatever the input pitch
    assert int(np.argmax(ac[64:400])) + 64 in (127, 128, 129, 255, 256, 257)
    assert ac[128] / ac[0] > 0.5


def test_megaphone_cuts_lows_and_highs(tmp_path: Path) -> None:
    noise = (0.1 * np.random.default_rng(1).standard_normal(2 * SR)).astype(np.float32)
    out = _through(tmp_path, noise, "megaphone")

    def band_db(x: np.ndarray, lo: float, hi: float) -> float:
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / SR)
        return float(10 * np.log10(spectrum[(freqs >= lo) & (freqs < hi)].mean() + 1e-20))

    gain = {b: band_db(out, *b) - band_db(noise, *b) for b in ((50, 150), (1000, 2000), (8000, 12000))}
    assert gain[(1000, 2000)] - gain[(50, 150)] > 20
    assert gain[(1000, 2000)] - gain[(8000, 12000)] > 20


def test_vibrato_wobbles_the_pitch_at_its_rate(tmp_path: Path) -> None:
    out = _through(tmp_path, _tone(), "vibrato")[SR // 4 : -SR // 4]
    hop, win = 480, 4096
    peaks = []
    for start in range(0, len(out) - win, hop):
        spectrum = np.abs(np.fft.rfft(out[start : start + win] * np.hanning(win), 8 * win))
        peaks.append(np.argmax(spectrum) * SR / (8 * win))
    track = np.asarray(peaks) - np.mean(peaks)
    assert track.std() > 2.0  # Hz of wobble around 440
    rate = np.fft.rfftfreq(len(track), hop / SR)[1 + int(np.argmax(np.abs(np.fft.rfft(track))[1:]))]
    assert rate == pytest.approx(VIBRATO_HZ, abs=1.0)


def test_reverb_leaves_a_tail_after_the_sound_stops(tmp_path: Path) -> None:
    out = _through(tmp_path, _burst(), "reverb")
    tail = out[int(0.05 * SR) : int(0.3 * SR)]
    assert 10 * np.log10(np.mean(tail**2)) > -40  # the dry burst is silent there


def test_unknown_voice_names_the_choices() -> None:
    with pytest.raises(ValueError, match="chipmunk"):
        voice_chain("chipmonk")
    assert set(VOICES) == {"chipmunk", "deep", "robot", "echo", "megaphone", "vibrato", "reverb"}
