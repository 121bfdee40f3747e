"""Voice effects, voice-over ducking, ``sync: bars`` and ``start: "auto"``, rendered and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from audio.analysis import SoundAnalysis
from audio.highlights import Highlight
from audio.voice import DEEP_SEMITONES
from editor.audio_decode import decode_audio
from editor.probe import Limits, probe
from editor.render import local_resolver, probe_sources, render, synced
from editor.resolve import parse_spec
from editor.samples import make_clip
from tests.conftest import TINY

SR = 48000


def _tone(path: Path, hz: float, seconds: float, level: float = 0.3) -> Path:
    t = np.arange(int(seconds * SR)) / SR
    sf.write(path, (level * np.sin(2 * np.pi * hz * t)).astype(np.float32), SR, subtype="FLOAT")
    return path


def _level_db(x: np.ndarray, hz: float) -> float:
    """Level of the ``hz`` component of ``x`` (a windowed DFT bin), in dB."""
    n = np.arange(len(x))
    w = np.hanning(len(x))
    amp = abs(np.sum(x * w * np.exp(-2j * np.pi * hz * n / SR))) / w.sum()
    return float(20 * np.log10(amp + 1e-12))


def _render(folder: Path, spec: dict[str, object], **kwargs: object):
    return render(parse_spec(spec), folder / "out.mp4", resolve=local_resolver(folder), **kwargs)  # type: ignore[arg-type]


def test_voiceover_ducks_the_music_by_its_amount(workdir: Path) -> None:
    _tone(workdir / "music.wav", 440, 8)
    _tone(workdir / "talk.wav", 1000, 2)
    result = _render(
        workdir,
        {
            "output": TINY,
            "clips": [{"src": "photo.jpg", "duration": 6.0}],
            "audio": {
                "sound": {"src": "music.wav"},
                "voiceover": {"src": "talk.wav", "start": 2.5, "duck_db": 12},
                "loudness": None,
            },
        },
    )
    mix, _ = decode_audio(result.output, sr=SR)
    before, during = mix[int(0.5 * SR) : int(2.0 * SR)], mix[int(3.0 * SR) : int(4.3 * SR)]
    assert _level_db(before, 440) - _level_db(during, 440) == pytest.approx(12, abs=2)
    assert _level_db(during, 1000) > _level_db(before, 1000) + 30  # the narration is there, on time
    assert probe(result.output).duration == pytest.approx(6.0, abs=0.05)


def test_a_clips_voice_effect_is_applied_in_the_render(workdir: Path) -> None:
    make_clip(workdir / "tone.mp4", seconds=2.0, width=270, height=480, tone=440.0)
    result = _render(
        workdir,
        {"output": TINY, "clips": [{"src": "tone.mp4", "voice": "deep"}], "audio": {"loudness": None}},
    )
    mix, _ = decode_audio(result.output, sr=SR)
    steady = mix[int(0.3 * SR) : int(1.7 * SR)]
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(len(steady)), 8 * len(steady)))
    hz = np.argmax(spectrum) * SR / (8 * len(steady))
    assert 1200 * np.log2(hz / 440) == pytest.approx(100 * DEEP_SEMITONES, abs=5)


def _analysis(duration: float, **fields: object) -> SoundAnalysis:
    base: dict[str, object] = {
        "duration": duration, "sample_rate": 48000, "tempo": 120.0, "onsets": (), "loudness_lufs": -14.0,
        "beats": tuple(np.arange(0, duration, 0.5)), "downbeats": tuple(np.arange(0.25, duration, 2.0)),
        "loudness_range": 3.0, "true_peak_db": -1.0,
    }  # fmt: skip
    return SoundAnalysis(**{**base, **fields})  # type: ignore[arg-type]


def test_sync_bars_cuts_on_bar_starts_only(workdir: Path) -> None:
    spec = {
        "output": TINY,
        "sync": "bars",
        "clips": [{"src": "a.mp4", "out": 1.6}, {"src": "b.mov", "out": 2.3}, {"src": "c.mp4", "out": 1.0}],
        "audio": {"sound": {"src": "music.m4a"}, "loudness": None},
    }
    result = _render(workdir, spec, analyses={"music.m4a": _analysis(20.0)})
    bars = np.arange(0.25, 20, 2.0)
    assert len(result.cuts) == 2
    for cut in result.cuts:
        assert min(abs(cut - bars)) <= 1 / 30, f"cut at {cut:.3f} s is not on a bar start"


def test_auto_start_plays_the_hook_long_enough_for_the_video(workdir: Path) -> None:
    spec = parse_spec(
        {"clips": [{"src": "a.mp4", "out": 2.0}], "audio": {"sound": {"src": "music.m4a", "start": "auto"}}}
    )
    hooks = (Highlight(31.5, 46.5, 1.2), Highlight(20.0, 50.0, 0.9), Highlight(8.0, 68.0, 0.5))
    media = probe_sources(spec, local_resolver(workdir), Limits())
    resolved = synced(spec, media, {"music.m4a": _analysis(90.0, highlights=hooks)})
    assert resolved.audio.sound is not None and resolved.audio.sound.start == 31.5
    assert synced(spec, media, {"music.m4a": _analysis(90.0)}).audio.sound.start == 0.0  # type: ignore[union-attr]
