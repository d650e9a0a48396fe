r"""Word vectors: cosine similarity, analogies and debiasing (notes, "Word2Vec",
"Debiasing word vectors"; errata §7).

Embeddings are a plain dict ``{word: 1-d array}`` (the course's
``word_to_vec_map``).  No embedding is downloaded: :func:`make_toy_embeddings`
builds a small one with a known structure (a gender direction, a royalty
direction, ...) for the docs and the tests; load GloVe yourself to reproduce
the course with real vectors.
"""
from dlnotes.nlp.word_vectors._debias import bias_axis, equalize, neutralize
from dlnotes.nlp.word_vectors._similarity import (WordVectors, complete_analogies,
                                                  complete_analogy, cosine_similarity,
                                                  evaluate_word_analogies, evaluate_word_pairs)
from dlnotes.nlp.word_vectors._toy import make_toy_embeddings

__all__ = ["cosine_similarity", "complete_analogy", "complete_analogies", "WordVectors",
           "evaluate_word_analogies", "evaluate_word_pairs", "neutralize", "equalize", "bias_axis",
           "make_toy_embeddings"]
