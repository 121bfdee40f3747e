"""The API's mezzanine follows the renders' colour contract: an HDR upload is tone-mapped once,
so the app, its thumbnail and every later render see SDR BT.709, never grey HDR."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from api.services.normalize import normalize
from editor.probe import Limits
from testkit.phone_media import hdr_clip, patch_image, patch_means, sdr_clip
from tests.media import frame_at


def test_an_hdr10_upload_becomes_an_sdr_bt709_mezzanine_and_thumbnail(tmp_path: Path) -> None:
    image = patch_image(tmp_path / "patches.png")
    sdr = sdr_clip(tmp_path / "sdr.mp4", image, seconds=1)
    hdr = hdr_clip(tmp_path / "pq.mp4", sdr, "pq")
    work = tmp_path / "work"
    work.mkdir()
    done = normalize(hdr, "video", work, Limits(), timeout=300)
    assert done.info is not None and done.info.colour.hdr is None
    with av.open(str(done.path)) as container:
        cc = container.streams.video[0].codec_context
        assert (cc.pix_fmt, cc.color_primaries, cc.color_trc, cc.colorspace, cc.color_range) == (
            "yuv420p",
            1,
            1,
            1,
            1,
        )
    mapped, source = patch_means(frame_at(done.path, 0.5)), patch_means(frame_at(sdr, 0.5))
    assert np.abs(mapped["grey"] - source["grey"]).mean() < 5
    assert np.abs(mapped["red"] - source["red"]).mean() < 6
    assert done.thumbnail is not None
    with Image.open(done.thumbnail) as still:
        thumb = patch_means(np.asarray(still.convert("RGB")))
    assert np.abs(thumb["grey"] - source["grey"]).mean() < 6
    assert np.abs(thumb["red"] - source["red"]).mean() < 10
