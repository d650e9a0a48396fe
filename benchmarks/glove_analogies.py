"""Time per analogy on GloVe 6B 50d (400,000 words): the course's Python loop against
:func:`dlnotes.nlp.word_vectors.complete_analogy` (one matrix product over the vocabulary)
and :func:`~dlnotes.nlp.word_vectors.complete_analogies` (a batch of analogies as one GEMM
per vocabulary block).

Run: ``python benchmarks/glove_analogies.py`` (needs ``pip install "dlnotes[glove]"``).
Prints the load average and CPU model with the figures.
"""
import os
import time

import numpy as np
from _machine import cpu_model

from dlnotes.datasets.glove import load_glove_array
from dlnotes.nlp.word_vectors import WordVectors, complete_analogies, complete_analogy

TRIADS = [("italy", "italian", "spain"), ("india", "delhi", "japan"), ("man", "woman", "boy"),
          ("small", "smaller", "large")]


def course_loop(word_a, word_b, word_c, word_to_vec_map):
    """The notebook's ``complete_analogy``: one cosine similarity per word, in Python."""
    e_a, e_b, e_c = (word_to_vec_map[w] for w in (word_a, word_b, word_c))
    d = e_b - e_a
    nd = np.sqrt(np.sum(d * d))
    best, best_word = -100.0, None
    for w, e in word_to_vec_map.items():
        if w in (word_a, word_b, word_c):
            continue
        x = e - e_c
        n = np.sqrt(np.sum(x * x))
        if n == 0:
            continue
        s = np.dot(d, x) / (nd * n)
        if s > best:
            best, best_word = s, w
    return best_word


def timed(fn, repeat):
    best = np.inf
    for _ in range(repeat):
        time.sleep(0.3)                   # idle start: OpenBLAS threads spin after a GEMM
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main():
    words, E, _ = load_glove_array(np.float64)
    wv = WordVectors(words, E)
    m = wv.to_dict()
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; load average before: "
          f"{os.getloadavg()}")
    t_loop, a_loop = timed(lambda: course_loop(*TRIADS[0], m), 1)
    t_one, a_one = timed(lambda: [complete_analogy(*t, wv) for t in TRIADS], 3)
    batch = TRIADS * 64
    t_batch, a_batch = timed(lambda: complete_analogies(batch, wv), 3)
    assert a_loop == a_one[0] and a_batch[:4] == a_one
    print(f"course Python loop      : {t_loop * 1e3:9.1f} ms per analogy")
    print(f"complete_analogy        : {t_one / len(TRIADS) * 1e3:9.2f} ms per analogy "
          f"({t_loop / (t_one / len(TRIADS)):.0f}x faster)")
    print(f"complete_analogies x{len(batch)} : {t_batch / len(batch) * 1e3:9.3f} ms per analogy "
          f"({t_loop / (t_batch / len(batch)):.0f}x faster)")
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
