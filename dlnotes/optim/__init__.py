"""The notes' optimisation chapter: mini-batches, GD, Momentum, RMSprop, Adam,
learning-rate decay and random hyperparameter search.

Two views of the same update rules (``dlnotes/optim/_rules.py``):

- course-compatible functions (:mod:`dlnotes.optim.functional`) on ``parameters``/``grads`` dicts;
- optimizer objects (:mod:`dlnotes.optim.optimizers`) that update any layer's arrays in place.
"""
from dlnotes.optim.functional import (initialize_adam, initialize_rmsprop, initialize_velocity,
                                      update_parameters_with_adam, update_parameters_with_gd,
                                      update_parameters_with_momentum,
                                      update_parameters_with_rmsprop)
from dlnotes.optim.minibatch import mini_batch_indices, random_mini_batches
from dlnotes.optim.optimizers import SGD, Adam, Momentum, Optimizer, RMSprop
from dlnotes.optim.search import (Choice, IntUniform, LogUniform, OneMinusLogUniform,
                                  SearchResults, Uniform, coarse_to_fine, random_search,
                                  sample_hyperparameters)
from dlnotes.optim.schedules import (ConstantLR, CosineDecay, ExponentialDecay,
                                     InverseSqrtDecay, InverseTimeDecay, ManualSchedule, Schedule,
                                     ScheduledDecay, cosine_decay, exponential_decay,
                                     inverse_sqrt_decay, inverse_time_decay, schedule_lr_decay,
                                     update_lr)

__all__ = [
    "Optimizer", "SGD", "Momentum", "RMSprop", "Adam",
    "random_mini_batches", "mini_batch_indices",
    "update_parameters_with_gd", "initialize_velocity", "update_parameters_with_momentum",
    "initialize_rmsprop", "update_parameters_with_rmsprop", "initialize_adam",
    "update_parameters_with_adam",
    "Schedule", "ConstantLR", "InverseTimeDecay", "ExponentialDecay", "InverseSqrtDecay",
    "ScheduledDecay", "CosineDecay", "ManualSchedule", "update_lr", "inverse_time_decay",
    "exponential_decay", "inverse_sqrt_decay", "schedule_lr_decay", "cosine_decay",
    "random_search", "sample_hyperparameters", "SearchResults", "coarse_to_fine",
    "LogUniform", "OneMinusLogUniform", "Uniform", "IntUniform", "Choice",
]
