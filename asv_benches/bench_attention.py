"""The date-translation attention model (``dlnotes.nlp.date_translation``): one training step.

One mini-batch of the course's setting (m=100 dates, T_x=30, T_y=10, BiLSTM n_a=32,
post-attention LSTM n_s=64): forward, softmax cross-entropy, backward through decoder,
attention and encoder, and one Adam update; float32 and float64.
"""
import numpy as np

from .common import DTYPES, require


class AttentionTrainingStep:
    params = [DTYPES]
    param_names = ["dtype"]
    timeout = 120

    def setup(self, dtype):
        dt = require("dlnotes.nlp.date_translation")
        dates = require("dlnotes.nlp.dates")
        optim = require("dlnotes.optim.optimizers")
        _, self.Y, X, _ = dates.preprocess_dates(dates.make_date_dataset(100, seed=0))
        self.X = np.ascontiguousarray(X, dtype=dtype)
        self.model = dt.DateTranslator(seed=0, dtype=dtype)
        self.opt = optim.Adam(0.005)

    def time_train_step(self, dtype):
        self.model.loss_and_grads(self.X, self.Y)
        self.opt.step_layers(self.model)

    def time_forward(self, dtype):
        self.model.forward(self.X, training=False)
