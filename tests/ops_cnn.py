"""OpInfo descriptions of the CNN functions (notes, "CNN"; errata 2.1-2.6, E15, E16).

Oracles are written here, independently of the package:

* ``notes_conv_forward``: the notes' four-loop ``conv_forward`` (fixed per E16:
  ``hparameters`` passed in, ``//`` for the output size), calling a transcription
  of ``conv_single_step`` and ``zero_pad``;
* ``canonical_conv_backward``: the errata's indexed form of the backward sums
  (E15): add into the window at (h*s, w*s), sum over examples, crop the padding;
* the course's pooling loops, with the max-pool gradient sent to the first
  argmax of each window (see the tie decision in ``dlnotes.cnn.pool``);
* PyTorch's ``conv2d`` / ``max_pool2d`` / ``avg_pool2d`` and autograd, mapping
  NHWC <-> NCHW explicitly.
"""
import numpy as np

from dlnotes.cnn import conv_backward, conv_forward, pool_backward, pool_forward
from dlnotes.nn.gradcheck import gradient_check_n
from opinfo import ErrorInput, OpInfo, SampleInput


# --------------------------------------------------------------------------- oracles
def _pad_of(hp, f):
    p = hp["pad"]
    if p == "same":
        return (f - 1) // 2
    if p == "valid":
        return 0
    return p


def ref_zero_pad(X, pad):
    return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant")


def ref_conv_single_step(a_slice_prev, W, b):
    return np.sum(a_slice_prev * W) + float(b)


def notes_conv_forward(A_prev, W, b, hparameters):
    """The notes' four-loop conv_forward (E16 fixed), the course's reference."""
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f2, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = _pad_of(hparameters, f)
    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f2 + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C), dtype=np.float64)
    A_prev_pad = ref_zero_pad(A_prev.astype(np.float64), pad)
    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f2
                for c in range(n_C):
                    a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                    Z[i, h, w, c] = ref_conv_single_step(a_slice_prev, W[:, :, :, c],
                                                         b.reshape(-1)[c])
    return Z.astype(A_prev.dtype)


