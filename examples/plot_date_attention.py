r"""
Attention map of the date translator
====================================

The course's neural machine translation model (C5W3) turns human-readable dates into
``YYYY-MM-DD``: a bidirectional LSTM reads the characters, and for each output character
:math:`t` the attention step weighs the encoder states :math:`a^{\langle t'\rangle}`,

.. math::

    \alpha^{\langle t, t'\rangle} = \operatorname{softmax}_{t'}\Big(
        v^T \tanh(W s^{\langle t-1\rangle} + U a^{\langle t'\rangle} + b)\Big), \qquad
    c^{\langle t\rangle} = \sum_{t'} \alpha^{\langle t, t'\rangle} a^{\langle t'\rangle}

before the post-attention LSTM writes the character.  The weights below were trained by
``benchmarks/date_attention_train.py`` (10,000 generated dates, Adam, 6 epochs: 98.1 % exact
match on 1,000 held-out dates; stored as float16 to keep the file small) and are only loaded here.  Each row is one output character, each column one
input character: the model reads the year digits when writing the year, the month name when
writing the month, and the day when writing the day.
"""

import os

import matplotlib.pyplot as plt

from dlnotes.nlp.date_translation import (attention_map, exact_match_accuracy, load_translator,
                                          translate_date)
from dlnotes.nlp.dates import make_date_dataset, preprocess_dates

here = os.path.dirname(os.path.abspath(__file__)) if "__file__" in globals() else "."
model = load_translator(os.path.join(here, "data", "date_attention.npz"))

_, Y, X, _ = preprocess_dates(make_date_dataset(1000, seed=1))
acc = exact_match_accuracy(model, X.astype(model.dtype), Y)
print(f"held-out exact match on 1,000 dates (seed 1): {100 * acc:.1f} %")
for text in ("3 may 1979", "tuesday april 2 2024", "21.07.99", "march 3 2001", "1 jan 2030"):
    print(f"{text!r:>24} -> {translate_date(model, text)}")

date = "tuesday april 2 2024"
alphas, out = attention_map(model, date)
fig, ax = plt.subplots(figsize=(8, 4.2))
im = ax.imshow(alphas, cmap="Blues", aspect="auto", vmin=0)
ax.set_xticks(range(len(date)), list(date.replace(" ", "\u2423")))
ax.set_yticks(range(len(out)), list(out))
ax.set_xlabel("input character $t'$")
ax.set_ylabel("output character $t$")
ax.set_title(f"attention weights: {date!r} -> {out}")
fig.colorbar(im, ax=ax, label=r"$\alpha^{\langle t, t'\rangle}$")
fig.tight_layout()
plt.show()
