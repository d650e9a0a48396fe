# Shared C helpers for the kernels: OpenMP queries that compile with or
# without OpenMP, and the size under which a loop is not worth threading.
cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    static inline int dl_omp_max_threads(void) { return omp_get_max_threads(); }
    static inline int dl_omp_enabled(void) { return 1; }
    #else
    static inline int dl_omp_max_threads(void) { return 1; }
    static inline int dl_omp_enabled(void) { return 0; }
    #endif
    """
    int dl_omp_max_threads() noexcept nogil
    int dl_omp_enabled() noexcept nogil

# Element-wise loops shorter than this run on one thread: below it the cost
# of waking the OpenMP team exceeds the work (measured: ~2-5 us per fork/join
# on the 2-core machines when idle, far more when the cores are shared, since a
# descheduled thread stalls the barrier; 256k elements is ~0.2-1 ms of work).
cdef enum:
    ELEMENTWISE_PARALLEL_MIN = 262144

# The same loops when the OpenMP runtime's workers spin ~9 ms after each region
# (libgomp's default, in force when another library loaded libgomp before
# dlnotes: see dlnotes._kernels.OPENMP_SPIN).  A team woken between two threaded
# NumPy GEMMs then takes a core from the next GEMM for those milliseconds, and
# its second thread competes with OpenBLAS's spinning workers: below ~2M
# elements one thread is faster over a training step (dlnotes._threads).
cdef enum:
    ELEMENTWISE_PARALLEL_MIN_LONG_SPIN = 2097152

# Loops that do more per output value than an element-wise op (bilinear sampling,
# box IoU) pay for the team from about 64k output values.
cdef enum:
    GATHER_PARALLEL_MIN = 65536


cdef inline int n_threads_for(Py_ssize_t n, Py_ssize_t threshold) noexcept nogil:
    if n < threshold:
        return 1
    return dl_omp_max_threads()
