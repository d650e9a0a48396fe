"""Sequence models of the notes: basic RNN, GRU and LSTM cells and sequences, clipping.

Layout as in the notes and the course: ``x.shape == (n_x, m, T_x)``, states
``(n_a, m)``, outputs ``(n_y, m, T_x)``.  The sequence functions run their time
loop in compiled code (``dlnotes._kernels.recurrent``).
"""
from dlnotes.rnn.basic import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward
from dlnotes.rnn.clipping import clip, clip_by_global_norm
from dlnotes.rnn.gru import gru_backward, gru_cell_backward, gru_cell_forward, gru_forward
from dlnotes.rnn.lstm import lstm_backward, lstm_cell_backward, lstm_cell_forward, lstm_forward

__all__ = [
    "rnn_cell_forward", "rnn_cell_backward", "rnn_forward", "rnn_backward",
    "lstm_cell_forward", "lstm_cell_backward", "lstm_forward", "lstm_backward",
    "gru_cell_forward", "gru_cell_backward", "gru_forward", "gru_backward",
    "clip", "clip_by_global_norm",
]
