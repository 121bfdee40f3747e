"""Re-uploads are matched through real re-encodes, trims and gain; unrelated songs never are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audio.fingerprint import Fingerprint, FingerprintIndex, fingerprint
from editor import ffmpeg
from editor.audio_decode import decode_audio
from testkit.synth import synthesize, unrelated_set
from tests.audio.conftest import write_wav

SECONDS = 12.0
CODECS = {
    "aac64": (["-c:a", "aac", "-b:a", "64k"], "m4a"),
    "mp3_96": (["-c:a", "libmp3lame", "-b:a", "96k"], "mp3"),
    "opus": (["-c:a", "libopus", "-b:a", "48k"], "ogg"),
}
VARIANTS = [  # (codec, trim start, trim end, gain dB, mono)
    ("aac64", 0.0, 0.0, 0.0, False),
    ("aac64", 2.0, 0.0, 6.0, True),
    ("mp3_96", 0.0, 2.0, -6.0, False),
    ("mp3_96", 1.3, 1.7, 6.0, True),
    ("opus", 2.0, 2.0, -6.0, False),
    ("opus", 0.7, 0.0, 0.0, True),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> tuple[FingerprintIndex, dict[str, Path]]:
    """An index of 2 originals (stereo 44.1 kHz WAVs on disk) and 20 other songs."""
    folder = tmp_path_factory.mktemp("fp")
    index = FingerprintIndex()
    originals: dict[str, Path] = {}
    for i, spec in enumerate(unrelated_set(2, SECONDS, first=40)):
        track = synthesize(spec, sr=44100)
        stereo = np.stack([track.samples, 0.7 * track.samples + 0.05 * np.roll(track.samples, 300)])
        originals[f"orig{i}"] = write_wav(folder / f"orig{i}.wav", stereo, 44100)
        index.add(f"orig{i}", fingerprint(stereo, 44100))
    for j, spec in enumerate(unrelated_set(20, SECONDS, first=0)):
        track = synthesize(spec)
        index.add(f"song{j}", fingerprint(track.samples, track.sr))
    return index, originals


@pytest.mark.parametrize("sound_id", ["orig0", "orig1"])
@pytest.mark.parametrize(
    "variant", VARIANTS, ids=lambda v: f"{v[0]}-trim{v[1]}-{v[2]}-{v[3]:+g}dB-{'mono' if v[4] else 'st'}"
)
def test_reencoded_trimmed_reuploads_match(
    library: tuple[FingerprintIndex, dict[str, Path]], tmp_path: Path, sound_id: str, variant: tuple
) -> None:
    index, originals = library
    codec, head, tail, gain_db, mono = variant
    args, ext = CODECS[codec]
    chain = f"atrim=start={head}:end={SECONDS - tail},asetpts=PTS-STARTPTS,volume={gain_db}dB"
    out = tmp_path / f"upload.{ext}"
    ffmpeg.run(
        [
            *ffmpeg.input_args(originals[sound_id]),
            "-af",
            chain,
            *(["-ac", "1"] if mono else []),
            *args,
            str(out),
        ]
    )
    samples, sr = decode_audio(out, sr=22050, mono=False)
    found = index.match(fingerprint(samples, sr))
    assert found is not None and found.sound_id == sound_id
    assert found.offset == pytest.approx(head, abs=0.1)


def test_unrelated_songs_do_not_match(library: tuple[FingerprintIndex, dict[str, Path]]) -> None:
    index, _ = library
    false_matches = []
    for spec in unrelated_set(20, SECONDS, first=20):
        track = synthesize(spec)
        found = index.match(fingerprint(track.samples, track.sr))
        if found is not None:
            false_matches.append((spec.name, found))
    assert false_matches == []


def test_indexed_song_matches_itself_at_offset_zero(
    library: tuple[FingerprintIndex, dict[str, Path]],
) -> None:
    index, _ = library
    track = synthesize(unrelated_set(1, SECONDS, first=5)[0])
    found = index.match(fingerprint(track.samples, track.sr))
    assert found is not None and found.sound_id == "song5" and found.offset == pytest.approx(0, abs=0.03)
    assert found.coverage > 0.9


def test_stored_forms_round_trip(library: tuple[FingerprintIndex, dict[str, Path]]) -> None:
    index, _ = library
    track = synthesize(unrelated_set(1, SECONDS, first=3)[0])
    fp = fingerprint(track.samples, track.sr)
    pairs = fp.pairs()
    assert all(isinstance(h, int) and isinstance(t, int) and 0 <= h < 2**23 for h, t in pairs)
    again = Fingerprint.from_pairs(pairs, fp.duration)
    assert np.array_equal(again.hashes, fp.hashes) and np.array_equal(again.frames, fp.frames)
    rebuilt = FingerprintIndex.from_rows(index.rows())
    assert len(rebuilt) == len(index)
    assert rebuilt.match(again) == index.match(fp)


def test_silence_and_duplicates() -> None:
    index = FingerprintIndex()
    empty = fingerprint(np.zeros(22050 * 3, np.float32), 22050)
    assert len(empty) == 0 and index.match(empty) is None
    index.add("a", empty)
    with pytest.raises(ValueError):
        index.add("a", empty)
