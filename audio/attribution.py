"""Sound lineage, derived credits and license rules (pure; the API persists sounds and asks here).

Credits are never free text: they are derived from the lineage DAG (a sound's ``parents`` are the
sounds it was remixed from). Rules, in the order ``check_use`` applies them:

1. every ancestor must be known (``lineage_incomplete`` otherwise: we cannot credit or license
   what we cannot see);
2. a sound whose owner switched reuse off (``allow_reuse=False``) in the lineage may only be
   used by that owner (``reuse_not_allowed``);
3. ``cc-by-nc`` anywhere in the lineage forbids a commercial render (``non_commercial``);
4. otherwise allowed; the credit is required unless every sound in the lineage is ``cc0``.

A remix inherits the most restrictive license of itself and its ancestors:
``cc0`` < ``cc-by`` < ``cc-by-nc`` < ``original``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class License(StrEnum):
    CC0 = "cc0"
    CC_BY = "cc-by"
    CC_BY_NC = "cc-by-nc"
    ORIGINAL = "original"


_RESTRICTIVENESS = {License.CC0: 0, License.CC_BY: 1, License.CC_BY_NC: 2, License.ORIGINAL: 3}
_HANDLE = re.compile(r"^[A-Za-z0-9_.]{1,30}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")

Origin = Literal["upload", "video"]


@dataclass(frozen=True)
class Sound:
    id: str
    owner: str  # handle, without "@"
    title: str
    license: License
    allow_reuse: bool = True
    origin: Origin = "upload"  # "video": the original sound of a video
    parents: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _HANDLE.match(self.owner):
            raise ValueError(f"invalid owner handle {self.owner!r}")
        if self.origin not in ("upload", "video"):
            raise ValueError(f"invalid origin {self.origin!r}")
        object.__setattr__(self, "license", License(self.license))
        if self.id in self.parents:
            raise ValueError("a sound cannot be its own parent")


class SoundGraph:
    """Sounds by id; lookups of unknown ids return ``None``."""

    def __init__(self, sounds: Iterable[Sound]) -> None:
        self._sounds: Mapping[str, Sound] = {s.id: s for s in sounds}

    def with_sound(self, sound: Sound) -> SoundGraph:
        """A copy of the graph with ``sound`` added or replaced."""
        return SoundGraph([*(s for s in self._sounds.values() if s.id != sound.id), sound])

    def get(self, sound_id: str) -> Sound | None:
        return self._sounds.get(sound_id)

    def lineage(self, sound_id: str) -> tuple[list[Sound], list[str]]:
        """The sound and its ancestors, breadth-first in parent order, each once (cycle-safe),
        plus the ids that are referenced but unknown."""
        seen: set[str] = set()
        order: list[Sound] = []
        missing: list[str] = []
        queue = [sound_id]
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            sound = self.get(current)
            if sound is None:
                missing.append(current)
                continue
            order.append(sound)
            queue.extend(sound.parents)
        return order, missing


VideoUse = Literal["duet", "stitch"]


@dataclass(frozen=True)
class Credit:
    sound_id: str | None  # the sound credited; None for a borrowed video
    owner: str
    title: str
    role: Literal["original", "sound", "remix_of", "duet", "stitch"]
    text: str
    license: str = License.ORIGINAL.value  # the credited sound's own license
    video_id: str | None = None  # the borrowed video (duet and stitch credits)


def _clean(title: str) -> str:
    text = _CONTROL.sub(" ", title).strip()
    return text[:100] or "untitled"


def _credit(sound: Sound, *, is_used: bool) -> Credit:
    title, owner, licensed = _clean(sound.title), sound.owner, sound.license.value
    if is_used and not sound.parents and sound.origin == "video":
        return Credit(sound.id, owner, title, "original", f"Original sound - @{owner}", licensed)
    if is_used:
        return Credit(sound.id, owner, title, "sound", f"'{title}' by @{owner}", licensed)
    if sound.origin == "video":
        return Credit(sound.id, owner, title, "remix_of", f"Remix of original sound by @{owner}", licensed)
    return Credit(sound.id, owner, title, "remix_of", f"Remix of '{title}' by @{owner}", licensed)


def credits_for(sound_id: str, graph: SoundGraph) -> tuple[Credit, ...]:
    """The used sound first, then its ancestors nearest first; each creator appears once."""
    lineage, _ = graph.lineage(sound_id)
    owners: set[str] = set()
    credits: list[Credit] = []
    for index, sound in enumerate(lineage):
        if sound.owner.lower() in owners:
            continue
        owners.add(sound.owner.lower())
        credits.append(_credit(sound, is_used=index == 0))
    return tuple(credits)


def effective_license(sound_id: str, graph: SoundGraph) -> License:
    """The most restrictive license in the sound's lineage (unknown ancestors count as original)."""
    lineage, missing = graph.lineage(sound_id)
    if missing:
        return License.ORIGINAL
    return max((s.license for s in lineage), key=_RESTRICTIVENESS.__getitem__)


