"""The deep convolutional GAN: transposed convolutions up in the generator, strided
convolutions down in the discriminator.  [G5]

    G:  z → Linear → c₁ × H/4 × W/4 → ReLU → ConvTranspose2d(c₁ → c₂, 4×4, stride 2) → ReLU
          → ConvTranspose2d(c₂ → C, 4×4, stride 2) → sigmoid            (H/4 → H/2 → H)
    D:  x → Conv2d(C → c₂, 4×4, stride 2) → LeakyReLU(0.2) → Conv2d(c₂ → c₁, 4×4, stride 2)
          → LeakyReLU(0.2) → Linear → one logit                          (H → H/2 → H/4)

Radford et al.'s recipe without batch normalisation (no pooling, strided convolutions both
ways, LeakyReLU in D, weights N(0, 0.02²), Adam with β₁ = 0.5); the objectives, the
alternating steps and the two generator losses are those of :class:`~nnunsup.gan.GAN`.
Rows of X are flattened images (N, C·H·W), as every estimator of the library takes them.

Slides: "DCGAN - Deep Conv GAN" (Polish notes: "Generowanie obrazów za pomocą splotowej
        sieci GAN").

References
----------
Radford, Metz & Chintala (2016). Unsupervised representation learning with deep
convolutional generative adversarial networks. ICLR.
"""
import math

from .._validation import check_sizes
from ..nn.conv import Conv2d, ConvTranspose2d
from ..nn.layers import Flatten, LeakyReLU, Linear, ReLU, Reshape, Sequential, activation
from .gan import GAN

__all__ = ["DCGAN"]


class DCGAN(GAN):
    """A GAN with a transposed-convolution generator and a convolutional discriminator.  [G5]

    ======================  ====================================  ======================
    params key              what                                  shape
    ======================  ====================================  ======================
    ``G.0.W/b``             z → the first feature map             (c₁·H/4·W/4, d)
    ``G.3.W``, ``G.5.W``    transposed convolutions               (c₁, c₂, 4, 4), (c₂, C, 4, 4)
    ``D.0.W``, ``D.2.W``    convolutions                          (c₂, C, 4, 4), (c₁, c₂, 4, 4)
    ``D.5.W/b``             the feature map → one logit           (1, c₁·H/4·W/4)
    ======================  ====================================  ======================

    Parameters
    ----------
    n_latent : int                 d
    image_shape : (C, H, W)        H and W divisible by 4 (two strided layers each way)
    channels : (c₁, c₂)            feature maps of the inner and the outer layers
    generator_loss, k, epochs, batch_size, learning_rate, discriminator_learning_rate,
    optimizer, warm_start, random_state, verbose : as :class:`~nnunsup.gan.GAN`
    """

    def __init__(self, n_latent=64, image_shape=(1, 28, 28), channels=(64, 32),
                 generator_loss="non_saturating", k=1, *, epochs=10, batch_size=64,
                 learning_rate=2e-4, discriminator_learning_rate=None, optimizer="adam",
                 warm_start=False, random_state=None, verbose="auto"):
        self.n_latent = n_latent
        self.image_shape = image_shape
        self.channels = channels
        self.generator_loss = generator_loss
        self.k = k
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.discriminator_learning_rate = discriminator_learning_rate
        self.optimizer = optimizer
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # the MLP GAN's structural hyperparameters do not apply; images are in [0, 1]
    generator_sizes, discriminator_sizes, activation, output_activation = (), (), "relu", "sigmoid"

    def _check_hyperparameters(self):
        super()._check_hyperparameters()
        if len(self.image_shape) != 3:
            raise ValueError(f"image_shape must be (C, H, W), got {self.image_shape!r}")
        check_sizes(self.image_shape, "image_shape", example="(1, 28, 28)")
        if self.image_shape[1] % 4 or self.image_shape[2] % 4:
            raise ValueError(f"image_shape {tuple(self.image_shape)}: H and W must be divisible "
                             "by 4 (two stride-2 layers in each network)")
        if len(self.channels) != 2:
            raise ValueError(f"channels must be (c1, c2), got {self.channels!r}")
        check_sizes(self.channels, "channels", example="(64, 32)")

    def _check_X(self, X, name="X"):
        X = super()._check_X(X, name)
        if X.shape[1] != math.prod(self.image_shape):
            raise ValueError(f"{name} has {X.shape[1]} features, but image_shape "
                             f"{tuple(self.image_shape)} needs {math.prod(self.image_shape)}")
        return X

    def _build(self, n_features):
        """Transposed convolutions up, strided convolutions down (structure only).  [G5]"""
        C, H, W = self.image_shape
        c1, c2 = self.channels
        small = (c1, H // 4, W // 4)
        generator = Sequential(
            Linear(self.n_latent, math.prod(small), init="normal"), ReLU(), Reshape(small),
            ConvTranspose2d(c1, c2, 4, stride=2, padding=1, init="normal"), ReLU(),
            ConvTranspose2d(c2, C, 4, stride=2, padding=1, init="normal"), activation("sigmoid"),
            Flatten())
        discriminator = Sequential(
            Reshape(self.image_shape),
            Conv2d(C, c2, 4, stride=2, padding=1, init="normal"), LeakyReLU(0.2),
            Conv2d(c2, c1, 4, stride=2, padding=1, init="normal"), LeakyReLU(0.2),
            Flatten(), Linear(math.prod(small), 1, init="normal"))
        return generator, discriminator
