"""``reelforge batch``: parallel jobs, failure isolation, exit codes, resume, upload to S3 (moto server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from typer.testing import CliRunner

from cli.batch_runner import read_manifest
from cli.main import app
from editor.probe import probe
from editor.samples import make_clip, make_music
from tests.api.conftest import BUCKET, s3_endpoint  # noqa: F401 - the moto server fixture

TINY = {"width": 270, "height": 480, "fps": 24, "preset": "ultrafast"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch")
    make_clip(root / "a.mp4", seconds=2, width=270, height=480)
    make_clip(root / "b.mp4", seconds=2, width=270, height=480, pattern="smptehdbars")
    make_music(root / "m.m4a", seconds=8)
    (root / "edit.json").write_text(json.dumps({"output": TINY, "clips": [{"src": "a.mp4", "out": 1}]}))
    (root / "bad.json").write_text(json.dumps({"output": TINY, "clips": [{"src": "missing.mp4"}]}))
    (root / "t.json").write_text(json.dumps({"sound": "m.m4a", "output": TINY, "slots": [{"beats": 2}] * 2}))
    (root / "t2.json").write_text(
        json.dumps(
            {
                "output": TINY,
                "slots": [{"beats": 2}] * 3,
                "look": "noir",
                "texts": [{"key": "title", "end_beat": 2}],
            }
        )
    )
    return root


def manifest(folder: Path, name: str, lines: list[Any]) -> Path:
    path = folder / name
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def run(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["batch", *args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def test_manifest_lines_are_checked_one_by_one(folder: Path, tmp_path: Path) -> None:
    path = manifest(
        folder,
        "m0.jsonl",
        [
            "# a comment",
            "",
            {"spec": "edit.json", "output": "x.mp4"},
            "{not json",
            {"spec": "edit.json", "template": "beat-5", "output": "y.mp4"},
            {"spec": "edit.json", "output": "x.mp4"},
            {"spec": "edit.json", "output": "../escape.mp4"},
            {"template": "beat-5", "output": "z.mp4"},
        ],
    )
    jobs = read_manifest(path, tmp_path)
    assert [(j.line, j.problem is None) for j in jobs] == [
        (3, True),
        (4, False),
        (5, False),
        (6, False),
        (7, False),
        (8, False),
    ]
    assert jobs[0].spec == folder / "edit.json" and jobs[0].target == tmp_path / "x.mp4"
    assert "line 3 already writes" in (jobs[3].problem or "")
    assert "inside the output folder" in (jobs[4].problem or "")
    assert "needs 'clips'" in (jobs[5].problem or "")


def test_one_bad_job_never_stops_the_others_and_the_exit_code_says_so(folder: Path, tmp_path: Path) -> None:
    path = manifest(
        folder,
        "m1.jsonl",
        [
            {"spec": "edit.json", "output": "one.mp4"},
            {"spec": "bad.json", "output": "bad.mp4"},
            {"template": "t.json", "clips": ["a.mp4", "b.mp4"], "output": "sub/two.mp4"},
            {
                "template": "t2.json",
                "clips": ["a.mp4"],
                "texts": {"title": "Hi"},
                "sound": "m.m4a",
                "output": "three.mp4",
            },
            "{oops",
        ],
    )
    code, report = run(str(path), "-o", str(tmp_path), "--workers", "2", "--draft")
    assert code == 1
    status = {j["output"]: (j["status"], j["error"]) for j in report["jobs"]}
    assert status["one.mp4"] == ("ok", None) and status["sub/two.mp4"] == ("ok", None)
    assert status["three.mp4"] == ("ok", None)
    assert status["bad.mp4"][0] == "failed" and "missing.mp4" in status["bad.mp4"][1]
    assert status["line 5"][0] == "failed"
    assert (report["ok"], report["failed"], report["skipped"]) == (3, 2, 0)
    assert probe(tmp_path / "sub" / "two.mp4").duration == pytest.approx(2.0, abs=0.1)
    good = manifest(folder, "m2.jsonl", [{"spec": "edit.json", "output": "one.mp4"}])
    assert run(str(good), "-o", str(tmp_path))[0] == 0


def test_resume_skips_valid_outputs_and_redoes_half_written_ones(folder: Path, tmp_path: Path) -> None:
    path = manifest(
        folder,
        "m3.jsonl",
        [{"spec": "edit.json", "output": "a.mp4"}, {"spec": "edit.json", "output": "b.mp4"}],
    )
    assert run(str(path), "-o", str(tmp_path), "--workers", "1")[0] == 0
    whole = (tmp_path / "b.mp4").read_bytes()
    (tmp_path / "b.mp4").write_bytes(whole[: len(whole) // 2])  # a crash half-way through a copy
    code, report = run(str(path), "-o", str(tmp_path), "--resume")
    assert code == 0
    assert [j["status"] for j in report["jobs"]] == ["skipped", "ok"]
    assert probe(tmp_path / "b.mp4").duration == pytest.approx(1.0, abs=0.1)


def test_finished_outputs_are_uploaded_to_s3(
    folder: Path,
    tmp_path: Path,
    s3_endpoint: str,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in {
        "ENDPOINT_URL": s3_endpoint,
        "ACCESS_KEY_ID": "test",
        "SECRET_ACCESS_KEY": "test",
        "PATH_STYLE": "true",
        "REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(f"REELFORGE_S3_{key}", value)
    path = manifest(
        folder,
        "m4.jsonl",
        [{"spec": "edit.json", "output": "up/a.mp4"}, {"spec": "bad.json", "output": "b.mp4"}],
    )
    code, report = run(str(path), "-o", str(tmp_path), "--to", f"s3://{BUCKET}/batch1")
    assert code == 1
    assert report["jobs"][0]["uploaded"] == f"s3://{BUCKET}/batch1/up/a.mp4"
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="batch1/").get("Contents", [])]
    assert keys == ["batch1/up/a.mp4"]
    body = s3.get_object(Bucket=BUCKET, Key="batch1/up/a.mp4")["Body"].read()
    assert body == (tmp_path / "up" / "a.mp4").read_bytes()


def test_the_example_manifest_reads_into_valid_jobs(tmp_path: Path) -> None:
    from cli.batch_runner import read_manifest
    from tests.conftest import EXAMPLES

    jobs = read_manifest(EXAMPLES / "batch.jsonl", tmp_path)
    assert len(jobs) == 3
    assert [job.problem for job in jobs] == [None, None, None]
