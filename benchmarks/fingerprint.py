"""Fingerprint and lookup time of audio.fingerprint on generated songs.

    .venv/bin/python benchmarks/fingerprint.py [--sounds 200] [--seconds 30] [--db-sounds 1000]

Builds an in-memory index of ``--sounds`` generated songs, then reports: fingerprint time per
minute of audio (60 s and 15 min inputs), hashes per second of audio, index size, and lookup
time of a 10 s excerpt (a known song at an offset, which must be found) and of a song that is
not indexed (which must not).

Then the API's lookup, ``api.services.sounds.find_original``, on a SQLite library of ``--db-sounds``
originals written by ``api.services.sounds.write_fingerprint`` (JSON + ``sound_hashes`` rows): one real
song among synthetic fingerprints of ``--db-seconds`` whose hashes are drawn from the real songs'
hashes, so common hashes are as common as in music. It reports the lookup time of the excerpt and
of the outsider (fingerprinting excluded), the postings each read, and once, for comparison, the
lookup as it was before the table (every original's JSON into an in-memory index per upload).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from audio.fingerprint import FRAME_SECONDS, Fingerprint, FingerprintIndex, fingerprint
from testkit.synth import TrackSpec, synthesize, unrelated_set

T = TypeVar("T")


def timed(fn: Callable[..., T], *args: object) -> tuple[T, float]:
    started = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sounds", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--db-sounds", type=int, default=1000, help="0 skips the database lookup")
    parser.add_argument("--db-seconds", type=float, default=10.0, help="length of the synthetic sounds")
    args = parser.parse_args()

    for seconds in (60.0, 900.0):
        track = synthesize(TrackSpec("long", 118, seconds, "rock", "8th", melody=True, seed=7))
        fp, took = timed(fingerprint, track.samples, track.sr)
        print(
            f"fingerprint {seconds:5.0f} s: {took:6.2f} s ({took / seconds * 60:.2f} s per minute), "
            f"{len(fp) / seconds:.0f} hashes/s"
        )

    index = FingerprintIndex()
    build = 0.0
    songs = unrelated_set(args.sounds, args.seconds)
    excerpt = None
    known: Fingerprint | None = None
    pool: list[np.ndarray] = []  # every real hash, for the synthetic library
    for i, spec in enumerate(songs):
        track = synthesize(spec)
        fp, took = timed(fingerprint, track.samples, track.sr)
        build += took
        index.add(spec.name, fp)
        pool.append(fp.hashes)
        if i == len(songs) // 2:
            excerpt = (spec.name, track.samples[int(7.3 * track.sr) : int(17.3 * track.sr)], track.sr)
            known = fp
    rows = sum(1 for _ in index.rows())
    print(
        f"index: {len(index)} sounds x {args.seconds:.0f} s, {rows} rows, fingerprinting took {build:.1f} s"
    )

    assert excerpt is not None
    name, samples, sr = excerpt
    outsider = synthesize(unrelated_set(1, 10.0, first=args.sounds + 1000)[0])
    hit_times, miss_times = [], []
    for _ in range(5):
        found, took = timed(lambda: index.match(fingerprint(samples, sr)))
        hit_times.append(took)
        missing, took = timed(lambda: index.match(fingerprint(outsider.samples, outsider.sr)))
        miss_times.append(took)
    ok = found is not None and found.sound_id == name and abs(found.offset - 7.3) < 0.1 and missing is None
    hit_ms = statistics.median(hit_times) * 1000
    print(
        f"lookup of a 10 s excerpt (fingerprint + match), median of 5: {hit_ms:.0f} ms"
        f" -> {found.sound_id if found else None} at {found.offset if found else float('nan'):.2f} s"
        f" (score {found.score if found else 0}, coverage {found.coverage if found else 0:.2f})"
    )
    print(f"lookup of a song not in the index: {statistics.median(miss_times) * 1000:.0f} ms -> {missing}")
    if args.db_sounds > 0:
        assert known is not None
        queries = fingerprint(samples, sr), fingerprint(outsider.samples, outsider.sr)
        ok = database_lookup(args, (name, known), np.concatenate(pool), queries) and ok
    print(f"correct: {'yes' if ok else 'NO'}")
    return 0 if ok else 1


def database_lookup(
    args: argparse.Namespace,
    known: tuple[str, Fingerprint],
    pool: np.ndarray,
    queries: tuple[Fingerprint, Fingerprint],
) -> bool:
    """``find_original`` against a SQLite library of ``args.db_sounds`` originals."""
    from sqlalchemy import func, select

    from api.core import db
    from api.core.models import Media, Sound, SoundHash, User, utcnow
    from api.services.sounds import LOOKUP_CHUNK, find_original, write_fingerprint

    rng = np.random.default_rng(1)
    name, known_fp = known
    per_sound = round(len(known_fp) / known_fp.duration * args.db_seconds)
    last_frame = round(args.db_seconds / FRAME_SECONDS)
    with tempfile.TemporaryDirectory(prefix="fingerprint-bench-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        db.upgrade(url)
        engine = db.make_engine(url)
        sessions = db.make_sessionmaker(engine)
        started = time.perf_counter()
        with db.transaction(sessions) as session:
            session.add(User(id="u", name="bench", token_hash="h"))
            session.flush()
            session.add(
                Media(id="m", owner_id="u", kind="audio", filename="x", declared_size=1, upload_key="k")
            )
            t0 = utcnow()
            for i in range(args.db_sounds):
                if i == args.db_sounds // 2:
                    sound_id, fp = name, known_fp
                else:
                    frames = np.sort(rng.integers(0, last_frame, per_sound)).astype(np.int32)
                    sound_id, fp = f"synthetic{i:05d}", Fingerprint(rng.choice(pool, per_sound), frames)
                sound = Sound(
                    id=sound_id,
                    owner_id="u",
                    media_id="m",
                    title=sound_id,
                    license="cc-by",
                    created_at=t0 + timedelta(milliseconds=i),
                )
                session.add(sound)
                write_fingerprint(session, sound, fp)
        with sessions() as session:
            rows = session.scalar(select(func.count()).select_from(SoundHash)) or 0
        print(
            f"database: {args.db_sounds} originals in SQLite ({args.db_seconds:.0f} s synthetic + 1 real),"
            f" {rows} rows in sound_hashes, written in {time.perf_counter() - started:.1f} s"
        )

        def postings(fp: Fingerprint) -> int:
            hashes = sorted(set(fp.hashes.tolist()))
            total = 0
            with sessions() as session:
                for i in range(0, len(hashes), LOOKUP_CHUNK):
                    query = select(func.count()).where(SoundHash.hash.in_(hashes[i : i + LOOKUP_CHUNK]))
                    total += session.scalar(query) or 0
            return total

        def lookup(fp: Fingerprint) -> str | None:
            with sessions() as session:
                found = find_original(session, fp, seen_by="u")
                return found.id if found is not None else None

        def before_the_table(fp: Fingerprint) -> str | None:  # find_original up to migration 0003
            whole = FingerprintIndex()
            with sessions() as session:
                stored = session.execute(
                    select(Sound.id, Sound.fingerprint)
                    .where(Sound.original_id.is_(None), Sound.fingerprint.is_not(None))
                    .order_by(Sound.created_at, Sound.id)
                ).all()
            for sound_id, data in stored:
                whole.add(sound_id, Fingerprint.from_pairs(data["pairs"], data["duration"]))
            found = whole.match(fp)
            return found.sound_id if found is not None else None

        hit_fp, miss_fp = queries
        hits, misses = [], []
        for _ in range(5):
            hit, took = timed(lookup, hit_fp)
            hits.append(took)
            miss, took = timed(lookup, miss_fp)
            misses.append(took)
        old, old_took = timed(before_the_table, hit_fp)
        read = postings(hit_fp), postings(miss_fp)
        engine.dispose()
    ok = hit == name and miss is None and old == name
    print(
        f"find_original, median of 5: excerpt {statistics.median(hits) * 1000:.0f} ms -> {hit}"
        f" ({read[0]} postings read); not in the library {statistics.median(misses) * 1000:.0f} ms"
        f" -> {miss} ({read[1]} postings read)"
    )
    print(
        f"the same lookup before the table (all JSON -> in-memory index): {old_took * 1000:.0f} ms -> {old}"
    )
    return ok


if __name__ == "__main__":
    raise SystemExit(main())
