# The one fused floating type of the kernels: every kernel serves float32 and
# float64 from one source by declaring its memoryviews and pointers as ``real``.
ctypedef fused real:
    float
    double
