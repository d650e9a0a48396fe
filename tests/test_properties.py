"""Hypothesis properties against plain-NumPy references (issue 10): arbitrary shapes, layouts,
dtypes and values, including infinities and huge magnitudes, where the OpInfo samples are
fixed.  Each property is a statement a reader of the notes can check by eye."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dlnotes.cnn import pool_backward, pool_forward
from dlnotes.nn.activations import leaky_relu, relu, relu_backward, sigmoid, softmax
from dlnotes.optim import SGD, Adam, Momentum, RMSprop

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
DTYPES = st.sampled_from([np.float32, np.float64])


def arrays(dtype, shape, **elements):
    return hnp.arrays(dtype, shape, elements=st.floats(width=np.dtype(dtype).itemsize * 8,
                                                       **elements))


@st.composite
def any_layout(draw, a):
    """The values of ``a`` as C order, Fortran order, or a reversed view."""
    how = draw(st.sampled_from(["C", "F", "reversed"]))
    if how == "F":
        return np.asfortranarray(a)
    if how == "reversed" and a.ndim and a.size:
        return np.ascontiguousarray(a[::-1])[::-1]
    return a


@SETTINGS
@given(data=st.data(), dtype=DTYPES,
       shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=9))
def test_relu_family_matches_numpy_on_every_float(data, dtype, shape):
    """ReLU is max(0, z) for every float, infinities included; NaN stays NaN."""
    z = data.draw(any_layout(data.draw(arrays(dtype, shape, allow_nan=True))))
    with np.errstate(invalid="ignore"):
        want = np.where(z > 0, z, 0).astype(dtype)
        want[np.isnan(z)] = np.nan
    np.testing.assert_array_equal(relu(z), want)
    g = data.draw(arrays(dtype, shape, allow_nan=False))
    np.testing.assert_array_equal(relu_backward(g, z), np.where(z > 0, g, 0).astype(dtype))
    with np.errstate(over="ignore", invalid="ignore"):
        lz = np.where(z > 0, z, dtype(0.01) * z)
    np.testing.assert_array_equal(leaky_relu(z, 0.01), lz)


@SETTINGS
@given(data=st.data(), dtype=DTYPES,
       shape=hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=9))
def test_sigmoid_and_softmax_stay_in_range_for_any_finite_input(data, dtype, shape):
    """sigma(z) in [0, 1] and matches 1/(1+e^-z); softmax columns are distributions."""
    z = data.draw(arrays(dtype, shape, allow_nan=False, allow_infinity=False))
    s = sigmoid(z)
    assert s.dtype == dtype and ((s >= 0) & (s <= 1)).all()
    with np.errstate(over="ignore"):
        ref = (1.0 / (1.0 + np.exp(-z.astype(np.float64))))
    np.testing.assert_allclose(s, ref, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-30)
    p = softmax(z, axis=0)
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-5 if dtype == np.float32 else 1e-12)


def np_pool(A, f, s, mode):
    m, H, W, C = A.shape
    Ho, Wo = (H - f) // s + 1, (W - f) // s + 1
    out = np.empty((m, Ho, Wo, C), A.dtype)
    for h in range(Ho):
        for w in range(Wo):
            win = A[:, h * s:h * s + f, w * s:w * s + f, :]
            out[:, h, w, :] = win.max(axis=(1, 2)) if mode == "max" else win.mean(axis=(1, 2))
    return out


@SETTINGS
@given(data=st.data(), dtype=DTYPES, mode=st.sampled_from(["max", "average"]),
       m=st.integers(0, 3), H=st.integers(1, 9), W=st.integers(1, 9), C=st.integers(0, 3),
       f=st.integers(1, 4), s=st.integers(1, 4))
def test_pooling_matches_the_loops_and_routes_gradients_inside_windows(data, dtype, mode, m, H, W,
                                                                       C, f, s):
    """Pooling equals the notes' loops for any size, stride and layout; the backward pass sends
    exactly sum(dA) into A_prev (each window's share stays inside the window)."""
    if f > min(H, W):
        with pytest.raises(ValueError, match="larger than the padded input"):
            pool_forward(np.zeros((m, H, W, C), dtype), {"f": f, "stride": s}, mode=mode)
        return
    A = data.draw(any_layout(data.draw(arrays(dtype, (m, H, W, C), min_value=-1e6,
                                              max_value=1e6))))
    out, cache = pool_forward(A, {"f": f, "stride": s}, mode=mode)
    np.testing.assert_allclose(out, np_pool(A, f, s, mode),
                               rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)
    dA = data.draw(arrays(dtype, out.shape, min_value=-10, max_value=10))
    d_prev = pool_backward(dA, cache, mode=mode)
    assert d_prev.shape == A.shape
    np.testing.assert_allclose(d_prev.sum(dtype=np.float64), dA.sum(dtype=np.float64),
                               rtol=1e-4, atol=1e-3)
    if mode == "max":
        for bad in (-1, H * W):
            arg = np.array(cache[2])
            if arg.size:
                arg.flat[0] = bad
                with pytest.raises(ValueError, match=r"cache\[2\] \(argmax\)"):
                    pool_backward(dA, (A, cache[1], arg), mode="max")


@SETTINGS
@given(data=st.data(), make=st.sampled_from([SGD, Momentum, RMSprop, Adam]),
       shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6),
       steps=st.integers(1, 4))
def test_optimizer_steps_do_not_depend_on_the_parameter_layout(data, make, shape, steps):
    """The same gradients give the same parameters for C, Fortran and reversed layouts."""
    W0 = data.draw(arrays(np.float64, shape, min_value=-10, max_value=10))
    grads = [data.draw(arrays(np.float64, shape, min_value=-10, max_value=10))
             for _ in range(steps)]
    ref, opt_ref = W0.copy(), make(0.01)
    p, opt = data.draw(any_layout(W0.copy())), make(0.01)
    for g in grads:
        opt_ref.step({"W": ref}, {"W": g})
        opt.step({"W": p}, {"W": data.draw(any_layout(g))})
    np.testing.assert_allclose(p, ref, rtol=1e-13, atol=1e-15)


def test_softmax_of_inputs_spanning_the_float_range():
    """Regression (found by hypothesis): -1.8e308 beside 1e292 made ``Z - max`` overflow.

    The shifted value is -inf, whose exponential 0 is the exact limit: no warning, a
    distribution comes out.
    """
    z = np.array([-1.79769313e308, 9.97920155e291])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = softmax(z, axis=0)
    np.testing.assert_array_equal(p, [0.0, 1.0])
