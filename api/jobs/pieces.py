"""Split renders across workers: the pieces of a long edit, rendered by whichever workers are free.

The worker running a render (its *coordinator*) plans the split (``editor.split.prepare_split``),
records one ``render_pieces`` row per piece of its attempt and asks for help (Celery: one piece task
per extra piece; embedded: idle worker processes look for pieces at every poll). Then it renders
the sound, and claims and renders pieces itself like any helper, until every piece is done; it
downloads the pieces the helpers uploaded and joins them without re-encoding.

A piece is claimed with a lease, as a render is (``api.jobs.leases``): a helper that dies costs only
its piece, which the coordinator or another helper claims again once the lease has run out. A piece
that kills its worker ``max_attempts`` times, or fails for a reason that will not change, fails the
render. A helper stops as soon as its render is cancelled, ends or is retried as a new attempt.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from api.core.context import Services
from api.core.db import as_utc
from api.core.models import Render, RenderPiece, utcnow
from api.core.storage import TMP_PREFIX
from api.jobs.leases import Beat, LeasePolicy, policy_of
from api.services.access import resolve_sources, source_fields
from editor.errors import JobFailed, MediaError, ReelForgeError, RenderCancelled, RenderError, StorageError
from editor.plan.split import Piece
from editor.render import RenderResult, check_assets, probe_sources
from editor.resolve import parse_spec, resolved_data
from editor.split import SplitJob, join_into, render_piece, render_sound, split_result

log = logging.getLogger("reelforge.jobs")

WAIT_SECONDS = 0.25  # how often the coordinator looks at pieces others render


@dataclass(frozen=True)
class PieceId:
    render_id: str
    attempt: int
    number: int

    @property
    def key(self) -> str:
        """Where a helper uploads the piece: under the temporary prefix the janitor empties."""
        return f"{TMP_PREFIX}{self.render_id}-{self.attempt}.piece{self.number:03d}.mp4"

    def where(self) -> ColumnElement[bool]:
        return and_(
            RenderPiece.render_id == self.render_id,
            RenderPiece.attempt == self.attempt,
            RenderPiece.number == self.number,
        )


# --- the pieces table as a queue (compare-and-set, like ``api.jobs.leases``) ---------------------


def add_pieces(sessions: sessionmaker[Session], render_id: str, attempt: int, job: SplitJob) -> None:
    with sessions() as session:
        session.execute(delete(RenderPiece).where(RenderPiece.render_id == render_id))  # earlier attempts
        for number, piece in enumerate(job.plan.pieces):
            session.add(
                RenderPiece(
                    render_id=render_id,
                    attempt=attempt,
                    number=number,
                    spec=resolved_data(piece.spec),
                    start=piece.start,
                    duration=piece.duration,
                    status="queued",
                    tries=0,
                )
            )
        session.commit()


def _live_render() -> ColumnElement[bool]:
    """The piece belongs to the render's current attempt, which runs and is not being cancelled."""
    return and_(
        Render.id == RenderPiece.render_id,
        Render.status == "running",
        Render.attempts == RenderPiece.attempt,
        Render.cancel_requested.is_(False),
    )


def claim_piece(
    services: Services, worker: str, policy: LeasePolicy, render_id: str | None = None
) -> PieceId | None:
    """A queued piece (or one whose helper's lease ran out) of a live split render, claimed; of
    ``render_id`` only when given. The candidates are read without a write lock."""
    now = utcnow()
    claimable = or_(
        RenderPiece.status == "queued",
        and_(RenderPiece.status == "running", RenderPiece.lease_expires_at < now),
    )
    query = (
        select(RenderPiece.render_id, RenderPiece.attempt, RenderPiece.number)
        .join(Render, _live_render())
        .where(claimable, RenderPiece.tries < policy.max_attempts)
        .order_by(Render.created_at, RenderPiece.number)
        .limit(10)
    )
    if render_id is not None:
        query = query.where(RenderPiece.render_id == render_id)
    with services.readers() as session:
        rows = session.execute(query).all()
        session.rollback()
    for row in rows:
        piece = PieceId(row.render_id, row.attempt, row.number)
        with services.sessions() as session:
            claimed = session.execute(
                update(RenderPiece)
                .where(piece.where(), claimable, RenderPiece.tries < policy.max_attempts)
                .values(
                    status="running",
                    lease_owner=worker,
                    lease_expires_at=policy.expiry(now),
                    tries=RenderPiece.tries + 1,
                )
            )
            session.commit()
        if claimed.rowcount:  # type: ignore[attr-defined]
            return piece
    return None


