"""Compiled hot loops (private).

Kernels trust their inputs: C-contiguous, the right dtype, the right shapes.
The public functions in the chapter modules validate every argument before
calling anything here.
"""
