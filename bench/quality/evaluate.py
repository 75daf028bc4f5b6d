"""The scoring half of bench/quality: for each rankings JSON (select-rankings.mts) and its embeddings CSV, trains a
1-nearest-neighbour and a logistic-regression classifier on each strategy's picks (with their true labels) and tests
them on the rest; prints one table per dataset, the default / random ratio per budget, and draws the plot.

    python evaluate.py --plot docs/selection-quality.png --markdown out.md data1.json:emb1.csv data2.json:emb2.csv
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

ORDER = ["random", "coreset", "typicality", "coverage", "default"]


def load_embeddings(csv: Path) -> np.ndarray:
    # Columns: filenames, embedding_0..D-1, labels. Row order is the engine's row order (its `index`).
    import pandas as pd

    x = pd.read_csv(csv).filter(like="embedding_").to_numpy(dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def scores(x: np.ndarray, y: np.ndarray, picks: np.ndarray) -> tuple[float, float, int]:
    rest = np.ones(len(y), dtype=bool)
    rest[picks] = False
    covered = len(np.unique(y[picks]))
    knn = KNeighborsClassifier(n_neighbors=1).fit(x[picks], y[picks])
    acc_nn = float((knn.predict(x[rest]) == y[rest]).mean())
    if covered < 2:
        acc_lr = float((y[rest] == y[picks][0]).mean())
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr = LogisticRegression(max_iter=300, C=10.0, tol=1e-3).fit(x[picks], y[picks])
        acc_lr = float((lr.predict(x[rest]) == y[rest]).mean())
    return acc_nn, acc_lr, covered


def evaluate(rankings_path: Path, csv: Path) -> dict:
    r = json.loads(rankings_path.read_text())
    x = load_embeddings(csv)
    y = np.asarray(r["labels"])
    assert len(x) == len(y) == r["samples"], (len(x), len(y), r["samples"])
    table: dict[str, list[dict]] = {}
    for name in [s for s in ORDER if s in r["rankings"]] + [s for s in r["rankings"] if s not in ORDER]:
        rows = []
        for budget in r["budgets"]:
            runs = [scores(x, y, np.asarray(ranking[: budget["n"]])) for ranking in r["rankings"][name]]
            nn, lr, cov = (np.asarray(v) for v in zip(*runs))
            rows.append({"budget": budget["name"], "n": budget["n"], "nn": nn.mean(), "nn_sd": nn.std(), "lr": lr.mean(),
                         "lr_sd": lr.std(), "classes": cov.mean()})
        table[name] = rows
    return {"dataset": r["dataset"], "samples": r["samples"], "classes": r["classes"], "table": table, "seconds": r["seconds"]}


def markdown(result: dict) -> str:
    t = result["table"]
    budgets = [row["budget"] + f" ({row['n']})" for row in next(iter(t.values()))]
    lines = [f"**{result['dataset']}** ({result['samples']} images, {result['classes']} classes): 1-NN / logistic-regression accuracy (%) on the unselected images, classes covered",
             "", "| strategy | " + " | ".join(budgets) + " |", "|---" * (len(budgets) + 1) + "|"]
    for name, rows in t.items():
        cells = [f"{100 * r['nn']:.1f} / {100 * r['lr']:.1f} ({r['classes']:.1f})" for r in rows]
        label = f"{name} (mean of {5} seeds)" if name == "random" else name
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "default" in t and "random" in t:
        ratios = [f"{d['nn'] / r['nn']:.2f} / {d['lr'] / r['lr']:.2f}" for d, r in zip(t["default"], t["random"])]
        lines.append("| **default / random** | " + " | ".join(ratios) + " |")
    if "default" in t and "coreset" in t:
        ratios = [f"{d['nn'] / r['nn']:.2f} / {d['lr'] / r['lr']:.2f}" for d, r in zip(t["default"], t["coreset"])]
        lines.append("| default / coreset | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def plot(results: list[dict], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(results), figsize=(4.2 * len(results), 7), squeeze=False)
    styles = {"random": ("grey", "--"), "coreset": ("tab:red", "-"), "typicality": ("tab:orange", "-"),
              "coverage": ("tab:blue", "-"), "default": ("black", "-")}
    for col, result in enumerate(results):
        for row, metric in enumerate(["nn", "lr"]):
            ax = axes[row][col]
            for name, rows in result["table"].items():
                color, ls = styles.get(name, (None, ":"))
                ax.plot([r["n"] for r in rows], [100 * r[metric] for r in rows], ls, color=color, marker="o", ms=3,
                        lw=2.2 if name == "default" else 1.2, label=name)
            ax.set_xscale("log")
            ax.set_title(f"{result['dataset']} — {'1-NN' if metric == 'nn' else 'logistic regression'}", fontsize=9)
            ax.set_xlabel("picks (log)", fontsize=8)
            ax.set_ylabel("accuracy on the rest (%)", fontsize=8)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pairs", nargs="+", help="rankings.json:embeddings.csv")
    parser.add_argument("--plot", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    results = []
    for pair in args.pairs:
        rankings, csv = pair.split(":", 1)
        result = evaluate(Path(rankings), Path(csv))
        results.append(result)
        print(markdown(result))
        print("selection seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in result["seconds"].items()))
        print()
    if args.markdown:
        args.markdown.write_text("\n\n".join(markdown(r) for r in results) + "\n")
    if args.plot:
        plot(results, args.plot)


if __name__ == "__main__":
    main()
