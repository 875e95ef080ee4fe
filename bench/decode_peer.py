"""Pillow's side of bench/decode: writes the images both sides decode, and times Pillow decoding them.

  decode_peer.py write DIR N     N photo-like RGB images, ~448x352, in each of DIR/jpeg (quality 90),
                                 DIR/webp-lossy (quality 80) and DIR/webp-lossless, each with Pillow's decode
                                 beside it as NAME.rgb (raw RGB bytes) for the fidelity columns
  decode_peer.py time DIR ROUNDS one line per folder: name, median ms per image over ROUNDS passes

Decoding is Image.open(f).convert("RGB") with the pixels loaded: what torchvision's ImageFolder loader does.
"""
import os
import random
import statistics
import sys
import time

from PIL import Image, ImageDraw, ImageFilter

FOLDERS = {"jpeg": ("jpg", dict(quality=90)), "webp-lossy": ("webp", dict(quality=80)),
           "webp-lossless": ("webp", dict(lossless=True))}


def photo(rng, width, height):
    """Smooth shading, a few soft shapes with sharp-edged ones on top, and sensor-like noise."""
    img = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    tint = Image.new("RGB", (width, height), tuple(rng.randrange(256) for _ in range(3)))
    img = Image.blend(img, tint, 0.6)
    draw = ImageDraw.Draw(img)
    for _ in range(12):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(10, 90)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256) for _ in range(3)))
    img = img.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.rectangle((x, y, x + rng.randrange(10, 80), y + rng.randrange(10, 80)),
                       fill=tuple(rng.randrange(256) for _ in range(3)))
    noise = Image.effect_noise((width, height), 12).convert("RGB")
    return Image.blend(img, noise, 0.08)


def write(root, n):
    rng = random.Random(11)
    for folder, (ext, options) in FOLDERS.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    for i in range(n):
        img = photo(rng, 400 + rng.randrange(100), 300 + rng.randrange(100))
        for folder, (ext, options) in FOLDERS.items():
            path = os.path.join(root, folder, "%05d.%s" % (i, ext))
            img.save(path, **options)
            with Image.open(path) as saved, open(path + ".rgb", "wb") as out:
                out.write(saved.convert("RGB").tobytes())


def time_folder(folder, rounds):
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if not f.endswith(".rgb"))
    for f in files:   # untimed: page cache
        with open(f, "rb") as fh:
            fh.read()
    per_round = []
    for _ in range(rounds):
        start = time.perf_counter()
        for f in files:
            with Image.open(f) as img:
                img.convert("RGB").load()
        per_round.append((time.perf_counter() - start) * 1000 / len(files))
    return statistics.median(per_round)


def main():
    if sys.argv[1] == "write":
        write(sys.argv[2], int(sys.argv[3]))
    else:
        root, rounds = sys.argv[2], int(sys.argv[3])
        for folder in FOLDERS:
            print("%s\t%.4f" % (folder, time_folder(os.path.join(root, folder), rounds)))


if __name__ == "__main__":
    main()
