"""Generic tests run for every OpInfo description in ``tests/ops_*.py``."""
import numpy as np
import pytest

from opinfo import all_ops, as_tuple, assert_close, noncontiguous

OPS = all_ops()
IDS = [op.name for op in OPS]


def _samples(info, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return list(info.sample_inputs(rng, dtype))


@pytest.mark.parametrize("info", OPS, ids=IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_matches_numpy_reference(info, dtype):
    if dtype not in info.dtypes:
        pytest.skip(f"{info.name} is not defined for {np.dtype(dtype).name}")
    samples = _samples(info, dtype)
    assert samples, f"{info.name} has no sample inputs"
    for s in samples:
        out = info.output(info.op(*s.args, **s.kwargs))
        ref = info.reference(*s.args, **s.kwargs)
        assert_close(out, ref, dtype, info, f" [{s.desc}]")
        for o in as_tuple(out):
            if isinstance(o, np.ndarray) and o.dtype.kind == "f":
                assert o.dtype == dtype, f"{info.name} [{s.desc}] returned {o.dtype} for {dtype}"


def _noncontiguous_arg(arg):
    """A non-contiguous copy of an array argument (or of each array in a tuple of them)."""
    if isinstance(arg, np.ndarray) and arg.size > 1:
        return noncontiguous(arg)
    if isinstance(arg, (tuple, list)) and any(isinstance(a, np.ndarray) and a.size > 1
                                              for a in arg):
        return type(arg)(noncontiguous(a) if isinstance(a, np.ndarray) else a for a in arg)
    return None


@pytest.mark.parametrize("info", [op for op in OPS if op.float_args],
                         ids=lambda o: o.name)
def test_noncontiguous_inputs_give_the_same_result(info):
    checked = 0
    for s in _samples(info, np.float64, seed=1):
        args = list(s.args)
        changed = False
        for i in info.float_args:
            new = _noncontiguous_arg(args[i]) if i < len(args) else None
            if new is not None:
                args[i] = new
                changed = True
        if not changed:
            continue
        expected = info.output(info.op(*s.args, **s.kwargs))
        actual = info.output(info.op(*args, **s.kwargs))
        assert_close(actual, expected, np.float64, info, f" [non-contiguous {s.desc}]")
        checked += 1
    assert checked, (f"{info.name}: no sample has an array argument among float_args "
                     f"{info.float_args} to make non-contiguous")


@pytest.mark.parametrize("info", [op for op in OPS if op.error_inputs], ids=lambda o: o.name)
def test_error_inputs_raise_clear_errors(info):
    for e in info.error_inputs():
        with pytest.raises(e.exc, match=e.match):
            info.op(*e.args, **e.kwargs)


@pytest.mark.parametrize("info", [op for op in OPS if op.gradcheck], ids=lambda o: o.name)
def test_gradient_check_float64(info):
    rng = np.random.default_rng(7)
    for s in _samples(info, np.float64, seed=2):
        diff = info.gradcheck(s, rng)
        assert diff < info.grad_tol, f"{info.name} [{s.desc}]: gradient check {diff:.3e}"


@pytest.mark.parametrize("info", [op for op in OPS if op.torch_reference], ids=lambda o: o.name)
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_matches_pytorch(info, dtype, torch):
    if dtype not in info.dtypes:
        pytest.skip(f"{info.name} is not defined for {np.dtype(dtype).name}")
    for s in _samples(info, dtype, seed=3):
        out = info.output(info.op(*s.args, **s.kwargs))
        ref = info.torch_reference(torch, *s.args, **s.kwargs)
        assert_close(out, ref, dtype, info, f" [torch, {s.desc}]")
