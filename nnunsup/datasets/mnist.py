"""MNIST and Fashion-MNIST from their original IDX files, read by hand.

IDX layout (big-endian, LeCun's format): a 4-byte magic number ``0x0000TTDD`` — two zero
bytes, a type code ``TT`` (``0x08`` = uint8) and the number of dimensions ``DD`` — then one
4-byte size per dimension, then the data in C order.  MNIST images have magic 2051
(``0x00000803``: uint8, 3-D, N × 28 × 28), labels 2049 (``0x00000801``: uint8, 1-D, N).
The files are distributed gzip-compressed; :func:`read_idx` takes both forms.

Shapes: ``N`` images, 784 = 28 × 28 pixels.  Arrays are NumPy arrays on the host; move
them with ``nnunsup.backend.asarray`` to train on the GPU.
"""
import gzip
import numbers
import pathlib
import zlib

import numpy

from .. import backend
from .._validation import check_array, check_choice, check_random_state, check_scalar
from ._cache import fetch

__all__ = ["read_idx", "write_idx", "load_mnist", "load_fashion_mnist",
           "MNIST_FILES", "FASHION_MNIST_FILES", "FASHION_MNIST_CLASSES"]

IMAGES_MAGIC, LABELS_MAGIC = 2051, 2049

# IDX type code -> big-endian dtype
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_IDX_CODES = {numpy.dtype(v).newbyteorder("="): k for k, v in _IDX_TYPES.items()}

