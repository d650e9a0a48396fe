"""The buffer cache behind the recurrent functions (dlnotes._kernels._pool)."""
import threading

import numpy as np
from numpy._core.multiarray import get_handler_name

from dlnotes import rnn
from dlnotes._kernels import _pool
from ops_rnn import _mk_lstm

BIG = _pool.MIN_BYTES // 8 + 16  # float64 elements of a block the cache keeps


def test_only_arrays_made_inside_use_the_cache():
    outside = np.empty(BIG)
    with _pool.pooled():
        inside = np.empty(BIG)
        with _pool.pooled():  # re-entrant
            nested = np.empty(BIG)
        after_nested = np.empty(BIG)
    assert get_handler_name(outside) == "default_allocator"
    assert get_handler_name(inside) == "dlnotes_pool"
    assert get_handler_name(nested) == "dlnotes_pool"
    assert get_handler_name(after_nested) == "dlnotes_pool"
    assert get_handler_name(np.empty(BIG)) == "default_allocator"


def test_a_freed_block_is_reused_for_the_same_size_only():
    _pool.clear()
    with _pool.pooled():
        a = np.empty(BIG)
        ptr = a.ctypes.data
        del a
        assert _pool.stats()["blocks"] == 1
        other = np.empty(BIG + 8)          # another size: a new block
        assert other.ctypes.data != ptr
        hits = _pool.stats()["hits"]
        b = np.empty(BIG)                  # the same size: the cached block
        assert b.ctypes.data == ptr
        assert _pool.stats()["hits"] == hits + 1
        assert _pool.stats()["blocks"] == 0


def test_zeros_from_a_dirty_block_are_zero_and_small_arrays_bypass_the_cache():
    _pool.clear()
    with _pool.pooled():
        a = np.empty(BIG)
        a.fill(7.0)
        del a
        z = np.zeros(BIG)
        assert _pool.stats()["hits"] >= 1
        assert not z.any()
        small = np.zeros(10)
        del small
    assert _pool.stats()["blocks"] == 0


def test_resize_keeps_the_data():
    with _pool.pooled():
        a = np.arange(BIG, dtype=np.float64)
        a.resize(2 * BIG, refcheck=False)
    np.testing.assert_array_equal(a[:BIG], np.arange(BIG))
    assert not a[BIG:].any()
    a.resize(BIG // 2, refcheck=False)
    np.testing.assert_array_equal(a, np.arange(BIG // 2))


def test_the_cache_stays_within_its_bounds():
    _pool.clear()
    with _pool.pooled():
        arrays = [np.empty(BIG + 8 * i) for i in range(_pool.MAX_BLOCKS + 10)]
    del arrays
    s = _pool.stats()
    assert s["blocks"] == _pool.MAX_BLOCKS
    assert s["bytes"] <= _pool.MAX_BYTES
    with _pool.pooled():
        huge = np.empty(_pool.MAX_BYTES // 8 + 1)  # larger than the whole cache: never kept
    del huge
    assert _pool.stats()["bytes"] <= _pool.MAX_BYTES
    _pool.clear()
    assert (_pool.stats()["blocks"], _pool.stats()["bytes"]) == (0, 0)


def test_arrays_freed_on_other_threads():
    with _pool.pooled():
        arrays = [np.full(BIG, float(i)) for i in range(16)]

    def drop(chunk):
        for a in chunk:
            assert a[0] == a[-1]
        chunk.clear()
    threads = [threading.Thread(target=drop, args=(arrays[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    del arrays
    assert _pool.stats()["blocks"] <= _pool.MAX_BLOCKS


def test_lstm_results_do_not_change_with_reused_buffers(rng):
    """Two forward + backward passes of different data through the same buffer sizes:
    the second pass reuses the first pass's freed blocks and must not see its values."""
    n_x, n_a, m, T = 5, 40, 16, 30
    P = _mk_lstm(rng, n_x, n_a, np.float64)
    runs = []
    for _ in range(2):
        x = rng.standard_normal((n_x, m, T))
        a0 = rng.standard_normal((n_a, m))
        da = rng.standard_normal((n_a, m, T))
        a, _, c, caches = rnn.lstm_forward(x, a0, P)
        g = rnn.lstm_backward(da, caches)
        runs.append((x, a0, da, a, c, g))
        del caches
    _pool.clear()
    for x, a0, da, a, c, g in runs:  # recomputed from a cold cache
        a2, _, c2, caches = rnn.lstm_forward(x, a0, P)
        g2 = rnn.lstm_backward(da, caches)
        np.testing.assert_array_equal(a, a2)
        np.testing.assert_array_equal(c, c2)
        for k in g:
            np.testing.assert_array_equal(g[k], g2[k])
        assert get_handler_name(a2) == "dlnotes_pool"