@dataclass(frozen=True)
class UseDecision:
    allowed: bool
    reason_code: str  # ok | lineage_incomplete | reuse_not_allowed | non_commercial
    message: str
    credit_required: bool = True


def check_use(sound: Sound, *, user: str, commercial: bool, graph: SoundGraph | None = None) -> UseDecision:
    """May ``user`` put ``sound`` in a render (``commercial`` or not)? See the module rules."""
    lineage, missing = (graph or SoundGraph(())).with_sound(sound).lineage(sound.id)
    if missing:
        return UseDecision(False, "lineage_incomplete", f"sound {sound.id} has unknown ancestors: {missing}")
    for item in lineage:
        if not item.allow_reuse and item.owner.lower() != user.lower():
            which = "this sound" if item is sound else f"'{_clean(item.title)}', which it remixes,"
            return UseDecision(False, "reuse_not_allowed", f"@{item.owner} does not allow reuse of {which}")
    if commercial:
        for item in lineage:
            if item.license == License.CC_BY_NC:
                return UseDecision(
                    False,
                    "non_commercial",
                    f"'{_clean(item.title)}' by @{item.owner} is licensed cc-by-nc: no commercial use",
                )
    credit_required = any(item.license != License.CC0 for item in lineage)
    return UseDecision(True, "ok", "allowed", credit_required)


def check_remix(new: Sound, graph: SoundGraph) -> UseDecision:
    """May ``new`` (with its ``parents``) be created? Its owner must be allowed to use each parent
    (non-commercially) and its license must be at least as restrictive as the inherited one."""
    for parent_id in new.parents:
        parent = graph.get(parent_id)
        if parent is None:
            return UseDecision(False, "lineage_incomplete", f"unknown parent sound {parent_id}")
        decision = check_use(parent, user=new.owner, commercial=False, graph=graph)
        if not decision.allowed:
            return decision
        inherited = effective_license(parent_id, graph)
        if _RESTRICTIVENESS[new.license] < _RESTRICTIVENESS[inherited]:
            return UseDecision(
                False,
                "license_too_permissive",
                f"a remix of {parent_id} must be licensed {inherited} or stricter",
            )
    return UseDecision(True, "ok", "allowed")


def video_credit(video_id: str, owner: str, title: str, use: VideoUse) -> Credit:
    """The credit of a borrowed video: its creator, and how it was used."""
    text = f"Duet with @{owner}" if use == "duet" else f"Stitched from @{owner}"
    return Credit(None, owner, _clean(title), use, text, video_id=video_id)


def credit_record(credit: Credit) -> dict[str, str]:
    """The machine-readable form of one credit, as the MP4 tag and a render's result carry it."""
    record = {"owner": credit.owner, "title": credit.title, "role": credit.role}
    if credit.video_id is not None:
        return {"video_id": credit.video_id, **record}
    return {"sound_id": credit.sound_id or "", **record}


def credits_metadata(credits: Iterable[Credit]) -> dict[str, str]:
    """MP4 metadata: a human ``comment`` and a machine-readable ``reelforge_credits`` JSON string."""
    items = list(credits)
    return {
        "comment": " | ".join(c.text for c in items),
        "reelforge_credits": json.dumps(
            [credit_record(c) for c in items], ensure_ascii=False, separators=(",", ":")
        ),
    }


def records_in_metadata(tags: Mapping[str, str]) -> tuple[dict[str, str], ...]:
    """The credit records ``credits_metadata`` wrote into a file's tags (none when absent or broken)."""
    try:
        data = json.loads(tags.get("reelforge_credits", "[]"))
    except json.JSONDecodeError:
        return ()
    if not isinstance(data, list):
        return ()
    return tuple({k: str(v) for k, v in item.items()} for item in data if isinstance(item, dict))
