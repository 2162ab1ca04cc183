"""Hand-written neural-network building blocks: layers, losses, optimisers, gradcheck."""
from . import functional, init, losses, optim
from .gradcheck import GradcheckResult, gradcheck, rel_error
from .layers import (Dropout, Flatten, Identity, Layer, LeakyReLU, Linear, ReLU, Reshape,
                     Sequential, Sigmoid, Softmax, Softplus, Tanh, activation, mlp)
from .optim import SGD, Adam, Momentum
from .perceptron import MLPClassifier, MLPRegressor
