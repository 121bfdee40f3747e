"""ffmpeg's own ``xfade`` transitions, each registered under its xfade name."""

from __future__ import annotations

from editor.plan.graph import Graph
from editor.transitions.base import Join, Transition, add

BUILT_IN: dict[str, str] = {
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


class Xfade(Transition):
    """One of xfade's built-in modes, used as it is."""

    def __init__(self, mode: str, summary: str) -> None:
        self.name, self.summary = mode, summary  # type: ignore[misc]  # per instance, not per class

    def join(self, g: Graph, a: str, b: str, j: Join) -> str:
        return self.xfade(g, a, b, j, self.name)


for _mode, _summary in BUILT_IN.items():
    add(Xfade(_mode, _summary))
