"""Self-supervised learning: a vectorisation learned by predicting the relative position of
two patches of one image.  [T3]

The image is cut into a 3 × 3 grid of p × p patches.  A patch encoder f(patch, α) codes the
centre patch and one of its 8 neighbours; a small classifier h(f(centre), f(neighbour), γ)
predicts which of the 8 positions the neighbour came from (Doersch, Gupta & Efros 2015).
No labels are needed: every image gives 8 examples (all its neighbours), so the objective
is deterministic,

    (1/8N) Σ_i Σ_{k=1..8} L(h(f(c_i, α), f(p_ik, α), γ), k) → min_{α, γ},

and the learned f then serves a downstream task: the codes of all 9 patches, concatenated,
are the image's vectorisation (:func:`~nnunsup.transfer.encoder_of` gives it to a
:class:`~nnunsup.transfer.TransferClassifier`, a linear probe with ``head_sizes=()``).

Slides: "Самостоятельное обучение (self-supervised learning)" (MIPT notes: "модель
        векторизации обучается предсказывать взаимное расположение пар фрагментов одного
        изображения").

Shape legend: ``N`` images, ``C × H × W`` an image, ``p`` the patch side, ``d`` the code of
one patch.

References
----------
Doersch, Gupta & Efros (2015). Unsupervised visual representation learning by context
prediction. ICCV.
"""
import math

from .. import backend
from .._base import GradientModel
from .._validation import check_scalar, check_sizes
from ..nn import losses
from ..nn.functional import softmax
from ..nn.layers import Layer, Sequential, activation, mlp, prefixed, subparams

__all__ = ["RelativePositionPretext", "PatchEncoder", "extract_patches"]

#: the 8 neighbours of the centre of a 3 × 3 grid, row by row (the pretext's classes)
NEIGHBOURS = (0, 1, 2, 3, 5, 6, 7, 8)


def extract_patches(X, image_shape, patch):
    """The 3 × 3 grid of p × p patches of every image (the top-left 3p × 3p crop).  [T3]

    Parameters
    ----------
    X : array of shape (N, C·H·W)     images as rows
    image_shape : (C, H, W)           with H, W ≥ 3p
    patch : int                       p

    Returns
    -------
    patches : array of shape (N, 9, C·p·p)   patch 3r + c is grid row r, column c
    """
    C, H, W = image_shape
    N = X.shape[0]
    images = X.reshape(N, C, H, W)[:, :, :3 * patch, :3 * patch]        # (N, C, 3p, 3p)
    grid = images.reshape(N, C, 3, patch, 3, patch)                     # (N, C, r, i, c, j)
    return grid.transpose(0, 2, 4, 1, 3, 5).reshape(N, 9, C * patch * patch)


class PatchEncoder(Layer):
    """An image's vectorisation: the patch encoder f applied to each of its 9 patches, the
    codes concatenated (N, 9d).  [T3]

    ``params`` are those of the patch MLP (keys of its Sequential); forward and backward run
    it on all 9N patches at once.
    """

    can_skip_dx = True

    def __init__(self, mlp, image_shape, patch):
        self.mlp, self.image_shape, self.patch = mlp, tuple(image_shape), patch

    def init_params(self, rng, dtype=None):
        return self.mlp.init_params(rng, dtype)

    def forward(self, params, x):
        N = x.shape[0]
        patches = extract_patches(x, self.image_shape, self.patch)      # (N, 9, C·p·p)
        codes, cache = self.mlp.forward(params, patches.reshape(N * 9, -1))
        return codes.reshape(N, -1), (cache, N)                          # (N, 9d)

    def backward(self, dout, cache, need_dx=True):
        if need_dx:
            raise ValueError("PatchEncoder reads the data directly; it has no input gradient")
        mlp_cache, N = cache
        _, grads = self.mlp.backward(dout.reshape(N * 9, -1), mlp_cache, need_dx=False)
        return None, grads


