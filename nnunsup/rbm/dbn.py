"""Stacks of RBMs: the deep belief network and the RBM-pretrained deep autoencoder.  [R7, R8, R9]

DBN [R7]: RBMs trained greedily, each on the hidden activities of the one below,

    RBM_1 on x,   RBM_2 on h¹ = P(h¹ = 1 | x),   …,   RBM_L on h^{L−1};

then fine-tuning: a classifier whose hidden layers start from the RBMs' weights, trained
by backpropagation; or generation: Gibbs sampling in the top RBM, then one pass down
through the lower RBMs' conditionals P(h^{l−1} | h^l).

Deep autoencoder [R8] (Hinton & Salakhutdinov 2006): pre-train the stack of RBMs — the top
one with linear (Gaussian) hidden units, the code layer —, unroll it into an encoder
(weights Wᵀ, hidden biases b) and a decoder (weights W, visible biases a), and fine-tune the
whole autoencoder by backpropagation on the reconstruction error.

Pre-training as regularisation [R9] (Erhan et al. 2010) is the comparison of the same
network with and without this start; ``DeepAutoencoder(pretrain=False)`` and a classifier
built without :meth:`DBN.classifier` are the "without" halves.

Slides: "Deep Belief Networks (DBN)", "Filtry DBN na MNIST", "Pretraining dla głębokich
        AE", "Kompresja obrazów: Deep AE vs. PCA", "Pre-trening DNN", "Inicjalizacja sieci
        DNN" (Polish notes).

Shape legend: ``N`` objects, ``n`` visible units, ``m_l`` units of layer l, ``K`` classes.

References
----------
Hinton, Osindero & Teh (2006). A fast learning algorithm for deep belief nets. Neural Comp.
Hinton & Salakhutdinov (2006). Reducing the dimensionality of data with neural networks.
Erhan, Bengio, Courville, Manzagol, Vincent & Bengio (2010). Why does unsupervised
pre-training help deep learning? JMLR 11.
"""
import numpy

from .. import backend
from .._base import ParamModel
from .._validation import (NonFiniteLossError, check_random_state, check_range, check_scalar,
                           check_sizes)
from ..autoencoders.base import Autoencoder
from ..nn.layers import Linear
from ..nn.perceptron import MLPClassifier
from .models import BernoulliRBM

__all__ = ["DBN", "DeepAutoencoder"]

_RBM_SETTINGS = ("k", "persistent", "weight_decay", "batch_size", "learning_rate", "optimizer",
                 "verbose")


