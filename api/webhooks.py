"""Signed webhook deliveries on terminal render states, retried with backoff.

The signature header is ``X-ReelForge-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``.
Targets must be http(s) on public addresses; loopback/private/link-local targets are refused unless
``REELFORGE_WEBHOOK_ALLOW_PRIVATE`` is set (tests). The address is checked when the URL is accepted
and again at delivery, and the connection goes to the address that was checked (no DNS rebinding).
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
from typing import Any
from urllib.parse import urlsplit

import httpx

from api.config import Settings

log = logging.getLogger("reelforge.webhooks")
SIGNATURE_HEADER = "X-ReelForge-Signature"


class WebhookRefused(ValueError):
    pass


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
    return abs(time.time() - timestamp) <= tolerance and hmac.compare_digest(expected, header)


def check_target(url: str, allow_private: bool) -> str:
    """The IP address to connect to; raises ``WebhookRefused`` with a reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookRefused("webhook_url must be an http(s) URL with a host")
    if parts.username or parts.password:
        raise WebhookRefused("webhook_url must not carry credentials")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookRefused(f"webhook host {parts.hostname!r} does not resolve") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not allow_private:
        for addr in addresses:
            if not addr.is_global or addr.is_multicast:
                raise WebhookRefused(f"webhook host {parts.hostname!r} is not a public address")
    return str(addresses[0])


class WebhookSender:
    """Deliveries run on a small thread pool so a slow receiver never blocks a render worker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook")
        self._closed = threading.Event()

    def send(self, url: str, payload: dict[str, Any]) -> None:
        if not self._closed.is_set():
            self._pool.submit(self._deliver, url, payload)

    def _deliver(self, url: str, payload: dict[str, Any]) -> bool:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        delay = self.settings.webhook_backoff
        for attempt in range(1, self.settings.webhook_attempts + 1):
            try:
                if self._post(url, body):
                    return True
            except (WebhookRefused, httpx.HTTPError) as exc:
                log.warning("webhook %s attempt %d failed: %s", url, attempt, exc)
                if isinstance(exc, WebhookRefused):
                    return False
            if self._closed.wait(delay):
                return False
            delay *= 2
        return False

    def _post(self, url: str, body: bytes) -> bool:
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
        with httpx.Client(timeout=10.0, follow_redirects=False) as client:
            response = client.post(pinned, content=body, headers=headers, extensions=extensions)
        return 200 <= response.status_code < 300

    def close(self) -> None:
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)
