"""What a hostile body costs the API, and what the strict-JSON guard costs a normal one.

    .venv/bin/python benchmarks/hostile.py [--repeat 20]

Starts `reelforge serve` (workers off) on 127.0.0.1 with a fresh REELFORGE_HOME, then:
1. The worst bodies of the attack review (issue 13), at the body cap: invalid clips, unknown
   template text keys, a deep spec. For each: status, answer size, server time, and the worst
   `/healthz` latency measured while it ran. Reference, before the guard: 2.6 MB of invalid clips
   gave a 32 MB answer in 4-6 s and stalled `/healthz` up to 2 s.
2. `api.bodies.strict_loads` against plain `json.loads` on a typical spec and on a body at the cap, in
   this process (the guard's whole added work per request).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.bodies import strict_loads
from benchmarks.api_load import make_user, start_server

MB = 1 << 20
VIGNETTE = {"type": "vignette"}
BEFORE = "reference before the guard: 2.6 MB -> 32 MB answer, 4-6 s, /healthz 2 s"


def worst_bodies(clip: str) -> dict[str, bytes]:
    bad_clip = {"src": clip, "in": "x", "out": "y", "speed": "z", "bogus": 1}
    clips = json.dumps({"spec": {"clips": [bad_clip] * 40, "pad": []}})
    texts = {f"unknown-text-key-{i:06d}": "v" for i in range(7_500)}
    template = {"template": "beat-5", "clips": [clip], "texts": texts, "sound": "sound:" + "0" * 32}
    deep: object = 1
    for _ in range(256):
        deep = {"a": deep}
    return {
        "40 invalid clips (spec max)": clips.encode(),
        "7.5k template text keys": json.dumps(template).encode(),
        "spec nested 256 deep": json.dumps({"spec": {"clips": [{"src": clip, "x": deep}]}}).encode(),
        "1.5 MB of invalid clips": json.dumps({"spec": {"clips": [bad_clip] * 20_000}}).encode(),
    }


def attack(url: str, token: str, body: bytes) -> tuple[int, int, float, float]:
    """(status, answer bytes, seconds, worst /healthz latency while it ran)."""
    worst = 0.0
    done = threading.Event()

    def probe() -> None:
        nonlocal worst
        with httpx.Client(base_url=url) as client:
            while not done.is_set():
                started = time.perf_counter()
                client.get("/healthz")
                worst = max(worst, time.perf_counter() - started)

    watcher = threading.Thread(target=probe, daemon=True)
    watcher.start()
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    started = time.perf_counter()
    response = httpx.post(f"{url}/v1/renders", content=body, headers=headers, timeout=120)
    took = time.perf_counter() - started
    done.set()
    watcher.join()
    return response.status_code, len(response.content), took, worst


def parse_cost(repeat: int) -> None:
    typical = json.dumps(
        {
            "spec": {
                "output": {"width": 720, "height": 1280},
                "clips": [
                    {"src": "media:" + "a" * 32, "in": 1.5, "out": 4.0, "effects": [{"type": "vignette"}]}
                ]
                * 6,
                "overlays": [{"text": "hello [world] {x}", "start": 0.5}],
            }
        }
    ).encode()
    big = json.dumps({"items": [{"a": 1.25, "b": "text [x]", "c": [1, 2, {"d": None}]}] * 4_500}).encode()
    for name, raw in (("typical spec", typical), ("~246 KiB body", big)):
        plain = _best(lambda raw=raw: json.loads(raw), repeat)
        strict = _best(lambda raw=raw: strict_loads(raw, 32), repeat)
        print(
            f"  {name:<14} {len(raw) / 1024:8.1f} KiB  json.loads {plain * 1000:8.3f} ms   "
            f"strict_loads {strict * 1000:8.3f} ms   ratio {strict / plain:5.2f}"
        )


def _best(fn: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-bench-") as tmp:
        proc, url, env = start_server(Path(tmp))
        try:
            token = make_user(env, "mallory")
            warm = {"spec": {"clips": [{"src": "x"}]}}  # the first request loads the spec models
            httpx.post(
                f"{url}/v1/renders", json=warm, headers={"Authorization": f"Bearer {token}"}, timeout=60
            )
            print(
                "1. hostile bodies (reference before the guard: 2.6 MB -> 32 MB answer, 4-6 s, /healthz 2 s)"
            )
            for name, body in worst_bodies("media:" + "0" * 32).items():
                status, size, took, worst = attack(url, token, body)
                print(
                    f"  {name:<32} {len(body) / 1024:8.1f} KiB in -> {status} {size / 1024:6.1f} KiB out"
                    f"  in {took * 1000:7.1f} ms, worst /healthz {worst * 1000:6.1f} ms"
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print("2. the guard's parse, median of", args.repeat)
    parse_cost(args.repeat)


if __name__ == "__main__":
    main()
