"""Per-clip video chains: trim, speed, frame rate, fit to the output frame, clip effects."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from editor.effects import Effect, EffectContext
from editor.plan.graph import Graph, num
from editor.spec import Clip, EditSpec, Output


def clip_effects(spec: EditSpec, index: int) -> tuple[Effect, ...]:
    """Clip ``index``'s effects: the spec's measured effects first (stabilize, auto_enhance at the
    top level, e.g. from a look, mean "on every clip", each measured on its own), then its own.
    A clip that lists a measured effect's type itself keeps only its own (as with presets)."""
    own = spec.clips[index].effects
    types = {type(e) for e in own}
    return (*(e for e in spec.effects if e.measured and type(e) not in types), *own)


def fit_filters(g: Graph, src: str, fit: str, out: Output) -> str:
    """Scale ``src`` into the output frame: crop to fill, pad to fit, or over a blurred copy of itself."""
    w, h = out.width, out.height
    if fit in ("cover", "smart"):  # smart: the reframe hook already cropped to the aspect
        return g.chain([src], [f"scale={w}:{h}:force_original_aspect_ratio=increase", f"crop={w}:{h}"], "fit")
    contained = f"scale={w}:{h}:force_original_aspect_ratio=decrease:force_divisible_by=2"
    if fit == "contain":
        return g.chain([src], [contained, f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=black"], "fit")
    # blur_fill: blur a small copy (cheap), scale it up as the background, the whole clip on top.
    bw, bh = max(2, w // 8 // 2 * 2), max(2, h // 8 // 2 * 2)
    bg_src, fg_src = g.label("bgsrc"), g.label("fgsrc")
    g.chains.append(f"[{src}]split=2[{bg_src}][{fg_src}]")
    bg = g.chain(
        [bg_src],
        [
            f"scale={bw}:{bh}:force_original_aspect_ratio=increase",
            f"crop={bw}:{bh}",
            "gblur=sigma=4",
            f"scale={w}:{h}",
            "eq=brightness=-0.06",
        ],
        "bg",
    )
    fg = g.chain([fg_src], [contained], "fg")
    return g.chain([bg, fg], ["overlay=(W-w)/2:(H-h)/2"], "fit")


def clip_video(
    g: Graph,
    stream: str,
    clip: Clip,
    *,
    still: bool,
    duration: float,
    out: Output,
    luts: Mapping[str, Path],
    face: str | None = None,
    effects: tuple[Effect, ...] | None = None,
    measured: Mapping[int, object] | None = None,
    lead_in: float = 0.0,
) -> str:
    """The clip's frames at the output size and rate, ``duration`` seconds long, effects applied.

    ``face`` is an optional hook label: when given, it is where face filters were attached (they
    run on source frames before speed and fit); callers pass the stream label those returned.
    ``effects`` default to the clip's own; ``measured`` holds, by index in ``effects``, what
    ``editor.measure`` measured for them. A measured effect without one (stabilize on a still,
    where the measuring step warns) is left out; source-stage effects run right after ``face``.
    ``lead_in`` source seconds were read before the clip's in point (``plan_render``): they are
    timed before 0, where the frame rate conversion takes what it needs and drops the rest.
    """
    effects = clip.effects if effects is None else effects
    measured = measured or {}
    fps = num(out.fps)
    if still:
        frames = max(1, round(duration * out.fps))
        fitted = fit_filters(g, stream, clip.fit, out)
        label = g.chain(
            [fitted],
            [
                "setsar=1",
                "format=yuv420p",
                "settb=AVTB",  # a HEIF grid comes in a 1 s time base, where N/30 s rounds to 0
                f"loop=loop={frames - 1}:size=1:start=0",
                f"setpts=N/({fps}*TB)",
                f"fps={fps}",
            ],
            "still",
        )
    else:
        source = face or stream
        for i, effect in enumerate(effects):  # the source's geometry is in their measurement
            if effect.stage == "source" and i in measured:
                ctx = EffectContext(out.width, out.height, out.fps, duration, luts, measured[i])
                source = effect.apply(g, source, ctx)
        lead = [f"setpts=PTS-{num(lead_in, 6)}/TB"] if lead_in else []
        speed = [f"setpts=PTS/{num(clip.speed)}"] if clip.speed != 1 else []
        timed = g.chain([source], [*lead, *speed, f"fps={fps}:start_time=0"], "timed")
        fitted = fit_filters(g, timed, clip.fit, out)
        label = g.chain([fitted], ["setsar=1", "format=yuv420p"], "clip")
    for i, effect in enumerate(effects):
        # Source-stage effects ran above (measured) or in the clip's hooks (background).
        if effect.stage == "source" or (effect.measured and i not in measured):
            continue
        ctx = EffectContext(out.width, out.height, out.fps, duration, luts, measured.get(i))
        label = effect.apply(g, label, ctx)
    return label
