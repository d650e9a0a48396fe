"""The notes' "Basic NN" chapter: activations, losses, initializers, regularization,
gradient checking, logistic regression and the deep L-layer network.

The public names of the submodules are re-exported here, as in the other
chapters, except ``predict``: the course has two (logistic regression's
``predict(w, b, X)`` and the deep network's ``predict(X, parameters)``), so it
stays qualified: :func:`dlnotes.nn.logistic.predict`, :func:`dlnotes.nn.deep.predict`.
"""
from dlnotes.nn.activations import (sigmoid, sigmoid_backward, tanh, tanh_backward, relu,
                                    relu_backward, leaky_relu, leaky_relu_backward, softmax,
                                    softmax_backward, log_softmax, log_softmax_backward,
                                    ACTIVATIONS, activation_forward, activation_backward)
from dlnotes.nn.losses import (binary_cross_entropy, binary_cross_entropy_backward,
                               sigmoid_cross_entropy_with_logits, categorical_cross_entropy,
                               softmax_cross_entropy_with_logits, mean_squared_error, LOSSES)
from dlnotes.nn.initializers import (INITIALIZERS, initialize_weights, initialize_parameters)
from dlnotes.nn.regularization import (l2_regularization_cost, l2_regularization_gradient,
                                       dropout_forward, dropout_backward)
from dlnotes.nn.gradcheck import (GradCheckResult, dictionary_to_vector, vector_to_dictionary,
                                  gradients_to_vector, gradient_check_n, numerical_gradient,
                                  relative_difference)
from dlnotes.nn.logistic import (initialize_with_zeros, propagate, optimize, model)
from dlnotes.nn.deep import (initialize_parameters_deep, linear_forward, linear_activation_forward,
                             L_model_forward, compute_cost, compute_cost_with_regularization,
                             linear_backward, linear_activation_backward, L_model_backward,
                             update_parameters, L_layer_model, LayerCache)
from dlnotes.nn.diagnostics import (BiasVariance, diagnose_bias_variance)

__all__ = [
    "sigmoid", "sigmoid_backward", "tanh", "tanh_backward", "relu", "relu_backward", "leaky_relu",
    "leaky_relu_backward", "softmax", "softmax_backward", "log_softmax", "log_softmax_backward",
    "ACTIVATIONS", "activation_forward", "activation_backward", "binary_cross_entropy",
    "binary_cross_entropy_backward", "sigmoid_cross_entropy_with_logits",
    "categorical_cross_entropy", "softmax_cross_entropy_with_logits", "mean_squared_error",
    "LOSSES", "INITIALIZERS", "initialize_weights", "initialize_parameters",
    "l2_regularization_cost", "l2_regularization_gradient", "dropout_forward", "dropout_backward",
    "GradCheckResult", "dictionary_to_vector", "vector_to_dictionary", "gradients_to_vector",
    "gradient_check_n", "numerical_gradient", "relative_difference", "initialize_with_zeros",
    "propagate", "optimize", "model", "initialize_parameters_deep", "linear_forward",
    "linear_activation_forward", "L_model_forward", "compute_cost",
    "compute_cost_with_regularization", "linear_backward", "linear_activation_backward",
    "L_model_backward", "update_parameters", "L_layer_model", "LayerCache", "BiasVariance",
    "diagnose_bias_variance",
]
