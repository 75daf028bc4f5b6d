"""The scoring half of bench/embed-quality: how well each representation of a labeled image set separates its classes.

For every dataset given as NAME=DIR:OLD.csv:NEW.csv[:IMG_S_OLD:IMG_S_NEW] (the two CSVs written by `winnow embed` with the
old and the new default model on the same images), it scores
  - raw 32x32 pixels (the floor: PIL bilinear resize of each image in the CSV, RGB, flattened),
  - the old default (nsfwjs-mobilenet_v2) and the new default (efficientnet-lite0),
  - the new default PCA-whitened without shrinkage (scikit-learn's PCA, whiten=True, 256 components, L2-normalised),
  - every --winnow-variant NAME=LABEL=CSV: the output of one of Winnow's own commands on the new default's CSV
    (`winnow embeddings center`, `winnow embeddings whiten`), rows matched by file name,
by 5-fold kNN-10 (cosine) accuracy, 5-fold logistic-regression accuracy and 1-NN (cosine) accuracy when trained on 1 and
on 5 random images per class and tested on the rest (mean of 10 seeds). Logistic regression is nested: standardised
features (scaler fitted on the training folds), L2-regularised multinomial lbfgs run to convergence (tol 1e-4, at most
10,000 iterations, checked), its C chosen from 1e-4 … 1e2 (7 values) by an inner stratified 5-fold cross-validation on the
training part only; the outer folds and the inner splits are the same for every representation. Prints one table per
dataset with the new/pixels and new/old ratios, and writes the same as markdown with --markdown.
With --taps NAME=TAPS.npz (written by feature-taps.py) it also scores the pooled features of earlier blocks of the new
default and whitening variants, all from the PyTorch reference in one pipeline.

    python evaluate.py --markdown out.md mnist=DIR:old.csv:new.csv:31.2:28.4 ...
    python evaluate.py --taps emoji=emoji.taps.npz
"""

from __future__ import annotations

import os

# One BLAS thread per process: on a shared 2-core machine OpenBLAS's own threads oversubscribe the cores and made one
# logistic-regression fit 15x slower (measured). Parallelism comes from joblib's worker processes instead (WINNOW_BENCH_JOBS).
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse
import json
import re
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

SEEDS = 10
# Inverse regularisation strengths the inner cross-validation chooses from (features standardised).
LR_CS = np.logspace(-4, 2, 7)
LR_MAX_ITER = 10_000
JOBS = int(os.environ.get("WINNOW_BENCH_JOBS", "2"))


