# cython: language_level=3
# Compiler directives (setup.py DIRECTIVES): boundscheck=False, wraparound=False,
# cdivision=True, initializedcheck=False, nonecheck=False (bounds checks with DLNOTES_DEBUG=1).
"""Skip-gram negative-sampling SGD loop (private kernel for dlnotes.nlp.word2vec).

gensim-style: for every (centre, context) pair in order, with ``v = W_in[c]``
and the pair's K negatives::

    neu1e = 0
    for target, label in [(o, 1), (n_1, 0), ..., (n_K, 0)]:
        f = sigmoid(W_out[target] . v)
        g = (label - f) * lr
        neu1e += g * W_out[target]          # axpy
        W_out[target] += g * v              # axpy
    W_in[c] += neu1e                        # axpy

i.e. plain per-pair SGD on L = -log s(u_o.v) - sum_k log s(-u_k.v); the
output vectors are updated before the next target is scored, as in
word2vec.c and gensim.  Dot products and updates are BLAS level-1
(``?dot``, ``?axpy`` from scipy.linalg.cython_blas) inside ``nogil``.  The loop
is sequential (deterministic); inputs are trusted (C-contiguous, in range).
"""
from libc.math cimport exp, log
from dlnotes._kernels._blas cimport axpy, dot
from dlnotes._kernels._types cimport real


cdef inline double _log_sigmoid(double x) noexcept nogil:
    if x >= 0:
        return -log(1.0 + exp(-x))
    return x - log(1.0 + exp(x))


cdef inline double _sigmoid(double x) noexcept nogil:
    cdef double e
    if x >= 0:
        return 1.0 / (1.0 + exp(-x))
    e = exp(x)
    return e / (1.0 + e)


def sgns_sgd_pairs(real[:, ::1] W_in, real[:, ::1] W_out, const long long[::1] centers,
                   const long long[::1] contexts, const long long[:, ::1] negatives,
                   double lr, real[::1] work):
    """Run one SGD step per pair, in order; return the summed loss (before each step).

    ``work`` is scratch of length d (the neu1e accumulator).
    """
    cdef Py_ssize_t B = centers.shape[0]
    cdef Py_ssize_t K = negatives.shape[1]
    cdef int d = <int> W_in.shape[1]
    cdef Py_ssize_t b, k, j
    cdef long long c, target
    cdef double s, f, g, total = 0.0
    cdef real *v
    cdef real *u
    with nogil:
        for b in range(B):
            c = centers[b]
            v = &W_in[c, 0]
            for j in range(d):
                work[j] = 0
            for k in range(K + 1):
                if k == 0:
                    target = contexts[b]
                else:
                    target = negatives[b, k - 1]
                u = &W_out[target, 0]
                s = dot(d, u, v)
                f = _sigmoid(s)
                if k == 0:
                    total -= _log_sigmoid(s)
                    g = (1.0 - f) * lr
                else:
                    total -= _log_sigmoid(-s)
                    g = -f * lr
                axpy(d, <real> g, u, &work[0])
                axpy(d, <real> g, v, u)
            axpy(d, <real> 1.0, &work[0], v)
    return total


