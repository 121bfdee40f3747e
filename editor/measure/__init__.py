"""Measured clip effects' IO: a cached pass over each clip before planning (``Effect.measured``).

    measured = prepare_measured(spec, media, timeline, work_dir, home)    # editor.measure.prepare
    plan_render(..., WorkFiles(..., measured=measured.by_clip))           # effects read ctx.measurement

``motion`` (vidstabdetect) and ``colour`` (sampled frames) measure and cache by content under
``cache/motion`` and ``cache/colour`` of the data home; ``camera`` is the pure camera-path maths.
"""
