"""Facts about the kernel sources that no other test pins down."""
import ast
import pathlib
import re

import numpy as np
import pytest

KERNELS = pathlib.Path(__file__).resolve().parents[1] / "dlnotes" / "_kernels"
SETUP = pathlib.Path(__file__).resolve().parents[1] / "setup.py"


def _setup_directives():
    tree = ast.parse(SETUP.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DIRECTIVES":
            return {k.value: v for k, v in zip(node.value.keys, node.value.values)}
    raise AssertionError("setup.py has no DIRECTIVES")


def test_every_kernel_states_its_compiler_directives_in_its_header():
    """The directives live in setup.py (so DLNOTES_DEBUG can turn bounds checks on);
    each .pyx repeats them in its first lines, where a reader of the kernel sees them."""
    wanted = {k for k, v in _setup_directives().items()
              if k not in ("language_level", "embedsignature")}
    missing = {}
    for pyx in sorted(KERNELS.glob("*.pyx")):
        head = "\n".join(pyx.read_text().splitlines()[:4])
        stated = set(re.findall(r"(\w+)=(?:False|True)", head))
        if not wanted <= stated:
            missing[pyx.name] = sorted(wanted - stated)
    assert not missing, f"kernels whose header does not state the directives: {missing}"


def test_recurrent_and_activation_kernels_share_one_float32_tanh():
    """With W_ax = 1, W_aa = 0, b = 0 the RNN's state is exactly tanh(x): the recurrent
    kernel and dlnotes.nn.activations.tanh must give the same float32 bits."""
    from dlnotes.nn.activations import sigmoid, tanh
    from dlnotes.rnn import rnn_forward

    x = np.linspace(-6, 6, 2 * 301, dtype=np.float32).reshape(1, 2, 301)
    P = {"Wax": np.ones((1, 1), np.float32), "Waa": np.zeros((1, 1), np.float32),
         "ba": np.zeros((1, 1), np.float32), "Wya": np.ones((1, 1), np.float32),
         "by": np.zeros((1, 1), np.float32)}
    a, _, _ = rnn_forward(x, np.zeros((1, 2), np.float32), P)
    np.testing.assert_array_equal(a, tanh(x))
    assert a.dtype == np.float32
    z = np.linspace(-100, 30, 1001, dtype=np.float32)
    assert sigmoid(z)[z < -87].max() == 0 and np.isfinite(sigmoid(z)).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lstm_kernel_lstm_cell_and_activations_share_one_tanh(dtype):
    """Issue 11: one tanh per precision.  With saturated gates (i = o = 1 exactly, f = 0 on
    a zero c_prev) one LSTM step is a = tanh(tanh(x)): the compiled sequence kernel, the
    course's lstm_cell_forward and dlnotes.nn.activations.tanh twice give the same bits,
    float32 and float64; so do the basic RNN cell and the GRU's candidate."""
    from dlnotes.nn.activations import tanh
    from dlnotes.rnn import gru_cell_forward, lstm_cell_forward, lstm_forward, rnn_cell_forward

    m = 4001
    x = np.linspace(-7, 7, m, dtype=dtype).reshape(1, m)
    zero, one = np.zeros((1, 2), dtype), np.array([[0.0, 1.0]], dtype)
    big = np.full((1, 1), 40, dtype)
    P = {"Wf": zero, "bf": -big, "Wi": zero, "bi": big, "Wc": one, "bc": 0 * big,
         "Wo": zero, "bo": big}
    expected = tanh(tanh(x))
    a_seq = lstm_forward(x[:, :, None], np.zeros((1, m), dtype), P)[0][:, :, 0]
    a_cell = lstm_cell_forward(x, np.zeros((1, m), dtype), np.zeros((1, m), dtype), P)[0]
    assert a_seq.dtype == a_cell.dtype == dtype
    np.testing.assert_array_equal(a_seq, expected)
    np.testing.assert_array_equal(a_cell, expected)
    a_rnn = rnn_cell_forward(x, np.zeros((1, m), dtype),
                             {"Wax": one[:, 1:], "Waa": zero[:, 1:], "ba": 0 * big})[0]
    np.testing.assert_array_equal(a_rnn, tanh(x))
    # GRU with the update gate closed on the old state (Gamma_u = 1): a = c~ = tanh(x)
    G = {"Wr": zero, "br": big, "Wu": zero, "bu": big, "Wc": one, "bc": 0 * big}
    np.testing.assert_array_equal(gru_cell_forward(x, np.zeros((1, m), dtype), G)[0], tanh(x))


def _ulps_from_mpmath(x, y, f=None):
    """|y - f(x)| in units in the last place of f(x) (default mpmath's tanh), with mpmath at
    40 digits."""
    import mpmath

    mpmath.mp.dps = 40
    f = f or mpmath.tanh
    err = np.empty(x.size)
    for i, (xi, yi) in enumerate(zip(x.tolist(), y.tolist())):
        ref = f(mpmath.mpf(xi))
        _, e = mpmath.frexp(ref) if ref else (0, -1073)   # ref = f 2^e, f in [1/2, 1)
        ulp = mpmath.ldexp(1, max(e - 53, -1074))          # the spacing of doubles there
        err[i] = float(abs(mpmath.mpf(yi) - ref) / ulp)
    return err


def test_float64_sigmoid_accuracy_with_the_vectorised_exp():
    """dl_sigd = 1 / (1 + e) or e / (1 + e) with e = dl_expd_neg(-|x|) (dl_vecmath.h, a
    branch-free exp that vectorises, replacing libm's exp), against mpmath on 46,000
    points: the bulk, both tails down to the subnormal results near x = -745, and the
    specials.  With the C library's exp the same points gave at most 2.36 ulp (x = -2.757,
    where e / (1 + e) rounds three times) and a mean of 0.439 ulp; with dl_expd_neg 2.36 and
    0.444 (measured at the change): the contract is 2.5 ulp, mean below 0.46."""
    import mpmath

    from dlnotes.nn.activations import sigmoid

    rng = np.random.default_rng(12)
    x = np.concatenate([rng.uniform(-40, 40, 20_000), rng.uniform(-3, 3, 20_000),
                        rng.uniform(-745, -700, 3_000), rng.uniform(-700, -40, 3_000)])
    y = sigmoid(x)
    err = _ulps_from_mpmath(x, y, lambda v: 1 / (1 + mpmath.exp(-v)))
    worst = int(err.argmax())
    assert err.max() <= 2.5, f"max error {err.max():.3f} ulp at x = {x[worst]!r}"
    assert err.mean() < 0.46
    big = sigmoid(np.array([37.5, 40.0, 709.0, 745.0, 1e300, np.inf]))
    np.testing.assert_array_equal(big, np.ones_like(big))
    low = sigmoid(np.array([-745.2, -746.0, -800.0, -1e300, -np.inf]))
    np.testing.assert_array_equal(low, np.zeros_like(low))
    assert sigmoid(np.array([-745.0]))[0] == 5e-324       # the smallest subnormal
    assert sigmoid(np.array([0.0, -0.0]))[0] == 0.5
    assert np.isnan(sigmoid(np.array([np.nan])))[0]


def test_float64_tanh_is_within_one_ulp():
    """dl_tanhd (dl_vecmath.h), the float64 tanh of every user (checked above to give the
    same bits), against mpmath on 120,000 points: both sides of the switch at |x| = 3/8
    and the region around 0.55, the bulk, tiny |x| (tanh x = x there, subnormals too) and
    the saturation (exactly +-1 from |x| = 19.1); +-0 keep their sign, +-inf give +-1,
    NaN stays NaN.  The contract is 1 ulp; the kernel's comment states 0.62 measured."""
    from dlnotes.nn.activations import tanh

    rng = np.random.default_rng(11)
    n = 20_000
    x = np.concatenate([
        rng.uniform(0.33, 0.42, n),                 # the switch between the two formulas
        rng.uniform(0.5, 0.6, n),                   # tanh crosses 1/2 near 0.549
        rng.uniform(0.0, 3.0, n),
        2.0 ** rng.uniform(-30, 4.4, n),            # tiny to 21
        rng.uniform(3.0, 19.2, n // 2),
        2.0 ** rng.uniform(-1074, -27, n // 2),     # tanh x rounds to x
    ])
    x[::2] *= -1
    y = tanh(x)
    err = _ulps_from_mpmath(x, y)
    worst = int(err.argmax())
    assert err.max() <= 0.65, (f"max error {err.max():.3f} ulp at x = {x[worst]!r}: "
                               f"{y[worst]!r}")
    tiny = np.abs(x) <= 2.0 ** -27
    assert tiny.sum() >= n // 2
    np.testing.assert_array_equal(y[tiny], x[tiny])
    big = np.array([19.1, 19.5, 20.0, 25.0, 40.0, 710.0, 1e300, np.inf])
    np.testing.assert_array_equal(tanh(big), np.ones_like(big))
    np.testing.assert_array_equal(tanh(-big), -np.ones_like(big))
    assert tanh(np.array([19.0]))[0] == np.nextafter(1.0, 0)   # still below 1 there
    special = tanh(np.array([0.0, -0.0, np.nan, -np.nan, 5e-324, -5e-324]))
    np.testing.assert_array_equal(special[[0, 1, 4, 5]], [0.0, -0.0, 5e-324, -5e-324])
    assert not np.signbit(special[0]) and np.signbit(special[1])
    assert np.isnan(special[2:4]).all()


def test_c_helpers_of_any_length_live_in_header_files():
    """A few lines of C may sit in a ``cdef extern from *`` string next to the Cython that
    uses them; longer C goes in a ``.h`` beside the kernels (it reads, diffs and compiles
    with warnings like C), and every such header is used by some kernel."""
    limit = 40
    long_blocks = {}
    for src in sorted(KERNELS.glob("*.p*")):
        for block in re.findall(r'cdef extern from \*:\n\s*"""(.*?)"""', src.read_text(), re.S):
            if block.count("\n") > limit:
                long_blocks[src.name] = block.count("\n")
    assert not long_blocks, f"verbatim C over {limit} lines: {long_blocks}"
    sources = "\n".join(p.read_text() for p in KERNELS.iterdir()
                        if p.suffix in (".pyx", ".pxd", ".h"))
    orphans = [h.name for h in KERNELS.glob("*.h")
               if f'"{h.name}"' not in sources]
    assert not orphans, f"headers no kernel includes: {orphans}"


def test_kernels_call_their_header_c_through_one_type_generic_name():
    """The C of dl_recurrent.h and dl_activations.h exists for float and double under one
    name each (dl_instantiate.h: _Generic on the element type), so the fused Cython that
    calls it has no `if real is float` branch left."""
    users = [p for p in sorted(KERNELS.glob("*.pyx")) + sorted(KERNELS.glob("*.pxd"))
             if re.search(r'cdef extern from "dl_\w+\.h"', p.read_text())]
    # the recurrent kernels (recurrent.pyx, seqpipe.pyx) share their declarations in a pxd
    assert {p.name for p in users} >= {"_recurrent.pxd", "activations.pyx", "conv.pyx"}
    branching = [p.name for p in users if re.search(r"if real is (float|double)", p.read_text())]
    assert not branching, f"kernels that branch on the precision around header C: {branching}"
    for h in ("dl_recurrent.h", "dl_activations.h"):
        assert '#include "dl_instantiate.h"' in (KERNELS / h).read_text()


def test_precision_branches_live_in_the_shared_pxd_wrappers():
    """Issue 11: a fused kernel calls BLAS and libm through one name for both precisions
    (``_blas.pxd``: gemm_rm, dot, axpy, syrk; ``_libm.pxd``: real_sqrt), so the only
    ``if real is float`` statements are in those wrappers; conv.pyx's own C loops
    (``dl_conv.h``) have type-generic names like the other headers'."""
    branch = re.compile(r"^\s*if real is (float|double):", re.M)
    found = {p.name: len(branch.findall(p.read_text())) for p in sorted(KERNELS.glob("*.p*"))}
    in_pyx = {name: n for name, n in found.items() if n and name.endswith(".pyx")}
    assert in_pyx == {}, in_pyx
    assert found["_blas.pxd"] and found["_libm.pxd"]
