"""Ducking and loudness graphs: the text contract, then real ffmpeg renders measured two ways."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio import loudness as L
from audio.mix import Ducking, duck_graph, ducking_from_spec, loudness_chain, mix_graph
from testkit.synth import TrackSpec, synthesize
from tests.audio.conftest import read_wav, render, sine, write_wav
from tests.media import loudness as ffmpeg_loudness

SR = 48000


def test_duck_graph_contract() -> None:
    graph = duck_graph("m", "v", "mix", Ducking(), 12.5)
    parts = graph.split(";")
    assert parts[0] == "[v]asplit=2[mix_key][mix_voice]"
    assert parts[1].startswith("[mix_key]aformat=channel_layouts=mono,volume=29.0dB,alimiter=")
    assert parts[1].endswith(",apad[mix_keyed]")
    assert parts[2] == "[m]apad[mix_music]"
    assert parts[3].startswith("[mix_music][mix_keyed]sidechaincompress=") and parts[3].endswith("[mix_duck]")
    assert "attack=50.0:release=400.0" in parts[3]
    assert parts[4] == "[mix_voice]apad[mix_vpad]"
    assert parts[5] == "[mix_duck][mix_vpad]amix=inputs=2:duration=first:normalize=0,atrim=duration=12.5[mix]"
    assert mix_graph("m", "v", "mix", 3) == (
        "[m][v]amix=inputs=2:duration=longest:normalize=0,apad,atrim=duration=3[mix]"
    )


def test_spec_values_and_validation() -> None:
    assert ducking_from_spec(True) == Ducking()
    assert ducking_from_spec(False) is None and ducking_from_spec(None) is None
    assert ducking_from_spec({"amount_db": 6, "attack": 0.1, "release": 1}) == Ducking(6, 0.1, 1)
    for bad in ({"amount_db": 0}, {"attack": 5}, {"release": 0}):
        with pytest.raises(ValueError):
            ducking_from_spec(bad)
    with pytest.raises(ValueError):
        duck_graph("m;x", "v", "out", Ducking(), 5)
    with pytest.raises(ValueError):
        duck_graph("m", "v", "out", Ducking(), 0)
    with pytest.raises(ValueError):
        loudness_chain(0.0)


def test_loudness_chain_is_one_pass_with_limiters() -> None:
    chain = loudness_chain(-14)
    assert chain.count("loudnorm=") == 2 and "measured_" not in chain
    assert "loudnorm=I=-14:TP=-1.5:LRA=50" in chain and chain.endswith("aresample=48000")
    assert "alimiter=limit=0.8414:level=0" in chain


def _level_db(x: np.ndarray, sr: int, a: float, b: float, hz: float) -> float:
    seg = x[int(a * sr) : int(b * sr)]
    spectrum = np.abs(np.fft.rfft(seg * np.hanning(len(seg))))
    bins = np.fft.rfftfreq(len(seg), 1 / sr)
    near = np.abs(bins - hz) < 3
    return float(20 * np.log10(spectrum[near].max() / len(seg) * 4))


@pytest.mark.parametrize(("amount", "voice_amp"), [(12.0, 0.2), (6.0, 0.05), (20.0, 0.6)])
def test_ducking_lowers_the_music_only_while_the_voice_speaks(
    tmp_path: Path, amount: float, voice_amp: float
) -> None:
    t = np.arange(8 * SR) / SR
    music = write_wav(tmp_path / "music.wav", sine(220, 8, SR, amp=0.3), SR)
    speaking = (t > 2) & (t < 5)
    voice = np.where(
        speaking, voice_amp * np.sin(2 * np.pi * 1000 * t) * (1 + 0.5 * np.sin(2 * np.pi * 4 * t)), 0
    )
    voice_path = write_wav(tmp_path / "voice.wav", voice, SR)
    graph = duck_graph("0:a", "1:a", "out", Ducking(amount_db=amount), 8)
    mixed, sr = read_wav(render([music, voice_path], graph, tmp_path / "out.wav"))
    mono = mixed.mean(axis=0)
    before, during, after = (_level_db(mono, sr, a, b, 220) for a, b in ((0.5, 1.5), (2.6, 4.6), (6.5, 7.8)))
    assert before - during == pytest.approx(amount, abs=1.5)
    assert abs(after - before) < 0.5
    assert _level_db(mono, sr, 2.6, 4.6, 1000) == pytest.approx(
        20 * np.log10(voice_amp), abs=1.0
    )  # voice kept


def _inputs() -> dict[str, np.ndarray]:
    t = np.arange(12 * SR) / SR
    rng = np.random.default_rng(7)
    speech = (
        0.2 * rng.standard_normal(len(t)) * (np.sin(2 * np.pi * 0.5 * t) > 0.3) * (0.6 + 0.4 * np.sin(12 * t))
    )
    drums = synthesize(TrackSpec("drums", 124, 12, "house", "8th", seed=3), sr=SR).samples
    return {"quiet_sine": sine(440, 12, SR, amp=0.02), "speech_like": speech, "drums_loud": drums}


@pytest.mark.parametrize("name", ["quiet_sine", "speech_like", "drums_loud"])
@pytest.mark.parametrize("target", [-14.0, -20.0])
def test_loudness_chain_hits_the_target_below_minus_1_dbtp(tmp_path: Path, name: str, target: float) -> None:
    source = _inputs()[name]
    src = write_wav(tmp_path / "in.wav", np.stack([source, 0.8 * source]), SR)
    out = render([src], f"[0:a]{loudness_chain(target)}[out]", tmp_path / "out.wav")
    samples, sr = read_wav(out)
    assert sr == 48000
    assert L.integrated_loudness(samples, sr) == pytest.approx(target, abs=1.0)
    assert L.true_peak_db(samples, sr) <= -1.0
    theirs, peak = ffmpeg_loudness(out)
    assert theirs == pytest.approx(target, abs=1.0) and peak <= -1.0


def test_mixes_last_exactly_the_given_duration(tmp_path: Path) -> None:
    music = write_wav(tmp_path / "music.wav", sine(220, 5, SR, amp=0.3), SR)
    for seconds in (3.0, 7.0):
        voice = write_wav(tmp_path / "voice.wav", sine(1000, seconds, SR, amp=0.2), SR)
        graph = duck_graph("0:a", "1:a", "out", Ducking(), 5)
        mixed, sr = read_wav(render([music, voice], graph, tmp_path / "o.wav"))
        assert mixed.shape[1] == 5 * sr
        plain, sr = read_wav(render([music, voice], mix_graph("0:a", "1:a", "out", 5), tmp_path / "p.wav"))
        assert plain.shape[1] == 5 * sr
