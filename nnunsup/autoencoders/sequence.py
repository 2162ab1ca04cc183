"""The sequence-to-sequence autoencoder: one LSTM reads a sequence into a code, another
writes the sequence back from it.  [A15]

    encoder:  x_1..x_T → LSTM (→ LSTM …) → h_T  (→ Linear)  = z              (N, m)
    decoder:  z, z, …, z (T times) → LSTM (→ LSTM …) → Linear at every step  = x̂_1..x̂_T

The code z is the encoder's final hidden state h_T: everything the decoder learns about
the sequence has to pass through it.  With ``code_size`` a linear layer maps h_T to a code
of that size (e.g. 2 for a code map).

The decoder's input is the code itself, repeated at every step, from a zero initial state
(the "unconditioned" decoder of Srivastava et al. 2015; Keras's RepeatVector recipe).  The
alternative, teacher forcing — feeding the decoder the true previous step x_{t−1} — makes
the reconstruction depend on x and not only on z: decoding a code alone
(``inverse_transform``) would have to feed back the decoder's own outputs x̂_{t−1}, a
regime training never saw, and a strong decoder can learn to predict x_t from x_{t−1}
and ignore z.  With the code as the only input, x̂ = g(z, β) is a function of z, as on
every autoencoder slide.

The loss sums over steps and features and averages over objects, the same L_AE as the
dense autoencoder on the flattened sequence [A1, A4]; its gradient reaches the encoder by
backpropagation through time (:func:`nnunsup.nn.recurrent.lstm_backward`).

Slides: "Inne typy autoenkoderéw" (Polish notes: "sequence-to-sequence: AE z uzyciem
        jednostek rekurencyjnych (np. LSTM)"); "Przyktad: Sketch-RNN" (Polish notes: a
        sequence-to-sequence VAE of pen strokes).

Rows of X are flattened sequences (N, T·d), step after step (for MNIST read row by row,
T = 28 rows of d = 28 pixels: the usual image rows), as every estimator of the library
takes them; the model reshapes them to (N, T, d).  Shape legend: ``N`` objects, ``T``
steps, ``d`` features per step, ``H`` LSTM units, ``m`` code units.

References
----------
Sutskever, Vinyals & Le (2014). Sequence to sequence learning with neural networks. NIPS.
Srivastava, Mansimov & Salakhutdinov (2015). Unsupervised learning of video
representations using LSTMs. ICML.
Ha & Eck (2017). A neural representation of sketch drawings (Sketch-RNN).
"""
from .._validation import check_scalar
from ..nn.layers import Flatten, Linear, Sequential
from ..nn.recurrent import LSTM, LastStep, RepeatSteps, TimeDistributed
from .base import Autoencoder

__all__ = ["SequenceAutoencoder"]


