"""Tempo and beats on generated music with known beats; caps, JSON and the cache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mir_eval
import numpy as np
import pytest

from audio.analysis import (
    ANALYSIS_VERSION,
    AnalysisCache,
    analysis_key,
    analyze,
    content_hash,
)
from testkit.synth import TrackSpec, synthesize

SMALL_SET = (
    TrackSpec("hiphop_72", 72, 14, "rock", "16th", seed=2),
    TrackSpec("nodrums_92", 92, 14, "nodrums", "none", key=7, seed=4),
    TrackSpec("intro_110", 110, 14, "rock", "8th", silence=4.0, key=2, seed=6),
    TrackSpec("synco_132", 132, 12, "syncopated", "8th", seed=9),
    TrackSpec("dnb_176", 176, 12, "rock", "8th", key=7, seed=12),
)


def f_measure(reference: np.ndarray, estimated: tuple[float, ...]) -> float:
    return float(mir_eval.beat.f_measure(np.asarray(reference), np.asarray(estimated)))


@pytest.mark.parametrize("spec", SMALL_SET, ids=lambda s: s.name)
def test_beats_and_tempo_on_generated_music(warmed: float, spec: TrackSpec) -> None:
    track = synthesize(spec)
    result = analyze(track.samples, track.sr)
    assert f_measure(track.beats, result.beats) >= 0.9
    assert result.tempo == pytest.approx(spec.bpm, rel=0.04)


def test_no_beats_in_a_silent_intro(warmed: float) -> None:
    track = synthesize(SMALL_SET[2])
    result = analyze(track.samples, track.sr)
    assert min(result.beats) >= 4.0 - 0.07
    assert all(onset >= 4.0 - 0.07 for onset in result.onsets)


def test_beats_follow_one_tempo_change(warmed: float) -> None:
    track = synthesize(TrackSpec("change", 96, 24, "rock", "8th", bpm_after=128, seed=8))
    result = analyze(track.samples, track.sr)
    assert f_measure(track.beats, result.beats) >= 0.9
    tempos = [bpm for _, bpm in result.tempo_segments]
    assert len(tempos) == 2
    assert tempos[0] == pytest.approx(96, rel=0.04) and tempos[1] == pytest.approx(128, rel=0.04)


def test_downbeats_are_every_fourth_beat_on_the_bar(warmed: float) -> None:
    track = synthesize(TrackSpec("bars", 100, 16, "rock", "8th", seed=21))
    result = analyze(track.samples, track.sr)
    assert f_measure(track.downbeats, result.downbeats) >= 0.8


def test_stereo_44k_input_and_json_shape(warmed: float) -> None:
    track = synthesize(TrackSpec("stereo", 120, 8, "house", "8th", seed=5), sr=44100)
    result = analyze(np.stack([track.samples, track.samples * 0.5]), 44100)
    data = result.to_json()
    assert set(data) == {
        "version",
        "duration",
        "tempo",
        "beats",
        "downbeats",
        "onsets",
        "loudness_lufs",
        "true_peak_db",
        "loudness_range",
        "sample_rate",
        "tempo_segments",
        "beats_per_bar",
        "phrases",
        "beat_confidence",
        "key",
        "mode",
        "key_confidence",
        "highlights",
    }
    assert data["duration"] == pytest.approx(8.0, abs=0.01) and data["sample_rate"] == 44100
    assert data["tempo"] == pytest.approx(120, rel=0.04)
    assert -40 < data["loudness_lufs"] < 0 and data["true_peak_db"] <= 0.0


def test_silence_has_no_tempo(warmed: float) -> None:
    result = analyze(np.zeros(22050 * 3, dtype=np.float32), 22050)
    assert result.tempo == 0.0 and result.beats == () and result.onsets == ()


@pytest.mark.parametrize(
    ("samples", "sr", "needle"),
    [
        (np.zeros(10, np.float32), 384_000, "sample rate"),
        (np.zeros((9, 100), np.float32), 22050, "channels"),
        (np.zeros((1, 2, 3), np.float32), 22050, "shape"),
        (np.zeros(100, np.int16), 22050, "float"),
        (np.array([0.0, np.nan], np.float32), 22050, "NaN"),
    ],
)
def test_hostile_inputs_raise_value_error(samples: np.ndarray, sr: int, needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        analyze(samples, sr)


def test_duration_cap() -> None:
    with pytest.raises(ValueError, match="limit is 60 s"):
        analyze(np.zeros(8000 * 61, np.float32), 8000, max_seconds=60)


def test_cache_round_trip_keyed_by_version(tmp_path: Path, warmed: float) -> None:
    track = synthesize(TrackSpec("cache", 100, 6, "rock", "8th", seed=1))
    key = analysis_key(content_hash(track.samples, track.sr))
    assert key.startswith(f"v{ANALYSIS_VERSION}-")
    assert content_hash(track.samples, track.sr) != content_hash(track.samples, 44100)
    cache = AnalysisCache(tmp_path / "cache")
    assert cache.get(key) is None
    first = cache.get_or_analyze(track.samples, track.sr)
    assert cache.get(key) == first
    (tmp_path / "cache" / f"{key}.json").write_text("{broken")
    assert cache.get(key) is None
    with pytest.raises(ValueError):
        cache.get("../etc/passwd")


def test_audio_package_stays_pure() -> None:
    """Importing every audio module pulls in no editor, api, web or cloud code."""
    code = (
        "import sys, audio.analysis, audio.beats, audio.remix, audio.mix, audio.attribution, "
        "audio.fingerprint, audio.loudness, testkit.synth\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('editor', 'api', 'fastapi', 'boto3')]\n"
        "print(','.join(bad))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
