"""Running one render: the same function for the embedded and the Celery queue.

The output is rendered into a local work folder (atomically, by the engine) and uploaded to a
temporary key of this attempt (``tmp/renders/<id>-<attempt>.mp4``). Then the row is flipped to
``succeeded`` with a compare-and-set on the lease, recording that staged key: that commit is the
commit point. Only after it is the staged object copied to the render's one deterministic final key
(``users/<uid>/renders/<id>.mp4``) and the staged key cleared, so no final key ever exists before its
render is ``succeeded``. A crash between the two is rolled forward by the janitor (``publish``). A
worker that lost its lease writes nothing and deletes its staged object.

Storage calls retry transient errors with backoff inside the storage seam; when that budget runs
out the render ends ``failed`` with ``storage_unavailable``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.core.context import Services
from api.core.db import as_utc
from api.core.models import TERMINAL, Render, Sound, SoundUse
from api.core.storage import TMP_PREFIX
from api.jobs import leases
from api.jobs.leases import policy_of
from api.services import lineage
from api.services import videos as video_service
from api.services.access import refusal_code, resolve_sources, source_fields
from api.services.previews import StorageSink, discard_previews, preview_prefix
from audio.analysis import SoundAnalysis
from audio.attribution import Credit
from editor.errors import JobFailed, MediaError, ReelForgeError, RenderCancelled, StorageError
from editor.resolve import ENGINE_VERSION, parse_spec
from editor.spec import EditSpec
from editor.walk import Source, with_sources

if TYPE_CHECKING:
    from editor.render import RenderResult

log = logging.getLogger("reelforge.jobs")


def output_key(owner_id: str, render_id: str) -> str:
    """The one final key of a render: every attempt publishes to the same place."""
    return f"users/{owner_id}/renders/{render_id}.mp4"


# Asks other workers to help with a split render: (render id, how many more pieces) (``api.jobs.pieces``)
AskForHelp = Callable[[str, int], None]


def run_job(
    services: Services,
    render_id: str,
    worker: str,
    stop: threading.Event | None = None,
    ask_for_help: AskForHelp | None = None,
) -> str:
    """Claim ``render_id`` and run it; a duplicate delivery or a finished render is a no-op
    (``"skipped"``). Returns how the run ended, as ``run_claimed`` does."""
    if leases.claim(services.sessions, render_id, worker, policy_of(services.settings)):
        return run_claimed(services, render_id, worker, stop=stop, ask_for_help=ask_for_help)
    return "skipped"


@dataclass
class _Beat:
    """Renews the lease, stores progress and turns a cancel request into ``cancel.set()``."""

    services: Services
    render_id: str
    worker: str
    stop: threading.Event | None
    progress: float = 0.0
    state: str = "ok"
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.cancel = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"lease-{self.render_id[:8]}")
        self._thread.start()

    def _run(self) -> None:
        policy = policy_of(self.services.settings)
        interval = min(0.5, policy.seconds / 4)
        while not self._done.wait(interval):
            if self.stop is not None and self.stop.is_set():
                self.state = "shutdown"
                self.cancel.set()
                return
            try:
                beat = leases.heartbeat(
                    self.services.sessions, self.render_id, self.worker, policy, self.progress
                )
            except SQLAlchemyError:
                log.warning("render %s: heartbeat failed", self.render_id, exc_info=True)
                continue
            if beat != "ok":
                self.state = beat
                self.cancel.set()
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)


def run_claimed(
    services: Services,
    render_id: str,
    worker: str,
    stop: threading.Event | None = None,
    ask_for_help: AskForHelp | None = None,
) -> str:
    """Run a render this worker holds the lease of, and record how it ended (unless the lease was lost).
    A long edit is split into pieces (``REELFORGE_SPLIT_PIECES``) that idle workers help render;
    ``ask_for_help`` wakes them where they do not look by themselves (Celery).

    Returns the status written (``succeeded``, ``failed``, ``cancelled``), ``queued`` when it was given
    back to the queue for another attempt, or ``lost`` / ``shutdown`` / ``skipped``."""
    beat = _Beat(services, render_id, worker, stop)
    values: dict[str, object] | None
    used = Uses()
    try:
        values, used = _execute(services, render_id, beat, ask_for_help)
    except RenderCancelled:
        values = {"status": "cancelled"} if beat.state == "cancel" else None
    except ReelForgeError as exc:  # storage errors were already retried inside the storage seam
        values = {"status": "failed", "error_code": exc.code, "error_message": exc.message}
    except Exception as exc:  # a bug: fail this render cleanly, keep the worker alive
        log.exception("render %s crashed", render_id)
        values = _retry_or_fail(
            services, render_id, worker, "internal_error", f"internal error: {type(exc).__name__}"
        )
    finally:
        beat.close()
    staged = values.get("staged_key") if values else None
    if beat.state == "shutdown":
        leases.release(services.sessions, render_id, worker, policy_of(services.settings), refund=True)
        _discard(services, staged)
        return "shutdown"
    if values is None:
        return "lost" if beat.state == "lost" else _status(services, render_id)
    if beat.state == "lost":
        _discard(services, staged)
        return "lost"
    if values["status"] == "succeeded":
        values["run_seconds"] = round(time.monotonic() - beat.started, 3)
    with services.sessions() as session:  # the end, its usage counts and its webhook: one commit
        ended = leases.finish(session, render_id, worker, **values)
        if ended and values["status"] == "succeeded":
            record_uses(session, render_id, used.sounds)
            video_service.record_uses(session, render_id, used.videos)
        hooked = ended and queue_webhook(services, session, render_id)
        session.commit()
    if not ended:  # the lease ran out meanwhile: another attempt owns the render now
        _discard(services, staged)
        return "lost"
    if staged:
        publish(services, render_id)
    if hooked:
        services.webhooks.wake()
    return str(values["status"])


def _status(services: Services, render_id: str) -> str:
    with services.readers() as session:
        return str(session.scalar(select(Render.status).where(Render.id == render_id)) or "skipped")


def _discard(services: Services, key: object) -> None:
    """Delete a staged object nobody will publish (best effort: the janitor removes what remains)."""
    if isinstance(key, str):
        try:
            services.storage.delete(key)
        except StorageError:
            log.warning("could not delete %s; the janitor will", key)


def publish(services: Services, render_id: str) -> bool:
    """Roll a committed render forward: copy its staged object to its final key, then forget the
    staged key. Idempotent; the janitor calls it for renders whose worker died in between."""
    with services.readers() as session:
        row = session.execute(
            select(Render.staged_key, Render.output_key).where(
                Render.id == render_id, Render.status == "succeeded"
            )
        ).first()
    if row is None or row.staged_key is None or row.output_key is None:
        return False
    try:
        services.storage.copy(row.staged_key, row.output_key)
        services.storage.delete(row.staged_key)
    except StorageError:
        log.warning("render %s: publishing %s failed; the janitor will retry", render_id, row.output_key)
        return False
    with services.sessions() as session:
        session.execute(
            update(Render)
            .where(Render.id == render_id, Render.staged_key == row.staged_key)
            .values(staged_key=None)
        )
        session.commit()
    return True


def _retry_or_fail(
    services: Services, render_id: str, worker: str, code: str, message: str
) -> dict[str, object] | None:
    if leases.release(services.sessions, render_id, worker, policy_of(services.settings)):
        log.warning("render %s: %s; queued again", render_id, message)
        return None
    return {"status": "failed", "error_code": code, "error_message": message}


@dataclass(frozen=True)
class Uses:
    """What a succeeded render used: sound ids, and (video id, kind) of borrowed videos."""

    sounds: list[str] = field(default_factory=list)
    videos: list[tuple[str, video_service.Use]] = field(default_factory=list)


def _execute(
    services: Services, render_id: str, beat: _Beat, ask_for_help: AskForHelp | None
) -> tuple[dict[str, object] | None, Uses]:
    settings, storage = services.settings, services.storage
    with services.readers() as session:
        render = session.get(Render, render_id)
        if render is None or render.status in TERMINAL:
            return None, Uses()
        spec = parse_spec(render.spec)
        resolved = resolve_sources(session, render.owner_id, source_fields(spec), commercial=spec.commercial)
        if resolved.forbidden:
            src, reason = resolved.forbidden[0]
            raise JobFailed(f"{src} can no longer be used: {reason}", code=refusal_code(src, revoked=True))
        if resolved.missing:
            src = resolved.missing[0]
            reason = f"{src} can no longer be used: it is not published"
            raise JobFailed(reason, code=refusal_code(src, revoked=True))
        if resolved.problems:
            where, reason = resolved.problems[0]
            raise JobFailed(f"{where}: {reason}", code="source_unavailable")
        borrowed = [(source.id, video_service.use_of(where)) for where, source in resolved.videos]
        credits = lineage.render_credits(session, list(resolved.sounds.values()), borrowed)
        # a borrowed video's original sound plays in the mix: it counts as a use (and in trending)
        used = [
            *resolved.sounds,
            *video_service.original_sound_ids(session, [s.id for _, s in resolved.videos]),
        ]
        analyses = stored_analyses(resolved.sounds)
        notes = (
            []
            if render.engine_version in (None, ENGINE_VERSION)
            else [f"submitted for engine {render.engine_version}, rendered by {ENGINE_VERSION}"]
        )
        owner_id, attempt, draft = render.owner_id, render.attempts, render.draft
        started = as_utc(render.started_at) if render.started_at else None
        waited = (started - as_utc(render.created_at)).total_seconds() if started else None
        session.rollback()
    settings.work_dir.mkdir(parents=True, exist_ok=True)
    _forget_previews(services, render_id, range(1, attempt))  # earlier attempts died mid-render
    # this attempt's preview outlives it by ``preview_grace``: a player still on it finishes its
    # segment and switches to the MP4; the janitor deletes it then
    with tempfile.TemporaryDirectory(
        dir=settings.work_dir, prefix=f"render-{os.getpid()}-{render_id}-"
    ) as tmp:
        work = Path(tmp)
        with contextlib.ExitStack() as stack:
            paths = {
                src: stack.enter_context(storage.local_copy(key, work / f"src{i}"))
                for i, (src, key) in enumerate(resolved.keys.items())
            }
            result = _render(
                spec,
                work / "output.mp4",
                paths,
                draft,
                credits,
                analyses,
                beat,
                attempt,
                StorageSink(storage, preview_prefix(render_id, attempt)),
                ask_for_help,
            )
        staged_key = f"{TMP_PREFIX}{render_id}-{attempt}.mp4"
        storage.put_file(staged_key, result.output)  # published after the commit, by ``publish``
        size = result.output.stat().st_size
    return {
        "status": "succeeded",
        "progress": 1.0,
        "output_key": output_key(owner_id, render_id),
        "staged_key": staged_key,
        "wait_seconds": None if waited is None else round(waited, 3),
        "output_duration": result.duration,
        "output_size": size,
        "credits": [asdict(c) for c in credits],
        "warnings": [*notes, *result.warnings],
    }, Uses(used, borrowed)


def _forget_previews(services: Services, render_id: str, attempts: range) -> None:
    try:
        discard_previews(services.storage, render_id, attempts)
    except StorageError:
        log.warning("render %s: could not delete a preview; the janitor will", render_id)


def stored_analyses(sounds: dict[str, Sound]) -> dict[str, SoundAnalysis]:
    """The analysis each sound got at upload, by its spec source: the render needs no second one.
    One from an older ReelForge is left out (the render analyses again, cached by content)."""
    return {
        f"sound:{s.id}": SoundAnalysis.from_dict(s.analysis)
        for s in sounds.values()
        if SoundAnalysis.is_current(s.analysis)
    }


def _render(
    spec: EditSpec,
    output: Path,
    paths: dict[str, Path],
    draft: bool,
    credits: list[Credit],
    analyses: dict[str, SoundAnalysis],
    beat: _Beat,
    attempt: int,
    preview: StorageSink | None,
    ask_for_help: AskForHelp | None,
) -> RenderResult:
    """Render in one piece (with the preview), or in pieces that other workers help with when
    the edit is long enough and splits (``editor.plan.split``)."""
    from editor.render import render

    settings = beat.services.settings

    def resolve(src: str) -> Path:
        if src not in paths:
            raise MediaError(f"{src}: not a source of this render")
        return paths[src]

    def progress(value: float) -> None:
        beat.progress = value

    stickers = output.parent / "stickers"
    spec = local_stickers(spec, paths, stickers)
    if settings.split_pieces > 1:
        from api.jobs.pieces import Coordinator
        from editor.split import prepare_split

        job = prepare_split(
            spec, resolve=resolve, pieces=settings.split_pieces, limits=settings.limits(), credits=credits,
            analyses=analyses, asset_root=stickers, home=settings.home,
        )  # fmt: skip
        if len(job.plan.pieces) > 1:
            helpers = ask_for_help or (lambda render_id, count: None)  # embedded workers look by themselves
            coordinator = Coordinator(
                beat.services, beat.render_id, attempt, beat.worker, draft, beat.cancel, progress,
                lambda count: helpers(beat.render_id, count),
            )  # fmt: skip
            return coordinator.render(job, output, output.parent)
    return render(
        spec,
        output,
        resolve=resolve,
        draft=draft,
        on_progress=progress,
        cancel=beat.cancel,
        timeout=settings.render_timeout,
        preview=preview,
        work_root=output.parent,
        limits=settings.limits(),
        credits=credits,
        analyses=analyses,
        asset_root=stickers,
        home=settings.home,
    )


def local_stickers(spec: EditSpec, paths: dict[str, Path], folder: Path) -> EditSpec:
    """The spec with each ``media:<id>`` sticker pointing at its downloaded PNG inside ``folder``
    (the only folder the face effects may read user stickers from)."""
    folder.mkdir(exist_ok=True)

    def local(found: Source) -> str:
        if found.kind != "sticker" or found.value not in paths:
            return found.value
        name = f"{found.value.removeprefix('media:')}.png"
        if not (folder / name).exists():
            shutil.copyfile(paths[found.value], folder / name)
        return name

    return with_sources(spec, local)


def record_uses(session: Session, render_id: str, sound_ids: list[str]) -> None:
    """+1 usage per sound, once per succeeded render (the unique (render, sound) row guarantees once)."""
    for sound_id in sorted(set(sound_ids)):
        session.add(SoundUse(sound_id=sound_id, render_id=render_id))
        session.execute(update(Sound).where(Sound.id == sound_id).values(usage_count=Sound.usage_count + 1))


def notify(services: Services, render_id: str, session: Session | None = None) -> None:
    """Queue the terminal-state webhook, if the render has one, commit, and wake this process's
    dispatcher. Pass the caller's open session, if any: on SQLite a second session in the same
    thread would wait for the first one's lock."""
    if session is None:
        with services.sessions() as own:
            notify(services, render_id, own)
        return
    queued = queue_webhook(services, session, render_id)
    session.commit()
    if queued:
        services.webhooks.wake()


def queue_webhook(services: Services, session: Session, render_id: str) -> bool:
    """Add the render's terminal-state webhook, if it has one, to the outbox in ``session``'s
    transaction (once per render and event, however often this runs); nothing is posted here
    (``api.jobs.webhooks``). The caller commits; True when a delivery was added."""
    from api.jobs import webhooks
    from api.services.renders import public

    render = session.get(Render, render_id)
    if render is None or render.webhook_url is None or render.status not in TERMINAL:
        return False
    payload = {"event": f"render.{render.status}", "render": public(services, render).model_dump(mode="json")}
    return webhooks.queue(session, render.id, render.webhook_url, payload)
