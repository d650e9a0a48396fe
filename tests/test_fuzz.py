"""The fuzzing suite of issue 10 (cases and runner: ``tests/fuzz_cases.py``).

One test per group (an OpInfo description, the forged caches of a backward function, model
files, CLI options).  Its cases run in a child process; the test fails if any case crashed,
hung, returned garbage or raised an unclear error, and lists them.  Counts per outcome class
are printed in the terminal summary.  ``DLNOTES_FUZZ_LONG=1`` runs more samples and more
random cases.
"""
import pytest

import fuzz_cases as fz
from opinfo import all_ops

OTHER_GROUPS = ["pool_backward (forged cache)", "conv_backward (forged cache)",
                "rnn_backward (forged cache)", "lstm_backward (forged cache)",
                "gru_backward (forged cache)", "rnn_cell_backward (forged cache)",
                "lstm_cell_backward (forged cache)", "gru_cell_backward (forged cache)",
                "Model.load / load_weights", "dlnotes train (options)"]
GROUPS = [op.name for op in all_ops() if op.name not in fz.SKIP_OPS] + OTHER_GROUPS


@pytest.fixture(scope="module")
def fuzz(tmp_path_factory):
    runner = fz.Runner(str(tmp_path_factory.mktemp("fuzz")))
    listing = runner.listing()
    yield runner, listing
    runner.close()


def test_every_group_has_cases(fuzz):
    _, listing = fuzz
    assert sorted(listing) == sorted(GROUPS)
    assert all(len(v) >= 5 for v in listing.values()), {k: len(v) for k, v in listing.items()}


@pytest.mark.parametrize("group", GROUPS)
def test_fuzz_group(group, fuzz):
    runner, listing = fuzz
    descs = listing[group]
    results, seconds = fz.timed(lambda: runner.run(group, list(range(len(descs)))))
    results = fz.apply_known(group, descs, results)
    fz.record(results, seconds)
    bad = [f"  [{cls}] {descs[i]}: {detail}" for i, (cls, detail) in sorted(results.items())
           if cls in fz.FAIL_CLASSES]
    assert not bad, f"{len(bad)} of {len(descs)} cases failed:\n" + "\n".join(bad[:40])
    assert any(cls == "correct" for cls, _ in results.values()) or "forged" in group \
        or "options" in group or "load" in group
