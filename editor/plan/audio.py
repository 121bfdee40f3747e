"""Audio chains: each clip's sound (or silence) timed to its video, the borrowed sound, the mix."""

from __future__ import annotations

from audio.mix import Ducking as MixDucking
from audio.mix import duck_graph, loudness_chain
from audio.remix import SoundPlan, plan_sound
from editor.plan.graph import Graph, num
from editor.spec import Ducking, Sound

RATE = 48000
FORMAT = f"aformat=sample_fmts=fltp:sample_rates={RATE}:channel_layouts=stereo"


def atempo_chain(speed: float) -> list[str]:
    """Pitch-preserving speed change; atempo takes 0.5..2 per stage, so chain stages."""
    stages: list[str] = []
    while speed < 0.5 or speed > 2.0:
        step = 0.5 if speed < 0.5 else 2.0
        stages.append(f"atempo={num(step)}")
        speed /= step
    if abs(speed - 1.0) > 1e-6:
        stages.append(f"atempo={num(speed, 6)}")
    return stages


def clip_audio(g: Graph, stream: str | None, *, speed: float, duration: float, volume: float) -> str:
    """The clip's own sound at 48 kHz stereo, exactly ``duration`` long; silence when it has none."""
    if stream is None or volume == 0:
        return g.source([f"anullsrc=r={RATE}:cl=stereo", f"atrim=duration={num(duration, 6)}"], "silence")
    gain = [f"volume={num(volume)}"] if volume != 1 else []
    return g.chain(
        [stream],
        [
            "asetpts=PTS-STARTPTS",
            *atempo_chain(speed),
            f"aresample={RATE}",
            FORMAT,
            *gain,
            f"apad=whole_dur={num(duration, 6)}",
            f"atrim=duration={num(duration, 6)}",
        ],
        "aclip",
    )


def sound_input(sound: Sound, duration: float, source_duration: float) -> SoundPlan:
    """Input options and remix chain of the borrowed sound (trim, loop, tempo, pitch, fades)."""
    return plan_sound(sound, duration, source_duration=source_duration)


def sound_track(g: Graph, stream: str, plan: SoundPlan) -> str:
    """The remixed sound at 48 kHz stereo, exactly as long as the video."""
    return g.chain([stream], [plan.chain, f"aresample={RATE}", FORMAT], "sound")


def final_mix(
    g: Graph,
    voice: str,
    sound: str | None,
    *,
    duration: float,
    ducking: Ducking | None,
    loudness: float | None,
) -> str:
    """Clips' sound plus the borrowed sound (ducked under speech if asked), then loudness."""
    mixed = voice
    if sound is not None and ducking is not None:
        mixed = g.label("duck")
        params = MixDucking(**ducking.model_dump())
        g.chains.append(duck_graph(sound, voice, mixed, params, duration))
    elif sound is not None:
        mixed = g.chain([voice, sound], ["amix=inputs=2:duration=first:normalize=0"], "mix")
    if loudness is None:
        return mixed
    return g.chain([mixed], [loudness_chain(loudness)], "loud")
