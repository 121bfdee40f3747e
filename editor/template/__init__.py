"""Beat-synced templates: ``plan`` is pure (template + beats + clip facts -> edit spec), ``media`` does IO."""

from editor.template.plan import ClipFacts, TemplatePlan, beat_grid, plan_template

__all__ = ["ClipFacts", "TemplatePlan", "beat_grid", "plan_template"]
