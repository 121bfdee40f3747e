"""Template renders over HTTP: ``{"template", "clips", "texts", "sound"}`` becomes an edit spec at submit.

The expansion uses what the database already knows -- each clip's probed duration and kind, the
sound's stored beat analysis -- so nothing is downloaded or analysed while the request waits, and
the render row stores an ordinary spec the workers run like any other. Clips play from their
start (the "most active stretch" needs the media itself; it is a CLI feature).
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from api.core.models import Media, Sound
from api.services.access import resolve_sources
from editor.errors import SpecError
from editor.presets import default_library
from editor.template.plan import ClipFacts, plan_template
from editor.walk import Source


@dataclass
class Expanded:
    """The spec data (None when there were problems), request problems and reuse refusals."""

    spec: dict[str, Any] | None = None
    problems: list[tuple[str, str]] = field(default_factory=list)
    forbidden: list[tuple[str, str]] = field(default_factory=list)


def expand(
    session: Session,
    user_id: str,
    template_id: str,
    clips: list[str],
    texts: dict[str, str],
    sound: str | None,
) -> Expanded:
    """The edit spec of a template request, or every problem with it (fields as in the request)."""
    out = Expanded()
    library = default_library()
    try:
        template = library.template(template_id)
    except SpecError as exc:
        out.problems += exc.problems
        return out
    if sound is None:
        out.problems.append(("sound", "a template render needs a sound:<id> to cut on"))
    fields = [Source(f"clips[{i}]", src, "media") for i, src in enumerate(clips)]
    if sound is not None:
        fields.append(Source("sound", sound, "sound"))
    resolved = resolve_sources(session, user_id, fields)
    out.problems += resolved.problems
    out.forbidden += resolved.forbidden
    facts: list[ClipFacts] = []
    for where, src, _ in (astuple(f) for f in fields[: len(clips)]):
        if not src.startswith("media:") or src not in resolved.keys:
            continue
        media = session.get(Media, src.removeprefix("media:"))
        if media is None or media.kind not in ("video", "image"):
            out.problems.append((where, f"{src} has no picture"))
            continue
        facts.append(ClipFacts(src, float(media.duration or 0.0), still=media.kind == "image"))
    analysis: dict[str, Any] = {}
    if sound is not None and sound in resolved.keys:
        if not sound.startswith("sound:"):
            out.problems.append(("sound", f"{sound!r} must be a sound:<id>"))
        else:
            row = session.get(Sound, sound.removeprefix("sound:"))
            analysis = (row.analysis or {}) if row is not None else {}
    if out.problems or out.forbidden:
        return out
    try:
        plan = plan_template(
            template,
            facts,
            analysis.get("beats", []),
            sound_src=sound or "",
            library=library,
            texts=texts,
            bars=analysis.get("downbeats", []),
            phrases=analysis.get("phrases", []),
        )
    except SpecError as exc:
        out.problems += exc.problems
        return out
    out.spec = dict(plan.data)
    return out