def l2(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def load_csv(path: Path) -> tuple[list[str], np.ndarray, np.ndarray]:
    frame = pd.read_csv(path, keep_default_na=False)
    names = frame["filenames"].astype(str).tolist()
    x = frame.filter(like="embedding_").to_numpy(dtype=np.float32)
    return names, x, frame["labels"].to_numpy()


def pixels(root: Path, names: list[str]) -> np.ndarray:
    rows = []
    for name in names:
        with Image.open(root / name) as image:
            rgb = image.convert("RGBA")
            # Transparent pixels onto white, as Winnow's decoder does, so the floor sees the same pictures.
            flat = Image.new("RGBA", rgb.size, (255, 255, 255, 255))
            flat.alpha_composite(rgb)
            small = flat.convert("RGB").resize((32, 32), Image.BILINEAR)
        rows.append(np.asarray(small, dtype=np.float32).reshape(-1) / 255.0)
    return np.stack(rows)


def knn_accuracy(x: np.ndarray, y: np.ndarray) -> float:
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    knn = KNeighborsClassifier(n_neighbors=10, metric="cosine")
    return float(cross_val_score(knn, x, y, cv=folds).mean())


def lr_accuracy(x: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
    """Nested cross-validation: the outer 5 folds score, an inner 5-fold CV on each training part picks C. Returns the
    mean outer accuracy and the C chosen per outer fold; raises if any fit (inner or refit) did not converge."""
    outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    inner = StratifiedKFold(n_splits=5, shuffle=True, random_state=1)
    accuracies, chosen = [], []
    for train, test in outer.split(x, y):
        model = make_pipeline(
            StandardScaler(),
            LogisticRegressionCV(
                Cs=LR_CS,
                cv=inner,
                scoring="accuracy",
                l1_ratios=(0.0,),
                max_iter=LR_MAX_ITER,
                tol=1e-4,
                n_jobs=JOBS,
                use_legacy_attributes=False,
            ),
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            model.fit(x[train], y[train])
        fitted = model[-1]
        if any(issubclass(w.category, ConvergenceWarning) for w in caught) or np.max(fitted.n_iter_) >= LR_MAX_ITER:
            raise SystemExit(f"logistic regression did not converge in {LR_MAX_ITER} iterations (C grid {LR_CS})")
        accuracies.append(float(model.score(x[test], y[test])))
        chosen.append(float(fitted.C_))
    return float(np.mean(accuracies)), chosen


def shot_accuracy(x: np.ndarray, y: np.ndarray, shots: int) -> float:
    classes = np.unique(y)
    accuracies = []
    for seed in range(SEEDS):
        rng = np.random.default_rng(seed)
        train = np.concatenate([rng.choice(np.flatnonzero(y == c), size=shots, replace=False) for c in classes])
        test = np.ones(len(y), dtype=bool)
        test[train] = False
        knn = KNeighborsClassifier(n_neighbors=1, metric="cosine").fit(x[train], y[train])
        accuracies.append(float((knn.predict(x[test]) == y[test]).mean()))
    return float(np.mean(accuracies))


def centered(x: np.ndarray) -> np.ndarray:
    return l2(l2(x) - l2(x).mean(axis=0, keepdims=True))


def whitened(x: np.ndarray) -> np.ndarray:
    components = min(256, x.shape[0] - 1, x.shape[1])
    return l2(PCA(n_components=components, whiten=True, svd_solver="full").fit_transform(l2(x)))


def score(x: np.ndarray, y: np.ndarray, label: str = "") -> dict[str, float]:
    started = time.time()
    lr, chosen = lr_accuracy(x, y)
    result = {
        "knn10": knn_accuracy(x, y),
        "shot1": shot_accuracy(x, y, 1),
        "shot5": shot_accuracy(x, y, 5),
        "lr": lr,
    }
    print(f"  scored {label} in {time.time() - started:.0f} s (log. reg. C per outer fold: {', '.join(f'{c:g}' for c in chosen)})", file=sys.stderr, flush=True)
    return result


METRICS = [("knn10", "kNN-10"), ("lr", "log. reg."), ("shot1", "1-shot 1-NN"), ("shot5", "5-shot 1-NN")]


def aligned(path: Path, names: list[str], y: np.ndarray) -> np.ndarray:
    """The rows of a CSV in the order of `names`, checking it holds the same files with the same labels."""
    other_names, x, other_y = load_csv(path)
    order = {n: i for i, n in enumerate(other_names)}
    if set(order) != set(names):
        raise SystemExit(f"{path} holds other files than the old default's CSV")
    take = np.array([order[n] for n in names])
    if not np.array_equal(other_y[take], y):
        raise SystemExit(f"{path} labels the same files differently")
    return x[take]


def compare_whitening(winnow: np.ndarray, reference: np.ndarray, label: str) -> None:
    """Winnow's whitened rows (settings from their model record) against scikit-learn's on the same CSV, by their
    cosine-similarity matrices (component signs differ between eigensolvers; the similarities may not)."""
    sample = slice(0, 500)
    gap = float(np.max(np.abs(l2(winnow[sample]) @ l2(winnow[sample]).T - reference[sample] @ reference[sample].T)))
    print(f"  {label} vs scikit-learn PCA with the same shrinkage: max |cosine similarity difference| {gap:.2e} (500 rows)", file=sys.stderr, flush=True)
    if gap > 1e-3:
        raise SystemExit(f"{label}: Winnow's whitening differs from scikit-learn's by {gap:.2e}")


def evaluate(spec: str, variants: list[tuple[str, Path]]) -> tuple[str, int, int, list[tuple[str, dict[str, float], str]]]:
    name, rest = spec.split("=", 1)
    parts = rest.split(":")
    root, old_csv, new_csv = Path(parts[0]), Path(parts[1]), Path(parts[2])
    speed_old = parts[3] if len(parts) > 3 else ""
    speed_new = parts[4] if len(parts) > 4 else ""
    names, old, y = load_csv(old_csv)
    new = aligned(new_csv, names, y)
    print(f"{name}: scoring {len(y)} images", file=sys.stderr, flush=True)
    rows = [
        ("raw 32×32 pixels", score(l2(pixels(root, names)), y, "pixels"), ""),
        ("old default (nsfwjs-mobilenet_v2)", score(l2(old), y, "old"), speed_old),
        ("new default (efficientnet-lite0)", score(l2(new), y, "new"), speed_new),
        ("new default, PCA-whitened (256, no shrinkage; scikit-learn)", score(whitened(new), y, "whitened"), ""),
    ]
    for label, path in variants:
        x = aligned(path, names, y)
        record = Path(f"{path}.model.json")
        model = json.loads(record.read_text())["model"] if record.exists() else ""
        settings = re.search(r"\+whiten\(k=(\d+),s=([0-9.e+-]+),fit=", model)
        if settings:
            compare_whitening(x, shrunk_whitened(new, float(settings[2]), int(settings[1])), label)
        rows.append((label, score(l2(x), y, label), ""))
    return name, len(y), len(np.unique(y)), rows


def table(name: str, images: int, classes: int, rows: list[tuple[str, dict[str, float], str]]) -> str:
    lines = [
        f"**{name}** ({images:,} images, {classes} classes)",
        "",
        "| representation | " + " | ".join(label for _, label in METRICS) + " | img/s (`winnow embed`) |",
        "|---|" + "---|" * (len(METRICS) + 1),
    ]
    for label, s, speed in rows:
        lines.append(f"| {label} | " + " | ".join(f"{100 * s[k]:.1f}" for k, _ in METRICS) + f" | {speed} |")
    pixels_s, old_s, new_s = rows[0][1], rows[1][1], rows[2][1]
    lines.append("| new / pixels | " + " | ".join(f"{new_s[k] / pixels_s[k]:.2f}×" for k, _ in METRICS) + " | |")
    lines.append("| new / old | " + " | ".join(f"{new_s[k] / old_s[k]:.2f}×" for k, _ in METRICS) + " | |")
    return "\n".join(lines) + "\n"


def shrunk_whitened(x: np.ndarray, shrink: float = 10.0, components: int = 256) -> np.ndarray:
    """Regularised PCA-whitening: each of 256 components scaled by 1/sqrt(variance + shrink × mean variance), then
    L2-normalised. Plain whitening (shrink 0) blows up the weakest components, which kNN-10 tolerates but 1-NN from one
    or five examples does not; shrink 10 keeps most of the kNN gain (measured 3, 6, 10, 30 on the four sets)."""
    z = l2(x)
    pca = PCA(n_components=min(components, z.shape[0] - 1, z.shape[1]), svd_solver="full").fit(z)
    variance = pca.explained_variance_
    return l2(pca.transform(z) / np.sqrt(variance + shrink * variance.mean()))


def evaluate_taps(spec: str) -> tuple[str, int, int, list[tuple[str, dict[str, float], str]]]:
    """NAME=TAPS.npz from feature-taps.py: the default embedding against earlier blocks' pooled features and variants."""
    name, path = spec.split("=", 1)
    data = np.load(path)
    y = data["labels"]
    final = data["final"]
    print(f"{name}: scoring taps of {len(y)} images", file=sys.stderr, flush=True)
    variants = [
        ("final pooled head (the default embedding)", l2(final)),
        ("final, centered", centered(final)),
        ("final, PCA-whitened (256)", whitened(final)),
        ("final, PCA-whitened (256), shrinkage 10", shrunk_whitened(final)),
        ("stage 7 pooled (320-d, before the head)", l2(data["stage7"])),
        ("stage 6 pooled (192-d)", l2(data["stage6"])),
        ("stage 5 pooled (112-d)", l2(data["stage5"])),
        ("final ⊕ stage 6 (each L2-normalised)", l2(np.hstack([l2(final), l2(data["stage6"])]))),
    ]
    rows = [(label, score(x, y, label), "") for label, x in variants]
    return name, len(y), len(np.unique(y)), rows


def taps_table(name: str, images: int, classes: int, rows: list[tuple[str, dict[str, float], str]]) -> str:
    lines = [
        f"**{name}** ({images:,} images, {classes} classes; PyTorch reference, PIL resize)",
        "",
        "| representation | " + " | ".join(label for _, label in METRICS) + " |",
        "|---|" + "---|" * len(METRICS),
    ]
    for label, s, _ in rows:
        lines.append(f"| {label} | " + " | ".join(f"{100 * s[k]:.1f}" for k, _ in METRICS) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--taps", action="append", default=[], help="NAME=TAPS.npz written by feature-taps.py")
    parser.add_argument(
        "--winnow-variant",
        action="append",
        default=[],
        help="NAME=LABEL=CSV: a Winnow command's output on dataset NAME's new-default CSV, scored as one more row",
    )
    parser.add_argument("datasets", nargs="*", help="NAME=DIR:OLD.csv:NEW.csv[:IMG_S_OLD:IMG_S_NEW]")
    args = parser.parse_args()
    variants: dict[str, list[tuple[str, Path]]] = {}
    for spec in args.winnow_variant:
        name, label, path = spec.split("=", 2)
        variants.setdefault(name, []).append((label, Path(path)))
    out = []
    for spec in args.datasets:
        text = table(*evaluate(spec, variants.get(spec.split("=", 1)[0], [])))
        print(text, flush=True)
        out.append(text)
    for spec in args.taps:
        text = taps_table(*evaluate_taps(spec))
        print(text, flush=True)
        out.append(text)
    if args.markdown:
        args.markdown.write_text("\n".join(out))


if __name__ == "__main__":
    main()