class DBN(ParamModel):
    """Deep belief network: RBMs stacked greedily, then fine-tuned or sampled.  [R7]

    ==================  ====================================  ============
    params key          what                                  shape
    ==================  ====================================  ============
    ``rbm.<l>.W``       weights of RBM l (layer l → l + 1)    (m_l, m_l+1)
    ``rbm.<l>.a``       its visible biases                    (m_l,)
    ``rbm.<l>.b``       its hidden biases                     (m_l+1,)
    ==================  ====================================  ============

    The entries are the arrays of the RBMs in ``rbms_`` (the same objects).

    Parameters
    ----------
    hidden_sizes : tuple of int    m_1, …, m_L
    k, persistent, weight_decay :  CD settings of every RBM (:class:`BernoulliRBM`)
    allow_probabilities : bool     whether the data may be probabilities in [0, 1] (the
                                   upper RBMs always read probabilities, the activities)
    epochs : int                   CD epochs of each RBM
    batch_size, learning_rate, optimizer, random_state, verbose :
                                   as :class:`BernoulliRBM`, for every layer

    Attributes
    ----------
    rbms_ : list of BernoulliRBM   the trained layers, bottom first
    params, n_features_in_

    When an RBM's training diverges, ``fit`` raises :class:`~nnunsup.NonFiniteLossError`
    naming that RBM; ``rbms_`` and ``params`` then hold the RBMs below it and that one at
    its last finite parameters.
    """

    def __init__(self, hidden_sizes=(500, 500), k=1, persistent=False, weight_decay=0.0,
                 allow_probabilities=False, *, epochs=10, batch_size=100, learning_rate=0.1,
                 optimizer="sgd", random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.k = k
        self.persistent = persistent
        self.weight_decay = weight_decay
        self.allow_probabilities = allow_probabilities
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.random_state = random_state
        self.verbose = verbose

    def _layer(self, l, size, seed):
        """RBM l of the stack (not yet trained)."""
        return BernoulliRBM(size, allow_probabilities=self.allow_probabilities or l > 0,
                            epochs=self.epochs, random_state=seed,
                            **{k: getattr(self, k) for k in _RBM_SETTINGS})

    def _check_hyperparameters(self):
        check_sizes(self.hidden_sizes, "hidden_sizes", example="(500, 500, 2000)")
        check_scalar(self.epochs, "epochs", kind=int, low=1)
        check_random_state(self.random_state)
        self._layer(0, 1, None)._check_hyperparameters()         # the settings of every RBM

    def fit(self, X, y=None):
        """Train the RBMs one after another, each on the activities of the one below.  [R7]"""
        self._check_hyperparameters()
        self._seed_streams()
        self._sample_rng = backend.default_rng(check_random_state(self.random_state).spawn(5)[4])
        seeds = numpy.random.SeedSequence(self._init_rng.integers(2 ** 32))
        seeds = seeds.spawn(len(self.hidden_sizes))                  # one per RBM
        X = self._layer(0, 1, None)._check_X(X)                      # binary (or [0, 1]) data
        self.rbms_, codes = [], X
        self.n_features_in_ = X.shape[1]
        for l, size in enumerate(self.hidden_sizes):                 # [R7] greedy
            rbm = self._layer(l, size, seeds[l])
            try:
                rbm.fit(codes)                                       # RBM_l on h^{l−1}
            except NonFiniteLossError as err:                        # keep the stack so far
                self.rbms_.append(rbm)
                self._stack()
                raise err.during(f"training RBM {l + 1} of {len(self.hidden_sizes)}") from err
            self.rbms_.append(rbm)
            codes = rbm.transform(codes)                             # h^l = P(h^l = 1 | h^{l−1})
        self._stack()
        return self

    def _stack(self):
        """``params``: the arrays of the RBMs in ``rbms_``, keyed ``rbm.<l>.<key>``."""
        self._params = {f"rbm.{l}.{key}": value for l, rbm in enumerate(self.rbms_)
                        for key, value in rbm.params.items()}

    def _check_X(self, X, name="X"):
        return self.rbms_[0]._check_X(X, name) if getattr(self, "rbms_", None) else X

    def transform(self, X):
        """The top layer's activities P(h^L = 1 | …) of every row, shape (N, m_L).  [R7]"""
        codes = self._check_input(X)
        for rbm in self.rbms_:
            codes = rbm.transform(codes)
        return codes

    def fit_transform(self, X, y=None):
        return self.fit(X).transform(X)

    def sample(self, n_samples=1, n_gibbs=1000, random_state=None):
        """Generate: a Gibbs chain in the top RBM, then one pass down the stack.  [R7]

        Returns the visible probabilities P(x = 1 | h¹) of the samples, shape (n_samples, n):
        the top chain's visible states are h^{L−1}; each lower layer draws
        h^{l−1} ∼ P(h^{l−1} | h^l) from RBM l's visible conditional.
        """
        self._check_fitted()
        rng = (self._sample_rng if random_state is None
               else backend.default_rng(check_random_state(random_state)))
        h = self.rbms_[-1].sample(n_samples, n_gibbs, random_state=int(rng.integers(2 ** 32)))
        for rbm in reversed(self.rbms_[:-1]):                        # top-down generative pass
            mean = rbm.inverse_transform(h)
            if rbm is self.rbms_[0]:
                return mean
            h = (rng.random(mean.shape, dtype=mean.dtype) < mean).astype(mean.dtype)
        return h                                                     # a one-layer DBN

    def classifier(self, classes, **kwargs):
        """An MLP classifier whose sigmoid hidden layers start from the RBMs.  [R7, R9]

        Hidden layer l gets weights W_lᵀ and biases b_l, so its output is the activity
        P(h^l = 1 | h^{l−1}); the softmax layer is fresh.  Returns an
        :class:`~nnunsup.nn.MLPClassifier` with ``warm_start=True``; ``kwargs`` set its
        training hyperparameters (epochs, learning_rate, optimizer, …).
        """
        self._check_fitted()
        training = {"batch_size": self.batch_size, "random_state": self.random_state}
        model = MLPClassifier(tuple(self.hidden_sizes), activation="sigmoid", warm_start=True,
                              **{**training, **kwargs})
        model.init_params(self.n_features_in_, classes=classes)
        for l, rbm in enumerate(self.rbms_):
            model.params[f"net.{2 * l}.W"][...] = rbm.params["W"].T
            model.params[f"net.{2 * l}.b"][...] = rbm.params["b"]
        return model


class DeepAutoencoder(Autoencoder):
    """The RBM-pretrained deep autoencoder of Hinton & Salakhutdinov (2006).  [R8, R9]

    ``fit(X)``:

    1. pre-training: RBM_1 on X (values in [0, 1] read as probabilities, as the paper's
       grey pixels), RBM_l on the activities of RBM_{l−1}, each by CD-1 with momentum; the
       top RBM has linear (Gaussian, unit-variance) hidden units — the code — and a smaller
       learning rate;
    2. unrolling: encoder layer l = (W_lᵀ, b_l) with sigmoid units (linear at the code),
       decoder layer l = (W_l, a_l), in reverse order, with sigmoid units;
    3. fine-tuning of the whole autoencoder for ``epochs`` by backpropagation of the
       cross-entropy (the paper's choice for MNIST; it used conjugate gradients, here the
       model's ``optimizer``).

    ``pretrain=False`` skips 1–2: the same network from the usual random start, for the
    comparison of R9.

    Parameters
    ----------
    hidden_sizes : tuple of int    the encoder's widths, the last one the code size:
                                   (1000, 500, 250, 30) in the paper
    pretrain : bool
    pretrain_epochs : int          CD-1 epochs of each RBM (the paper: 50)
    pretrain_learning_rate : float ε of the binary RBMs (the paper: 0.1 for 50 epochs; 0.05
                                   trains more steadily in short runs)
    code_learning_rate : float     ε of the top RBM with linear hidden units (the paper:
                                   0.001 for 50 epochs; 0.005 reaches a usable code in ten)
    weight_decay : float           λ of the RBMs (the paper: 2e-4)
    loss : "bce" or "mse"          the fine-tuning loss (cross-entropy needs X in [0, 1])
    epochs, batch_size, learning_rate, optimizer, patience, random_state, verbose :
                                   fine-tuning, as :class:`~nnunsup.autoencoders.Autoencoder`
                                   (``batch_size`` also for the RBMs; Adam with η = 3e-3 by
                                   default, where the paper ran conjugate gradients)

    Attributes
    ----------
    rbms_ : list of BernoulliRBM          the pre-trained layers (empty without pre-training)
    pretrain_history_ : list of dict      their ``history_``
    history_, params, n_features_in_      of the fine-tuned autoencoder
    """

    def __init__(self, hidden_sizes=(1000, 500, 250, 30), pretrain=True, pretrain_epochs=10,
                 pretrain_learning_rate=0.05, code_learning_rate=0.005, weight_decay=2e-4,
                 loss="bce", *, epochs=10, batch_size=100, learning_rate=3e-3, optimizer="adam",
                 patience=None, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.pretrain = pretrain
        self.pretrain_epochs = pretrain_epochs
        self.pretrain_learning_rate = pretrain_learning_rate
        self.code_learning_rate = code_learning_rate
        self.weight_decay = weight_decay
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    # the unrolled net: sigmoid layers, a linear code, no tied weights, fresh on every fit
    activation, code_activation, output_activation = "sigmoid", "identity", None
    decoder_sizes, tied, warm_start = None, False, False
    _min_epochs = 0

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        check_scalar(self.pretrain_epochs, "pretrain_epochs", kind=int, low=1)
        check_scalar(self.pretrain_learning_rate, "pretrain_learning_rate", low=0, low_open=True)
        check_scalar(self.code_learning_rate, "code_learning_rate", low=0, low_open=True)
        check_scalar(self.weight_decay, "weight_decay", low=0)

    def fit(self, X, y=None):
        """Pre-train the RBMs, unroll them, fine-tune the autoencoder; returns self.  [R8]"""
        self._check_hyperparameters()
        X = self._check_X(X)
        if self.pretrain:                    # the RBMs read X as pixel probabilities
            check_range(X, 0.0, 1.0, "pre-training reads X as probabilities and")
        self.init_params(X.shape[1])
        self.rbms_, self.pretrain_history_ = [], []
        if self.pretrain:
            self._pretrain(X)
        if self.epochs:                                              # [R8] fine-tuning
            self._prepare(X)
            try:
                self._train(X, None, self.epochs, None, early_stopping=bool(self.patience))
            except NonFiniteLossError as err:
                raise err.during("fine-tuning") from err
        return self

    def _pretrain(self, X):
        """Greedy RBMs, their weights copied into the unrolled encoder and decoder.  [R8]"""
        seeds = numpy.random.SeedSequence(self._init_rng.integers(2 ** 32))
        seeds = seeds.spawn(len(self.hidden_sizes))                  # one per RBM
        encoder = [i for i, layer in enumerate(self._encoder.layers) if isinstance(layer, Linear)]
        decoder = [i for i, layer in enumerate(self._decoder.layers) if isinstance(layer, Linear)]
        codes = X
        for l, size in enumerate(self.hidden_sizes):
            top = l == len(self.hidden_sizes) - 1
            rbm = BernoulliRBM(size, hidden="gaussian" if top else "bernoulli",
                               allow_probabilities=True, weight_decay=self.weight_decay,
                               epochs=self.pretrain_epochs, batch_size=self.batch_size,
                               learning_rate=(self.code_learning_rate if top
                                              else self.pretrain_learning_rate),
                               optimizer="momentum", random_state=seeds[l], verbose=self.verbose)
            try:
                rbm.fit(codes)                                       # RBM_l on h^{l−1}
            except NonFiniteLossError as err:
                rate = "code_learning_rate" if top else "pretrain_learning_rate"
                raise err.during(f"pre-training RBM {l + 1} of {len(self.hidden_sizes)} "
                                 f"(its learning_rate is this model's {rate})") from err
            self.rbms_.append(rbm)
            self.pretrain_history_.append(rbm.history_)
            e, d = encoder[l], decoder[-1 - l]                       # unroll: W_lᵀ up, W_l down
            self.params[f"encoder.{e}.W"][...] = rbm.params["W"].T
            self.params[f"encoder.{e}.b"][...] = rbm.params["b"]
            self.params[f"decoder.{d}.W"][...] = rbm.params["W"]
            self.params[f"decoder.{d}.b"][...] = rbm.params["a"]
            codes = rbm.transform(codes)                             # h^l (the code: linear)
