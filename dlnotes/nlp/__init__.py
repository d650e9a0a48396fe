"""The notes' NLP chapter: word vectors (cosine similarity, analogies, debiasing),
word2vec skip-gram with negative sampling, and the attention model.

The course's function names are re-exported here; each is documented in its module
(:mod:`dlnotes.nlp.word_vectors`, :mod:`dlnotes.nlp.word2vec`, :mod:`dlnotes.nlp.attention`).
"""
from dlnotes.nlp.attention import attention_weights, context_vector, one_step_attention
from dlnotes.nlp.word2vec import train_skipgram, train_word2vec
from dlnotes.nlp.word_vectors import (WordVectors, complete_analogies, complete_analogy,
                                      cosine_similarity, equalize, evaluate_word_analogies,
                                      evaluate_word_pairs, neutralize)

__all__ = ["cosine_similarity", "complete_analogy", "complete_analogies", "WordVectors",
           "evaluate_word_analogies", "evaluate_word_pairs", "neutralize", "equalize",
           "train_word2vec", "train_skipgram", "attention_weights", "context_vector",
           "one_step_attention"]
