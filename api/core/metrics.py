"""``/metrics`` in the Prometheus text format (0.0.4), read from the database so that every API
replica reports the whole cluster: queue depth, running renders, live workers, render durations and
queue waits (histograms), terminal renders by status and failures by reason.

The values are cumulative over the renders table (counters drop if rows are ever deleted); each
scrape runs a handful of aggregate queries, cheap next to a render.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from api.core.models import Render, Worker, utcnow

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: dict[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + "}"


class Exposition:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(
        self, name: str, kind: str, help_text: str, samples: Iterable[tuple[str, dict[str, str], float]]
    ) -> None:
        self.lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        self.lines += [f"{name}{suffix}{_labels(labels)} {value:g}" for suffix, labels, value in samples]

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _histogram(session: Session, column: Any) -> list[tuple[str, dict[str, str], float]]:
    done = Render.status == "succeeded"
    row = session.execute(
        select(
            *(func.sum(case((column <= b, 1), else_=0)) for b in DURATION_BUCKETS),
            func.count(column),
            func.coalesce(func.sum(column), 0.0),
        ).where(done, column.is_not(None))
    ).one()
    samples = [("_bucket", {"le": f"{b:g}"}, float(row[i] or 0)) for i, b in enumerate(DURATION_BUCKETS)]
    count, total = float(row[-2] or 0), float(row[-1] or 0)
    return [*samples, ("_bucket", {"le": "+Inf"}, count), ("_sum", {}, total), ("_count", {}, count)]


def exposition(session: Session, alive_within: float) -> str:
    by_status = dict(
        session.execute(select(Render.status, func.count()).group_by(Render.status)).tuples().all()
    )
    failures = session.execute(
        select(Render.error_code, func.count()).where(Render.status == "failed").group_by(Render.error_code)
    ).all()
    alive = session.scalar(
        select(func.count())
        .select_from(Worker)
        .where(Worker.heartbeat_at >= utcnow() - timedelta(seconds=alive_within))
    )
    out = Exposition()
    out.family(
        "reelforge_queue_depth",
        "gauge",
        "Renders waiting for a worker.",
        [("", {}, by_status.get("queued", 0))],
    )
    out.family(
        "reelforge_renders_running",
        "gauge",
        "Renders being rendered now.",
        [("", {}, by_status.get("running", 0))],
    )
    out.family(
        "reelforge_workers_alive",
        "gauge",
        "Worker processes with a recent heartbeat.",
        [("", {}, alive or 0)],
    )
    out.family(
        "reelforge_renders_finished_total",
        "counter",
        "Renders that ended, by status.",
        [("", {"status": s}, by_status.get(s, 0)) for s in ("succeeded", "failed", "cancelled")],
    )
    out.family(
        "reelforge_render_failures_total",
        "counter",
        "Failed renders by reason code.",
        [("", {"reason": code or "unknown"}, n) for code, n in sorted(failures, key=lambda r: r[0] or "")],
    )
    out.family(
        "reelforge_render_duration_seconds",
        "histogram",
        "Run time of the successful attempt.",
        _histogram(session, Render.run_seconds),
    )
    out.family(
        "reelforge_render_queue_wait_seconds",
        "histogram",
        "From submit to the first claim.",
        _histogram(session, Render.wait_seconds),
    )
    return out.text()