def renew_piece(sessions: sessionmaker[Session], piece: PieceId, worker: str, policy: LeasePolicy) -> Beat:
    """Renew a piece's lease; ``cancel`` once its render no longer needs it."""
    with sessions() as session:
        renewed = session.execute(
            update(RenderPiece)
            .where(piece.where(), RenderPiece.lease_owner == worker, RenderPiece.status == "running")
            .values(lease_expires_at=policy.expiry(utcnow()))
        )
        live = session.scalar(select(Render.id).join(RenderPiece, _live_render()).where(piece.where()))
        session.commit()
    if not renewed.rowcount:  # type: ignore[attr-defined]
        return "lost"
    return "ok" if live else "cancel"


def end_piece(sessions: sessionmaker[Session], piece: PieceId, worker: str, **values: object) -> bool:
    """Compare-and-set a piece's outcome (``done``, ``failed``, or ``queued`` to give it back)."""
    with sessions() as session:
        ended = session.execute(
            update(RenderPiece)
            .where(piece.where(), RenderPiece.lease_owner == worker, RenderPiece.status == "running")
            .values(lease_owner=None, lease_expires_at=None, **values)
        )
        session.commit()
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def abandon_pieces(sessions: sessionmaker[Session], worker: str) -> int:
    """The process holding ``worker``'s piece leases died: its pieces are claimable now rather than
    when their leases run out (each try counts)."""
    with sessions() as session:
        freed = session.execute(
            update(RenderPiece)
            .where(RenderPiece.lease_owner == worker, RenderPiece.status == "running")
            .values(status="queued", lease_owner=None, lease_expires_at=None)
        )
        session.commit()
    return int(freed.rowcount)  # type: ignore[attr-defined]


@contextlib.contextmanager
def _holding(
    services: Services, piece: PieceId, worker: str, *also: threading.Event | None
) -> Iterator[threading.Event]:
    """Keep the piece's lease while the block renders it; the event is set when the piece must
    stop (its render ended or moved on, the lease was lost, or one of ``also`` was set)."""
    policy = policy_of(services.settings)
    stop, done = threading.Event(), threading.Event()

    def keep() -> None:
        while not done.wait(min(0.5, policy.seconds / 4)):
            if any(event is not None and event.is_set() for event in also):
                stop.set()
                return
            try:
                beat = renew_piece(services.sessions, piece, worker, policy)
            except Exception:  # the database blipped: the lease has seconds left, try again
                log.warning("piece %s: lease renewal failed", piece, exc_info=True)
                continue
            if beat != "ok":
                stop.set()
                return

    thread = threading.Thread(target=keep, daemon=True, name=f"piece-{piece.render_id[:8]}-{piece.number}")
    thread.start()
    try:
        yield stop
    finally:
        done.set()
        thread.join(timeout=5)


# --- helpers: any worker with nothing better to do ------------------------------------------------


def help_render(
    services: Services, worker: str, render_id: str | None = None, stop: threading.Event | None = None
) -> int:
    """Claim and render pieces (of ``render_id``, or of any split render) until none is left or
    ``stop`` is set. Returns how many this worker rendered."""
    rendered = 0
    while not (stop is not None and stop.is_set()):
        piece = claim_piece(services, worker, policy_of(services.settings), render_id)
        if piece is None:
            break
        rendered += _help_with(services, piece, worker, stop)
    return rendered


