"""Audio chains: each clip's sound (or silence) timed to its video, the borrowed sound, the mix."""

from __future__ import annotations

from audio.mix import Ducking as MixDucking
from audio.mix import duck_graph, loudness_chain
from audio.remix import SoundPlan, SoundRemix, plan_sound
from audio.voice import RATE, voice_chain
from editor.errors import SpecError
from editor.plan.graph import Graph, num
from editor.spec import Ducking, Sound, Voiceover

FORMAT = f"aformat=sample_fmts=fltp:sample_rates={RATE}:channel_layouts=stereo"
# A clip's sound timed from its trim point as the file has it: silence where the track starts
# late (phones often start sound after picture), samples before the trim point dropped.
FROM_TRIM = "aresample=first_pts=0"


# atempo (WSOLA) hands out each stage's sound about 9 ms of its input early: measured with beeps,
# tones and noise at 0.25x-2x (0.5x: 18-20 ms, 0.25x: 50-60 ms), enough to slip a slow-motion
# clip's sound more than a frame ahead of its picture. ``atempo_chain`` delays it back.
ATEMPO_LEAD = 0.009


def _stages(speed: float) -> list[float]:
    stages: list[float] = []
    while speed < 0.5 or speed > 2.0:
        step = 0.5 if speed < 0.5 else 2.0
        stages.append(step)
        speed /= step
    if abs(speed - 1.0) > 1e-6:
        stages.append(speed)
    return stages


def atempo_chain(speed: float) -> list[str]:
    """Pitch-preserving speed change; atempo takes 0.5..2 per stage, so chain stages, then delay
    the result by what the stages moved it ahead (``ATEMPO_LEAD``)."""
    stages = _stages(speed)
    lead = 0.0
    for step in stages:  # each stage rescales the lead before it and adds its own
        lead = (lead + ATEMPO_LEAD) / step
    chain = [f"atempo={num(step, 6)}" for step in stages]
    return [*chain, f"adelay={num(lead * 1000, 1)}:all=1"] if stages else []


def clip_audio(
    g: Graph, stream: str | None, *, speed: float, duration: float, volume: float, voice: str | None = None
) -> str:
    """The clip's own sound at 48 kHz stereo (through its voice effect), exactly ``duration`` long;
    silence when it has none."""
    if stream is None or volume == 0:
        return g.source([f"anullsrc=r={RATE}:cl=stereo", f"atrim=duration={num(duration, 6)}"], "silence")
    gain = [f"volume={num(volume)}"] if volume != 1 else []
    return g.chain(
        [stream],
        [
            FROM_TRIM,
            *atempo_chain(speed),
            f"aresample={RATE}",
            *([voice_chain(voice)] if voice else []),
            FORMAT,
            *gain,
            f"apad=whole_dur={num(duration, 6)}",
            f"atrim=duration={num(duration, 6)}",
        ],
        "aclip",
    )


def sound_input(sound: Sound, duration: float, source_duration: float) -> SoundPlan:
    """Input options and remix chain of the borrowed sound (trim, loop, tempo, pitch, fades)."""
    if isinstance(sound.start, str):  # "auto" needs the analysis: editor.render.synced resolves it
        raise SpecError.at("audio.sound.start", "'auto' must be resolved from the sound's analysis first")
    ops = sound.model_dump(include={"volume", "tempo", "pitch", "fade_in", "fade_out", "loop"})
    return plan_sound(SoundRemix(start=sound.start, **ops), duration, source_duration=source_duration)


def sound_track(g: Graph, stream: str, plan: SoundPlan) -> str:
    """The remixed sound at 48 kHz stereo, exactly as long as the video."""
    return g.chain([stream], [plan.chain, f"aresample={RATE}", FORMAT], "sound")


def voiceover_track(g: Graph, stream: str, voiceover: Voiceover, duration: float) -> str:
    """The voice-over at 48 kHz stereo, placed at its ``start`` in an exactly ``duration`` long track."""
    delay = round(voiceover.start * 1000)
    steps = [
        "asetpts=PTS-STARTPTS",
        f"aresample={RATE}",
        *([voice_chain(voiceover.voice)] if voiceover.voice else []),
        FORMAT,
        *([f"volume={num(voiceover.volume)}"] if voiceover.volume != 1 else []),
        *([f"adelay={delay}:all=1"] if delay else []),
        f"apad=whole_dur={num(duration, 6)}",
        f"atrim=duration={num(duration, 6)}",
    ]
    return g.chain([stream], steps, "vo")


def under_voiceover(g: Graph, sound: str | None, narration: str, duck_db: float, duration: float) -> str:
    """The borrowed sound ducked by ``duck_db`` while the voice-over speaks, with the voice-over."""
    if sound is None:
        return narration
    mixed = g.label("voiceover")
    g.chains.append(duck_graph(sound, narration, mixed, MixDucking(amount_db=duck_db), duration))
    return mixed


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
