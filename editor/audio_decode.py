"""Decoding audio with ffmpeg into numpy, and a sound file's analysis (the IO side of ``audio``).

``sound_analysis`` is the one way anything gets a sound's tempo, beats and loudness: the render
(``sync``), templates, the CLI and the API all call it, and it caches by the file's content.

``decode_audio`` pipes float32 PCM from ffmpeg (the input opened with the allow-lists of
``editor.ffmpeg.input_args``). Multichannel output comes as a WAV stream so the channel count is
read from its header instead of being guessed.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from audio.analysis import MAX_CHANNELS, AnalysisCache, SoundAnalysis, analysis_key, analyze
from editor import ffmpeg
from editor.errors import MediaError, RenderError
from editor.home import cache_dir, file_sha256

_NO_AUDIO_HINTS = ("does not contain any stream", "Output file does not contain", "matches no streams")


def _parse_wav(data: bytes, path: Path) -> tuple[np.ndarray, int]:
    """(channels, n) float32 samples of a streamed float WAV (its sizes may be unset)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise MediaError(f"{path.name}: decoder produced no audio")
    pos, channels = 12, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = pos + 8
        if chunk == b"fmt ":
            channels = struct.unpack("<H", data[body + 2 : body + 4])[0]
        elif chunk == b"data":
            if not 1 <= channels <= MAX_CHANNELS:
                raise MediaError(f"{path.name}: {channels} audio channels (at most {MAX_CHANNELS})")
            payload = data[body:]
            payload = payload[: len(payload) - len(payload) % (4 * channels)]
            samples = np.frombuffer(payload, dtype="<f4").reshape(-1, channels).T
            return np.ascontiguousarray(samples), channels
        pos = body + size + (size & 1)
    raise MediaError(f"{path.name}: decoder produced no audio")


def decode_audio(
    path: Path, *, sr: int = 22050, mono: bool = True, max_seconds: float = 900
) -> tuple[np.ndarray, int]:
    """Decode the first audio stream of ``path``: ``(samples, sr)``.

    Mono gives ``(n,)`` float32; ``mono=False`` gives ``(channels, n)`` with the file's channels.
    At most ``max_seconds`` are decoded. Raises ``MediaError`` naming the file when it has no
    audio stream or cannot be decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"{path.name}: no such file")
    head = [*ffmpeg.input_args(path), "-t", str(max_seconds), "-vn", "-map", "0:a:0"]
    budget = int(max_seconds * sr * 4 * (1 if mono else MAX_CHANNELS)) + (1 << 16)
    try:
        if mono:
            raw = ffmpeg.capture(
                [*head, "-ac", "1", "-ar", str(sr), "-f", "f32le", "pipe:1"], max_bytes=budget
            )
            samples = np.frombuffer(raw[: len(raw) - len(raw) % 4], dtype="<f4").copy()
        else:
            raw = ffmpeg.capture(
                [*head, "-ar", str(sr), "-c:a", "pcm_f32le", "-f", "wav", "pipe:1"], max_bytes=budget
            )
            samples, _ = _parse_wav(raw, path)
    except RenderError as exc:
        tail = exc.stderr_tail or exc.message
        if any(hint in tail for hint in _NO_AUDIO_HINTS):
            raise MediaError(f"{path.name}: no audio stream") from exc
        raise MediaError(f"{path.name}: audio could not be decoded ({exc.message})") from exc
    if samples.shape[-1] == 0:
        raise MediaError(f"{path.name}: no audio samples")
    return samples, sr


def sound_analysis(
    path: Path, *, max_seconds: float = 900, cache: bool = True, home: Path | None = None
) -> SoundAnalysis:
    """The analysis of the sound in ``path``, computed once per content (sha256 of the file) and
    kept under the data home's ``cache/sounds`` (``home``, else ``editor.home.data_home()``)."""
    store = AnalysisCache(cache_dir("sounds", home))
    key = analysis_key(file_sha256(path))
    found = store.get(key) if cache else None
    if found is not None:
        return found
    result = analyze_file(path, max_seconds=max_seconds)
    if cache:
        store.put(key, result)
    return result


def analyze_file(path: Path, *, max_seconds: float = 900) -> SoundAnalysis:
    """Decode ``path`` at 48 kHz with its channels (loudness needs them) and analyse it, uncached."""
    samples, sr = decode_audio(path, sr=48000, mono=False, max_seconds=max_seconds)
    try:
        return analyze(samples, sr, max_seconds=max_seconds)
    except ValueError as exc:
        raise MediaError(f"{Path(path).name}: {exc}") from exc


def extract_soundtrack(video: Path, target: Path) -> Path:
    """The first audio stream of ``video`` copied (not re-encoded) into an M4A file at ``target``."""
    try:
        ffmpeg.run(
            [
                *ffmpeg.input_args(video),
                "-map",
                "0:a:0",
                "-vn",
                "-c:a",
                "copy",
                "-map_metadata",
                "-1",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
                f"file:{Path(target).resolve()}",
            ]
        )
    except RenderError as exc:
        if any(hint in (exc.stderr_tail or exc.message) for hint in _NO_AUDIO_HINTS):
            raise MediaError(f"{Path(video).name}: no audio stream") from exc
        raise
    return target
