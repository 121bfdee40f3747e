"""Batch rendering from a JSON Lines manifest, in a process pool (``reelforge batch``).

One job a line, paths relative to the manifest, outputs relative to the output folder::

    {"spec": "edit.json", "output": "a.mp4"}
    {"template": "beat-5", "clips": ["a.mp4", "b.mp4"], "texts": {"title": "Hi"}, "output": "b.mp4"}

A job never stops the others: each one ends ``ok``, ``skipped`` (``resume`` and its output
exists and probes valid) or ``failed`` with its error. With an upload target (``s3://bucket/prefix``,
read with the API's ``REELFORGE_S3_*`` settings) each finished output is uploaded by the worker
that made it, under its output path.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Status = Literal["ok", "failed", "skipped"]


class ManifestLine(BaseModel):
    """One manifest line: an edit spec file, or a template with clips."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    output: str = Field(..., min_length=1, max_length=1024, pattern=r"(?i)\.mp4$")
    spec: str | None = Field(None, min_length=1, max_length=1024)
    template: str | None = Field(None, min_length=1, max_length=1024)
    clips: tuple[str, ...] = Field((), max_length=100)
    texts: dict[str, str] = Field(default_factory=dict)
    sound: str | None = Field(None, min_length=1, max_length=1024)

    @model_validator(mode="after")
    def _one_kind(self) -> ManifestLine:
        if (self.spec is None) == (self.template is None):
            raise ValueError("give either 'spec' or 'template'")
        if self.template is not None and not self.clips:
            raise ValueError("a template job needs 'clips'")
        if self.spec is not None and (self.clips or self.texts or self.sound):
            raise ValueError("'clips', 'texts' and 'sound' go with 'template', not 'spec'")
        path = PurePosixPath(self.output)
        if path.is_absolute() or ".." in path.parts:
            raise ValueError("'output' must be a path inside the output folder")
        return self


@dataclass(frozen=True)
class BatchJob:
    """A job ready to run (absolute paths), or a line that could not be read (``problem``)."""

    line: int
    output: str  # relative to the output folder, POSIX style: the upload key too
    target: Path
    base: Path  # the manifest's folder
    spec: Path | None = None
    template: str | None = None
    clips: tuple[Path, ...] = ()
    texts: Mapping[str, str] = field(default_factory=dict)
    sound: Path | None = None
    problem: str | None = None


@dataclass(frozen=True)
class JobResult:
    line: int
    output: str
    status: Status
    seconds: float
    error: str | None = None
    duration: float | None = None
    uploaded: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 3)}


def read_manifest(manifest: Path, out_dir: Path) -> list[BatchJob]:
    """Every job of the manifest; a bad line becomes a job with a ``problem`` (it fails alone)."""
    base = manifest.resolve().parent
    out_dir = out_dir.resolve()
    jobs: list[BatchJob] = []
    seen: dict[str, int] = {}
    text = manifest.read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        try:
            data = json.loads(stripped)
            line = ManifestLine.model_validate(data)
        except json.JSONDecodeError as exc:
            jobs.append(_bad(number, f"line {number}", out_dir, base, f"not valid JSON ({exc.msg})"))
            continue
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "line"
            message = err["msg"].removeprefix("Value error, ")
            output = (
                data.get("output") if isinstance(data, dict) and isinstance(data.get("output"), str) else None
            )
            jobs.append(_bad(number, output or f"line {number}", out_dir, base, f"{where}: {message}"))
            continue
        output = PurePosixPath(line.output).as_posix()
        if output in seen:
            jobs.append(_bad(number, output, out_dir, base, f"line {seen[output]} already writes {output}"))
            continue
        seen[output] = number
        jobs.append(
            BatchJob(
                line=number,
                output=output,
                target=out_dir / output,
                base=base,
                spec=base / line.spec if line.spec else None,
                template=line.template,
                clips=tuple(base / c for c in line.clips),
                texts=dict(line.texts),
                sound=base / line.sound if line.sound else None,
            )
        )
    return jobs


def _bad(line: int, output: str, out_dir: Path, base: Path, problem: str) -> BatchJob:
    return BatchJob(line=line, output=output, target=out_dir / "invalid", base=base, problem=problem)


# --- the worker side ------------------------------------------------------------------------------

_events: Any = None  # the progress queue, set in each worker process
_uploaders: dict[str, Any] = {}


def _init_worker(events: Any) -> None:
    global _events
    _events = events


def _emit(*event: Any) -> None:
    if _events is not None:
        try:
            _events.put_nowait(event)
        except (queue.Full, OSError, ValueError):
            pass