# {subset: ((images file, sha256), (labels file, sha256))}
MNIST_FILES = {
    "train": (("train-images-idx3-ubyte.gz",
               "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
              ("train-labels-idx1-ubyte.gz",
               "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c")),
    "test": (("t10k-images-idx3-ubyte.gz",
              "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
             ("t10k-labels-idx1-ubyte.gz",
              "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6")),
}
# The test digests were computed on the files in the project's shared data folder (whose MD5s
# are the upstream README's).  The train digests are the ones pinned by public loaders, e.g.
# pytorch/vision torchvision/prototype/datasets/_builtin/mnist.py, whose test digests equal
# ours; they have not been checked against a local copy here.  A wrong digest cannot pass a
# wrong file: it would make every copy fail verification with a ValueError.
FASHION_MNIST_FILES = {
    "train": (("train-images-idx3-ubyte.gz",
               "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
              ("train-labels-idx1-ubyte.gz",
               "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845")),
    "test": (("t10k-images-idx3-ubyte.gz",
              "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
             ("t10k-labels-idx1-ubyte.gz",
              "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5")),
}
_MIRRORS = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/",
              "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion-mnist": ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
                      "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
}
FASHION_MNIST_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _read_bytes(path):
    """The file's bytes, gunzipped when it starts with the gzip magic 1f 8b."""
    raw = pathlib.Path(path).read_bytes()
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except EOFError as exc:
        raise ValueError(f"{path}: the gzip stream ends early; the file is truncated") from exc
    except (gzip.BadGzipFile, zlib.error) as exc:
        raise ValueError(f"{path}: corrupt gzip data ({exc})") from exc


def read_idx(path, expected_magic=None):
    """Read an IDX file (gzip-compressed or not) into a NumPy array.

    Parameters
    ----------
    path : str or os.PathLike
    expected_magic : int or None   e.g. 2051 for MNIST images, 2049 for labels

    Returns
    -------
    array : ndarray of the shape and (native-endian) dtype the header states

    Raises
    ------
    ValueError   bad magic number, unknown type code, or a data size that differs from
                 the header's (truncated or padded file); the message names the file
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise ValueError(f"{path}: {len(data)} bytes is too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    zeros, code, ndim = data[0:2], data[2], data[3]
    if zeros != b"\x00\x00" or code not in _IDX_TYPES or ndim == 0:
        raise ValueError(f"{path}: not an IDX file (magic number 0x{magic:08x}; expected two "
                         f"zero bytes, a type code in {sorted(_IDX_TYPES)} and a dimension count)")
    if expected_magic is not None and magic != expected_magic:
        kinds = {IMAGES_MAGIC: "images", LABELS_MAGIC: "labels"}
        found = f"{magic} ({kinds[magic]})" if magic in kinds else str(magic)
        raise ValueError(f"{path}: expected IDX magic {expected_magic} "
                         f"({kinds.get(expected_magic, 'IDX')}), found {found}")
    header_end = 4 + 4 * ndim
    if len(data) < header_end:
        raise ValueError(f"{path}: the header announces {ndim} dimensions but the file ends "
                         f"after {len(data)} bytes; the file is truncated")
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    dtype = numpy.dtype(_IDX_TYPES[code])
    expected = int(numpy.prod(shape, dtype=numpy.int64)) * dtype.itemsize
    found = len(data) - header_end
    if found != expected:
        what = "truncated" if found < expected else "longer than its header says"
        raise ValueError(f"{path}: the header says shape {shape} ({expected} data bytes) but "
                         f"{found} data bytes follow; the file is {what}")
    array = numpy.frombuffer(data, dtype=dtype, offset=header_end).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable native-endian copy


def write_idx(path, array):
    """Write ``array`` as an IDX file, gzip-compressed when ``path`` ends in ".gz".

    The inverse of :func:`read_idx`; used by the tests and for custom MNIST-like data.
    ``array`` must have 1 to 255 dimensions and dtype uint8, int8, int16, int32, float32 or
    float64.
    """
    array = numpy.asarray(array)
    native = array.dtype.newbyteorder("=")
    if native not in _IDX_CODES:
        raise TypeError(f"array dtype must be one of uint8, int8, int16, int32, float32, "
                        f"float64 to be written as IDX, got {array.dtype}")
    if not 1 <= array.ndim <= 255:
        raise ValueError(f"array must have 1 to 255 dimensions, got {array.ndim}")
    header = bytes([0, 0, _IDX_CODES[native], array.ndim])
    header += b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    data = header + numpy.ascontiguousarray(array, dtype=_IDX_TYPES[_IDX_CODES[native]]).tobytes()
    path = pathlib.Path(path)
    path.write_bytes(gzip.compress(data, mtime=0) if path.suffix == ".gz" else data)


def _load(dataset, files, subset, path, flatten, normalize, n_samples, random_state, download):
    check_choice(subset, "subset", tuple(files))
    check_scalar(n_samples, "n_samples", numbers.Integral, low=1, allow_none=True)
    if path is not None and pathlib.Path(path).is_file():
        raise ValueError(f"path must be a folder holding the {dataset} image and label files, "
                         f"got the file {path}")
    (images_file, images_sha), (labels_file, labels_sha) = files[subset]
    images_path, labels_path = (
        fetch(dataset, name, sha256, [base + name for base in _MIRRORS[dataset]],
              path=path, download=download)
        for name, sha256 in ((images_file, images_sha), (labels_file, labels_sha)))

    images = read_idx(images_path, IMAGES_MAGIC)                # (N, 28, 28) uint8
    labels = read_idx(labels_path, LABELS_MAGIC)                # (N,) uint8
    if images.shape[1:] != (28, 28) or images.dtype != numpy.uint8:
        raise ValueError(f"{images_path}: expected uint8 images of 28 × 28 pixels, "
                         f"got {images.dtype} of shape {images.shape}")
    if labels.shape[0] != images.shape[0]:
        raise ValueError(f"{images_path} holds {images.shape[0]} images but {labels_path} "
                         f"holds {labels.shape[0]} labels")
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be 0–9, found {labels.max()} "
                         f"(first at index {int(numpy.argmax(labels > 9))})")

    if n_samples is not None:
        if n_samples > images.shape[0]:
            raise ValueError(f"n_samples must be at most {images.shape[0]} (the size of the "
                             f"{subset} set), got {n_samples}")
        rng = numpy.random.default_rng(check_random_state(random_state))
        keep = numpy.sort(rng.choice(images.shape[0], size=n_samples, replace=False))
        images, labels = images[keep], labels[keep]

    X = images.reshape(len(images), 784) if flatten else images  # (N, 784) or (N, 28, 28)
    if normalize:
        X = X.astype(numpy.float32) / numpy.float32(255)
    return X, labels.astype(numpy.int64)


def load_mnist(subset="train", path=None, *, flatten=True, normalize=True, n_samples=None,
               random_state=None, download=True):
    """MNIST handwritten digits: images and labels 0–9.

    Parameters
    ----------
    subset : "train" (60,000 images) or "test" (10,000)
    path : str, os.PathLike or None
        A folder holding the IDX files (``t10k-images-idx3-ubyte.gz`` …), or one holding
        ``mnist/`` with them.  None: ``$NNUNSUP_DATA/mnist``, then the cache, then a
        download (see ``nnunsup.datasets._cache``).  Files are always SHA-256 verified.
    flatten : bool        (N, 784) rows of pixels if True, else (N, 28, 28)
    normalize : bool      float32 in [0, 1] (pixel / 255) if True, else the raw uint8 0–255
    n_samples : int or None
        Keep a random subset of this many images (without replacement, in file order).
    random_state : None, int, SeedSequence or Generator   seeds the subset
    download : bool       allow downloading into the cache when no local copy exists

    Returns
    -------
    X : array of shape (N, 784) or (N, 28, 28), float32 in [0, 1] or uint8
    y : array of shape (N,), int64 digits 0–9

    Raises
    ------
    ValueError              unknown subset, bad n_samples, or a copy with the wrong SHA-256
    DatasetNotFoundError    no local copy and the download failed (offline)

    References
    ----------
    LeCun, Cortes & Burges. The MNIST database of handwritten digits.
    """
    return _load("mnist", MNIST_FILES, subset, path, flatten, normalize, n_samples,
                 random_state, download)


def load_fashion_mnist(subset="train", path=None, *, flatten=True, normalize=True,
                       n_samples=None, random_state=None, download=True):
    """Fashion-MNIST: Zalando article images, 10 classes (:data:`FASHION_MNIST_CLASSES`).

    Same format, arguments and returns as :func:`load_mnist`; ``path`` may hold the files
    directly or in ``fashion-mnist/``.  The project's shared data folder holds only the test
    set; ``subset="train"`` is downloaded (about 30 MB) when allowed.

    Returns
    -------
    X : array of shape (N, 784) or (N, 28, 28), float32 in [0, 1] or uint8
    y : array of shape (N,), int64 class index 0–9

    References
    ----------
    Xiao, Rasul & Vollgraf (2017). Fashion-MNIST: a novel image dataset for benchmarking
    machine learning algorithms. arXiv:1708.07747.
    """
    return _load("fashion-mnist", FASHION_MNIST_FILES, subset, path, flatten, normalize,
                 n_samples, random_state, download)


def binarize(X, method="stochastic", threshold=0.5, random_state=None):
    """Binary images from grey levels in [0, 1], for Bernoulli models (VAE, RBM).

    Parameters
    ----------
    X : array of shape (N, n)      grey levels in [0, 1]
    method : "stochastic" or "threshold"
        "stochastic": each pixel is 1 with probability equal to its grey level, drawn once
        from ``random_state`` (Salakhutdinov & Murray 2008, the usual binarised MNIST of
        VAE and RBM papers); "threshold": 1 where X > ``threshold``
    threshold : float              for method="threshold"
    random_state : None, int, SeedSequence or Generator   for method="stochastic"

    Returns
    -------
    B : NumPy array of X's shape and floating dtype (X's, or the backend's default for
        integer X), holding 0 and 1
    """
    check_choice(method, "method", ("stochastic", "threshold"))
    X = backend.to_numpy(check_array(X, name="X", ndim=(1, 2, 3, 4), allow_empty=True))
    if X.size and (float(X.min()) < 0 or float(X.max()) > 1):
        raise ValueError(f"binarize needs X in [0, 1]; found values in "
                         f"[{float(X.min())}, {float(X.max())}]")
    if method == "threshold":
        return (X > threshold).astype(X.dtype)
    rng = numpy.random.default_rng(check_random_state(random_state))
    return (rng.random(X.shape) < X).astype(X.dtype)
