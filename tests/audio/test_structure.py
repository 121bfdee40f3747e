"""Bars, phrases, highlights and key on generated music with a known structure and key."""

from __future__ import annotations

import numpy as np
import pytest

from audio.analysis import analyze
from audio.key import NAMES, Key
from testkit.synth import TrackSpec, cadences, song, synthesize


def _overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


@pytest.mark.parametrize(
    ("bpm", "form"),
    [
        (120, ("verse", "chorus", "verse", "chorus", "chorus")),
        (96, ("verse", "verse", "chorus", "verse", "chorus")),
    ],
)
def test_the_15_s_highlight_is_a_chorus(warmed: float, bpm: float, form: tuple[str, ...]) -> None:
    piece = song(bpm, form)
    result = analyze(piece.samples, piece.sr)
    best = result.highlight(15)
    assert best is not None and best.end - best.start == pytest.approx(15)
    choruses = [(a, b) for name, a, b in piece.sections if name == "chorus"]
    assert max(_overlap((best.start, best.end), c) for c in choruses) >= 0.5 * 15
    # windows start on bars, and every length asked for is there
    assert [round(h.end - h.start) for h in result.highlights] == [15, 30, 60]
    assert all(min(abs(np.asarray(result.downbeats) - h.start)) < 0.02 for h in result.highlights)


def test_a_song_shorter_than_the_window_is_its_own_highlight(warmed: float) -> None:
    track = synthesize(TrackSpec("short", 110, 10, "rock", "8th", seed=3))
    result = analyze(track.samples, track.sr)
    assert [(h.start, h.end) for h in result.highlights] == [(0.0, 10.0)] * 3


@pytest.mark.parametrize(
    ("tonic", "mode"),
    [(0, "major"), (7, "major"), (10, "major"), (9, "minor"), (2, "minor"), (6, "minor")],
)
def test_key_and_mode_of_pieces_in_known_keys(warmed: float, tonic: int, mode: str) -> None:
    result = analyze(cadences(tonic, mode), 22050)
    assert (result.key, result.mode) == (NAMES[tonic], mode)
    assert result.key_confidence > 0.3


def test_silence_has_no_key(warmed: float) -> None:
    assert analyze(np.zeros(22050 * 3, dtype=np.float32), 22050).key is None


def test_semitones_between_keys_take_the_short_way_and_relative_keys() -> None:
    assert Key(0, "major", 1).semitones_to(Key(7, "major", 1)) == -5  # C -> G: down a fourth
    assert Key(0, "major", 1).semitones_to(Key(2, "major", 1)) == 2
    assert Key(9, "minor", 1).semitones_to(Key(0, "major", 1)) == 0  # relative keys share notes
    assert Key(4, "minor", 1).semitones_to(Key(9, "minor", 1)) == 5


def test_bars_and_phrases_of_a_four_four_track(warmed: float) -> None:
    track = synthesize(TrackSpec("bars", 120, 40, "rock", "8th", seed=8))
    result = analyze(track.samples, track.sr)
    assert result.beats_per_bar == 4
    bar = 4 * 60 / 120
    assert np.allclose(np.diff(result.downbeats), bar, atol=0.03)
    assert np.allclose(np.diff(result.phrases), 4 * bar, atol=0.05)
    assert set(result.phrases) <= set(result.downbeats)
    assert result.beat_confidence > 0.3
