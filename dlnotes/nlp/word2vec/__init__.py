r"""Word2vec: skip-gram with negative sampling (notes, "Word2Vec"; Mikolov et al. 2013).

For a centre word :math:`c` with input vector :math:`v_c` (a row of
``W_in``, the embedding :math:`E` of the course), a true context word
:math:`o` and :math:`K` negative words :math:`k` drawn from
:math:`P(w) \propto \text{count}(w)^{3/4}`, with output vectors :math:`u`
(rows of ``W_out``, the course's :math:`\theta`):

.. math::

    L(c, o) = -\log\sigma(u_o^T v_c) - \sum_{k=1}^{K}\log\sigma(-u_k^T v_c)

and the cost is the mean of :math:`L` over the (centre, context) pairs of a
mini-batch.  Each negative is a logistic regression "is this a context word?"
(the course's "Negative sampling" lecture), so training costs :math:`K+1`
dot products per pair instead of a softmax over the vocabulary.

Two training loops are offered: ``method="sgd"`` (default) is word2vec.c's and
gensim's per-pair SGD, compiled (``dlnotes._kernels.word2vec``: BLAS level-1
``?dot``/``?axpy`` from ``scipy.linalg.cython_blas`` without the GIL);
``method="minibatch"`` is mini-batch SGD in vectorised NumPy with sparse
updates (rows scattered with a one-hot ``scipy.sparse`` product).  After training, ``W_in`` rows are the word vectors;
:func:`train_word2vec` returns them as a ``word_to_vec_map`` that plugs into
:mod:`dlnotes.nlp.word_vectors`.
"""
from dlnotes.nlp.word2vec._corpus import (  # noqa: F401 (_keep_thresholds: tests, asv)
    _keep_thresholds, build_vocab, negative_sampling_distribution, negative_table, skipgram_pairs)
from dlnotes.nlp.word2vec._sgns import Word2Vec, sgns_loss, train_word2vec
from dlnotes.nlp.word2vec._skipgram import train_skipgram

__all__ = ["build_vocab", "skipgram_pairs", "negative_sampling_distribution", "sgns_loss",
           "Word2Vec", "train_word2vec", "negative_table", "train_skipgram"]
