"""Creator favourites xfade lacks: whip pan, zoom punch, glitch (each shapes its inputs, then xfades)."""

from __future__ import annotations

from editor.plan.graph import Graph, num
from editor.transitions.base import Join, Transition, register


def _windows(j: Join) -> tuple[str, str]:
    """``enable`` options limiting a filter to the join: on ``a``'s timeline, and on ``b``'s."""
    return (
        f"enable='between(t,{num(j.offset)},{num(j.offset + j.duration)})'",
        f"enable='lte(t,{num(j.duration)})'",
    )


@register
class WhipPan(Transition):
    name = "whip_pan"
    summary = "Fast motion-blurred swipe, like a whip of the camera."

    def join(self, g: Graph, a: str, b: str, j: Join) -> str:
        window_a, window_b = _windows(j)
        blur = f"gblur=sigma={num(j.width / 30)}:sigmaV=0.5"
        a = g.chain([a], [f"{blur}:{window_a}"], "whipa")
        b = g.chain([b], [f"{blur}:{window_b}"], "whipb")
        return self.xfade(g, a, b, j, "slideleft")


@register
class ZoomPunch(Transition):
    name = "zoom_punch"
    summary = "Punch into the outgoing clip; the next clip settles from a zoom."

    def join(self, g: Graph, a: str, b: str, j: Join) -> str:
        punch = f"iw*(1+0.35*max(0\\,1-t/{num(j.duration)}))"
        b = g.chain([b], [f"scale=w='{punch}':h=-2:eval=frame", f"crop={j.width}:{j.height}"], "punch")
        return self.xfade(g, a, b, j, "zoomin")


@register
class Glitch(Transition):
    name = "glitch"
    summary = "Digital glitch: colour split, noise and sliced wipe."

    def join(self, g: Graph, a: str, b: str, j: Join) -> str:
        window_a, window_b = _windows(j)
        px = max(2, j.width // 40)
        glitch = [f"chromashift=cbh={-px}:crh={px}", "noise=alls=40:allf=t"]
        a = g.chain([a], [f"{f}:{window_a}" for f in glitch], "glitcha")
        b = g.chain([b], [f"{f}:{window_b}" for f in glitch], "glitchb")
        return self.xfade(g, a, b, j, "hlslice")
