"""The numpy loudness meter against the values the standards themselves give, and against ffmpeg."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio import loudness as L
from testkit.synth import TrackSpec, synthesize
from tests.audio.conftest import sine, write_wav
from tests.media import loudness as ffmpeg_loudness

SR = 48000


def test_k_weighting_at_48k_equals_the_bs1770_table() -> None:
    (b1, a1), (b2, a2) = L.k_weighting(48000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285], atol=1e-9)
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585], atol=1e-9)
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621], atol=1e-9)


@pytest.mark.parametrize("sr", [44100, 48000, 96000])
def test_sine_references(sr: int) -> None:
    tone = sine(997, 10, sr, amp=10 ** (-20 / 20))
    # BS.1770-4: 0 dBFS sine in one channel = -3.01 LKFS; two channels add 3.01 dB
    assert L.integrated_loudness(tone, sr) == pytest.approx(-23.01, abs=0.05)
    assert L.integrated_loudness(np.stack([tone, tone]), sr) == pytest.approx(-20.0, abs=0.05)
    # EBU Tech 3341 case 1: stereo 1 kHz at -23 dBFS reads -23.0 +-0.1
    ebu = sine(1000, 20, sr, amp=10 ** (-23 / 20))
    assert L.integrated_loudness(np.stack([ebu, ebu]), sr) == pytest.approx(-23.0, abs=0.1)


def test_gating_ignores_silence_and_quiet_parts() -> None:
    tone = sine(1000, 20, SR, amp=10 ** (-20 / 20))
    padded = np.concatenate([np.zeros(SR * 20, np.float32), tone, np.full(SR * 5, 1e-5, np.float32)])
    # only the two blocks straddling the tone's edges differ (they pass the relative gate)
    assert L.integrated_loudness(padded, SR) == pytest.approx(L.integrated_loudness(tone, SR), abs=0.1)
    assert L.integrated_loudness(np.zeros(SR * 3), SR) == L.SILENCE_LUFS


def test_loudness_range_of_ebu_3342_case_1() -> None:
    """20 s at -20 dBFS then 20 s at -30 dBFS (stereo 1 kHz): LRA 10 +-1 LU."""
    loud, quiet = sine(1000, 20, SR, 10 ** (-20 / 20)), sine(1000, 20, SR, 10 ** (-30 / 20))
    both = np.concatenate([loud, quiet])
    assert L.loudness_range(np.stack([both, both]), SR) == pytest.approx(10.0, abs=1.0)
    assert L.loudness_range(np.stack([loud, loud]), SR) == pytest.approx(0.0, abs=0.5)


def test_true_peak_finds_the_inter_sample_peak() -> None:
    """A sine at fs/4 sampled 45 degrees off its crest: samples at -3.01 dBFS, true peak 0 dBTP."""
    t = np.arange(SR) / SR
    x = np.sin(2 * np.pi * (SR / 4) * t + np.pi / 4) * np.minimum(1, np.minimum(t, t[::-1]) / 0.01)
    assert 20 * np.log10(np.max(np.abs(x))) == pytest.approx(-3.01, abs=0.01)
    assert L.true_peak_db(x, SR) == pytest.approx(0.0, abs=0.15)
    assert L.true_peak_db(sine(997, 1, SR, amp=0.5), SR) == pytest.approx(-6.02, abs=0.1)


def test_meter_agrees_with_ffmpeg_ebur128(tmp_path: Path) -> None:
    track = synthesize(TrackSpec("meter", 120, 10, "rock", "8th", seed=3), sr=SR)
    stereo = np.stack([track.samples, 0.5 * track.samples])
    ours = L.integrated_loudness(stereo, SR)
    theirs, peak = ffmpeg_loudness(write_wav(tmp_path / "m.wav", stereo, SR))
    assert ours == pytest.approx(theirs, abs=0.2)
    assert L.true_peak_db(stereo, SR) == pytest.approx(peak, abs=0.3)
