"""The notes' "Basic NN" chapter: activations, losses, initializers, regularization,
gradient checking, logistic regression and the deep L-layer network."""
