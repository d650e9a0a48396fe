#!/usr/bin/env python
"""Write the ``summary()`` of each classic network for the architectures chapter.

    python benchmarks/architecture_summaries.py [--out docs/chapters/figures]

Builds AlexNet, VGG-16, ResNet-50, Inception v3 (ImageNet heads) and the small
ResNet / plain CNN pair with ``init="zeros"`` (nothing is drawn or run) and writes
``<name>_summary.txt``; ``tests/test_classic.py`` checks the files are current.
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

NAMES = ("alexnet", "vgg16", "resnet50", "inception_v3", "small_resnet", "plain_cnn")


def summary(name):
    from dlnotes.models import classic

    if name in ("small_resnet", "plain_cnn"):
        # the networks `dlnotes train --model resnet/plain-cnn` trains: train_resnet's widths
        import inspect

        widths = inspect.signature(classic.train_resnet).parameters["widths"].default
        kw = {"seed": 0, "widths": widths}
    else:
        kw = {"init": "zeros"}
    return getattr(classic, name)(**kw).network.summary() + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join("docs", "chapters", "figures"))
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    for name in NAMES:
        with open(os.path.join(args.out, f"{name}_summary.txt"), "w") as f:
            f.write(summary(name))
        print("wrote", name)


if __name__ == "__main__":
    main()
