"""The duplicate-detection table ``sound_hashes``, on SQLite and on PostgreSQL: originals have their
postings and duplicates none, a deleted sound takes its rows along, ``find_original`` reads only the
postings of the query's hashes and still answers what an index of the whole library answers (ties
included), and migration 0004 backfills the table from the stored JSON fingerprints."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import JSON, DateTime, Engine, String, column, delete, event, func, inspect, select, table
from sqlalchemy.orm import Session

from api.core import db
from api.core.models import Base, Media, Sound, SoundHash, User, utcnow
from api.services.sounds import find_original, write_fingerprint
from audio.fingerprint import Fingerprint, FingerprintIndex, fingerprint
from testkit.synth import synthesize, unrelated_set

T0 = utcnow()


@dataclass(frozen=True)
class Songs:
    a: Fingerprint  # 20 s
    a_excerpt: Fingerprint  # a from 6.5 s to 16.5 s: a duplicate of a
    b: Fingerprint
    outsider: Fingerprint  # in no library


@pytest.fixture(scope="module")
def songs() -> Songs:
    a, b, outsider = (synthesize(spec) for spec in unrelated_set(3, 20.0, first=700))
    excerpt = a.samples[int(6.5 * a.sr) : int(16.5 * a.sr)]
    return Songs(
        fingerprint(a.samples, a.sr),
        fingerprint(excerpt, a.sr),
        fingerprint(b.samples, b.sr),
        fingerprint(outsider.samples, outsider.sr),
    )


@pytest.fixture()
def engine(db_url: str) -> Iterator[Engine]:
    db.upgrade(db_url)
    made = db.make_engine(db_url)
    yield made
    made.dispose()


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as opened:
        user = User(id="u", name="u", token_hash="h")
        opened.add(user)
        opened.flush()
        opened.add(
            Media(id="m", owner_id="u", kind="audio", filename="a.m4a", declared_size=1, upload_key="k")
        )
        opened.commit()
        yield opened


def add_sound(
    session: Session,
    fp: Fingerprint,
    *,
    sound_id: str | None = None,
    original_id: str | None = None,
    created_at: Any = None,
) -> Sound:
    """A sound row written the way ``api.services.sounds.create`` and ``api.services.remix`` write one."""
    sound = Sound(
        id=sound_id or uuid.uuid4().hex,
        owner_id="u",
        media_id="m",
        title="t",
        license="cc-by",
        original_id=original_id,
        created_at=created_at or utcnow(),
    )
    session.add(sound)
    write_fingerprint(session, sound, fp)
    session.commit()
    return sound


def hash_rows(session: Session, sound_id: str | None = None) -> int:
    query = select(func.count()).select_from(SoundHash)
    if sound_id is not None:
        query = query.where(SoundHash.sound_id == sound_id)
    return session.scalar(query) or 0


def distinct_pairs(fp: Fingerprint) -> int:
    return len(set(fp.pairs()))


def noise_like(songs: Songs, seed: int) -> Fingerprint:
    """An unrelated synthetic fingerprint of ~20 s that shares some hashes with ``a`` (at random
    frames, so they never agree on one offset): a candidate of the lookup, never its answer."""
    rng = np.random.default_rng(seed)
    n = 3000
    hashes = rng.integers(0, 1 << 23, n, dtype=np.int64)
    shared = rng.choice(len(songs.a), 200, replace=False)
    hashes[:200] = songs.a.hashes[shared]
    frames = rng.integers(0, 860, n, dtype=np.int64)
    return Fingerprint(hashes.astype(np.uint32), frames.astype(np.int32), 20.0)


def test_an_original_has_its_rows_a_duplicate_none_and_a_rewrite_replaces_them(
    session: Session, songs: Songs
) -> None:
    original = add_sound(session, songs.a)
    assert hash_rows(session, original.id) == distinct_pairs(songs.a) > 1000
    stored = original.fingerprint
    assert stored is not None and stored["version"] == 1 and len(stored["pairs"]) == len(songs.a)
    found = find_original(session, songs.a_excerpt, seen_by="u")
    assert found is not None and found.id == original.id
    duplicate = add_sound(session, songs.a_excerpt, original_id=original.id)
    assert hash_rows(session, duplicate.id) == 0 and duplicate.fingerprint is not None
    assert find_original(session, songs.outsider, seen_by="u") is None
    write_fingerprint(session, original, songs.b)  # e.g. a re-index: the rows follow the JSON
    session.commit()
    assert hash_rows(session) == hash_rows(session, original.id) == distinct_pairs(songs.b)
    assert find_original(session, songs.a_excerpt, seen_by="u") is None


def test_deleting_a_sound_deletes_its_rows(session: Session, songs: Songs) -> None:
    kept = add_sound(session, songs.b)
    gone = add_sound(session, songs.a)
    session.execute(delete(Sound).where(Sound.id == gone.id))
    session.commit()
    assert hash_rows(session, gone.id) == 0
    assert hash_rows(session) == hash_rows(session, kept.id) == distinct_pairs(songs.b)


def test_equal_scores_go_to_the_earliest_sound_then_the_smallest_id(session: Session, songs: Songs) -> None:
    # two originals with the same audio (e.g. uploaded at the same moment, before either was
    # committed): the earlier one is the original, whatever the order of ids or rows
    add_sound(session, songs.a, sound_id="aaa", created_at=T0)
    add_sound(session, songs.a, sound_id="zzz", created_at=T0 - timedelta(seconds=1))
    found = find_original(session, songs.a_excerpt, seen_by="u")
    assert found is not None and found.id == "zzz"
    add_sound(session, songs.b, sound_id="yyy", created_at=T0)
    add_sound(session, songs.b, sound_id="bbb", created_at=T0)
    found = find_original(session, songs.b, seen_by="u")
    assert found is not None and found.id == "bbb"


def test_the_lookup_reads_only_candidate_rows_and_answers_as_the_whole_library_does(
    engine: Engine, session: Session, songs: Songs, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = [(f"noise{i:02d}", noise_like(songs, i)) for i in range(25)]
    library.append(("target", songs.a))
    library += [(f"noise{i:02d}", noise_like(songs, i)) for i in range(25, 50)]
    library.append(("other", songs.b))
    for n, (sound_id, fp) in enumerate(library):
        add_sound(session, fp, sound_id=sound_id, created_at=T0 + timedelta(seconds=n))
    total = hash_rows(session)

    read: list[tuple[str, int, int]] = []
    from_rows = FingerprintIndex.from_rows

    def spy(rows: Any, **kwargs: float) -> FingerprintIndex:
        read.extend(rows)
        return from_rows(read, **kwargs)

    monkeypatch.setattr(FingerprintIndex, "from_rows", spy)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        found = find_original(session, songs.a_excerpt, seen_by="u")
    finally:
        event.remove(engine, "before_cursor_execute", record)

    assert found is not None and found.id == "target"
    query_hashes = set(songs.a_excerpt.hashes.tolist())
    assert {h for _, h, _ in read} <= query_hashes  # only the postings of the query's hashes
    assert {sound_id for sound_id, _, _ in read} >= {"target", "noise00", "noise49"}  # noise shares hashes
    assert len(read) < total / 4
    assert not any("fingerprint" in s.split("FROM")[0] for s in statements)  # never the JSON

    whole = FingerprintIndex()  # what find_original used to build: every original, oldest first
    for sound_id, fp in library:
        whole.add(sound_id, fp)
    expected = whole.match(songs.a_excerpt)
    assert expected is not None and expected.sound_id == found.id
    monkeypatch.undo()
    assert FingerprintIndex.from_rows(read).candidates(songs.a_excerpt) == whole.candidates(songs.a_excerpt)


# --- migration 0004: the table and its backfill, on SQLite and PostgreSQL --------------------------


def test_migration_0004_backfills_the_originals_and_matches_the_models(db_url: str, songs: Songs) -> None:
    config = db.alembic_config(db_url)
    db.upgrade(db_url, "0003_durable_outbox")
    engine = db.make_engine(db_url)
    at = DateTime(timezone=True)
    sounds = table(
        "sounds",
        *(column(name, String()) for name in ("id", "owner_id", "media_id", "title", "license")),
        column("original_id", String()),
        column("fingerprint", JSON()),
        column("allow_reuse"),
        column("published"),
        column("usage_count"),
        column("created_at", at),
    )

    def row(
        sound_id: str, fp: Fingerprint | None, version: int = 1, original: str | None = None
    ) -> dict[str, Any]:
        stored = None if fp is None else {"version": version, "pairs": fp.pairs(), "duration": fp.duration}
        return {
            "id": sound_id,
            "owner_id": "u",
            "media_id": "m",
            "title": sound_id,
            "license": "cc-by",
            "original_id": original,
            "fingerprint": stored,
            "allow_reuse": True,
            "published": True,
            "usage_count": 0,
            "created_at": T0,
        }

    small = [(f"small{i:02d}", noise_like(songs, 100 + i)) for i in range(30)]  # more than a batch
    users = table(
        "users", *(column(c, String()) for c in ("id", "name", "token_hash")), column("created_at", at)
    )
    media = table(
        "media",
        *(column(c, String()) for c in ("id", "owner_id", "kind", "filename", "status", "upload_key")),
        column("declared_size"),
        column("created_at", at),
    )
    try:
        with engine.begin() as conn:
            conn.execute(users.insert().values(id="u", name="u", token_hash="h", created_at=T0))
            conn.execute(
                media.insert().values(
                    id="m",
                    owner_id="u",
                    kind="audio",
                    filename="a.m4a",
                    status="ready",
                    upload_key="k",
                    declared_size=1,
                    created_at=T0,
                )
            )
            originals = [row("orig", songs.a), row("stale", songs.b, version=0), row("none", None)]
            conn.execute(sounds.insert(), originals + [row(sound_id, fp) for sound_id, fp in small])
            conn.execute(sounds.insert(), [row("dup", songs.a_excerpt, original="orig")])
        command.upgrade(config, "head")

        with Session(engine) as session:
            assert hash_rows(session, "orig") == distinct_pairs(songs.a)
            assert hash_rows(session, "dup") == hash_rows(session, "stale") == hash_rows(session, "none") == 0
            assert all(hash_rows(session, sound_id) == distinct_pairs(fp) for sound_id, fp in small)
            found = find_original(session, songs.a_excerpt, seen_by="u")
            assert found is not None and found.id == "orig"
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []

        command.downgrade(config, "0003_durable_outbox")
        assert "sound_hashes" not in inspect(engine).get_table_names()
        command.upgrade(config, "head")
        with Session(engine) as session:
            assert hash_rows(session) == distinct_pairs(songs.a) + sum(distinct_pairs(fp) for _, fp in small)
    finally:
        engine.dispose()