def _help_with(services: Services, piece: PieceId, worker: str, stop: threading.Event | None) -> int:
    settings, storage = services.settings, services.storage
    started = time.monotonic()
    with services.readers() as session:
        row = session.execute(
            select(RenderPiece.spec, RenderPiece.start, RenderPiece.duration, Render.owner_id, Render.draft)
            .join(Render, Render.id == RenderPiece.render_id)
            .where(piece.where())
        ).one()
        spec = parse_spec(row.spec)
        resolved = resolve_sources(session, row.owner_id, source_fields(spec), commercial=spec.commercial)
        session.rollback()
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    try:
        if resolved.forbidden or resolved.missing or resolved.problems:
            raise JobFailed("a source of this piece can no longer be used")  # the coordinator says which
        with (
            tempfile.TemporaryDirectory(dir=settings.work_dir, prefix=f"piece-{os.getpid()}-") as tmp,
            contextlib.ExitStack() as files,
            _holding(services, piece, worker, stop) as cancel,
        ):
            work = Path(tmp)
            paths = {
                src: files.enter_context(storage.local_copy(key, work / f"src{i}"))
                for i, (src, key) in enumerate(resolved.keys.items())
            }
            resolve = _resolver(paths)
            media = probe_sources(spec, resolve, settings.limits())
            luts = check_assets(spec, resolve, None)
            target = work / "piece.mp4"
            render_piece(
                Piece(row.start, row.start + row.duration, spec), media, target, luts, draft=row.draft,
                limits=settings.limits(), work_dir=work, cancel=cancel, timeout=settings.render_timeout,
            )  # fmt: skip
            storage.put_file(piece.key, target)
    except RenderCancelled:
        end_piece(services.sessions, piece, worker, status="queued")  # another worker may take it
        return 0
    except (RenderError, StorageError) as exc:  # its ffmpeg died, the store failed: it may run again
        log.warning("piece %s failed (%s); queued again", piece, exc.message)
        end_piece(services.sessions, piece, worker, status="queued", error_message=exc.message)
        return 0
    except ReelForgeError as exc:  # the piece's input is wrong: no other worker would do better
        end_piece(services.sessions, piece, worker, status="failed", error_message=exc.message)
        return 0
    seconds = round(time.monotonic() - started, 3)
    if not end_piece(services.sessions, piece, worker, status="done", output_key=piece.key, seconds=seconds):
        with contextlib.suppress(StorageError):  # the render moved on meanwhile: nobody needs it
            storage.delete(piece.key)
        return 0
    log.info("piece %s rendered in %.1f s", piece, seconds)
    return 1


def _resolver(paths: dict[str, Path]) -> Callable[[str], Path]:
    def resolve(src: str) -> Path:
        if src not in paths:
            raise MediaError(f"{src}: not a source of this render")
        return paths[src]

    return resolve


# --- the coordinator ------------------------------------------------------------------------------


