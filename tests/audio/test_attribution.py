"""Credits derived from the lineage DAG, and the license rules."""

from __future__ import annotations

import json

import pytest

from audio.attribution import (
    License,
    Sound,
    SoundGraph,
    check_remix,
    check_use,
    credits_for,
    credits_metadata,
    effective_license,
)

ORIGINAL = Sound("s1", "ana", "Sunny loop", License.ORIGINAL, origin="video")
CC_BY = Sound("s2", "ben", "Bass line", License.CC_BY)
REMIX = Sound("r1", "cai", "Sunny bass", License.ORIGINAL, parents=("s1", "s2"))
REMIX2 = Sound("r2", "dee", "Sunny bass (slowed)", License.ORIGINAL, parents=("r1", "s1"))
GRAPH = SoundGraph([ORIGINAL, CC_BY, REMIX, REMIX2])


def texts(sound_id: str, graph: SoundGraph = GRAPH) -> list[str]:
    return [c.text for c in credits_for(sound_id, graph)]


def test_original_sound_credit() -> None:
    assert texts("s1") == ["Original sound - @ana"]
    assert texts("s2") == ["'Bass line' by @ben"]


def test_remix_credits_its_sources() -> None:
    assert texts("r1") == [
        "'Sunny bass' by @cai",
        "Remix of original sound by @ana",
        "Remix of 'Bass line' by @ben",
    ]


def test_remix_of_remix_credits_the_whole_chain_once_each() -> None:
    assert texts("r2") == [
        "'Sunny bass (slowed)' by @dee",
        "Remix of 'Sunny bass' by @cai",
        "Remix of original sound by @ana",
        "Remix of 'Bass line' by @ben",
    ]


def test_same_creator_is_credited_once_and_cycles_terminate() -> None:
    a = Sound("a", "eve", "A", License.CC0, parents=("b",))
    b = Sound("b", "fay", "B", License.CC0, parents=("a",))
    c = Sound("c", "EVE", "C", License.CC0, parents=("a",))
    graph = SoundGraph([a, b, c])
    assert texts("c", graph) == ["'C' by @EVE", "Remix of 'B' by @fay"]
    assert texts("a", graph) == ["'A' by @eve", "Remix of 'B' by @fay"]


def test_titles_are_sanitised_and_handles_validated() -> None:
    odd = Sound("x", "gus", "line\nbreak\x00" + "y" * 200, License.CC0)
    (credit,) = credits_for("x", SoundGraph([odd]))
    assert "\n" not in credit.text and "\x00" not in credit.text and len(credit.title) == 100
    with pytest.raises(ValueError):
        Sound("y", "bad handle!", "t", License.CC0)
    with pytest.raises(ValueError):
        Sound("z", "ok", "t", "gpl")  # type: ignore[arg-type]


def test_remix_inherits_the_most_restrictive_license() -> None:
    nc = Sound("n", "hal", "NC", License.CC_BY_NC)
    free = Sound("f", "ivy", "Free", License.CC0, parents=("n",))
    graph = SoundGraph([nc, free])
    assert effective_license("f", graph) == License.CC_BY_NC
    assert effective_license("s2", GRAPH) == License.CC_BY
    assert effective_license("r2", GRAPH) == License.ORIGINAL
    assert check_use(free, user="joe", commercial=True, graph=graph).reason_code == "non_commercial"
    assert check_use(free, user="joe", commercial=False, graph=graph).allowed


def test_cc_by_nc_is_refused_for_commercial_renders() -> None:
    nc = Sound("n", "hal", "NC", License.CC_BY_NC)
    decision = check_use(nc, user="joe", commercial=True)
    assert (
        not decision.allowed and decision.reason_code == "non_commercial" and "cc-by-nc" in decision.message
    )
    assert check_use(nc, user="joe", commercial=False).allowed


def test_cc_by_requires_credit_and_cc0_does_not() -> None:
    assert check_use(CC_BY, user="joe", commercial=True, graph=GRAPH).credit_required
    cc0 = Sound("c0", "kim", "Free", License.CC0)
    decision = check_use(cc0, user="joe", commercial=True)
    assert decision.allowed and not decision.credit_required


def test_original_without_reuse_is_for_its_owner_only() -> None:
    private = Sound("p", "lee", "Mine", License.ORIGINAL, allow_reuse=False, origin="video")
    assert check_use(private, user="lee", commercial=True).allowed
    denied = check_use(private, user="max", commercial=False)
    assert not denied.allowed and denied.reason_code == "reuse_not_allowed"
    remix = Sound("pr", "lee", "Mine again", License.ORIGINAL, parents=("p",))
    graph = SoundGraph([private, remix])
    assert check_use(remix, user="max", commercial=False, graph=graph).reason_code == "reuse_not_allowed"
    assert check_use(remix, user="lee", commercial=False, graph=graph).allowed


def test_unknown_ancestors_block_use() -> None:
    orphan = Sound("o", "ned", "Orphan", License.CC0, parents=("gone",))
    assert check_use(orphan, user="joe", commercial=False).reason_code == "lineage_incomplete"
    assert effective_license("o", SoundGraph([orphan])) == License.ORIGINAL


def test_creating_a_remix_checks_parents_and_license() -> None:
    ok = Sound("new", "joe", "Mine", License.ORIGINAL, parents=("s2",))
    assert check_remix(ok, GRAPH).allowed
    too_free = Sound("new", "joe", "Mine", License.CC0, parents=("s2",))
    assert check_remix(too_free, GRAPH).reason_code == "license_too_permissive"
    private = Sound("p", "lee", "Mine", License.ORIGINAL, allow_reuse=False)
    assert check_remix(
        Sound("q", "joe", "Q", License.ORIGINAL, parents=("p",)), SoundGraph([private])
    ).reason_code == ("reuse_not_allowed")


def test_credits_metadata_for_the_mp4() -> None:
    meta = credits_metadata(credits_for("r1", GRAPH))
    assert (
        meta["comment"]
        == "'Sunny bass' by @cai | Remix of original sound by @ana | Remix of 'Bass line' by @ben"
    )
    data = json.loads(meta["reelforge_credits"])
    assert [d["sound_id"] for d in data] == ["r1", "s1", "s2"]
    assert data[1] == {"sound_id": "s1", "owner": "ana", "title": "Sunny loop", "role": "remix_of"}
