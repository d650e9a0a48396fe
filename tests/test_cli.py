"""The ``dlnotes`` command: the main job and its options."""
import subprocess
import sys

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
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = capsys.readouterr().out
    for opt in ("--model", "--hidden", "--iterations", "--learning-rate", "--lambd", "--keep-prob",
                "--init", "--test-size", "--dtype", "--seed", "--blas-threads", "--no-progress",
                "--dataset", "--epochs", "--batch-size", "--pooling"):
        assert opt in out


def test_bad_option_values_are_reported(capsys):
    assert main(["train", "--keep-prob", "0", "--no-progress", "--iterations", "1"]) == 2
    assert "keep_prob must be in" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--hidden", "0,3"])


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