@dataclass
class Coordinator:
    """Renders one attempt of a split render with whatever help it gets (``render``)."""

    services: Services
    render_id: str
    attempt: int
    worker: str
    draft: bool
    cancel: threading.Event  # the render's own: cancelled, lease lost, shutting down
    on_progress: Callable[[float], None]
    ask_for_help: Callable[[int], None]

    def render(self, job: SplitJob, output: Path, work: Path) -> RenderResult:
        started = time.monotonic()
        settings, limits = self.services.settings, self.services.settings.limits()
        add_pieces(self.services.sessions, self.render_id, self.attempt, job)
        self.ask_for_help(len(job.plan.pieces) - 1)
        files = [work / f"piece{n:03d}.mp4" for n in range(len(job.plan.pieces))]
        sound = work / "sound.m4a"
        failure: list[BaseException] = []

        def sound_step() -> None:
            try:
                render_sound(job.spec, job.media, sound, limits=limits, cancel=self.cancel,
                             timeout=settings.render_timeout)  # fmt: skip
            except BaseException as exc:
                failure.append(exc)

        sounding = threading.Thread(target=sound_step, daemon=True, name=f"sound-{self.render_id[:8]}")
        sounding.start()
        try:
            self._render_pieces(job, files, failure)
        finally:
            sounding.join()
        if failure:
            raise failure[0]
        self._fetch(files)
        join_into(job, files, sound, output, limits=limits, timeout=settings.render_timeout)
        self._forget()
        return split_result(job, output, draft=self.draft, seconds=time.monotonic() - started)

    def _render_pieces(self, job: SplitJob, files: list[Path], failure: list[BaseException]) -> None:
        """Render pieces nobody holds, and wait for the others, until every piece is done."""
        total, tries = job.duration, self.services.settings.max_attempts
        while not failure:  # the sound failed: its error is the render's
            if self.cancel.is_set():
                raise RenderCancelled("the render was stopped")
            piece = claim_piece(self.services, self.worker, policy_of(self.services.settings), self.render_id)
            if piece is not None:
                self._render_own(job, piece, files[piece.number])
                continue
            rows = self._rows()
            for row in rows:
                held = row.status == "running" and as_utc(row.lease_expires_at or utcnow()) > utcnow()
                if row.status == "failed" or (row.status != "done" and not held and row.tries >= tries):
                    reason = row.error_message or f"its worker stopped {row.tries} times"
                    raise JobFailed(f"the piece at {row.start:.2f} s failed: {reason}", code="piece_failed")
            done = [row for row in rows if row.status == "done"]
            self.on_progress(0.95 * sum(row.duration for row in done) / total)
            if len(done) == len(rows):
                return
            self.cancel.wait(WAIT_SECONDS)

    def _render_own(self, job: SplitJob, piece: PieceId, target: Path) -> None:
        started = time.monotonic()
        texts = target.with_suffix(".text")
        texts.mkdir(exist_ok=True)
        with _holding(self.services, piece, self.worker, self.cancel) as stop:
            try:
                render_piece(
                    job.plan.pieces[piece.number], job.media, target, job.luts, draft=self.draft,
                    limits=self.services.settings.limits(), work_dir=texts, cancel=stop,
                    timeout=self.services.settings.render_timeout,
                )  # fmt: skip
            except RenderCancelled:
                if self.cancel.is_set():
                    raise
                # the piece's lease was lost (a stall longer than the lease): whoever holds it now
                # renders it; this attempt goes on
                return
            except RenderError as exc:
                end_piece(
                    self.services.sessions, piece, self.worker, status="queued", error_message=exc.message
                )
                return
        seconds = round(time.monotonic() - started, 3)
        end_piece(self.services.sessions, piece, self.worker, status="done", seconds=seconds)

    def _rows(self) -> list[RenderPiece]:
        with self.services.readers() as session:
            rows = list(
                session.scalars(
                    select(RenderPiece)
                    .where(RenderPiece.render_id == self.render_id, RenderPiece.attempt == self.attempt)
                    .order_by(RenderPiece.number)
                )
            )
            session.expunge_all()
        return rows

    def _fetch(self, files: list[Path]) -> None:
        """Download the pieces helpers uploaded (those rendered here are already in place)."""
        for row in self._rows():
            if row.output_key is not None:
                with self.services.storage.local_copy(
                    row.output_key, files[row.number].parent / "fetch"
                ) as got:
                    shutil.copyfile(got, files[row.number])

    def _forget(self) -> None:
        """Delete the uploaded pieces (best effort: the janitor empties the temporary prefix)."""
        for row in self._rows():
            if row.output_key is not None:
                with contextlib.suppress(StorageError):
                    self.services.storage.delete(row.output_key)
