"""``match:`` remix ops: another sound's tempo and key, landed within 1 % and 10 cents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.analysis import analyze
from audio.key import Key
from audio.remix import SoundRemix, match_pitch, match_tempo, plan_sound
from testkit.synth import TrackSpec, cadences, synthesize
from tests.audio.conftest import dominant_hz, read_wav, render, write_wav


def _remix(tmp_path: Path, samples: np.ndarray, sr: int, params: SoundRemix, seconds: float) -> np.ndarray:
    src = write_wav(tmp_path / "src.wav", samples, sr)
    plan = plan_sound(params, seconds)
    out = render([src], f"[0:a]{plan.chain}[out]", tmp_path / "out.wav", before=[plan.input_options])
    data, rate = read_wav(out)
    assert rate == sr
    return data.mean(axis=0).astype(np.float32)


def test_tempo_match_lands_on_the_other_sounds_tempo(warmed: float, tmp_path: Path) -> None:
    source = synthesize(TrackSpec("src", 100, 16, "rock", "8th", seed=4))
    target = synthesize(TrackSpec("dst", 123, 12, "house", "8th", seed=5))
    a, b = analyze(source.samples, source.sr), analyze(target.samples, target.sr)
    factor = match_tempo(a.tempo, b.tempo)
    out = _remix(tmp_path, source.samples, source.sr, SoundRemix(tempo=factor), 16 / factor)
    assert analyze(out, source.sr).tempo == pytest.approx(b.tempo, rel=0.01)


def test_pitch_match_moves_the_key_and_a_tone_by_exact_semitones(warmed: float, tmp_path: Path) -> None:
    a = analyze(cadences(0, "major"), 22050)  # C major
    b = analyze(cadences(2, "major"), 22050)  # D major
    shift = match_pitch(Key.parse(a.key, a.mode), Key.parse(b.key, b.mode))
    assert shift == 2.0
    moved = _remix(tmp_path, cadences(0, "major"), 22050, SoundRemix(pitch=shift), 8.0)
    assert analyze(moved, 22050).key == "D"
    tone = (0.3 * np.sin(2 * np.pi * 440 * np.arange(3 * 22050) / 22050)).astype(np.float32)
    out = _remix(tmp_path, tone, 22050, SoundRemix(pitch=shift), 3.0)[5000:-5000]
    cents = 1200 * np.log2(dominant_hz(out, 22050) / 440.0)
    assert cents == pytest.approx(200, abs=10)


def test_match_folds_far_tempos_by_octaves_and_refuses_a_sound_without_beat_or_key() -> None:
    assert match_tempo(60, 150) == pytest.approx(1.25)  # 75 BPM: every other beat of 150
    assert match_tempo(180, 70) == pytest.approx(70 / 90)
    assert match_pitch(Key(9, "minor", 1), Key(0, "major", 1)) == 0.0
    with pytest.raises(ValueError, match="tempo"):
        match_tempo(0.0, 120)
    with pytest.raises(ValueError, match="key"):
        match_pitch(None, Key(0, "major", 1))
