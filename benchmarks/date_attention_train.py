"""Train the course's date-translation attention model to >= 95 % exact match (one command).

    python benchmarks/date_attention_train.py [--epochs N] [--out examples/data/date_attention.npz]

10,000 generated dates (seed 0), linear attention energies (--energies relu: the course's),
Adam (lr 0.005, inverse-time decay 1e-3 per step), batches of
100, float32; after each epoch the exact-match accuracy on 1,000 held-out dates (seed 1) is
printed and the weights are saved (float16, small enough for the gallery) when they improve.
Stops at --target accuracy or after --epochs.
"""
import argparse
import os
import platform
import time

import numpy as np
from threadpoolctl import threadpool_limits

from dlnotes.nlp.date_translation import (exact_match_accuracy, load_translator,
                                          save_translator, train_date_translator)
from dlnotes.nlp.dates import make_date_dataset, preprocess_dates


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--target", type=float, default=0.95)
    p.add_argument("--energies", choices=("linear", "relu"), default="linear",
                   help="Dense(1) on the energies: linear (Bahdanau) or relu (the course's; "
                        "measured here: every energy died at 0, leaving uniform attention)")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "examples",
                                                 "data", "date_attention.npz"))
    args = p.parse_args()
    print("cpu:", platform.processor() or platform.machine(), "load:", os.getloadavg())
    best = [-1.0]

    class Stop(Exception):
        pass

    state = {}

    def callback(epoch, cost, acc, seconds):
        print(f"epoch {epoch}: cost {cost:.4f}, held-out exact match {100 * acc:.1f} %, "
              f"{seconds:.1f} s, load {os.getloadavg()[0]:.1f}", flush=True)
        if acc > best[0]:
            best[0] = acc
            save_translator(state["model"], args.out, dtype=np.float16)
        if acc >= args.target:
            raise Stop

    from dlnotes.nlp.date_translation import DateTranslator
    state["model"] = DateTranslator(seed=0, dtype=np.float32,
                                    relu=args.energies == "relu")
    t0 = time.perf_counter()
    with threadpool_limits(1, "blas"):
        try:
            train_date_translator(m=10000, epochs=args.epochs, seed=0,
                                  model=state["model"], callback=callback, dtype=np.float32)
        except Stop:
            pass
    print(f"total {time.perf_counter() - t0:.0f} s; best {100 * best[0]:.1f} %")
    saved = load_translator(args.out)
    _, Y, X, _ = preprocess_dates(make_date_dataset(1000, seed=1))
    print(f"saved weights ({os.path.getsize(args.out) / 1024:.0f} KB): held-out exact match "
          f"{100 * exact_match_accuracy(saved, X.astype(np.float32), Y):.1f} %")


if __name__ == "__main__":
    main()
