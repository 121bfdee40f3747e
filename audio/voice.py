"""Voice effects for a creator's own audio, as ffmpeg filter chains (pure: text out).

Each effect is one chain applied to a clip's sound (or a voice-over) at ``RATE`` (the chains
assume it: resample first) before the mix, so it costs nothing but filter time in the render's
single ffmpeg pass:

    chipmunk   +7 semitones, formants shifted with the pitch (small and bright), tempo kept
    deep       -5 semitones, tempo kept (both: resampled, then atempo restores the length; exact
               to the cent, where rubberband landed 8-30 cents off on a steady tone)
    robot      every FFT bin's phase zeroed: a monotone buzz at the frame rate
    echo       one repeat 250 ms later at 50 %
    megaphone  band-limited to 500-3500 Hz and driven into soft clipping
    vibrato    6 Hz pitch wobble
    reverb     a small room: four early reflections 23-61 ms and a decaying tail
"""

from __future__ import annotations

from types import MappingProxyType

RATE = 48000
CHIPMUNK_SEMITONES = 7
DEEP_SEMITONES = -5
ECHO_DELAY_MS = 250
MEGAPHONE_BAND_HZ = (500, 3500)
VIBRATO_HZ = 6.0


def _pitch(semitones: float) -> str:
    ratio = 2 ** (semitones / 12)
    return f"asetrate={RATE * ratio:.3f},aresample={RATE},atempo={1 / ratio:.6f}"


VOICES = MappingProxyType(
    {
        "chipmunk": _pitch(CHIPMUNK_SEMITONES),
        "deep": _pitch(DEEP_SEMITONES),
        "robot": ("afftfilt=real='hypot(re,im)':imag='0':win_size=512:overlap=0.75,volume=0.6"),
        "echo": f"aecho=in_gain=1:out_gain=0.8:delays={ECHO_DELAY_MS}:decays=0.5",
        "megaphone": (
            f"highpass=f={MEGAPHONE_BAND_HZ[0]}:poles=2,highpass=f={MEGAPHONE_BAND_HZ[0]}:poles=2,"
            f"lowpass=f={MEGAPHONE_BAND_HZ[1]}:poles=2,lowpass=f={MEGAPHONE_BAND_HZ[1]}:poles=2,"
            "volume=4,asoftclip=type=tanh"
        ),
        "vibrato": f"vibrato=f={VIBRATO_HZ:g}:d=0.5",
        "reverb": (
            "aecho=in_gain=0.9:out_gain=0.8:delays=23|37|53|61:decays=0.5|0.4|0.3|0.25,"
            "aecho=in_gain=1:out_gain=0.9:delays=89|131|173:decays=0.3|0.2|0.12"
        ),
    }
)


def voice_chain(name: str) -> str:
    """The filter chain of voice effect ``name``; ``ValueError`` names the choices."""
    try:
        return VOICES[name]
    except KeyError:
        raise ValueError(f"unknown voice {name!r}; choose one of {', '.join(VOICES)}") from None
