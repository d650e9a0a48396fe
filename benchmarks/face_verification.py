#!/usr/bin/env python
"""Train the face encoder with the triplet loss and as a softmax classifier; evaluate both.

One command regenerates the face-recognition chapter's table and figure::

    nice -n 19 python benchmarks/face_verification.py [--steps 600] [--width 16]
    python benchmarks/face_verification.py --from-json   # redraw from the saved numbers

The identities are the ten digit classes of MNIST-5k (no face-identity data
set ships inside a registry package).  Both encoders see the same P x K
batches (same seed), 3,000 training images; verification pairs come from the
1,000 dev images (threshold) and the 1,000 test images (accuracy, ROC AUC);
identification runs ``who_is_it`` on every test image against one enrolled
encoding per identity (the mean of 5 training images).

Writes, in ``--out``: ``face_verification.json`` (metrics, per-step costs,
test-pair distances, CPU, load, commit), ``face_verification_results.inc``
(the table the docs include) and ``face_distance_histograms.png``; and the
two trained models (``Model.save``) in ``--weights-dir`` for the gallery.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from _machine import cpu_model, machine_note, rst_list_table  # noqa: E402  (this folder is on the path)

LABELS = {"triplet": "triplet loss, semi-hard mining", "softmax": "softmax classifier"}


def _commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(steps, width, seed, weights_dir):
    from dlnotes.models.face_encoder import (evaluate_identification, evaluate_verification,
                                             load_identity_data, train_face_model)

    data = load_identity_data(seed=seed)
    results = {}
    for loss in ("triplet", "softmax"):
        def report(step, cost, loss=loss):
            if step % 50 == 0 or step == steps - 1:
                print(f"[{loss}] step {step}: cost {cost:.4f}", flush=True)

        r = train_face_model(*data["train"], loss=loss, steps=steps, P=10, K=8, width=width,
                             seed=seed, callback=report)
        ver = evaluate_verification(r["encoder"], data["dev"], data["test"], seed=seed)
        ide = evaluate_identification(r["encoder"], data["train"], data["test"],
                                      threshold=ver["threshold"], seed=seed)
        if weights_dir:
            os.makedirs(weights_dir, exist_ok=True)
            r["model"].save(os.path.join(weights_dir, f"face_{loss}.npz"),
                            include_optimizer=False)
        results[loss] = {
            "parameters": int(r["encoder"].network.count_params()),
            "seconds": r["seconds"], "history": r["history"],
            "threshold": ver["threshold"], "dev_accuracy": ver["dev_accuracy"],
            "test_accuracy": ver["test_accuracy"], "roc_auc": ver["roc_auc"],
            "top1": ide["top1"], "beyond_threshold": ide["beyond_threshold"],
            "same_distances": [round(float(d), 5) for d in ver["same_distances"]],
            "different_distances": [round(float(d), 5) for d in ver["different_distances"]],
        }
        print(f"[{loss}] verification {100 * ver['test_accuracy']:.1f} %, AUC "
              f"{ver['roc_auc']:.4f}, identification top-1 {100 * ide['top1']:.1f} %, "
              f"{r['seconds']:.0f} s", flush=True)
    return results


def plot(data, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    bins = np.linspace(0, 2, 41)
    for ax, name in zip(axes, ("triplet", "softmax")):
        r = data[name]
        ax.hist(r["same_distances"], bins=bins, alpha=0.6, label="same identity")
        ax.hist(r["different_distances"], bins=bins, alpha=0.6, label="different identities")
        ax.axvline(r["threshold"], color="k", ls="--", lw=1,
                   label=f"threshold {r['threshold']:.2f} (dev)")
        ax.set_title(f"{LABELS[name]}: accuracy {100 * r['test_accuracy']:.1f} %, "
                     f"AUC {r['roc_auc']:.3f}", fontsize=9)
        ax.set_xlabel(r"$\|\hat f(x_1) - \hat f(x_2)\|_2$ (test pairs)")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("pairs")
    fig.suptitle("Distances of L2-normalised encodings, MNIST-5k digits as identities")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_inc(data, path):
    """The results table of the docs (reStructuredText)."""
    meta = data["meta"]
    rows = []
    for name in ("triplet", "softmax"):
        r = data[name]
        rows.append([LABELS[name], f"{r['parameters']:,}", f"{r['threshold']:.3f}",
                     f"{100 * r['test_accuracy']:.1f} %", f"{r['roc_auc']:.4f}",
                     f"{100 * r['top1']:.1f} %", f"{r['seconds'] / 60:.1f} min"])
    caption = (f"Verification (2,000 test pairs, half same identity) and identification "
               f"(``who_is_it`` on 1,000 test images); {meta['steps']} steps of {meta['P']} x "
               f"{meta['K']} images each (from ``face_verification.json``)")
    footer = (f"Commit {meta['commit']}, {meta['date']}, {machine_note(meta)}, run under "
              "``nice -n 19``: the times are upper bounds.")
    header = ["encoder trained with", "parameters", "threshold (dev)", "verification accuracy",
              "ROC AUC", "identification top-1", "training time"]
    text = rst_list_table(caption, header, rows, footer)
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--width", type=int, default=16)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=os.path.join("docs", "chapters", "figures"))
    ap.add_argument("--weights-dir", default=os.path.join("examples", "data"))
    ap.add_argument("--from-json", action="store_true",
                    help="redraw the figure and the table from face_verification.json")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    js = os.path.join(args.out, "face_verification.json")
    if args.from_json:
        with open(js) as f:
            data = json.load(f)
    else:
        load_before = os.getloadavg()
        commit = _commit()  # the code that runs, before anything is committed meanwhile
        results = run(args.steps, args.width, args.seed, args.weights_dir)
        data = {"meta": {"cpu": cpu_model(), "commit": commit,
                         "date": datetime.datetime.now(datetime.timezone.utc)
                         .strftime("%Y-%m-%d %H:%M UTC"),
                         "load_average_before": load_before,
                         "load_average_after": os.getloadavg(), "steps": args.steps,
                         "width": args.width, "P": 10, "K": 8, "seed": args.seed},
                **results}
        with open(js, "w") as f:
            json.dump(data, f, indent=1)
    plot(data, os.path.join(args.out, "face_distance_histograms.png"))
    write_inc(data, os.path.join(args.out, "face_verification_results.inc"))


if __name__ == "__main__":
    main()
