"""Signed webhooks on terminal render states, delivered from a durable outbox.

``queue`` adds one ``WebhookDelivery`` row per (render, event) to the caller's transaction (a unique
constraint makes a second call for the same event a no-op), so a webhook outlives any crash after it
was committed; a worker queues it in the very transaction that ends the render. A succeeded render's
webhook is due only once its output was published to its final key (``api.jobs.run.publish``).

``WebhookSender`` delivers the rows. Its dispatcher thread runs in every process that runs
``api.jobs.maintenance`` (``serve`` and every ``reelforge worker``): it looks for due rows every
``min(1 s, webhook_backoff)``, or at once after ``wake()``, and hands each to a small thread pool, so a
slow receiver never blocks a render. An attempt first claims its row with a compare-and-set that moves
``next_attempt_at`` one ``LEASE`` ahead and counts the attempt, so two dispatchers (in one process or
in many) never post a row at once, and a row whose dispatcher died is due again when the lease ends.
A 2xx marks the row ``delivered``; any other answer or a transport error schedules the next attempt
``webhook_backoff * 2**(attempts - 1)`` seconds later, until ``webhook_attempts`` were made: then it is
``failed`` with ``last_error``. A refused target fails at once. Delivery is at least once: a process
that dies between the receiver's 2xx and writing it down makes the receiver see one more post.

The signature header is ``X-ReelForge-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``,
with the time of each attempt. Targets must be http(s) on public addresses; loopback/private/link-local
targets, and IPv6 forms that embed one (IPv4-mapped, 6to4, Teredo, NAT64), are refused unless
``REELFORGE_WEBHOOK_ALLOW_PRIVATE`` is set (tests). The address is checked
when the URL is accepted and again at every attempt, and the connection goes to the address that was
checked (no DNS rebinding).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.core.config import Settings
from api.core.models import Render, WebhookDelivery, utcnow
from editor.errors import SpecError

log = logging.getLogger("reelforge.webhooks")
SIGNATURE_HEADER = "X-ReelForge-Signature"
TIMEOUT = 10.0  # seconds one POST may take
LEASE = timedelta(seconds=6 * TIMEOUT)  # how long a claimed attempt holds its row
BATCH = 32  # due rows handed to the pool per look


def sign(key: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(key: bytes, header: str, body: bytes, tolerance: float = 300.0) -> bool:
    """What a receiver does: check the MAC and that the timestamp is recent."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(key, timestamp, body)
    return abs(time.time() - timestamp) <= tolerance and hmac.compare_digest(
        expected.encode(), header.encode()
    )


def _refused(reason: str) -> SpecError:
    return SpecError.at("webhook_url", reason)


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known prefix: the last 32 bits are IPv4
_V4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ::a.b.c.d


