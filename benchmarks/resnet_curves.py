#!/usr/bin/env python
"""Train the small ResNet and the plain CNN of the same depth on MNIST-5k; plot both.

One command regenerates the architectures chapter's figure and its numbers::

    python benchmarks/resnet_curves.py [--epochs N] [--out docs/chapters/figures]
    python benchmarks/resnet_curves.py --from-json   # redraw from the saved numbers

Both networks train with the recipe of ``train_resnet``'s defaults (what
``dlnotes train --model resnet`` / ``--model plain-cnn`` run), in two processes at
the same time (each with the package's default threads).  Writes ``resnet_curves.json`` (per-epoch loss,
accuracy, test loss/accuracy, seconds; the CPU model and load average) and
``resnet_curves.png`` (training loss and test accuracy per epoch, both models) and
``resnet_curves_results.inc`` (the table the docs include).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from _machine import cpu_model, machine_note, rst_list_table  # noqa: E402  (this folder is on the path)


def recipe(epochs=None):
    """train_resnet's default arguments (the recipe), with ``epochs`` if given."""
    import inspect

    from dlnotes.models.classic import train_resnet

    keep = ("epochs", "batch_size", "lr", "widths", "blocks", "max_shift", "rotation", "scale",
            "shear", "dropout", "label_smoothing")
    params = inspect.signature(train_resnet).parameters
    out = {k: params[k].default for k in keep}
    out["widths"] = list(out["widths"])
    if epochs is not None:
        out["epochs"] = epochs
    return out


def describe(r):
    """One line naming the recipe (the figure's title)."""
    aug = [f"rotations <= {r['rotation']:g} deg", f"shifts <= {r['max_shift']:g} px"]
    if r["scale"]:
        aug.append(f"zoom {1 - r['scale']:g}-{1 + r['scale']:g}")
    if r["shear"]:
        aug.append(f"shear <= {r['shear']:g} deg")
    extra = ""
    if r["label_smoothing"]:
        extra += f", label smoothing {r['label_smoothing']:g}"
    if r["dropout"]:
        extra += f", dropout {r['dropout']:g}"
    return (f"MNIST-5k (4,000 train / 1,000 test), widths {'/'.join(map(str, r['widths']))}: "
            f"{r['epochs']} epochs of Adam {r['lr']:g}, cosine decay, batch {r['batch_size']}"
            f"{extra};\naugmentation: " + ", ".join(aug))


def _run(model, epochs, queue):
    from dlnotes.models.classic import train_resnet

    def report(epoch, logs):
        print(f"[{model}] epoch {epoch}: " + ", ".join(f"{k}={v:.4g}" for k, v in logs.items()),
              flush=True)

    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):   # as `dlnotes train` does
        r = train_resnet(model, **({} if epochs is None else {"epochs": epochs}),
                         callback=report)
    queue.put((model, {k: [float(x) for x in v] for k, v in r["history"].items()},
               r["seconds"], r["model"].network.count_params()))


def loss_floor(label_smoothing, n_classes=10):
    """The smallest training loss: the entropy of the smoothed targets (0 without smoothing)."""
    import math

    eps = label_smoothing
    if not eps:
        return 0.0
    hi, lo = 1 - eps + eps / n_classes, eps / n_classes
    return -(hi * math.log(hi) + (n_classes - 1) * lo * math.log(lo))


