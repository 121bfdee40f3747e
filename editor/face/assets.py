"""Built-in sticker assets, drawn by code, and loading of user sticker PNGs.

``python -m editor.face.assets`` writes ``presets/assets/<name>.png``. Each asset has metadata:
the face anchor it sits on by default, where on the image that anchor lands (fractions of the
image width and height) and how wide the image is in inter-ocular distances.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

from editor.errors import MediaError

ASSET_DIR = Path(__file__).resolve().parents[2] / "presets" / "assets"
MAX_USER_BYTES = 20 << 20
MAX_USER_SIDE = 4096
_SS = 2  # supersampling for smooth edges


@dataclass(frozen=True)
class AssetMeta:
    anchor: str  # the face anchor used when the effect gives none
    point: tuple[float, float]  # where that anchor lands on the image, as fractions of width, height
    width_iod: float  # image width in inter-ocular distances at scale 1


BUILTIN: dict[str, AssetMeta] = {
    "sunglasses": AssetMeta("eyes", (0.5, 0.42), 2.3),
    "party_hat": AssetMeta("head_top", (0.5, 0.96), 1.3),
    "bunny_ears": AssetMeta("head_top", (0.5, 0.97), 1.9),
    "mustache": AssetMeta("mouth", (0.5, 0.85), 1.35),
    "clown_nose": AssetMeta("nose", (0.5, 0.5), 0.55),
    "crown": AssetMeta("head_top", (0.5, 0.95), 1.6),
}
USER_META = AssetMeta("eyes", (0.5, 0.5), 2.0)


def _canvas(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGBA", (w * _SS, h * _SS), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img)


def _finish(img: Image.Image) -> Image.Image:
    return img.resize((img.width // _SS, img.height // _SS), Image.Resampling.LANCZOS)


def _sunglasses() -> Image.Image:
    w, h = 460, 150
    img, d = _canvas(w, h)
    s = _SS
    frame = (20, 20, 24, 255)
    for cx in (0.5 - 0.5 / 2.3, 0.5 + 0.5 / 2.3):
        x = cx * w
        d.rounded_rectangle([(x - 82) * s, 18 * s, (x + 82) * s, 128 * s], radius=44 * s, fill=frame)
        d.rounded_rectangle(
            [(x - 72) * s, 27 * s, (x + 72) * s, 119 * s], radius=38 * s, fill=(35, 45, 70, 235)
        )
        d.polygon(
            [((x - 55) * s, 35 * s), ((x - 25) * s, 35 * s), ((x - 60) * s, 80 * s)], fill=(255, 255, 255, 90)
        )
    d.rectangle([(w / 2 - 30) * s, 45 * s, (w / 2 + 30) * s, 60 * s], fill=frame)
    lens_edge = (0.5 - 0.5 / 2.3) * w - 80
    d.rectangle([0, 40 * s, lens_edge * s, 55 * s], fill=frame)
    d.rectangle([(w - lens_edge) * s, 40 * s, w * s, 55 * s], fill=frame)
    return _finish(img)


def _party_hat() -> Image.Image:
    w, h = 300, 380
    img, d = _canvas(w, h)
    s = _SS
    base_y, tip = 365, (150, 55)
    d.polygon(
        [(tip[0] * s, tip[1] * s), (20 * s, base_y * s), (280 * s, base_y * s)], fill=(63, 81, 181, 255)
    )
    for k, colour in enumerate([(255, 193, 7, 255), (233, 30, 99, 255), (76, 175, 80, 255)]):
        t0, t1 = 0.3 + k * 0.22, 0.4 + k * 0.22
        y0, y1 = tip[1] + (base_y - tip[1]) * t0, tip[1] + (base_y - tip[1]) * t1
        half0, half1 = 130 * t0, 130 * t1
        d.polygon(
            [
                ((150 - half0) * s, y0 * s),
                ((150 + half0) * s, y0 * s),
                ((150 + half1) * s, y1 * s),
                ((150 - half1) * s, y1 * s),
            ],
            fill=colour,
        )
    d.ellipse([120 * s, 8 * s, 180 * s, 68 * s], fill=(255, 235, 59, 255))
    d.rounded_rectangle(
        [10 * s, (base_y - 12) * s, 290 * s, (base_y + 12) * s], radius=10 * s, fill=(255, 255, 255, 255)
    )
    return _finish(img)


def _bunny_ears() -> Image.Image:
    w, h = 400, 420
    img, d = _canvas(w, h)
    s = _SS
    for cx, tilt in ((140, 14), (260, -14)):
        ear = Image.new("RGBA", img.size, (0, 0, 0, 0))
        e = ImageDraw.Draw(ear)
        e.ellipse(
            [(cx - 55) * s, 20 * s, (cx + 55) * s, 400 * s],
            fill=(250, 250, 250, 255),
            outline=(200, 200, 200, 255),
            width=4 * s,
        )
        e.ellipse([(cx - 28) * s, 70 * s, (cx + 28) * s, 360 * s], fill=(248, 187, 208, 255))
        ear = ear.rotate(tilt, resample=Image.Resampling.BICUBIC, center=(cx * s, 400 * s))
        img.alpha_composite(ear)
    d.rounded_rectangle([40 * s, 380 * s, 360 * s, 410 * s], radius=15 * s, fill=(30, 30, 30, 255))
    return _finish(img)


def _mustache() -> Image.Image:
    w, h = 400, 140
    img, d = _canvas(w, h)
    s = _SS
    brown = (62, 39, 35, 255)
    d.ellipse([110 * s, 30 * s, 205 * s, 120 * s], fill=brown)
    d.ellipse([195 * s, 30 * s, 290 * s, 120 * s], fill=brown)
    d.pieslice([10 * s, -20 * s, 210 * s, 120 * s], 40, 160, fill=brown)
    d.pieslice([190 * s, -20 * s, 390 * s, 120 * s], 20, 140, fill=brown)
    d.ellipse([0, 15 * s, 45 * s, 60 * s], fill=brown)
    d.ellipse([355 * s, 15 * s, 400 * s, 60 * s], fill=brown)
    return _finish(img.filter(ImageFilter.GaussianBlur(1.5 * s)))


def _clown_nose() -> Image.Image:
    w = h = 200
    img, d = _canvas(w, h)
    s = _SS
    d.ellipse([8 * s, 8 * s, 192 * s, 192 * s], fill=(211, 47, 47, 255))
    d.ellipse([30 * s, 30 * s, 150 * s, 150 * s], fill=(239, 83, 80, 255))
    d.ellipse([55 * s, 45 * s, 95 * s, 80 * s], fill=(255, 255, 255, 200))
    return _finish(img)


def _crown() -> Image.Image:
    w, h = 420, 300
    img, d = _canvas(w, h)
    s = _SS
    gold, dark = (255, 193, 7, 255), (191, 144, 0, 255)
    pts = [(20, 285), (20, 90), (110, 170), (210, 40), (310, 170), (400, 90), (400, 285)]
    d.polygon([(x * s, y * s) for x, y in pts], fill=gold, outline=dark, width=5 * s)
    d.rectangle([20 * s, 235 * s, 400 * s, 285 * s], fill=dark)
    for x, colour in ((90, (229, 57, 53, 255)), (210, (30, 136, 229, 255)), (330, (67, 160, 71, 255))):
        d.ellipse([(x - 18) * s, 242 * s, (x + 18) * s, 278 * s], fill=colour)
    for x, y in ((20, 90), (210, 40), (400, 90)):
        d.ellipse([(x - 16) * s, (y - 16) * s, (x + 16) * s, (y + 16) * s], fill=(255, 241, 118, 255))
    return _finish(img)


DRAWERS = {
    "sunglasses": _sunglasses,
    "party_hat": _party_hat,
    "bunny_ears": _bunny_ears,
    "mustache": _mustache,
    "clown_nose": _clown_nose,
    "crown": _crown,
}


def builtin_image(name: str) -> Image.Image:
    """The built-in asset ``name`` (RGBA): the committed PNG, or drawn afresh when it is missing."""
    path = ASSET_DIR / f"{name}.png"
    if path.is_file():
        with Image.open(path) as img:
            return img.convert("RGBA")
    return DRAWERS[name]()


def load_user_png(path: Path, *, label: str) -> Image.Image:
    """A user's sticker: must be a readable, reasonably sized PNG with an alpha channel (RGBA)."""
    name = path.name
    if not path.is_file():
        raise MediaError(f"{label}: sticker file {name} not found")
    if path.stat().st_size > MAX_USER_BYTES:
        raise MediaError(f"{label}: sticker file {name} is larger than {MAX_USER_BYTES >> 20} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                fmt, mode, size = img.format, img.mode, img.size
                img.verify()
            if fmt != "PNG":
                raise MediaError(f"{label}: sticker file {name} is not a PNG ({fmt or 'unknown format'})")
            if mode != "RGBA":
                raise MediaError(f"{label}: sticker file {name} must be an RGBA PNG (it is {mode})")
            if max(size) > MAX_USER_SIDE or min(size) < 1:
                raise MediaError(
                    f"{label}: sticker file {name} is {size[0]}x{size[1]}; at most "
                    f"{MAX_USER_SIDE}x{MAX_USER_SIDE} is accepted"
                )
            with Image.open(path) as img:
                img.load()
                return img.convert("RGBA")
    except MediaError:
        raise
    except (
        OSError,
        ValueError,
        SyntaxError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise MediaError(f"{label}: sticker file {name} is not a valid PNG ({exc})") from exc


def main(argv: list[str] | None = None) -> int:
    """Write every built-in asset to ``presets/assets`` (or the directory given)."""
    out = Path((argv or sys.argv[1:] or [str(ASSET_DIR)])[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, draw in DRAWERS.items():
        draw().save(out / f"{name}.png", optimize=True)
        print(out / f"{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