# --------------------------------------------------------------------------------------------
# Streaming skip-gram with negative sampling (word2vec.c's algorithm), Hogwild across threads.
#
# One call trains on a batch of sentences (word indices, subsampling not yet applied) split
# into "jobs" (runs of whole sentences).  Jobs are spread over OpenMP threads; every thread
# reads and writes the shared W_in / W_out without locks (Hogwild: Recht et al. 2011, as in
# word2vec.c and gensim): with sparse updates, collisions are rare and harmless.  Per job:
#
#   for each sentence: drop word w with probability 1 - keep[w] / 2^32 (frequent-word
#   subsampling), then for each position i draw b uniformly in [0, window) and for each
#   context position j with 0 < |i - j| <= window - b (the dynamic window):
#       v = W_in[s_j]; neu1e = 0
#       for (target, label) in [(s_i, 1), (n_1, 0), ..., (n_K, 0)]  (n_k ~ unigram^0.75,
#                                                                   skipped when n_k = s_i)
#           f = sigma(W_out[target] . v)       (1000-entry table on [-6, 6], 0 / 1 outside)
#           g = (label - f) * alpha
#           neu1e += g W_out[target];  W_out[target] += g v
#       v += neu1e
#
# Negatives come from a Walker alias table of the unigram^0.75 distribution: V entries
# (threshold, alias), O(1) per draw and small enough to stay in cache, where word2vec.c's
# 10^8-entry table (400 MB) costs a cache miss per draw.  Random numbers: xorshift64*, one
# stream per job; integers in [0, n) by multiply-shift of the top 32 bits.
# --------------------------------------------------------------------------------------------
from cython.parallel cimport prange
from libc.stdint cimport uint64_t, int32_t, int64_t

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static inline int dl_w2v_thread_num(void) { return omp_get_thread_num(); }
    #else
    static inline int dl_w2v_thread_num(void) { return 0; }
    #endif
    """
    int dl_w2v_thread_num() noexcept nogil

cdef enum:
    SIG_TABLE_SIZE = 1000
    MAX_EXP = 6

# Entry i holds sigma at the midpoint of its cell [-6 + 12 i / 1000, -6 + 12 (i + 1) / 1000),
# and x is looked up with the same scale (word2vec.c's lookup uses 1000 // 12 = 83 cells per
# unit while its table has 83.3, a 0.4% stretch of the argument).
cdef double SIG_TABLE[SIG_TABLE_SIZE]
cdef double SIG_SCALE = SIG_TABLE_SIZE / (2.0 * MAX_EXP)
cdef int _i
for _i in range(SIG_TABLE_SIZE):
    SIG_TABLE[_i] = _sigmoid(-MAX_EXP + (_i + 0.5) / SIG_SCALE)


cdef inline uint64_t _next(uint64_t *state) noexcept nogil:
    """xorshift64* (Vigna 2016): 64 random bits."""
    cdef uint64_t x = state[0]
    x ^= x >> 12
    x ^= x << 25
    x ^= x >> 27
    state[0] = x
    return x * <uint64_t> 2685821657736338717ULL


cdef inline uint64_t _below(uint64_t r, uint64_t n) noexcept nogil:
    """An integer in [0, n) from the top 32 bits of r (multiply-shift, n < 2^32)."""
    return ((r >> 32) * n) >> 32


cdef inline uint64_t _splitmix(uint64_t x) noexcept nogil:
    x += <uint64_t> 0x9E3779B97F4A7C15ULL
    x = (x ^ (x >> 30)) * <uint64_t> 0xBF58476D1CE4E5B9ULL
    x = (x ^ (x >> 27)) * <uint64_t> 0x94D049BB133111EBULL
    x = x ^ (x >> 31)
    return x if x != 0 else 1


cdef inline int32_t _draw(const uint64_t[::1] alias_prob, const int32_t[::1] alias,
                          uint64_t *state) noexcept nogil:
    cdef uint64_t r = _next(state)
    cdef int64_t i = <int64_t> _below(r, <uint64_t> alias.shape[0])
    if (r & 0xFFFFFFFFULL) < alias_prob[i]:
        return <int32_t> i
    return alias[i]


def sample_alias(const uint64_t[::1] alias_prob, const int32_t[::1] alias, int32_t[::1] out,
                 uint64_t seed):
    """Fill ``out`` with draws from the alias table (for tests of the distribution)."""
    cdef uint64_t state = _splitmix(seed)
    cdef Py_ssize_t i
    with nogil:
        for i in range(out.shape[0]):
            out[i] = _draw(alias_prob, alias, &state)


cdef double _sg_job(real[:, ::1] W_in, real[:, ::1] W_out, const int32_t[::1] tokens,
                    const int64_t[::1] sent_starts, int64_t s0, int64_t s1,
                    const uint64_t[::1] keep, const uint64_t[::1] alias_prob,
                    const int32_t[::1] alias, int window, int negative, double alpha,
                    uint64_t state, real *neu1e, int32_t *buf, bint compute_loss,
                    int64_t *n_effective) noexcept nogil:
    cdef int d = <int> W_in.shape[1]
    cdef int64_t s, i, n, pos, c, lo, hi
    cdef int32_t w, word, target
    cdef int b, k, j
    cdef double f, g, x, label, loss = 0.0
    cdef real *v
    cdef real *u
    for s in range(s0, s1):
        n = 0
        for i in range(sent_starts[s], sent_starts[s + 1]):
            w = tokens[i]
            if keep[w] < <uint64_t> 0x100000000ULL and (_next(&state) >> 32) >= keep[w]:
                continue
            buf[n] = w
            n += 1
        n_effective[0] += n
        for pos in range(n):
            word = buf[pos]
            b = <int> _below(_next(&state), <uint64_t> window)
            lo = pos - window + b
            if lo < 0:
                lo = 0
            hi = pos + window - b + 1
            if hi > n:
                hi = n
            for c in range(lo, hi):
                if c == pos:
                    continue
                v = &W_in[buf[c], 0]
                for j in range(d):
                    neu1e[j] = 0
                for k in range(negative + 1):
                    if k == 0:
                        target = word
                        label = 1.0
                    else:
                        target = _draw(alias_prob, alias, &state)
                        if target == word:
                            continue
                        label = 0.0
                    u = &W_out[target, 0]
                    x = dot(d, u, v)
                    if x >= MAX_EXP:
                        f = 1.0
                    elif x > -MAX_EXP:
                        f = SIG_TABLE[<int> ((x + MAX_EXP) * SIG_SCALE)]
                    else:               # also NaN (a diverged run): never index with it
                        f = 0.0
                    if compute_loss:
                        loss -= _log_sigmoid(x) if k == 0 else _log_sigmoid(-x)
                    g = (label - f) * alpha
                    axpy(d, <real> g, u, neu1e)
                    axpy(d, <real> g, v, u)
                axpy(d, <real> 1.0, neu1e, v)
    return loss


def sg_train_batch(real[:, ::1] W_in, real[:, ::1] W_out, const int32_t[::1] tokens,
                   const int64_t[::1] sent_starts, const int64_t[::1] job_starts,
                   const double[::1] job_alpha, const uint64_t[::1] keep,
                   const uint64_t[::1] alias_prob, const int32_t[::1] alias, int window,
                   int negative, uint64_t seed, int n_threads, real[:, ::1] work,
                   int32_t[:, ::1] buf, bint compute_loss, double[::1] job_loss,
                   int64_t[::1] job_effective):
    """Train on one batch of sentences; jobs ``job_starts[j]:job_starts[j+1]`` (sentence
    ranges) run on ``n_threads`` OpenMP threads sharing the weights (Hogwild).

    ``keep[w]`` is the subsampling threshold in units of 2^-32 (>= 2^32: always kept);
    ``alias_prob`` (units of 2^-32) and ``alias`` the alias table of the negatives;
    ``work`` (n_threads, d) and ``buf`` (n_threads, longest sentence) per-thread scratch.
    Per job, the summed loss (if ``compute_loss``) and the number of words left after
    subsampling are written out.  Returns nothing; inputs are trusted.
    """
    cdef Py_ssize_t n_jobs = job_starts.shape[0] - 1
    cdef Py_ssize_t jb
    cdef int t
    cdef int64_t n_eff
    for jb in prange(n_jobs, nogil=True, schedule="dynamic", num_threads=n_threads):
        t = dl_w2v_thread_num()
        n_eff = 0
        job_loss[jb] = _sg_job(W_in, W_out, tokens, sent_starts, job_starts[jb],
                               job_starts[jb + 1], keep, alias_prob, alias, window, negative,
                               job_alpha[jb], _splitmix(seed + <uint64_t> jb),
                               &work[t, 0], &buf[t, 0], compute_loss, &n_eff)
        job_effective[jb] = n_eff
