#!/usr/bin/python3
"""Regenerates the WebP fixtures of WebPFixturesTest and Pillow's decode of each (offline only; tests need no Python).

Run with a Python whose Pillow has WebP support (Debian's python3-pil 9.4, libwebp 1.2.4, was used):
    /usr/bin/python3 training/src/test/resources/webp/make_fixtures.py
Writes NAME.webp and NAME.rgba (Pillow's Image.open(NAME.webp).convert("RGBA") raw bytes, row-major, 4 bytes a
pixel) next to this script. The images are 32x24 gradients with seeded noise, so the files are small and lossy
coding has something to lose.
"""
import os
import random

from PIL import Image, features

W, H = 32, 24
HERE = os.path.dirname(os.path.abspath(__file__))


def picture(alpha):
    rnd = random.Random(20240611)
    img = Image.new("RGBA" if alpha else "RGB", (W, H))
    px = img.load()
    for y in range(H):
        for x in range(W):
            g = max(0, min(255, y * 10 + rnd.randrange(-20, 21)))
            b = max(0, min(255, 128 + (x - y) * 4 + rnd.randrange(-30, 31)))
            r = max(0, min(255, x * 8 + rnd.randrange(-20, 21)))
            if alpha:
                # opaque left, transparent right, a ramp between, so compositing is exercised at every level
                a = max(0, min(255, 255 - (x - 8) * 16))
                px[x, y] = (r, g, b, a)
            else:
                px[x, y] = (r, g, b)
    return img


def main():
    assert features.check("webp"), "this Pillow has no WebP support"
    fixtures = {
        "lossless-rgb": (picture(False), dict(lossless=True)),
        "lossy-rgb": (picture(False), dict(quality=80)),
        "lossless-rgba": (picture(True), dict(lossless=True)),
        "lossy-rgba": (picture(True), dict(quality=80)),
    }
    for name, (img, options) in fixtures.items():
        path = os.path.join(HERE, name + ".webp")
        img.save(path, "WEBP", method=4, **options)
        with Image.open(path) as decoded:
            raw = decoded.convert("RGBA").tobytes()
        assert len(raw) == W * H * 4
        with open(os.path.join(HERE, name + ".rgba"), "wb") as f:
            f.write(raw)
        print(name, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