def plot(results, path, title, floor=0.0):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.0))
    low = 100.0
    for name, label in (("resnet", "small ResNet (shortcuts)"), ("plain", "plain CNN, same depth")):
        h = results[name]["history"]
        ep = range(1, len(h["loss"]) + 1)
        a1.plot(ep, h["loss"], marker="o", label=label)
        acc = [100 * v for v in h["val_accuracy"]]
        a2.plot(ep, acc, marker="o", label=label)
        low = min(low, min(acc[1:] or acc))
    if floor:
        a1.axhline(floor, color="gray", lw=0.8, ls="--")
        a1.annotate(f"floor {floor:.3f} (entropy of the smoothed targets)", (1, floor),
                    xytext=(0, 4), textcoords="offset points", fontsize=8, color="gray")
        a1.set_ylim(floor - 0.05, None)
    a1.set_xlabel("epoch"), a1.set_ylabel("training loss")
    a2.set_xlabel("epoch"), a2.set_ylabel("test accuracy (%)")
    a2.set_ylim(max(0.0, min(low, 98.5) - 1.0), 100.0)   # epoch 1 may fall below the axis
    a2.axhline(98.5, color="gray", lw=0.8, ls="--")
    for a in (a1, a2):
        a.grid(alpha=0.3), a.legend()
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_inc(data, path):
    """The results table of the docs (reStructuredText)."""
    meta = data["meta"]
    rows = []
    for name, label in (("resnet", "small ResNet"), ("plain", "plain CNN (no shortcuts)")):
        r = data[name]
        h = r["history"]
        acc = [100 * v for v in h["val_accuracy"]]
        rows.append([label, f"{r['parameters']:,}", f"{acc[-1]:.1f} %",
                     f"{max(acc):.1f} % (epoch {acc.index(max(acc)) + 1})",
                     f"{h['loss'][-1]:.4f}", f"{r['seconds'] / 60:.0f} min"])
    header = ["network", "parameters", "final test accuracy", "best test accuracy",
              "final training loss", "wall time"]
    text = rst_list_table(f"MNIST-5k, {meta['epochs']} epochs (from ``resnet_curves.json``)",
                          header, rows, f"Measured on {machine_note(meta)}, the two trainings "
                          "running at the same time: the wall times are upper bounds.  The test "
                          "accuracy was looked at only after the run; its best epoch is shown "
                          "for reference, not chosen.")
    with open(path, "w") as f:
        f.write(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=None,
                    help="default: train_resnet's (the recipe's)")
    ap.add_argument("--out", default=os.path.join("docs", "chapters", "figures"))
    ap.add_argument("--from-json", action="store_true",
                    help="redraw the figure and the table from resnet_curves.json")
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.from_json:
        with open(os.path.join(args.out, "resnet_curves.json")) as f:
            data = json.load(f)
        rec = data["meta"]["recipe"]
        plot(data, os.path.join(args.out, "resnet_curves.png"), describe(rec),
             loss_floor(rec["label_smoothing"]))
        write_inc(data, os.path.join(args.out, "resnet_curves_results.inc"))
        return
    load_before = os.getloadavg()
    queue = mp.Queue()
    procs = [mp.Process(target=_run, args=(m, args.epochs, queue)) for m in ("resnet", "plain")]
    for p in procs:
        p.start()
    results = {}
    for _ in procs:
        name, hist, seconds, n_params = queue.get()
        results[name] = {"history": hist, "seconds": seconds, "parameters": n_params}
    for p in procs:
        p.join()
    rec = recipe(args.epochs)
    meta = {"cpu": cpu_model(), "load_average_before": load_before,
            "load_average_after": os.getloadavg(), "epochs": rec["epochs"], "recipe": rec}
    with open(os.path.join(args.out, "resnet_curves.json"), "w") as f:
        json.dump({"meta": meta, **results}, f, indent=1)
    plot(results, os.path.join(args.out, "resnet_curves.png"), describe(rec),
         loss_floor(rec["label_smoothing"]))
    write_inc({"meta": meta, **results}, os.path.join(args.out, "resnet_curves_results.inc"))
    for name in ("resnet", "plain"):
        h = results[name]["history"]
        print(f"{name}: final test accuracy {100 * h['val_accuracy'][-1]:.1f} %, best "
              f"{100 * max(h['val_accuracy']):.1f} %, {results[name]['seconds']:.0f} s")


if __name__ == "__main__":
    main()
