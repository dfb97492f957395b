"""Draw the app icon, a tiny 2-3-1 network diagram, as resources/icons/nn-playground.svg and .png.

Run from the repository root: ``python packaging/make_icon.py``. The files are committed; this
script is how they were made (Pillow for the PNG, plain text for the SVG).
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
SIZE = 256
BACKGROUND = "#1f2933"
LINK_POSITIVE = "#E69F00"  # the app's class colours (Okabe-Ito): positive and negative weights
LINK_NEGATIVE = "#56B4E9"
UNIT = "#f5f7fa"
# (x, y) of the units of each layer, in a 256 x 256 square
LAYERS = [[(56, 88), (56, 168)], [(128, 56), (128, 128), (128, 200)], [(200, 128)]]
SIGNS = [[1, -1, 1], [-1, 1, -1], [1], [-1], [1]]  # per link, row by row: warm or cool
RADIUS = 18


def _links():
    signs = iter(sign for row in SIGNS for sign in row)
    for left, right in zip(LAYERS, LAYERS[1:]):
        for a in left:
            for b in right:
                yield a, b, next(signs, 1)


def svg() -> str:
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 {SIZE} {SIZE}">',
             f'<rect x="8" y="8" width="{SIZE - 16}" height="{SIZE - 16}" rx="40" fill="{BACKGROUND}"/>']
    for (x1, y1), (x2, y2), sign in _links():
        color = LINK_POSITIVE if sign > 0 else LINK_NEGATIVE
        parts.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{color}" stroke-width="9" '
                     'stroke-linecap="round"/>')
    for layer in LAYERS:
        for x, y in layer:
            parts.append(f'<circle cx="{x}" cy="{y}" r="{RADIUS}" fill="{UNIT}" stroke="{BACKGROUND}" stroke-width="4"/>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def png(size: int = SIZE) -> Image.Image:
    k = 4  # drawn 4x larger and shrunk: Pillow's shapes have no antialiasing of their own
    image = Image.new("RGBA", (SIZE * k, SIZE * k), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle([8 * k, 8 * k, (SIZE - 8) * k, (SIZE - 8) * k], radius=40 * k, fill=BACKGROUND)
    for (x1, y1), (x2, y2), sign in _links():
        draw.line([x1 * k, y1 * k, x2 * k, y2 * k], fill=LINK_POSITIVE if sign > 0 else LINK_NEGATIVE, width=9 * k)
    for layer in LAYERS:
        for x, y in layer:
            r = RADIUS * k
            draw.ellipse([x * k - r, y * k - r, x * k + r, y * k + r], fill=UNIT, outline=BACKGROUND, width=4 * k)
    return image.resize((size, size), Image.Resampling.LANCZOS)


if __name__ == "__main__":
    folder = ROOT / "resources" / "icons"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nn-playground.svg").write_text(svg(), encoding="utf-8")
    png().save(folder / "nn-playground.png")
    print(f"wrote {folder / 'nn-playground.svg'} and {folder / 'nn-playground.png'}")
