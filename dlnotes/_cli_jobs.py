"""The ``dlnotes train`` jobs other than the dense and convolutional digit classifiers.

Private to :mod:`dlnotes.cli` (which re-exports :class:`CLIError`): each
``_train_<job>(args, ...)`` runs one ``--model`` choice and prints its report;
the one-line error class and the divergence checks every job shares live here
too, so that the parser module stays readable.
"""

from __future__ import annotations

import math
import os
import time

import numpy as np

CHAR_LM_WINDOW = 25           # train_char_lm's default seq_length


class CLIError(Exception):
    """An error the ``dlnotes`` command reports as one line (``dlnotes: error: ...``, exit 2).

    Only this class is caught by :func:`main`; anything else is a bug and shows its traceback.
    """


def _accuracy(pred, y):
    return 100.0 * float(np.mean(np.asarray(pred).ravel() == np.asarray(y).ravel()))


def _diverged(what, value):
    raise CLIError(f"training diverged: the {what} became {value}; lower --learning-rate")


def _check_finite_run(what, cost, arrays, n_classes=None):
    """Refuse a run whose cost is not finite, or (with ``n_classes``) worse than twice the
    cost of a uniform guess, :math:`2 \\log K`: such a run has diverged, not learned."""
    if not math.isfinite(cost):
        _diverged(what, cost)
    if n_classes is not None and cost > 2 * math.log(n_classes):
        _diverged(what, f"{cost:.4g} (uniform guessing: {math.log(n_classes):.3f})")
    for a in arrays:
        if not np.isfinite(a).all():
            _diverged("parameters", "NaN or infinite")


def _train_char_lm(args, dtype, t0):
    from dlnotes.models.char_lm import synthetic_names, train_char_lm

    if args.text is not None:
        if not os.path.isfile(args.text):
            raise CLIError(f"--text must be an existing text file, got {args.text!r}")
        try:
            with open(args.text, encoding="utf-8") as fh:
                text = fh.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CLIError(f"--text {args.text!r} is not a readable UTF-8 text file "
                           f"({exc})") from None
        if len(text) < CHAR_LM_WINDOW + 1:
            raise CLIError(f"--text {args.text!r} holds {len(text)} characters; at least "
                           f"{CHAR_LM_WINDOW + 1} are needed (one training window)")
        source, what = (text if "\n" in text else text + "\n"), args.text
    else:
        source, what = "\n".join(synthetic_names(seed=args.seed)) + "\n", "generated names"
    bar = None
    callback = None
    if args.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=args.iterations, desc="training", unit="it")

        def callback(it, loss, *rest):
            bar.update(1)
            if it % 50 == 0:
                bar.set_postfix(loss=f"{loss:.3f}")
    lm = train_char_lm(source, cell=args.cell, n_a=args.hidden_units,
                       num_iterations=args.iterations, learning_rate=args.learning_rate or 0.01,
                       seed=args.seed, dtype=dtype, callback=callback)
    if bar is not None:
        bar.close()
    losses = lm.history["loss"]
    tail = float(np.mean(losses[-50:]))
    # A model far worse than guessing uniformly has diverged even if its loss is finite.
    if not math.isfinite(tail) or tail > 2 * lm.uniform_loss:
        _diverged("training loss", f"{tail:.4g} nats/char (uniform guessing: "
                                   f"{lm.uniform_loss:.3f})")
    print(f"model: character-level {args.cell.upper()} language model (n_a={args.hidden_units}) "
          f"on {what}")
    print(f"final training loss: {tail:.3f} nats/char (uniform: {lm.uniform_loss:.3f})")
    for i in range(args.samples):
        print("sample:", lm.sample(temperature=args.temperature, seed=args.seed + i).strip())
    print(f"time: {time.perf_counter() - t0:.1f} s")
    return 0


