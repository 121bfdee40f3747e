"""Rebuild presets/fonts from Debian's font packages (a maintainer's tool; not shipped, not run by tests).

    apt-get download fonts-noto-core fonts-noto-cjk fonts-noto-color-emoji fonts-bebas-neue \
        fonts-dancingscript fonts-lobster fonts-comfortaa fonts-courier-prime
    for d in *.deb; do dpkg-deb -x "$d" root/; done
    python tools/fonts.py root/

Copies the curated families, the per-script Noto faces and Noto Color Emoji as they are, with each
package's copyright file as its licence, and subsets Noto Sans CJK (the Simplified Chinese face of
the collection, keeping every OpenType feature, so ``locl`` still gives Japanese and Korean forms)
to the Han characters of GB 2312, Big5 level 1, JIS X 0208 and KS X 1001 plus all of Hangul, kana,
CJK punctuation and full-width forms: ~6.4 MB a weight instead of ~20 MB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from editor.text.fonts import FONT_DIR, SCRIPTS

SOURCES = {  # bundled file -> path inside the unpacked packages
    "NotoSans-Regular.ttf": "fonts/truetype/noto/NotoSans-Regular.ttf",
    "NotoSans-Bold.ttf": "fonts/truetype/noto/NotoSans-Bold.ttf",
    "NotoSerif-Regular.ttf": "fonts/truetype/noto/NotoSerif-Regular.ttf",
    "NotoSerif-Bold.ttf": "fonts/truetype/noto/NotoSerif-Bold.ttf",
    "BebasNeue-Bold.otf": "fonts/opentype/bebas-neue/BebasNeue-Bold.otf",
    "DancingScript-Regular.otf": "fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "DancingScript-Bold.otf": "fonts/opentype/dancingscript/DancingScript-Bold.otf",
    "Lobster-Regular.otf": "fonts/opentype/lobster/lobster.otf",
    "Comfortaa-Regular.ttf": "fonts/truetype/comfortaa/Comfortaa-Regular.ttf",
    "Comfortaa-Bold.ttf": "fonts/truetype/comfortaa/Comfortaa-Bold.ttf",
    "CourierPrime-Regular.otf": "fonts/opentype/courier-prime/Courier Prime.otf",
    "CourierPrime-Bold.otf": "fonts/opentype/courier-prime/Courier Prime Bold.otf",
    "fallback/NotoColorEmoji.ttf": "fonts/truetype/noto/NotoColorEmoji.ttf",
}
SOURCES |= {
    f"fallback/NotoSans{s}-{w}.ttf": f"fonts/truetype/noto/NotoSans{s}-{w}.ttf"
    for s in SCRIPTS
    for w in ("Regular", "Bold")
}
LICENCES = {
    "LICENSE-Noto.txt": "fonts-noto-core",
    "fallback/LICENSE-NotoSansCJK.txt": "fonts-noto-cjk",
    "fallback/LICENSE-NotoColorEmoji.txt": "fonts-noto-color-emoji",
    "LICENSE-BebasNeue.txt": "fonts-bebas-neue",
    "LICENSE-DancingScript.txt": "fonts-dancingscript",
    "LICENSE-Lobster.txt": "fonts-lobster",
    "LICENSE-Comfortaa.txt": "fonts-comfortaa",
    "LICENSE-CourierPrime.txt": "fonts-courier-prime",
}
CJK_RANGES = [
    (0x1100, 0x11FF), (0x2E80, 0x2EFF), (0x2F00, 0x2FDF), (0x3000, 0x303F), (0x3040, 0x30FF),
    (0x3100, 0x312F), (0x3130, 0x318F), (0x31F0, 0x31FF), (0x3200, 0x32FF), (0x3300, 0x33FF),
    (0xAC00, 0xD7A3), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
]  # fmt: skip


def _double_byte(codec: str, leads: range, trails: list[int]) -> set[int]:
    out = set()
    for a in leads:
        for b in trails:
            try:
                char = bytes([a, b]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(char) == 1 and (0x3400 <= ord(char) <= 0x9FFF or 0xF900 <= ord(char) <= 0xFAFF):
                out.add(ord(char))
    return out


def cjk_characters() -> list[int]:
    high = list(range(0xA1, 0xFF))
    han = _double_byte("gb2312", range(0xA1, 0xF8), high)
    han |= _double_byte("big5", range(0xA4, 0xC7), list(range(0x40, 0x7F)) + high)  # level 1
    han |= _double_byte("euc_jp", range(0xA1, 0xFF), high)
    han |= _double_byte("euc_kr", range(0xA1, 0xFF), high)
    return sorted(han | {c for a, b in CJK_RANGES for c in range(a, b + 1)})


def main(root: Path) -> None:
    share = root / "usr" / "share"
    for target, source in SOURCES.items():
        (FONT_DIR / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(share / source, FONT_DIR / target)
    for target, package in LICENCES.items():
        shutil.copyfile(share / "doc" / package / "copyright", FONT_DIR / target)
    unicodes = ",".join(f"U+{c:04X}" for c in cjk_characters())
    for weight in ("Regular", "Bold"):
        subprocess.run(
            [
                sys.executable, "-m", "fontTools.subset",
                str(share / f"fonts/opentype/noto/NotoSansCJK-{weight}.ttc"), "--font-number=2",
                f"--unicodes={unicodes}", "--layout-features=*", "--no-hinting",
                f"--output-file={FONT_DIR / f'fallback/NotoSansCJK-{weight}.subset.otf'}",
            ],
            check=True,
        )  # fmt: skip


if __name__ == "__main__":
    main(Path(sys.argv[1]))
