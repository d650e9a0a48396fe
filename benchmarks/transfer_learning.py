#!/usr/bin/env python
"""Transfer learning and augmentation on MNIST-5k: what each buys with few labels.

Task A: digits 0-4; task B: digits 5-9 (the same input, other classes).  The
5,000 MNIST-5k images are split once, stratified, into 80 % training and 20 %
test images (seed 0).  A small CNN

    28x28x1 -> conv 5x5x8 -> ReLU -> max-pool 2/2 -> conv 3x3x16 -> ReLU
    -> max-pool 2/2 -> flatten (400) -> dense 64 -> ReLU -> dense 5

is trained on all of task A's training images.  Task B is then learned from
``n`` = 10, 50 and 200 labelled training images per class (drawn per seed), three
ways:

- scratch: the same CNN, freshly initialised;
- frozen: task A's layers up to the flatten as a frozen feature extractor
  (:func:`dlnotes.models.transfer.feature_extractor`) + a new head
  (dense 64 -> ReLU -> dense 5), only the head trained;
- fine-tuned: the frozen model's result, unfrozen and trained further with a
  10x smaller learning rate.

Every run takes the same number of Adam steps (batch 32, or all examples when
fewer), and is scored on ALL of task B's test images; mean and standard
deviation over 5 seeds.  Also: from scratch at 50/class with and without
augmentation (random crop with 2 px padding + rotation/shear/scale, a
:class:`dlnotes.cnn.augment.Compose` passed to ``Model.fit(augment=...)``).

Usage (writes the table and the plot the docs include)::

    python benchmarks/transfer_learning.py [--seeds 5] [--threads 1] [--out DIR]

writes ``transfer_learning_table.inc``, ``transfer_learning.png`` and the raw accuracies
``transfer_learning.json`` to ``docs/chapters/transfer_learning/`` by default.

``--threads`` sets the OpenMP and OpenBLAS threads before NumPy loads; one
thread is the default because on a loaded machine OpenMP threads spin-wait
(measured here at load 21 on 2 cores: 24 ms per batch on 1 thread, 390 ms on 2).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

np = None  # NumPy, imported by main() once the thread count is set
SIZES = (10, 50, 200)
METHODS = ("scratch", "frozen", "fine-tuned")


def cnn(seed):
    from dlnotes.layers import Activation
    from dlnotes.layers.base import Sequential
    from dlnotes.layers.conv import Conv2D, Flatten, MaxPool2D

    rng = np.random.default_rng(seed)
    return Sequential([Conv2D(1, 8, 5, rng=rng, dtype=np.float32, input_grad=False),
                       Activation("relu"), MaxPool2D(2, 2),
                       Conv2D(8, 16, 3, rng=rng, dtype=np.float32), Activation("relu"),
                       MaxPool2D(2, 2), Flatten()] + head(rng))


def head(rng, n_in=400, n_classes=5):
    from dlnotes.layers import Activation, Dense

    return [Dense(n_in, 64, rng=rng, dtype=np.float32), Activation("relu"),
            Dense(64, n_classes, rng=rng, dtype=np.float32)]


def split(seed=0, test_size=0.2):
    """Stratified train/test split of MNIST-5k (28x28)."""
    from dlnotes.datasets.mnist import load_mnist_5k

    X, y = load_mnist_5k(pad_to=28, dtype=np.float32)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), bool)
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        test[idx[:round(test_size * len(idx))]] = True
    return X[~test], y[~test], X[test], y[test]


def task(X, y, digits):
    from dlnotes.datasets.digits import one_hot

    keep = np.isin(y, digits)
    return X[keep], one_hot(y[keep] - digits[0], 5, dtype=np.float32)


def per_class(X, Y, n, rng):
    labels = np.argmax(Y, axis=0)
    idx = np.concatenate([rng.choice(np.flatnonzero(labels == c), n, replace=False)
                          for c in range(Y.shape[0])])
    return X[idx], Y[:, idx]


def fit(model, X, Y, steps, lr, seed, augment=None):
    from dlnotes.optim import Adam

    bs = min(32, X.shape[0])
    epochs = max(1, round(steps * bs / X.shape[0]))
    model.fit(X, Y, epochs=epochs, batch_size=bs, optimizer=Adam(lr), seed=seed,
              progress=False, augment=augment)


def augmenter():
    from dlnotes.cnn.augment import Compose, RandomAffine, RandomCrop

    return Compose([RandomCrop(28, padding=2), RandomAffine(rotation=12.0, shear=8.0,
                                                            scale=(0.9, 1.1))],
                   clip=(0.0, 1.0))


def run(args):
    from dlnotes.models import Model
    from dlnotes.models.transfer import feature_extractor, transfer_model

    Xtr, ytr, Xte, yte = split()
    XA, YA = task(Xtr, ytr, [0, 1, 2, 3, 4])
    XAt, YAt = task(Xte, yte, [0, 1, 2, 3, 4])
    XB, YB = task(Xtr, ytr, [5, 6, 7, 8, 9])
    XBt, YBt = task(Xte, yte, [5, 6, 7, 8, 9])
    t0 = time.perf_counter()
    model_a = Model(cnn(1000), batch_axis=0)
    fit(model_a, XA, YA, args.steps_a, 2e-3, 0)
    acc_a = model_a.evaluate(XAt, YAt, batch_size=500)["accuracy"]
    print(f"task A: {XA.shape[0]} training images, test accuracy {acc_a:.4f} "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)

    results = {m: {n: [] for n in SIZES} for m in METHODS}
    results["scratch+augment"] = {50: []}
    for seed in range(args.seeds):
        for n in SIZES:
            rng = np.random.default_rng(seed)
            Xs, Ys = per_class(XB, YB, n, rng)
            scratch = Model(cnn(seed), batch_axis=0)
            fit(scratch, Xs, Ys, args.steps, 2e-3, seed)
            results["scratch"][n].append(scratch.evaluate(XBt, YBt, batch_size=500)["accuracy"])
            if n == 50:
                aug = Model(cnn(seed), batch_axis=0)
                fit(aug, Xs, Ys, args.steps, 2e-3, seed, augment=augmenter())
                results["scratch+augment"][50].append(
                    aug.evaluate(XBt, YBt, batch_size=500)["accuracy"])
            feats = feature_extractor(model_a, "Flatten")
            tl = transfer_model(feats, head(np.random.default_rng(seed)))
            fit(tl, Xs, Ys, args.steps, 2e-3, seed)
            results["frozen"][n].append(tl.evaluate(XBt, YBt, batch_size=500)["accuracy"])
            tl.unfreeze()
            fit(tl, Xs, Ys, args.steps, 2e-4, seed)
            results["fine-tuned"][n].append(tl.evaluate(XBt, YBt, batch_size=500)["accuracy"])
            print(f"seed {seed} n={n}: " + ", ".join(
                f"{m} {results[m][n][-1]:.3f}" for m in METHODS) +
                f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    return {"task_a_accuracy": acc_a, "n_task_a": int(XA.shape[0]),
            "n_test_b": int(XBt.shape[0]), "results": results,
            "seconds": time.perf_counter() - t0}


def table(out):
    r = out["results"]

    def cell(v, signed=False):
        return f"{100 * np.mean(v):{'+' if signed else ''}.1f} ± {100 * np.std(v):.1f}"

    rows = [["labelled examples per class"] + [str(n) for n in SIZES]]
    for m in METHODS:
        rows.append([m] + [cell(r[m][n]) for n in SIZES])
    rows.append(["scratch + augmentation"] + ["", cell(r["scratch+augment"][50]), ""])
    # the same seed draws the same training images for every method: paired differences
    for m in METHODS[1:]:
        rows.append([f"{m} - scratch (paired)"] + [
            cell(np.subtract(r[m][n], r["scratch"][n]), True) for n in SIZES])
    rows.append(["augmentation - none (paired)"] + [
        "", cell(np.subtract(r["scratch+augment"][50], r["scratch"][50]), True), ""])
    w = [max(len(row[j]) for row in rows) for j in range(4)]
    sep = "  ".join("=" * k for k in w)
    lines = [sep, "  ".join(c.ljust(k) for c, k in zip(rows[0], w)).rstrip(), sep]
    lines += ["  ".join(c.ljust(k) for c, k in zip(row, w)).rstrip() for row in rows[1:]]
    lines.append(sep)
    return "\n".join(lines) + "\n"


def plot(out, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = out["results"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for m, marker, shift in zip(METHODS, "osD", (0.95, 1.0, 1.05)):  # shifted to stay apart
        mean = [100 * np.mean(r[m][n]) for n in SIZES]
        std = [100 * np.std(r[m][n]) for n in SIZES]
        ax.errorbar([n * shift for n in SIZES], mean, yerr=std, marker=marker, capsize=3,
                    label=m)
    a = r["scratch+augment"][50]
    ax.errorbar([50 * 1.1], [100 * np.mean(a)], yerr=[100 * np.std(a)], marker="^", color="k",
                linestyle="none", capsize=3, label="scratch + augmentation")
    ax.set_xscale("log")
    ax.set_xticks(SIZES, [str(n) for n in SIZES])
    ax.set_xlabel("labelled task-B examples per class")
    ax.set_ylabel("task-B test accuracy (%)")
    ax.set_title("Digits 5-9 after learning digits 0-4 (MNIST-5k)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    global np
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=150, help="Adam steps per task-B run")
    ap.add_argument("--steps-a", type=int, default=600, help="Adam steps on task A")
    ap.add_argument("--from-json", action="store_true",
                    help="redraw the table and the plot from the saved accuracies, no training")
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "docs", "chapters", "transfer_learning"))
    args = ap.parse_args(argv)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    import numpy
    np = numpy
    json_path = os.path.join(args.out, "transfer_learning.json")
    if args.from_json:
        with open(json_path) as fh:
            out = json.load(fh)
        out["results"] = {m: {int(n): v for n, v in d.items()}
                          for m, d in out["results"].items()}
        write(out, args.out)
        return
    out = run(args)
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover
        load = float("nan")
    from _machine import cpu_model

    out["machine"] = f"{cpu_model()}, {args.threads} thread(s), load average {load:.1f}"
    os.makedirs(args.out, exist_ok=True)
    with open(json_path, "w") as fh:
        json.dump({**out, "results": {m: {str(n): v for n, v in d.items()}
                                      for m, d in out["results"].items()}}, fh, indent=1)
    write(out, args.out)


def write(out, outdir):
    with open(os.path.join(outdir, "transfer_learning_table.inc"), "w") as fh:
        fh.write(table(out))
    plot(out, os.path.join(outdir, "transfer_learning.png"))
    print(table(out))
    print(f"task A accuracy {out['task_a_accuracy']:.4f}; {out['seconds']:.0f} s; "
          f"{out['machine']}")


if __name__ == "__main__":
    main()
