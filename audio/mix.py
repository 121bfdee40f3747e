"""Mixing a sound under the video's own audio: ducking and loudness normalisation, as ffmpeg graphs.

Contract: every function takes the labels of its input pads and the label of its output pad
(without brackets) and returns filtergraph text to join with ``;`` into ``-filter_complex``.
Intermediate pads are named ``{out_label}_...`` so several graphs can live in one command.
Mixing graphs take the video's ``duration`` and output exactly that many seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

MIN_LUFS, MAX_LUFS = -40.0, -5.0
# Ducking's ranges: the spec's model takes its bounds from here.
AMOUNT_DB = (1.0, 40.0)
ATTACK = (0.001, 2.0)  # seconds
RELEASE = (0.01, 5.0)  # seconds


@dataclass(frozen=True)
class Ducking:
    """Lower the music by ``amount_db`` while the voice is louder than ``voice_threshold_db``."""

    amount_db: float = 12.0
    attack: float = 0.05  # seconds
    release: float = 0.4  # seconds
    voice_threshold_db: float = -35.0  # level (dBFS) above which the voice counts as active

    def __post_init__(self) -> None:
        if not AMOUNT_DB[0] <= self.amount_db <= AMOUNT_DB[1]:
            raise ValueError(f"ducking amount_db must be within {AMOUNT_DB[0]:g}..{AMOUNT_DB[1]:g}")
        if not (ATTACK[0] <= self.attack <= ATTACK[1] and RELEASE[0] <= self.release <= RELEASE[1]):
            raise ValueError(
                f"ducking attack must be within {ATTACK[0]:g}..{ATTACK[1]:g} s "
                f"and release within {RELEASE[0]:g}..{RELEASE[1]:g} s"
            )
        if not -60.0 <= self.voice_threshold_db <= -10.0:
            raise ValueError("voice_threshold_db must be within -60..-10")


def ducking_from_spec(value: bool | Mapping[str, float] | None) -> Ducking | None:
    """``audio.ducking`` of the spec: ``true``, ``false``/absent, or a parameter object."""
    if value is None or value is False:
        return None
    if value is True:
        return Ducking()
    return Ducking(**value)


def _label(name: str) -> str:
    if not name or not all(c.isalnum() or c in "_:" for c in name):
        raise ValueError(f"invalid filter pad label {name!r}")
    return f"[{name}]"


# The key (sidechain) signal is the voice raised so that anything above the threshold hits the
# limiter: its level is then constant, so the gain reduction is ``amount_db`` whatever the voice
# level, and near nothing when the voice is below the threshold.
_KEY_LIMIT_DB = -6.0
_KEY_DETECTED_DB = _KEY_LIMIT_DB - 1.0  # the compressor's smoothed peak envelope of the key (measured)
_RATIO = 20.0


def _key_chain(params: Ducking) -> str:
    gain = _KEY_LIMIT_DB - params.voice_threshold_db
    limit = 10 ** (_KEY_LIMIT_DB / 20)
    return (
        f"aformat=channel_layouts=mono,volume={gain:.1f}dB,"
        f"alimiter=limit={limit:.4f}:level=0:attack=1:release=20:latency=1,apad"
    )


def _seconds(duration: float) -> str:
    if not duration > 0 or math.isinf(duration):
        raise ValueError("duration must be a positive number of seconds")
    return f"{duration:.6f}".rstrip("0").rstrip(".")


def duck_graph(music_label: str, voice_label: str, out_label: str, params: Ducking, duration: float) -> str:
    """Music ducked under the voice, mixed with the voice: ``[music][voice] -> [out]``.

    The voice is split: one copy keys ``sidechaincompress``, the other is mixed back unchanged.
    Every branch is padded with silence and the mix is cut at ``duration`` seconds, so the
    output length is exact whichever input ends first (ffmpeg's compressor otherwise drops a
    few frames at an early end-of-stream).
    """
    music, voice, out = _label(music_label), _label(voice_label), _label(out_label)
    key, keep, ducked = _label(f"{out_label}_key"), _label(f"{out_label}_voice"), _label(f"{out_label}_duck")
    keyed, padded = _label(f"{out_label}_keyed"), _label(f"{out_label}_music")
    kept = _label(f"{out_label}_vpad")
    # reduction = (1 - 1/ratio) * (key level - threshold) => choose the threshold from amount_db
    threshold_db = _KEY_DETECTED_DB - params.amount_db / (1 - 1 / _RATIO)
    threshold = max(10 ** (threshold_db / 20), 0.000976563)
    compress = (
        f"sidechaincompress=threshold={threshold:.6f}:ratio={_RATIO:g}:attack={params.attack * 1000:.1f}"
        f":release={params.release * 1000:.1f}:detection=peak:knee=1:makeup=1"
    )
    return ";".join(
        (
            f"{voice}asplit=2{key}{keep}",
            f"{key}{_key_chain(params)}{keyed}",
            f"{music}apad{padded}",
            f"{padded}{keyed}{compress}{ducked}",
            f"{keep}apad{kept}",
            f"{ducked}{kept}amix=inputs=2:duration=first:normalize=0,atrim=duration={_seconds(duration)}{out}",
        )
    )


def mix_graph(music_label: str, voice_label: str, out_label: str, duration: float) -> str:
    """Music and voice summed without ducking (no level halving), exactly ``duration`` long."""
    music, voice, out = _label(music_label), _label(voice_label), _label(out_label)
    return (
        f"{music}{voice}amix=inputs=2:duration=longest:normalize=0,"
        f"apad,atrim=duration={_seconds(duration)}{out}"
    )


_WORK_LUFS = -24.0  # level of the first stage; any target works from here


def loudness_chain(target_lufs: float = -14.0, *, true_peak_db: float = -1.5) -> str:
    """Single-pass loudness normalisation to ``target_lufs`` with a true-peak ceiling.

    loudnorm's one-pass (dynamic) mode caps its gain by the true peak it sees, so material
    with a peak-to-loudness ratio (PLR) above ``true_peak_db - target_lufs`` (12.5 dB for
    -14 LUFS) would end up several LU short. Hence three stages in the same pass:

    1. loudnorm to a fixed working level (-24 LUFS, peaks up to 0 dBTP);
    2. a limiter whose ceiling sits 3 dB under working level + allowed PLR, so only the
       excess crest is taken off (nothing for a mastered track, some for raw drums/speech);
    3. loudnorm to the target with ``TP=true_peak_db``, then a final limiter at the same
       ceiling (at loudnorm's 192 kHz, i.e. oversampled) and ``aresample=48000``.

    Apply it to the final mix: ``[mix]{loudness_chain()}[aout]``.
    """
    if math.isnan(target_lufs) or not MIN_LUFS <= target_lufs <= MAX_LUFS:
        raise ValueError(f"loudness target must be within {MIN_LUFS:g}..{MAX_LUFS:g} LUFS")
    if not -9.0 <= true_peak_db <= 0.0:
        raise ValueError("true_peak_db must be within -9..0 dBTP")
    crest_ceiling_db = min(0.0, _WORK_LUFS + (true_peak_db - target_lufs) - 3.0)
    crest = max(10 ** (crest_ceiling_db / 20), 0.0625)
    final = 10 ** (true_peak_db / 20)
    return ",".join(
        (
            f"loudnorm=I={_WORK_LUFS:g}:TP=0:LRA=50",
            f"alimiter=limit={crest:.4f}:level=0:attack=1:release=10:latency=1",
            f"loudnorm=I={target_lufs:g}:TP={true_peak_db:g}:LRA=50",
            f"alimiter=limit={final:.4f}:level=0:attack=5:release=50:latency=1",
            "aresample=48000",
        )
    )
