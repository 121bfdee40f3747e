"""Transition registry: xfade's built-ins plus creator favourites it lacks (whip pan, zoom punch, glitch).

A transition joins the running timeline ``a`` to the next clip ``b``; both last at least
``duration`` and the result overlaps them by it (xfade semantics).
"""

from __future__ import annotations

from dataclasses import dataclass

from editor.names import unknown_name
from editor.plan.graph import Graph, num

XFADE: dict[str, str] = {
    "fade": "Cross-fade.",
    "fadeblack": "Fade through black.",
    "fadewhite": "Fade through white (a flash).",
    "fadegrays": "Fade through greyscale.",
    "dissolve": "Noisy pixel dissolve.",
    "wipeleft": "Hard wipe to the left.",
    "wiperight": "Hard wipe to the right.",
    "wipeup": "Hard wipe upwards.",
    "wipedown": "Hard wipe downwards.",
    "slideleft": "The next clip pushes in from the right.",
    "slideright": "The next clip pushes in from the left.",
    "slideup": "The next clip pushes in from the bottom.",
    "slidedown": "The next clip pushes in from the top.",
    "smoothleft": "Soft-edged wipe to the left.",
    "smoothright": "Soft-edged wipe to the right.",
    "smoothup": "Soft-edged wipe upwards.",
    "smoothdown": "Soft-edged wipe downwards.",
    "circleopen": "Iris opening from the centre.",
    "circleclose": "Iris closing to the centre.",
    "circlecrop": "Circular crop through black.",
    "rectcrop": "Rectangular crop through black.",
    "radial": "Clock-hand sweep.",
    "pixelize": "Pixelate out and back in.",
    "zoomin": "Zoom into the outgoing clip.",
    "hblur": "Horizontal blur cross-fade.",
    "squeezeh": "Squeeze horizontally.",
    "squeezev": "Squeeze vertically.",
    "diagtl": "Diagonal wipe from the top left.",
    "diagbr": "Diagonal wipe from the bottom right.",
    "vertopen": "Vertical doors opening.",
    "horzopen": "Horizontal doors opening.",
    "hlslice": "Sliced wipe to the left.",
    "coverleft": "The next clip slides over from the right.",
    "revealleft": "The outgoing clip slides away to the left.",
    "fadefast": "Quick cross-fade.",
}

CUSTOM: dict[str, str] = {
    "whip_pan": "Fast motion-blurred swipe, like a whip of the camera.",
    "zoom_punch": "Punch into the outgoing clip; the next clip settles from a zoom.",
    "glitch": "Digital glitch: colour split, noise and sliced wipe.",
}

TRANSITIONS: dict[str, str] = {**XFADE, **CUSTOM}


def check_name(name: str) -> str:
    if name not in TRANSITIONS:
        raise ValueError(unknown_name("transition", name, TRANSITIONS))
    return name


@dataclass(frozen=True)
class Join:
    """Where and how two streams meet: ``offset`` is in the running timeline's seconds."""

    name: str
    offset: float
    duration: float
    width: int
    height: int


def join_video(g: Graph, a: str, b: str, j: Join) -> str:
    """Add the video transition between ``a`` and ``b`` and return the joined label."""
    o, d = j.offset, j.duration
    window_a, window_b = f"enable='between(t,{num(o)},{num(o + d)})'", f"enable='lte(t,{num(d)})'"
    xfade = j.name
    if j.name == "whip_pan":
        blur = f"gblur=sigma={num(j.width / 30)}:sigmaV=0.5"
        a = g.chain([a], [f"{blur}:{window_a}"], "whipa")
        b = g.chain([b], [f"{blur}:{window_b}"], "whipb")
        xfade = "slideleft"
    elif j.name == "zoom_punch":
        punch = f"iw*(1+0.35*max(0\\,1-t/{num(d)}))"
        b = g.chain([b], [f"scale=w='{punch}':h=-2:eval=frame", f"crop={j.width}:{j.height}"], "punch")
        xfade = "zoomin"
    elif j.name == "glitch":
        px = max(2, j.width // 40)
        glitch = [f"chromashift=cbh={-px}:crh={px}", "noise=alls=40:allf=t"]
        a = g.chain([a], [f"{f}:{window_a}" for f in glitch], "glitcha")
        b = g.chain([b], [f"{f}:{window_b}" for f in glitch], "glitchb")
        xfade = "hlslice"
    return g.chain([a, b], [f"xfade=transition={xfade}:duration={num(d)}:offset={num(o)}"], "xf")


def join_audio(g: Graph, a: str, b: str, duration: float) -> str:
    """Equal-power cross-fade of the two sounds over the transition."""
    return g.chain([a, b], [f"acrossfade=d={num(duration)}:c1=qsin:c2=qsin"], "axf")
