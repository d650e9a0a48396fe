#!/usr/bin/env python
"""Train the YOLO detector on generated shapes scenes; write its mAP table and its weights.

One command regenerates the YOLO chapter's table and the gallery's weights::

    nice -n 19 python benchmarks/yolo_shapes_train.py [--epochs 12] [--train 3000]

Scenes: :func:`dlnotes.datasets.shapes.load_shapes` (seed 0; 64x64, 2-4 shapes each,
overlapping), anchors by k-means (1 - IoU) on the training boxes, Adam with
inverse-time decay (:func:`dlnotes.models.yolo.train_yolo_shapes`).  After
training: VOC mAP@0.5 on the 500 held-out scenes, per class.  Writes

* ``docs/chapters/figures/yolo_shapes_map.inc``: the table the docs include, stamped
  with the commit, the date, the CPU model and the load average;
* ``docs/chapters/figures/yolo_shapes.json``: the same numbers and the per-epoch log;
* ``examples/data/yolo_shapes.npz``: the weights (float32, about 0.2 MB), which the
  gallery example loads.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)  # this checkout first, not an installed dlnotes
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _machine import cpu_model  # noqa: E402  (this folder is on the path)


def _commit():
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_inc(data, path):
    """The mAP table (reStructuredText list-table) with its stamp."""
    m = data["meta"]
    rows = [f"   * - {name}\n     - {n}\n     - {ap:.3f}"
            for name, ap, n in zip(data["classes"], data["ap"], data["n_gt"])]
    rows.append(f"   * - **mean (mAP@0.5)**\n     - {sum(data['n_gt'])}\n"
                f"     - **{data['map']:.3f}**")
    text = (f".. list-table:: VOC AP@0.5 on {m['n_test']} held-out scenes "
            f"(``benchmarks/yolo_shapes_train.py``)\n"
            "   :header-rows: 1\n\n"
            "   * - class\n     - objects\n     - AP@0.5\n" + "\n".join(rows) + "\n\n"
            f"{m['parameters']:,} parameters, {m['n_train']:,} training scenes, "
            f"{m['epochs']} epochs of Adam in {m['seconds'] / 60:.1f} min (float32, "
            f"``nice -n 19``).  Commit ``{m['commit']}``, {m['date']}, {m['cpu']} (2 cores "
            f"shared with other jobs; load average {m['load_before']:.1f} at the start, "
            f"{m['load_after']:.1f} at the end: the time is an upper bound).\n")
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--train", type=int, default=3000)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--figures", default=os.path.join(ROOT, "docs", "chapters", "figures"))
    ap.add_argument("--weights", default=os.path.join(ROOT, "examples", "data",
                                                      "yolo_shapes.npz"))
    args = ap.parse_args(argv)
    from dlnotes.datasets.shapes import SHAPE_CLASSES
    from dlnotes.models.yolo import train_yolo_shapes

    load_before = os.getloadavg()[0]
    print("cpu:", cpu_model(), "load:", os.getloadavg(), flush=True)

    def report(epoch, logs):
        print(f"epoch {epoch}: loss {logs['loss']:.4f}, lr {logs['lr']:.2e}, "
              f"{logs['seconds']:.0f} s, load {os.getloadavg()[0]:.1f}", flush=True)

    r = train_yolo_shapes(n_train=args.train, epochs=args.epochs, batch_size=args.batch_size,
                          lr=args.lr, seed=args.seed, callback=report)
    det, res = r["detector"], r["map"]
    for name, a, n in zip(SHAPE_CLASSES, res["ap"], res["n_gt"]):
        print(f"AP@0.5 {name:10s} {a:.3f} ({n} objects)")
    print(f"mAP@0.5 {res['map']:.3f}; {r['seconds']:.0f} s")
    os.makedirs(os.path.dirname(args.weights), exist_ok=True)
    path = det.save(args.weights)
    print(f"weights: {path} ({os.path.getsize(path) / 1024:.0f} KB)")
    meta = {"commit": _commit(), "date": datetime.datetime.now(datetime.timezone.utc)
            .strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu_model(), "load_before": load_before,
            "load_after": os.getloadavg()[0], "n_train": args.train, "n_test": 500,
            "epochs": args.epochs, "lr": args.lr, "batch_size": args.batch_size,
            "seconds": r["seconds"], "parameters": det.model.count_params(),
            "anchors": det.anchors.tolist()}
    data = {"meta": meta, "classes": list(SHAPE_CLASSES), "ap": res["ap"].tolist(),
            "n_gt": res["n_gt"].tolist(), "map": res["map"], "history": r["history"]}
    os.makedirs(args.figures, exist_ok=True)
    with open(os.path.join(args.figures, "yolo_shapes.json"), "w") as f:
        json.dump(data, f, indent=1)
    write_inc(data, os.path.join(args.figures, "yolo_shapes_map.inc"))
    return 0 if np.isfinite(res["map"]) else 1


if __name__ == "__main__":
    sys.exit(main())
