"""Pure planning: spec + probed media facts -> one ffmpeg command (``build.plan_render``). No IO."""