class RelativePositionPretext(GradientModel):
    """The relative-position pretext task: which of the 8 neighbours of the centre patch?  [T3]

    ==================  ============================  ==================
    params key          slide symbol                  shape
    ==================  ============================  ==================
    ``f.<i>.W/b``       α, the patch encoder          (out, in) / (out,)
    ``h.<i>.W/b``       γ, the position classifier    (out, in) / (out,)
    ==================  ============================  ==================

    Parameters
    ----------
    image_shape : (C, H, W)
    patch : int                    p, the side of a patch (9 for 28 × 28 digits: the top-left
                                   27 × 27 crop)
    hidden_sizes : tuple of int    widths of f, the last one d
    head_sizes : tuple of int      hidden widths of h, which reads [f(centre), f(neighbour)]
    activation : str
    epochs, batch_size, learning_rate, optimizer, patience, warm_start, random_state,
    verbose :                      see :class:`nnunsup._base.GradientModel` (``batch_size``
                                   images, 8 pairs each)

    Attributes
    ----------
    params, history_ (the pretext loss), n_features_in_
    """

    def __init__(self, image_shape=(1, 28, 28), patch=9, hidden_sizes=(128, 64),
                 head_sizes=(64,), activation="relu", *, epochs=10, batch_size=64,
                 learning_rate=1e-3, optimizer="adam", patience=None, warm_start=False,
                 random_state=None, verbose="auto"):
        self.image_shape = image_shape
        self.patch = patch
        self.hidden_sizes = hidden_sizes
        self.head_sizes = head_sizes
        self.activation = activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.patience = patience
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W), got {self.image_shape!r}")
        check_sizes(self.image_shape, "image_shape", example="(1, 28, 28)")
        check_scalar(self.patch, "patch", kind=int, low=1)
        C, H, W = self.image_shape
        if H < 3 * self.patch or W < 3 * self.patch:
            raise ValueError(f"image_shape {tuple(self.image_shape)} is too small for a 3 × 3 "
                             f"grid of {self.patch} × {self.patch} patches")
        check_sizes(self.hidden_sizes, "hidden_sizes")
        check_sizes(self.head_sizes, "head_sizes", allow_empty=True)
        activation(self.activation)                                # ValueError listing choices

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if X.shape[1] != math.prod(self.image_shape):
            raise ValueError(f"{name} has {X.shape[1]} features, but image_shape "
                             f"{tuple(self.image_shape)} needs {math.prod(self.image_shape)}")
        return X

    def _init_params(self, n_features, rng):
        self._check_hyperparameters()
        C = self.image_shape[0]
        d = self.hidden_sizes[-1]
        self._f = mlp([C * self.patch ** 2, *self.hidden_sizes], self.activation,
                      output=self.activation)                       # codes end activated
        self._h = mlp([2 * d, *self.head_sizes, len(NEIGHBOURS)], self.activation)
        dtype = backend.get_default_dtype()
        params = prefixed("f.", self._f.init_params(rng, dtype))
        params.update(prefixed("h.", self._h.init_params(rng, dtype)))
        return params

    def _encoder_layers(self):
        """The image vectorisation for :func:`~nnunsup.transfer.encoder_of`: f on 9 patches."""
        return (Sequential(PatchEncoder(self._f, self.image_shape, self.patch)),
                prefixed("0.", subparams(self.params, "f.")))

    def _loss_and_grads(self, X, y=None):
        """(1/8N) Σ_i Σ_k L(h(f(c_i), f(p_ik)), k): every neighbour of every centre.  [T3]"""
        xp = backend.get_xp(X)
        N = X.shape[0]
        patches = extract_patches(X, self.image_shape, self.patch)        # (N, 9, C·p·p)
        neighbours = patches[:, list(NEIGHBOURS)].reshape(N * 8, -1)      # (8N, C·p·p)
        both = xp.concatenate([patches[:, 4], neighbours])                # centres first
        codes, f_cache = self._f.forward(subparams(self.params, "f."), both)   # (9N, d)
        centre = xp.repeat(codes[:N], 8, axis=0)                          # (8N, d)
        pairs = xp.concatenate([centre, codes[N:]], axis=1)               # [f(c), f(p_k)]
        logits, h_cache = self._h.forward(subparams(self.params, "h."), pairs)   # (8N, 8)
        positions = xp.tile(xp.arange(8), N)                              # k, the label
        loss, dlogits = losses.softmax_ce(logits, positions)
        dpairs, h_grads = self._h.backward(dlogits, h_cache)
        d = codes.shape[1]
        dcodes = xp.concatenate([dpairs[:, :d].reshape(N, 8, d).sum(axis=1),   # shared f:
                                 dpairs[:, d:]])                          # both uses add up
        _, f_grads = self._f.backward(dcodes, f_cache, need_dx=False)
        return loss, {**prefixed("f.", f_grads), **prefixed("h.", h_grads)}

    def transform(self, X):
        """The image vectorisation: f of the 9 patches, concatenated, shape (N, 9d).  [T3]"""
        X = self._check_input(X)
        layers, params = self._encoder_layers()
        return layers.forward(params, X)[0]

    def predict_positions(self, X):
        """The predicted position (0..7 among the 8 neighbours) of every neighbour, (N, 8)."""
        X = self._check_input(X)
        N = X.shape[0]
        patches = extract_patches(X, self.image_shape, self.patch)
        xp = backend.get_xp(X)
        codes = self._f.forward(subparams(self.params, "f."),
                                patches.reshape(N * 9, -1))[0].reshape(N, 9, -1)
        pairs = xp.concatenate([xp.repeat(codes[:, 4:5], 8, axis=1),
                                codes[:, list(NEIGHBOURS)]], axis=2).reshape(N * 8, -1)
        probs = softmax(self._h.forward(subparams(self.params, "h."), pairs)[0])
        return probs.argmax(axis=1).reshape(N, 8)

    def score(self, X, y=None):
        """The pretext accuracy: the share of neighbours whose position is right."""
        predicted = backend.to_numpy(self.predict_positions(X))
        return float((predicted == backend.to_numpy(backend.get_xp().arange(8))).mean())
