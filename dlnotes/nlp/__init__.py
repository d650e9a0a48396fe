"""The notes' NLP chapter: word vectors (cosine similarity, analogies, debiasing),
word2vec skip-gram with negative sampling, and the attention model."""
