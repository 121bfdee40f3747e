"""The edit spec's ``audio.sound`` as an ffmpeg filter chain: trim, loop, tempo, pitch, fades, volume.

Contract for the render planner:

* pass ``plan.input_options`` as the input options of the sound file
  (``ffmpeg.input_args(path, before=plan.input_options)``);
* apply ``plan.chain`` to that input's audio: ``[N:a]{plan.chain}[music]``;
* the result is exactly ``video_duration`` seconds long (padded with silence or cut).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

from audio.key import Key

# The ranges of every remix operation: the spec's and the API's models take their bounds from here.
MIN_TEMPO, MAX_TEMPO = 0.5, 2.0  # atempo's single-stage range; rubberband is as good there
MAX_SEMITONES = 12.0
MAX_VOLUME = 4.0
MAX_FADE = 10.0  # seconds


class RemixParams(Protocol):
    """What the chain reads: the spec's ``audio.sound`` is one, ``SoundRemix`` another."""

    @property
    def start(self) -> float: ...
    @property
    def volume(self) -> float: ...
    @property
    def tempo(self) -> float: ...
    @property
    def pitch(self) -> float: ...
    @property
    def fade_in(self) -> float: ...
    @property
    def fade_out(self) -> float: ...
    @property
    def loop(self) -> bool: ...


@dataclass(frozen=True)
class SoundRemix:
    """Remix parameters of one sound; ranges are checked on construction (``ValueError``)."""

    start: float = 0.0  # seconds into the source
    volume: float = 1.0  # linear gain, 0..4
    tempo: float = 1.0  # speed factor, pitch preserved
    pitch: float = 0.0  # semitones, tempo preserved
    fade_in: float = 0.0
    fade_out: float = 0.0
    loop: bool = False

    def __post_init__(self) -> None:
        checks = (
            (self.start >= 0, "start must be >= 0"),
            (0 <= self.volume <= MAX_VOLUME, f"volume must be within 0..{MAX_VOLUME:g}"),
            (MIN_TEMPO <= self.tempo <= MAX_TEMPO, f"tempo must be within {MIN_TEMPO}..{MAX_TEMPO}"),
            (abs(self.pitch) <= MAX_SEMITONES, f"pitch must be within +-{MAX_SEMITONES:g} semitones"),
            (max(self.fade_in, self.fade_out) <= MAX_FADE, f"fades must be within 0..{MAX_FADE:g} s"),
            (min(self.fade_in, self.fade_out) >= 0, f"fades must be within 0..{MAX_FADE:g} s"),
        )
        for ok, message in checks:
            if not ok or any(math.isnan(v) for v in (self.start, self.volume, self.tempo, self.pitch)):
                raise ValueError(message)


@dataclass(frozen=True)
class SoundPlan:
    input_options: tuple[str, ...]  # options placed before the sound's ``-i``
    chain: str  # filter chain for the sound's audio stream, no labels


def _n(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def remix_chain(params: RemixParams, video_duration: float, *, source_duration: float | None = None) -> str:
    """The chain applied to the sound after its input options (see ``plan_sound``).

    ``source_duration`` (seconds, optional) lets a non-looping sound fade out where it really
    ends when it is shorter than the video, instead of fading the silence after it.
    """
    if not video_duration > 0:
        raise ValueError("video_duration must be > 0")
    d = video_duration
    steps: list[str] = []
    if params.loop and params.start > 0:
        steps.append(f"atrim=start={_n(params.start)}")  # the loop wraps to the file's start
    steps.append("asetpts=PTS-STARTPTS")
    if params.pitch != 0:
        ratio = 2 ** (params.pitch / 12)
        steps.append(f"rubberband=tempo={_n(params.tempo)}:pitch={_n(ratio)}:pitchq=quality")
    elif params.tempo != 1:
        steps.append(f"atempo={_n(params.tempo)}")
    steps.append(f"apad=whole_dur={_n(d)}")
    steps.append(f"atrim=duration={_n(d)}")
    audible = d
    if source_duration is not None and not params.loop:
        audible = max(0.0, min(d, (source_duration - params.start) / params.tempo))
    fade_in = min(params.fade_in, audible)
    fade_out = min(params.fade_out, audible)
    if fade_in > 0:
        steps.append(f"afade=t=in:st=0:d={_n(fade_in)}")
    if fade_out > 0:
        steps.append(f"afade=t=out:st={_n(audible - fade_out)}:d={_n(fade_out)}")
    if params.volume != 1:
        steps.append(f"volume={_n(params.volume)}")
    return ",".join(steps)


def plan_sound(
    params: RemixParams, video_duration: float, *, source_duration: float | None = None
) -> SoundPlan:
    """Input options plus chain: ``-ss`` seeks a plain sound, ``-stream_loop -1`` loops one."""
    if params.loop:
        options: tuple[str, ...] = ("-stream_loop", "-1")
    elif params.start > 0:
        options = ("-ss", _n(params.start))
    else:
        options = ()
    return SoundPlan(options, remix_chain(params, video_duration, source_duration=source_duration))


def match_tempo(source_bpm: float, target_bpm: float) -> float:
    """The ``tempo`` factor that plays a ``source_bpm`` sound at ``target_bpm``.

    Outside 0.5..2 the target's double or half is matched instead (its beats still line up, every
    other one); ``ValueError`` when either sound has no tempo.
    """
    if not (source_bpm > 0 and target_bpm > 0):
        raise ValueError("both sounds need a tempo (one has no beat)")
    ratio = target_bpm / source_bpm
    while ratio > MAX_TEMPO:
        ratio /= 2
    while ratio < MIN_TEMPO:
        ratio *= 2
    return round(ratio, 6)


def match_pitch(source: Key | None, target: Key | None) -> float:
    """The ``pitch`` shift in semitones (-6..+5) that moves ``source``'s key onto ``target``'s."""
    if source is None or target is None:
        raise ValueError("both sounds need a key (one has no tonal centre)")
    return float(source.semitones_to(target))