class SequenceAutoencoder(Autoencoder):
    """LSTM encoder → code → LSTM decoder, trained by backpropagation through time.  [A15]

    With K = len(hidden_sizes) LSTMs on each side:

    ===========================  ==================================  ====================
    params key                   what                                shape
    ===========================  ==================================  ====================
    ``encoder.<k>.W_x/W_h/b``    encoder LSTM k, gates i, f, g, o    (4H, n_in), (4H, H),
                                                                     (4H,)
    ``encoder.<K+1>.W/b``        code layer (with ``code_size``)     (m, H_K), (m,)
    ``decoder.<k+1>.W_x/W_h/b``  decoder LSTM k, widths reversed     as the encoder's
    ``decoder.<K+1>.W/b``        output layer, shared by the steps   (d, H_1), (d,)
    ===========================  ==================================  ====================

    (``encoder.<K>`` takes the last step h_T and ``decoder.0`` repeats the code T times;
    neither has parameters.)

    Parameters
    ----------
    hidden_sizes : tuple of int    H_1..H_K, the widths of the stacked encoder LSTMs (the
                                   decoder mirrors them); (64,) is one LSTM of 64 units
    seq_shape : (T, d)             steps and features per step; X has T·d columns
    code_size : int or None        m: a linear code layer z = A h_T + a of this size;
                                   None: the code is h_T itself (m = H_K)
    output_activation : str or None
                                   σ_g at every step; None: "sigmoid" for loss="bce",
                                   "identity" for loss="mse"
    loss : "mse" or "bce"          ‖x̂ − x‖² or the cross-entropy (x in [0, 1]), summed
                                   over steps and features [A4]
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel`

    Attributes
    ----------
    params, history_, n_features_in_

    Examples
    --------
    >>> from nnunsup.datasets import sine_sequences
    >>> X, y = sine_sequences(200, length=16, random_state=0)        # (200, 16), T=16, d=1
    >>> model = SequenceAutoencoder((16,), seq_shape=(16, 1), epochs=2).fit(X)
    >>> model.transform(X).shape
    (200, 16)
    """

    def __init__(self, hidden_sizes=(64,), seq_shape=(28, 28), code_size=None,
                 output_activation=None, loss="bce", *, epochs=10, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.seq_shape = seq_shape
        self.code_size = code_size
        self.output_activation = output_activation
        self.loss = loss
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # Autoencoder hyperparameters with no meaning here: the LSTM fixes its own σ and tanh,
    # the code layer is linear, the decoder mirrors the encoder, no weights are tied.
    activation, code_activation, decoder_sizes, tied = "identity", None, None, False

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        if not hasattr(self.seq_shape, "__len__") or len(self.seq_shape) != 2:
            raise ValueError(f"seq_shape must be (T, d), steps and features per step, "
                             f"got {self.seq_shape!r}")
        check_scalar(self.seq_shape[0], "seq_shape[0] (steps T)", kind=int, low=1)
        check_scalar(self.seq_shape[1], "seq_shape[1] (features per step d)", kind=int, low=1)
        check_scalar(self.code_size, "code_size", kind=int, low=1, allow_none=True)

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        T, d = self.seq_shape
        if X.shape[1] != T * d:
            raise ValueError(f"{name} has {X.shape[1]} features, but seq_shape "
                             f"{tuple(self.seq_shape)} needs T·d = {T * d}")
        return X

    def _build(self, n_features):
        """Encoder: LSTMs, last step, [code layer]; decoder: repeat, LSTMs, output, flatten."""
        T, d = self.seq_shape
        sizes = [d, *self.hidden_sizes]                                 # d → H_1 → … → H_K
        encoder = [LSTM(n_in, H) for n_in, H in zip(sizes[:-1], sizes[1:])]
        encoder.append(LastStep())                                      # h_T      (N, H_K)
        if self.code_size is not None:
            encoder.append(Linear(sizes[-1], self.code_size))           # z        (N, m)
        sizes = [self._code_width(), *reversed(self.hidden_sizes)]      # m → H_K → … → H_1
        decoder = [RepeatSteps(T)]                                      # z, …, z  (N, T, m)
        decoder += [LSTM(n_in, H) for n_in, H in zip(sizes[:-1], sizes[1:])]
        decoder += [TimeDistributed(Linear(sizes[-1], d)),              # before σ_g (N, T, d)
                    Flatten()]                                          # back to rows (N, T·d)
        return Sequential(*encoder), Sequential(*decoder)

    def _code_width(self):
        return self.hidden_sizes[-1] if self.code_size is None else self.code_size

    def _encode(self, X):
        """z = f(x, α): the rows read as sequences, then the encoder.  [A15]"""
        x = X.reshape((X.shape[0], *self.seq_shape))                    # (N, T, d)
        return super()._encode(x)

    def _loss_and_grads(self, X, y=None):
        """L_AE = (1/N) Σ_i Σ_t L(x̂_it, x_it) and its gradient, through time.  [A1, A4, A15]"""
        z, enc_cache = self._encode(X)                 # code h_T (or A h_T + a)  (N, m)
        out, dec_cache = self._decode(z)               # before σ_g, as rows      (N, T·d)
        loss, dout, _ = self._reconstruction(out, X)   # summed over t and d      [A4]
        grads = self._backward(dout, dec_cache, enc_cache)   # BPTT: decoder, then encoder
        return loss, grads
