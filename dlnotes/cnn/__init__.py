"""Convolutional networks (the notes' CNN section): padding, convolution, pooling.

Functional API with the course's names, on the notes' layouts
(images ``(m, n_H, n_W, n_C)``, filters ``(f, f, n_C_prev, n_C)``).
"""
from dlnotes.cnn.conv import (conv_backward, conv_forward, conv_output_size, conv_single_step,
                              resolve_padding, same_padding, zero_pad)
from dlnotes.cnn.pool import pool_backward, pool_forward

__all__ = ["zero_pad", "conv_single_step", "conv_forward", "conv_backward", "pool_forward",
           "pool_backward", "conv_output_size", "same_padding", "resolve_padding"]
