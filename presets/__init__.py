"""Creator-facing data: LUTs, sticker assets, fonts, presets and templates (no code that runs)."""