def _train_face(args, t0):
    from dlnotes.datasets.mnist import mnist_5k_path
    from dlnotes.models.face_encoder import (evaluate_identification, evaluate_verification,
                                             load_identity_data, train_face_model)

    try:
        mnist_5k_path()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    data = load_identity_data(seed=args.seed, dtype=np.dtype(args.dtype or "float32"))
    X, y = data["train"]
    if args.train_size is not None:
        X, y = X[:args.train_size], y[:args.train_size]
    if len(np.unique(y)) < 10:
        raise CLIError(f"--train-size {args.train_size} leaves {len(np.unique(y))} of the 10 "
                       "identities; the batches hold 10")
    bar = None
    callback = None
    if args.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=args.steps, desc="training", unit="step")

        def callback(step, cost):
            bar.update(1)
            bar.set_postfix(cost=f"{cost:.4f}")
    try:
        r = train_face_model(X, y, loss="triplet", steps=args.steps,
                             learning_rate=args.learning_rate or 2e-3, seed=args.seed,
                             callback=callback)
    except FloatingPointError as exc:
        raise CLIError(f"training diverged: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    _check_finite_run("cost", r["history"][-1], r["model"].params.values())
    ver = evaluate_verification(r["encoder"], data["dev"], data["test"], seed=args.seed)
    ide = evaluate_identification(r["encoder"], (X, y), data["test"],
                                  threshold=ver["threshold"], seed=args.seed)
    print(f"model: encoder CNN ({r['model'].count_params():,} parameters) trained with the "
          f"triplet loss (semi-hard mining, alpha=0.2) on {len(y):,} MNIST-5k digits as "
          f"identities, {args.steps} steps, final cost {r['history'][-1]:.4f}")
    print(f"verification (2,000 test pairs): {100 * ver['test_accuracy']:.2f} % at distance "
          f"< {ver['threshold']:.3f} (chosen on dev pairs), ROC AUC {ver['roc_auc']:.4f}")
    print(f"identification (who_is_it, 1,000 test images): top-1 {100 * ide['top1']:.2f} %")
    print(f"time: {time.perf_counter() - t0:.1f} s")
    return 0


def _train_date_attention(args, dtype, t0):
    from dlnotes.nlp.date_translation import train_date_translator, translate_date

    epochs = args.epochs or 10
    bar = None
    callback = None
    if args.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch")

        def callback(epoch, cost, acc, seconds):
            bar.update(1)
            bar.set_postfix(cost=f"{cost:.3f}", exact=f"{100 * acc:.1f}%")
    try:
        r = train_date_translator(m=args.dates, epochs=epochs, batch_size=args.batch_size or 100,
                                  learning_rate=args.learning_rate or 0.005, seed=args.seed,
                                  test_seed=args.seed + 1, dtype=dtype, callback=callback)
    finally:
        if bar is not None:
            bar.close()
    model, h = r["model"], r["history"]
    _check_finite_run("cost", h[-1]["cost"], model.params.values(), n_classes=model.n_y)
    print(f"model: date translation with attention (BiLSTM n_a={model.n_a}, post-attention "
          f"LSTM n_s={model.n_s}; {model.parameter_count():,} parameters) on {args.dates:,} "
          f"generated dates, final cost {h[-1]['cost']:.4f}")
    print(f"held-out exact match (1,000 dates): {100 * r['test_accuracy']:.2f} %")
    print(f"time per epoch: {np.mean([e['seconds'] for e in h]):.1f} s")
    for text in ("3 may 1979", "tuesday april 2 2024", "21.07.99")[:args.samples]:
        print(f"translate: {text!r} -> {translate_date(model, text)}")
    print(f"time: {time.perf_counter() - t0:.1f} s")
    return 0


def _train_yolo_shapes(args, dtype, t0):
    from dlnotes.models.yolo import report_lines, train_yolo_shapes

    try:
        r = train_yolo_shapes(n_train=args.train_size or 3000, epochs=args.epochs or 12,
                              batch_size=args.batch_size or 32, lr=args.learning_rate or 4e-3,
                              seed=args.seed, dtype=dtype, progress=args.progress)
    except ImportError as exc:  # scikit-image draws the scenes
        raise CLIError(str(exc)) from None
    _check_finite_run("cost", r["history"][-1]["loss"], r["detector"].model.params.values())
    print("\n".join(report_lines(r) + [f"time: {time.perf_counter() - t0:.1f} s"]))
    return 0
