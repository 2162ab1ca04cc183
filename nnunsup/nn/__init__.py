"""Hand-written neural-network building blocks: layers, losses, optimisers, gradcheck.

Modules: ``functional`` (the math), ``layers`` (Linear, activations, Sequential),
``conv`` and ``pool`` (image layers), ``recurrent`` (LSTM, backpropagation through time),
``losses``, ``init``, ``optim``, ``gradcheck``, ``training`` (loop pieces) and
``perceptron`` (MLPClassifier, MLPRegressor).
"""
from . import functional, init, losses, optim
from .conv import Conv2d, ConvTranspose2d, conv2d_naive, conv_transpose2d_naive
from .gradcheck import GradcheckResult, gradcheck, rel_error
from .layers import (Dropout, Flatten, Identity, Layer, LeakyReLU, Linear, ReLU, Reshape,
                     Sequential, Sigmoid, Softmax, Softplus, Tanh, activation, mlp)
from .optim import SGD, Adam, Momentum
from .perceptron import MLPClassifier, MLPRegressor
from .pool import (MaxPool2d, MaxUnpool2d, Upsample2d, max_pool2d, max_pool2d_naive,
                   max_unpool2d, max_unpool2d_naive, upsample2d, upsample2d_naive)
from .recurrent import (LSTM, LastStep, RepeatSteps, TimeDistributed, lstm_backward,
                        lstm_forward, lstm_step_backward, lstm_step_forward)

__all__ = [
    "functional", "init", "losses", "optim",
    "Layer", "Linear", "Identity", "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "Softplus",
    "Softmax", "Flatten", "Reshape", "Dropout", "Sequential", "activation", "mlp",
    "Conv2d", "ConvTranspose2d", "conv2d_naive", "conv_transpose2d_naive",
    "MaxPool2d", "MaxUnpool2d", "Upsample2d", "max_pool2d", "max_unpool2d", "upsample2d",
    "max_pool2d_naive", "max_unpool2d_naive", "upsample2d_naive",
    "SGD", "Momentum", "Adam", "gradcheck", "GradcheckResult", "rel_error",
    "MLPClassifier", "MLPRegressor",
    "LSTM", "LastStep", "RepeatSteps", "TimeDistributed", "lstm_forward", "lstm_backward",
    "lstm_step_forward", "lstm_step_backward",
]
