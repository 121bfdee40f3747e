"""Text for every script: creator styles, animation and captions, drawn once per line to PNG layers.

    models.py   the spec's text fields (styles, animations, captions); style.py resolves them
    captions.py SubRip / WebVTT files -> cues (with word timings)
    fonts.py    the bundled fonts and per-character fallback; bidi.py UAX #9 levels and order
    layout.py   grapheme clusters -> fonts -> line breaks -> shaped runs in visual order
    raster.py   one line -> RGBA images (pill, shadow, outline, fill, emoji; karaoke states)
    layers.py   overlays and cues -> PNGs in the work folder + ``editor.plan.text.TextLayer``s

The filter graph never sees user text: ``editor.plan.text`` composites and animates the PNGs.
"""