def is_public(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address, and so is every IPv4 address it embeds (IPv4-mapped, 6to4,
    Teredo, NAT64, IPv4-compatible): ``::ffff:10.0.0.1`` reaches 10.0.0.1."""
    if not addr.is_global or addr.is_multicast:
        return False
    if isinstance(addr, ipaddress.IPv4Address):
        return True
    embedded = [addr.ipv4_mapped, addr.sixtofour, addr.teredo[1] if addr.teredo else None]
    if addr in _NAT64 or addr in _V4_COMPATIBLE:
        embedded.append(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
    return all(is_public(v4) for v4 in embedded if v4 is not None)


def check_target(url: str, allow_private: bool) -> str:
    """The IP address to connect to; raises ``SpecError`` at ``webhook_url`` with a reason (a URL
    that does not parse, a bad port or IPv6 literal included: never an uncaught ``ValueError``)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a non-numeric port
        raise _refused(f"webhook_url does not parse: {str(exc)[:100]}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise _refused("webhook_url must be an http(s) URL with a host")
    if parts.username or parts.password:
        raise _refused("webhook_url must not carry credentials")
    if port == 0:
        raise _refused("webhook_url's port must be 1-65535")
    try:
        infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    except (OSError, UnicodeError, ValueError) as exc:
        raise _refused(f"webhook host {host[:100]!r} does not resolve") from exc
    if not addresses:
        raise _refused(f"webhook host {host[:100]!r} does not resolve")
    if not allow_private:
        for addr in addresses:
            if not is_public(addr):
                raise _refused(f"webhook host {host[:100]!r} is not a public address")
    return str(addresses[0])


def queue(session: Session, render_id: str, url: str, payload: dict[str, Any]) -> bool:
    """Add the delivery of ``payload`` (``payload["event"]`` names it) to the outbox, in ``session``'s
    transaction; the caller commits. False when this render's event is already in the outbox."""
    try:
        with session.begin_nested():
            event = str(payload["event"])
            session.add(WebhookDelivery(render_id=render_id, event=event, url=url, payload=payload))
    except IntegrityError:  # queued before (notify ran again after a crash or a retry)
        return False
    return True


class WebhookSender:
    """This process's outbox dispatcher: a thread that finds due rows, a pool that posts them."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        readers: sessionmaker[Session] | None = None,
    ) -> None:
        """``readers``: sessions for the periodic look for due rows (on SQLite it then never waits
        for the write lock); claims and outcomes are written through ``sessions``."""
        self.settings = settings
        self.sessions, self.readers = sessions, readers or sessions
        self.poll = min(1.0, settings.webhook_backoff)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook")
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._in_hand: set[str] = set()  # handed to the pool and not finished yet
        self._closed = False

    def start(self) -> None:
        """Start the dispatcher thread (a no-op when it runs or the sender is closed)."""
        with self._lock:
            if self._closed or (self._thread is not None and self._thread.is_alive()):
                return
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, daemon=True, name="webhook-dispatcher")
            self._thread.start()

    def wake(self) -> None:
        """A delivery was queued: look for due rows now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop looking for due rows; attempts already in the pool go on."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def close(self) -> None:
        """Stop for good. Attempts not started yet are dropped: they had not claimed their rows,
        which stay due for the next dispatcher; an attempt in flight finishes on its own."""
        self._closed = True
        self.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.dispatch()
            except Exception:  # a broken database must not end the deliveries
                log.exception("webhook dispatch failed; trying again")
            self._wake.wait(self.poll)

    def dispatch(self) -> int:
        """Hand the due deliveries that are not in hand already to the pool; returns how many."""
        with self.readers() as session:
            due = session.scalars(
                select(WebhookDelivery.id)
                .join(Render, Render.id == WebhookDelivery.render_id)
                .where(
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= utcnow(),
                    Render.staged_key.is_(None),  # a result is announced once it is at its final key
                )
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(BATCH)
            ).all()
        with self._lock:
            fresh = [delivery_id for delivery_id in due if delivery_id not in self._in_hand]
            self._in_hand.update(fresh)
        for delivery_id in fresh:
            self._pool.submit(self._attempt_in_pool, delivery_id)
        return len(fresh)

    def _attempt_in_pool(self, delivery_id: str) -> None:
        try:
            self.attempt(delivery_id)
        except Exception:
            log.exception("webhook delivery %s: attempt failed", delivery_id)
        finally:
            with self._lock:
                self._in_hand.discard(delivery_id)

    def attempt(self, delivery_id: str) -> str | None:
        """Claim one due delivery and post it once. Returns its status afterwards, or None when it
        was not claimed (not due, finished, or another dispatcher holds it)."""
        now = utcnow()
        lease = now + LEASE
        with self.sessions() as session:
            claimed = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=lease, attempts=WebhookDelivery.attempts + 1)
            )
            row = None
            if claimed.rowcount:  # type: ignore[attr-defined]
                row = session.execute(
                    select(WebhookDelivery.url, WebhookDelivery.payload, WebhookDelivery.attempts).where(
                        WebhookDelivery.id == delivery_id
                    )
                ).one()
            session.commit()
        if row is None:
            return None
        values = self._outcome(row.url, row.payload, row.attempts)
        with self.sessions() as session:  # only while the claim holds: a late attempt writes nothing
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at == lease,
                )
                .values(**values)
            )
            session.commit()
        return str(values.get("status", "pending"))

    def _outcome(self, url: str, payload: dict[str, Any], attempts: int) -> dict[str, Any]:
        """Post once; the values that record how it went."""
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        try:
            status = self._post(url, body)
        except SpecError as exc:
            log.warning("webhook %s refused: %s", url, exc)
            return {"status": "failed", "last_error": exc.problems[0][1]}
        except Exception as exc:  # transport errors, and anything else: an attempt that failed
            error = f"{type(exc).__name__}: {exc}"
        else:
            if 200 <= status < 300:
                return {"status": "delivered", "delivered_at": utcnow(), "last_error": None}
            error = f"HTTP {status}"
        log.warning("webhook %s attempt %d failed: %s", url, attempts, error)
        if attempts >= self.settings.webhook_attempts:
            return {"status": "failed", "last_error": error}
        delay = self.settings.webhook_backoff * 2 ** (attempts - 1)
        return {"next_attempt_at": utcnow() + timedelta(seconds=delay), "last_error": error}

    def _post(self, url: str, body: bytes) -> int:
        """POST ``body`` signed now to the checked address of ``url``; the response status."""
        address = check_target(url, self.settings.webhook_allow_private)
        parts = urlsplit(url)
        host = f"[{address}]" if ":" in address else address
        pinned = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host).geturl()
        headers = {
            "Content-Type": "application/json",
            "Host": parts.netloc,
            "User-Agent": "ReelForge-Webhooks/1",
            SIGNATURE_HEADER: sign(self.settings.webhook_key, int(time.time()), body),
        }
        extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
        with httpx.Client(timeout=TIMEOUT, follow_redirects=False) as client:
            response = client.post(pinned, content=body, headers=headers, extensions=extensions)
        return response.status_code
