"""audio.sound as filter fragments: checked as strings, then rendered by ffmpeg and measured."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.remix import SoundPlan, SoundRemix, plan_sound, remix_chain
from tests.audio.conftest import (
    audible_seconds,
    band_centroid_hz,
    dominant_hz,
    read_wav,
    render,
    sine,
    write_wav,
)

SR = 48000


def test_plain_sound_seeks_and_is_cut_to_the_video() -> None:
    plan = plan_sound(SoundRemix(start=12.0, volume=0.6, fade_in=0.3, fade_out=1.0), 15.0)
    assert plan == SoundPlan(
        ("-ss", "12"),
        "asetpts=PTS-STARTPTS,apad=whole_dur=15,atrim=duration=15,"
        "afade=t=in:st=0:d=0.3,afade=t=out:st=14:d=1,volume=0.6",
    )


def test_tempo_alone_uses_atempo_and_pitch_uses_rubberband() -> None:
    assert "atempo=1.1" in remix_chain(SoundRemix(tempo=1.1), 5)
    chain = remix_chain(SoundRemix(tempo=1.1, pitch=-2), 5)
    assert "rubberband=tempo=1.1:pitch=0.890899:pitchq=quality" in chain and "atempo" not in chain
    assert "rubberband" not in remix_chain(SoundRemix(), 5) and "atempo" not in remix_chain(SoundRemix(), 5)


def test_loop_wraps_with_stream_loop_and_trims_in_the_graph() -> None:
    plan = plan_sound(SoundRemix(start=2.5, loop=True), 30)
    assert plan.input_options == ("-stream_loop", "-1")
    assert plan.chain.startswith("atrim=start=2.5,asetpts=PTS-STARTPTS")


def test_fade_out_ends_where_a_short_sound_ends() -> None:
    chain = remix_chain(SoundRemix(start=2, tempo=2.0, fade_out=1), 20, source_duration=12)
    assert "afade=t=out:st=4:d=1" in chain  # (12 - 2) / 2 = 5 s audible


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tempo": 0.4},
        {"tempo": 2.5},
        {"pitch": 13},
        {"volume": -1},
        {"start": -1},
        {"fade_in": -0.1},
        {"tempo": float("nan")},
    ],
)
def test_out_of_range_parameters_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        SoundRemix(**kwargs)  # type: ignore[arg-type]


def _apply(tmp_path: Path, params: SoundRemix, seconds_in: float, video: float) -> tuple[np.ndarray, int]:
    src = write_wav(tmp_path / "in.wav", sine(440, seconds_in, SR, amp=0.5), SR)
    plan = plan_sound(params, video, source_duration=seconds_in)
    out = render([src], f"[0:a]{plan.chain}[out]", tmp_path / "out.wav", before=[plan.input_options])
    samples, sr = read_wav(out)
    assert samples.shape[1] == pytest.approx(video * sr, abs=2)  # exactly the video's length
    return samples, sr


def test_tempo_shortens_and_keeps_pitch(tmp_path: Path) -> None:
    samples, sr = _apply(tmp_path, SoundRemix(tempo=1.25), 10.0, 9.0)
    assert audible_seconds(samples, sr) == pytest.approx(8.0, abs=0.1)
    assert dominant_hz(samples, sr) == pytest.approx(440, abs=2)


def test_pitch_down_an_octave_keeps_duration(tmp_path: Path) -> None:
    samples, sr = _apply(tmp_path, SoundRemix(pitch=-12), 10.0, 11.0)
    assert audible_seconds(samples, sr) == pytest.approx(10.0, abs=0.15)
    # the phase vocoder smears a pure tone over a few Hz: compare the band's centroid
    assert band_centroid_hz(samples[:, sr : 9 * sr], sr, 150, 300) == pytest.approx(220, abs=4)
    assert dominant_hz(samples, sr) < 300


def test_loop_fills_the_video_and_seek_skips_the_start(tmp_path: Path) -> None:
    looped, sr = _apply(tmp_path, SoundRemix(start=1.0, loop=True), 3.0, 8.0)
    assert audible_seconds(looped, sr) == pytest.approx(8.0, abs=0.05)
    seeked, sr = _apply(tmp_path, SoundRemix(start=1.0), 3.0, 4.0)
    assert audible_seconds(seeked, sr) == pytest.approx(2.0, abs=0.05)


def test_fades_and_volume_shape_the_level(tmp_path: Path) -> None:
    samples, sr = _apply(tmp_path, SoundRemix(volume=0.5, fade_in=1.0, fade_out=1.0), 6.0, 6.0)
    mono = samples.mean(axis=0)

    def peak(a: float, b: float) -> float:
        return float(abs(mono[int(a * sr) : int(b * sr)]).max())

    assert peak(0.0, 0.1) < 0.05 and peak(5.9, 6.0) < 0.05
    assert peak(2.0, 4.0) == pytest.approx(0.25, abs=0.01)  # 0.5 amplitude * volume 0.5