def valid_output(path: Path) -> bool:
    """The file exists and probes as complete video (a truncated file does not)."""
    from editor.errors import ReelForgeError
    from editor.probe import probe

    if not path.is_file():
        return False
    try:
        info = probe(path)
    except ReelForgeError:
        return False
    return info.has_video and info.duration > 0


def uploader(target: str) -> Any:
    """A storage for ``target`` (``s3://bucket/prefix`` or ``file:///dir``), one per process."""
    if target not in _uploaders:
        from api.core.config import Settings
        from api.core.storage import make_storage

        settings = Settings().model_copy(update={"storage_url": target})
        _uploaders[target] = make_storage(settings)
    return _uploaders[target]


def run_job(
    job: BatchJob,
    *,
    draft: bool = False,
    resume: bool = False,
    upload_to: str | None = None,
    threads: int | None = None,
) -> JobResult:
    """Run one job to its end; every failure is caught and reported in the result."""
    started = time.monotonic()
    _emit("start", job.line)
    status: Status = "ok"
    duration = None
    try:
        if job.problem is not None:
            raise _JobProblem(job.problem)
        if resume and valid_output(job.target):
            status = "skipped"
        else:
            duration = _render(job, draft, threads)
        uploaded = _upload(job, upload_to, status) if upload_to else None
    except Exception as exc:  # one bad job never stops the others
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        return JobResult(job.line, job.output, "failed", time.monotonic() - started, error=message)
    return JobResult(
        job.line, job.output, status, time.monotonic() - started, duration=duration, uploaded=uploaded
    )


class _JobProblem(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _render(job: BatchJob, draft: bool, threads: int | None) -> float:
    from editor.render import local_resolver, render

    last = [0.0]

    def progress(fraction: float) -> None:
        if fraction - last[0] >= 0.02 or fraction >= 1.0:
            last[0] = fraction
            _emit("progress", job.line, fraction)

    if job.spec is not None:
        from cli.common import load_json
        from editor.resolve import parse_spec

        spec = parse_spec(load_json(job.spec))
        folder = job.spec.resolve().parent
        result = render(
            spec,
            job.target,
            resolve=local_resolver(folder),
            draft=draft,
            on_progress=progress,
            asset_root=folder,
            threads=threads,
        )
        return result.duration
    from editor.template.media import load_template, plan_files

    assert job.template is not None
    loaded = load_template(job.template, base=job.base)
    plan, resolve = plan_files(loaded, job.clips, texts=job.texts, sound=job.sound)
    return render(
        plan.spec, job.target, resolve=resolve, draft=draft, on_progress=progress, threads=threads
    ).duration


def _upload(job: BatchJob, target: str, status: Status) -> str:
    storage = uploader(target)
    if status == "skipped" and storage.size(job.output) == job.target.stat().st_size:
        return f"{target.rstrip('/')}/{job.output}"  # uploaded before the interruption
    storage.put_file(job.output, job.target)
    return f"{target.rstrip('/')}/{job.output}"


# --- the pool -------------------------------------------------------------------------------------

Event = tuple[Any, ...]  # ("start", line) | ("progress", line, fraction) | ("done", JobResult)


def run_batch(
    jobs: Sequence[BatchJob],
    *,
    workers: int | None = None,
    draft: bool = False,
    resume: bool = False,
    upload_to: str | None = None,
    on_event: Callable[[Event], None] | None = None,
) -> list[JobResult]:
    """Run ``jobs`` in a pool of ``workers`` processes (default: the number of cores), in manifest order."""
    workers = max(1, min(workers or os.cpu_count() or 1, max(1, len(jobs))))
    # Renders side by side share the cores: each ffmpeg gets its share instead of all of them.
    threads = max(1, (os.cpu_count() or 1) // workers) if workers > 1 else None
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    events = context.Queue()
    results: dict[int, JobResult] = {}
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker, initargs=(events,)
    ) as pool:
        pending: dict[Future[JobResult], BatchJob] = {
            pool.submit(run_job, job, draft=draft, resume=resume, upload_to=upload_to, threads=threads): job
            for job in jobs
        }
        while pending:
            done, _ = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            for event in _drain(events):
                if on_event:
                    on_event(event)
            for future in done:
                job = pending.pop(future)
                try:
                    result = future.result()
                except Exception as exc:  # the worker process itself died
                    result = JobResult(job.line, job.output, "failed", 0.0, error=f"worker crashed: {exc}")
                results[job.line] = result
                if on_event:
                    on_event(("done", result))
    events.close()
    return [results[job.line] for job in jobs]


def _drain(events: Any) -> Iterator[Event]:
    while True:
        try:
            yield events.get_nowait()
        except queue.Empty:
            return