def canonical_conv_backward(dZ, A_prev, W, hparameters):
    """Errata E15: the indexed backward sums, with the course's loop structure."""
    m, n_H_prev, n_W_prev, _ = A_prev.shape
    f, f2, _, n_C = W.shape
    s = hparameters["stride"]
    pad = _pad_of(hparameters, f)
    _, n_H, n_W, _ = dZ.shape
    A64, W64, dZ64 = (x.astype(np.float64) for x in (A_prev, W, dZ))
    A_pad = ref_zero_pad(A64, pad)
    dA_pad = np.zeros_like(A_pad)
    dW = np.zeros(W.shape)
    db = np.zeros((1, 1, 1, n_C))
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                vs, hs = h * s, w * s
                a_slice = A_pad[i, vs:vs + f, hs:hs + f2, :]
                for c in range(n_C):
                    dA_pad[i, vs:vs + f, hs:hs + f2, :] += W64[:, :, :, c] * dZ64[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ64[i, h, w, c]
                    db[:, :, :, c] += dZ64[i, h, w, c]
    # crop with explicit bounds ([p:-p] would be empty for p = 0)
    dA = dA_pad[:, pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    dt = A_prev.dtype
    return dA.astype(dt), dW.astype(dt), db.astype(dt)


def _ref_pad(hparameters):
    p = hparameters.get("pad", 0)
    return (hparameters["f"] - 1) // 2 if p == "same" else (0 if p == "valid" else p)


def ref_pool_forward(A_prev, hparameters, mode="max"):
    """Course loops; padding: -inf for max, zeros counted in the mean for average."""
    p = _ref_pad(hparameters)
    if p:
        fill = -np.inf if mode == "max" else 0.0
        A_prev = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=fill)
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, s = hparameters["f"], hparameters["stride"]
    n_H = (n_H_prev - f) // s + 1
    n_W = (n_W_prev - f) // s + 1
    A = np.zeros((m, n_H, n_W, n_C), dtype=A_prev.dtype)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                win = A_prev[i, h * s:h * s + f, w * s:w * s + f, :]
                if mode == "max":
                    A[i, h, w, :] = win.max(axis=(0, 1))
                else:
                    A[i, h, w, :] = win.astype(np.float64).mean(axis=(0, 1))
    return A


def ref_pool_backward(dA, A_prev, hparameters, mode="max"):
    """Course loops; max sends the gradient to the FIRST argmax (not the tie mask).
    With padding: the loops run on the padded input and the border is cropped."""
    p = _ref_pad(hparameters)
    if p:
        fill = -np.inf if mode == "max" else 0.0
        padded = np.pad(A_prev, ((0, 0), (p, p), (p, p), (0, 0)), constant_values=fill)
        d = ref_pool_backward(dA, padded, {"f": hparameters["f"],
                                           "stride": hparameters["stride"]}, mode)
        return np.ascontiguousarray(d[:, p:-p, p:-p, :])
    m, n_H_prev, n_W_prev, n_C = A_prev.shape
    f, s = hparameters["f"], hparameters["stride"]
    _, n_H, n_W, _ = dA.shape
    dA_prev = np.zeros(A_prev.shape, dtype=np.float64)
    for i in range(m):
        for h in range(n_H):
            for w in range(n_W):
                for c in range(n_C):
                    g = float(dA[i, h, w, c])
                    if mode == "max":
                        win = A_prev[i, h * s:h * s + f, w * s:w * s + f, c]
                        u, v = np.unravel_index(np.argmax(win), win.shape)  # first max
                        dA_prev[i, h * s + u, w * s + v, c] += g
                    else:
                        dA_prev[i, h * s:h * s + f, w * s:w * s + f, c] += g / (f * f)
    return dA_prev.astype(A_prev.dtype)


# --------------------------------------------------------------------------- torch oracles
def _nchw(torch, x):
    return torch.from_numpy(np.ascontiguousarray(x)).permute(0, 3, 1, 2)


def _nhwc(t):
    return t.detach().permute(0, 2, 3, 1).numpy()


def torch_conv(torch, A, W, b, hp, G=None):
    f = W.shape[0]
    p = _pad_of(hp, f)
    At = _nchw(torch, A).contiguous().requires_grad_(True)
    Wt = torch.from_numpy(np.ascontiguousarray(W.transpose(3, 2, 0, 1))).requires_grad_(True)
    bt = torch.from_numpy(np.ascontiguousarray(b).reshape(-1).copy()).requires_grad_(True)
    Z = torch.nn.functional.conv2d(At, Wt, bt, stride=hp["stride"], padding=p)
    if G is None:
        return _nhwc(Z)
    Z.backward(_nchw(torch, G))
    return (_nhwc(At.grad), Wt.grad.permute(2, 3, 1, 0).numpy(),
            bt.grad.numpy().reshape(1, 1, 1, -1))


def torch_pool(torch, A, hp, mode="max", G=None):
    At = _nchw(torch, A).clone().requires_grad_(True)
    fn = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
    out = fn(At, hp["f"], hp["stride"], padding=_ref_pad(hp))  # avg: count_include_pad
    if G is None:
        return _nhwc(out)
    out.backward(_nchw(torch, G))
    return _nhwc(At.grad)


# --------------------------------------------------------------------------- samples
# (m, n_H_prev, n_W_prev, n_C_prev, n_C, f, stride, pad)
CONV_SHAPES = [
    (2, 5, 7, 3, 4, 3, 1, 1),
    (2, 5, 6, 3, 4, 3, 2, 1),          # the errata's backward check case
    (1, 6, 6, 1, 2, 5, 1, "same"),
    (3, 7, 5, 2, 3, 3, 2, "same"),     # rectangular, strided same
    (2, 8, 9, 2, 3, 5, 1, "valid"),
    (1, 4, 4, 3, 2, 1, 1, 0),          # 1x1 filter (no im2col)
    (2, 4, 5, 2, 2, 1, 2, 1),          # 1x1 filter, stride and pad
    (2, 7, 7, 2, 2, 2, 3, 0),          # even filter, stride > f
    (1, 3, 3, 2, 2, 4, 1, 1),          # filter larger than input, fits after padding
    (2, 9, 6, 4, 1, 3, 3, 2),          # pad > f/2
    (0, 5, 5, 3, 2, 3, 1, 1),          # empty batch
]


def _conv_args(rng, dtype, shape):
    m, H, W, C, F, f, s, p = shape
    A = rng.standard_normal((m, H, W, C)).astype(dtype)
    Wt = rng.standard_normal((f, f, C, F)).astype(dtype)
    b = rng.standard_normal((1, 1, 1, F)).astype(dtype)
    return A, Wt, b, {"stride": s, "pad": p}


def _conv_out_shape(A, W, hp):
    f = W.shape[0]
    p = _pad_of(hp, f)
    s = hp["stride"]
    return (A.shape[0], (A.shape[1] + 2 * p - f) // s + 1, (A.shape[2] + 2 * p - W.shape[1]) // s + 1,
            W.shape[3])


def conv_samples(rng, dtype):
    for shape in CONV_SHAPES:
        yield SampleInput(_conv_args(rng, dtype, shape), desc=str(shape))


def conv_bwd_samples(rng, dtype):
    for shape in CONV_SHAPES:
        A, W, b, hp = _conv_args(rng, dtype, shape)
        G = rng.standard_normal(_conv_out_shape(A, W, hp)).astype(dtype)
        yield SampleInput((A, W, b, hp, G), desc=str(shape))


def conv_errors():
    A = np.zeros((2, 5, 5, 3))
    W = np.zeros((3, 3, 3, 4))
    b = np.zeros((1, 1, 1, 4))
    hp = {"stride": 1, "pad": 0}
    yield ErrorInput((A, np.zeros((3, 3, 2, 4)), b, hp), match="mismatched channels")
    yield ErrorInput((A, np.zeros((7, 7, 3, 4)), b, hp), match="larger than the padded input")
    for stride in (0, 2**63):
        yield ErrorInput((A, W, b, {"stride": stride, "pad": 0}),
                         match=r"stride.*must be in \[1, 2147483647\]")
    yield ErrorInput((A, W, b, {"stride": -2, "pad": 0}), match="stride")
    yield ErrorInput((A, W, b, {"stride": 1.5, "pad": 0}), exc=TypeError, match="integer")
    yield ErrorInput((A, W, b, {"stride": 1, "pad": -1}), match="pad must be a non-negative")
    yield ErrorInput((A, W, b, {"stride": 1, "pad": "full"}), match="'same' or 'valid'")
    yield ErrorInput((A, np.zeros((2, 2, 3, 4)), b, {"stride": 1, "pad": "same"}),
                     match="odd filter")
    yield ErrorInput((A[0], W, b, hp), match="A_prev must be 4-dimensional")
    yield ErrorInput((A, W[0], b, hp), match="W must be 4-dimensional")
    yield ErrorInput((A, W, np.zeros((1, 1, 1, 5)), hp), match=r"b must have shape")
    yield ErrorInput((A.astype(int), W, b, hp), exc=TypeError, match="A_prev must be a floating")
    yield ErrorInput((A, W.astype(np.int32), b, hp), exc=TypeError, match="W must be a floating")
    yield ErrorInput((A.astype(complex), W, b, hp), exc=TypeError, match="complex")
    yield ErrorInput((A, W, b, {"stride": 1}), exc=KeyError, match="pad")
    yield ErrorInput((A, W, b, (1, 0)), exc=TypeError, match="hparameters must be a dict")


def conv_bwd_op(A, W, b, hp, G):
    _, cache = conv_forward(A, W, b, hp)
    return conv_backward(G, cache)


def conv_bwd_errors():
    A = np.zeros((2, 5, 5, 3))
    W = np.zeros((3, 3, 3, 4))
    b = np.zeros((1, 1, 1, 4))
    hp = {"stride": 1, "pad": 0}
    yield ErrorInput((A, W, b, hp, np.zeros((2, 3, 3, 5))), match=r"dZ must have shape")
    yield ErrorInput((A, W, b, hp, np.zeros((2, 3, 3))), match=r"dZ must be 4-dimensional")
    yield ErrorInput((A, W, b, hp, np.zeros((2, 3, 3, 4), dtype=int)), exc=TypeError,
                     match="dZ must be a floating")


def conv_gradcheck(sample, rng):
    A, W, b, hp = sample.args[:4]
    if A.size == 0:
        return 0.0
    A, W, b = (x.astype(np.float64) for x in (A, W, b))
    Z, cache = conv_forward(A, W, b, hp)
    G = rng.standard_normal(Z.shape)
    dA, dW, db = conv_backward(G, cache)
    cost = lambda p: float(np.sum(G * conv_forward(p["A"], p["W"], p["b"], hp)[0]))  # noqa: E731
    return float(gradient_check_n(cost, {"A": A, "W": W, "b": b}, {"dA": dA, "dW": dW, "db": db}))


# pooling: (m, n_H_prev, n_W_prev, n_C, f, stride)
POOL_SHAPES = [
    (2, 4, 4, 3, 2, 2),
    (2, 5, 7, 3, 3, 2),      # overlapping windows, rectangular
    (1, 6, 5, 2, 2, 3),      # stride > f (gaps)
    (3, 5, 5, 4, 3, 1),      # stride 1, heavy overlap
    (1, 3, 4, 1, 3, 1),      # window covers the height
    (2, 8, 8, 40, 2, 2),     # many channels
    (0, 4, 4, 2, 2, 2),      # empty batch
    (2, 5, 6, 3, 3, 1, "same"),   # inception's 3x3/1 "same" pool
    (1, 6, 5, 2, 3, 2, 1),        # padded, strided (ResNet stem's pool: 3/2 pad 1)
    (2, 4, 4, 1, 2, 2, 1),        # even window, pad = f // 2
]


def _pool_args(rng, dtype, shape):
    m, H, W, C, f, s = shape[:6]
    hp = {"f": f, "stride": s}
    if len(shape) > 6:
        hp["pad"] = shape[6]
    return rng.standard_normal((m, H, W, C)).astype(dtype), hp


def pool_samples(mode):
    def gen(rng, dtype):
        for shape in POOL_SHAPES:
            A, hp = _pool_args(rng, dtype, shape)
            yield SampleInput((A, hp), {"mode": mode}, desc=str(shape))
    return gen


def pool_bwd_samples(mode):
    def gen(rng, dtype):
        for shape in POOL_SHAPES:
            A, hp = _pool_args(rng, dtype, shape)
            f, s, p = hp["f"], hp["stride"], _ref_pad(hp)
            out = (A.shape[0], (A.shape[1] + 2 * p - f) // s + 1,
                   (A.shape[2] + 2 * p - f) // s + 1, A.shape[3])
            G = rng.standard_normal(out).astype(dtype)
            yield SampleInput((A, hp, G), {"mode": mode}, desc=str(shape))
    return gen


def pool_bwd_op(A, hp, G, mode="max"):
    _, cache = pool_forward(A, hp, mode=mode)
    return pool_backward(G, cache, mode=mode)


def pool_errors():
    A = np.zeros((2, 4, 4, 3))
    yield ErrorInput((A, {"f": 5, "stride": 1}), match="larger than the padded input")
    yield ErrorInput((A, {"f": 2, "stride": 0}), match="stride")
    yield ErrorInput((A, {"f": 0, "stride": 1}), match=r"hparameters\['f'\]")
    yield ErrorInput((A[0], {"f": 2, "stride": 2}), match="4-dimensional")
    yield ErrorInput((A.astype(np.int64), {"f": 2, "stride": 2}), exc=TypeError,
                     match="floating")
    yield ErrorInput((A, {"f": 2, "stride": 2}), {"mode": "min"}, match="mode must be one of")
    yield ErrorInput((A, {"stride": 2}), exc=KeyError, match="'f'")
    # a key the pooling does not know is refused, never silently ignored
    yield ErrorInput((A, {"f": 2, "stride": 2, "padding": 1}), exc=KeyError,
                     match="unknown keys \\['padding'\\]")
    yield ErrorInput((A, {"f": 3, "stride": 1, "pad": 2}), match=r"larger than f // 2")
    yield ErrorInput((A, {"f": 3, "stride": 1, "pad": -1}), match=r"hparameters\['pad'\]")
    yield ErrorInput((A, {"f": 2, "stride": 1, "pad": "same"}), match=r"odd filter size")


def pool_bwd_errors():
    A = np.zeros((2, 4, 4, 3))
    hp = {"f": 2, "stride": 2}
    yield ErrorInput((A, hp, np.zeros((2, 2, 2, 4))), match="dA must have shape")
    yield ErrorInput((A, hp, np.zeros((2, 2, 2, 3), dtype=int)), exc=TypeError, match="floating")


def pool_gradcheck(sample, rng):
    A, hp = sample.args[:2]
    mode = sample.kwargs.get("mode", "max")
    if A.size == 0:
        return 0.0
    A = A.astype(np.float64)
    out, cache = pool_forward(A, hp, mode=mode)
    G = rng.standard_normal(out.shape)
    dA = pool_backward(G, cache, mode=mode)
    cost = lambda p: float(np.sum(G * pool_forward(p["A"], hp, mode=mode)[0]))  # noqa: E731
    return float(gradient_check_n(cost, {"A": A}, {"dA": dA}))


_F32 = {np.float32: 1e-5, np.float64: 1e-10}
# float32 outputs are sums of up to f*f*C products of O(1) numbers: absolute slack scales with them
_F32_ATOL = {np.float32: 2e-5, np.float64: 1e-11}

OPS = [
    OpInfo("conv_forward", conv_forward, notes_conv_forward, conv_samples, conv_errors,
           output=lambda out: out[0], gradcheck=conv_gradcheck,
           torch_reference=lambda torch, A, W, b, hp: torch_conv(torch, A, W, b, hp),
           float_args=(0, 1, 2), rtol=dict(_F32), atol=dict(_F32_ATOL)),
    OpInfo("conv_backward", conv_bwd_op,
           lambda A, W, b, hp, G: canonical_conv_backward(G, A, W, hp),
           conv_bwd_samples, conv_bwd_errors,
           torch_reference=lambda torch, A, W, b, hp, G: torch_conv(torch, A, W, b, hp, G),
           float_args=(0, 1, 4), rtol=dict(_F32), atol=dict(_F32_ATOL)),
]
for _mode, _name in (("max", "max_pool"), ("average", "avg_pool")):
    OPS += [
        OpInfo(f"{_name}_forward", pool_forward, ref_pool_forward, pool_samples(_mode),
               pool_errors, output=lambda out: out[0], gradcheck=pool_gradcheck,
               torch_reference=(lambda m: lambda torch, A, hp, mode: torch_pool(torch, A, hp, m))(
                   _mode),
               float_args=(0,)),
        OpInfo(f"{_name}_backward", pool_bwd_op,
               lambda A, hp, G, mode: ref_pool_backward(G, A, hp, mode), pool_bwd_samples(_mode),
               pool_bwd_errors,
               torch_reference=(lambda m: lambda torch, A, hp, G, mode: torch_pool(
                   torch, A, hp, m, G))(_mode),
               float_args=(0, 2)),
    ]
