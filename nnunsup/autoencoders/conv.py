"""The convolutional autoencoder: convolution + pooling down, upsampling + transposed
convolution up.  [A12]

    encoder  block h:  Conv2d(c_{h−1} → c_h, k×k, same padding) → σ → MaxPool2d(2)
    code:              the last feature map (c_H × H/2^H × W/2^H), or a dense layer of it
    decoder  block h:  Upsample2d(2) → ConvTranspose2d(c_h → c_{h−1}, k×k) → σ (the last
                       block ends with the output activation instead)

Slides: "Deep Convolutional Autoencoder" (Polish notes: convolution and pooling in the
        encoder, unpooling/upsampling and "transpozycja splotu" in the decoder).

Rows of X are flattened images (N, C·H·W), as every estimator of the library takes them;
the model reshapes them to (N, C, H, W).  Shape legend: ``N`` objects, ``C × H × W`` an
image, ``c_h`` the channels of block h.
"""
import math

from .._validation import check_scalar, check_sizes
from ..nn.conv import Conv2d, ConvTranspose2d
from ..nn.layers import Flatten, Linear, Reshape, Sequential, activation
from ..nn.pool import MaxPool2d, Upsample2d
from .base import Autoencoder

__all__ = ["ConvAutoencoder", "conv_encoder_blocks", "conv_decoder_blocks"]


def _check_conv_shape(image_shape, n_blocks, kernel_size):
    """ValueError unless (C, H, W) images pass ``n_blocks`` blocks of an odd k × k
    convolution with same padding and a 2 × 2 pooling."""
    if len(image_shape) != 3:
        raise ValueError(f"image_shape must be (C, H, W), got {image_shape!r}")
    check_sizes(image_shape, "image_shape", example="(1, 28, 28)")
    C, H, W = image_shape
    scale = 2 ** n_blocks
    if H % scale or W % scale:
        raise ValueError(f"image_shape {tuple(image_shape)}: H and W must be divisible by "
                         f"2^{n_blocks} = {scale} (one 2×2 pooling per block)")
    check_scalar(kernel_size, "kernel_size", kind=int, low=1)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd (same padding), got {kernel_size}")


def conv_encoder_blocks(channels, kernel_size, activation_name):
    """The encoder's blocks  Conv2d(c_{h−1} → c_h, k×k, same padding) → σ → MaxPool2d(2).  [A12]

    Parameters
    ----------
    channels : sequence of int     c_0 (the image's channels), c_1, …, c_H
    kernel_size : int              k, odd
    activation_name : str          σ

    Returns
    -------
    layers : list of Layer         (N, c_0, H, W) → (N, c_H, H/2^H, W/2^H)
    """
    pad = kernel_size // 2
    layers = []
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        layers += [Conv2d(c_in, c_out, kernel_size, padding=pad), activation(activation_name),
                   MaxPool2d(2)]
    return layers


def conv_decoder_blocks(channels, kernel_size, activation_name):
    """The decoder's blocks  Upsample2d(2) → ConvTranspose2d(c_h → c_{h−1}, k×k) → σ,
    the last block without σ (the model's output activation or likelihood follows).  [A12]

    Parameters
    ----------
    channels : sequence of int     c_0, c_1, …, c_H as for :func:`conv_encoder_blocks`

    Returns
    -------
    layers : list of Layer         (N, c_H, H/2^H, W/2^H) → (N, c_0, H, W)
    """
    pad = kernel_size // 2
    blocks = list(zip(channels[:0:-1], channels[-2::-1]))               # (c_h → c_{h−1})
    layers = []
    for i, (c_in, c_out) in enumerate(blocks):
        layers += [Upsample2d(2), ConvTranspose2d(c_in, c_out, kernel_size, padding=pad)]
        if i < len(blocks) - 1:
            layers.append(activation(activation_name))
    return layers


class ConvAutoencoder(Autoencoder):
    """Convolutional autoencoder for images, e.g. 28 × 28 digits.  [A12]

    ===========================  ================================  =====================
    params key                   what                              shape
    ===========================  ================================  =====================
    ``encoder.<3h>.W/b``         conv kernel of block h            (c_h, c_{h−1}, k, k)
    ``encoder.<3H+1>.W/b``       dense code layer (code_size)      (code, c_H·h·w)
    ``decoder.<…>.W/b``          dense layer, transposed convs     (c_h, c_{h−1}, k, k)
    ===========================  ================================  =====================

    Parameters
    ----------
    hidden_sizes : tuple of int    channels c_1..c_H of the encoder's blocks
    image_shape : (C, H, W)        the shape of one image; H and W divisible by 2^H
    kernel_size : int              k (odd: the padding k//2 keeps the size)
    code_size : int or None        a dense code of this size after the last block;
                                   None: the last feature map is the code
    activation, output_activation, loss, epochs, batch_size, learning_rate, optimizer,
    patience, warm_start, random_state, verbose : as :class:`Autoencoder`
    """

    def __init__(self, hidden_sizes=(16, 8), image_shape=(1, 28, 28), kernel_size=3,
                 code_size=None, activation="relu", output_activation=None, loss="bce", *,
                 epochs=10, batch_size=64, learning_rate=1e-3, optimizer="adam", patience=None,
                 warm_start=False, random_state=None, verbose="auto"):
        self.hidden_sizes = hidden_sizes
        self.image_shape = image_shape
        self.kernel_size = kernel_size
        self.code_size = code_size
        self.activation = activation
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

    code_activation, decoder_sizes, tied = None, None, False

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        _check_conv_shape(self.image_shape, len(self.hidden_sizes), self.kernel_size)
        check_scalar(self.code_size, "code_size", kind=int, low=1, allow_none=True)

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if X.shape[1] != math.prod(self.image_shape):
            raise ValueError(f"{name} has {X.shape[1]} features, but image_shape "
                             f"{tuple(self.image_shape)} needs {math.prod(self.image_shape)}")
        return X

    def _build(self, n_features):
        C, H, W = self.image_shape
        channels = [C, *self.hidden_sizes]
        encoder = conv_encoder_blocks(channels, self.kernel_size, self.activation)
        decoder = []
        scale = 2 ** len(self.hidden_sizes)
        feature_map = (channels[-1], H // scale, W // scale)
        if self.code_size is not None:
            encoder += [Flatten(), Linear(math.prod(feature_map), self.code_size, init="he")]
            decoder += [Linear(self.code_size, math.prod(feature_map), init="he"),
                        activation(self.activation), Reshape(feature_map)]
        else:
            encoder.append(Flatten())
            decoder.append(Reshape(feature_map))
        decoder += conv_decoder_blocks(channels, self.kernel_size, self.activation)
        decoder.append(Flatten())                                        # back to rows
        return Sequential(*encoder), Sequential(*decoder)

    def _encode(self, X):
        images = X.reshape((X.shape[0], *self.image_shape))             # (N, C, H, W)
        return super()._encode(images)

    def _code_width(self):
        if self.code_size is not None:
            return self.code_size
        C, H, W = self.image_shape
        scale = 2 ** len(self.hidden_sizes)
        return self.hidden_sizes[-1] * (H // scale) * (W // scale)
