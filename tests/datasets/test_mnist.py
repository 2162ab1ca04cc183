"""IDX reading and writing on small files; MNIST and Fashion-MNIST on the real files."""
import gzip

import numpy as np
import pytest

from nnunsup.datasets import (DatasetNotFoundError, binarize, load_fashion_mnist, load_mnist,
                              read_idx, write_idx)

MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


# ---------------------------------------------------------------- IDX on small files

@pytest.mark.parametrize("suffix", [".idx", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, rng, suffix, dtype):
    array = (rng.random((5, 4, 3)) * 100).astype(dtype)
    path = tmp_path / f"a{suffix}"
    write_idx(path, array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (5, 4, 3)
    np.testing.assert_array_equal(back, array)
    back[0, 0, 0] = 1  # writable


def test_idx_header_is_lecuns_layout(tmp_path):
    """Magic 2051 for uint8 3-D images, 2049 for uint8 1-D labels; sizes big-endian."""
    write_idx(tmp_path / "images.idx", np.zeros((2, 28, 28), np.uint8))
    write_idx(tmp_path / "labels.idx", np.arange(3, dtype=np.uint8))
    images = (tmp_path / "images.idx").read_bytes()
    labels = (tmp_path / "labels.idx").read_bytes()
    assert images[:16] == bytes.fromhex("00000803 00000002 0000001c 0000001c")
    assert labels[:8] == bytes.fromhex("00000801 00000003") and labels[8:] == b"\x00\x01\x02"
    assert read_idx(tmp_path / "images.idx", 2051).shape == (2, 28, 28)
    assert read_idx(tmp_path / "labels.idx", 2049).tolist() == [0, 1, 2]


def test_idx_truncated_data(tmp_path):
    write_idx(tmp_path / "a.idx", np.zeros((3, 28, 28), np.uint8))
    data = (tmp_path / "a.idx").read_bytes()
    (tmp_path / "a.idx").write_bytes(data[:-10])
    with pytest.raises(ValueError, match=r"a\.idx.*\(3, 28, 28\).*truncated"):
        read_idx(tmp_path / "a.idx")
    (tmp_path / "b.idx").write_bytes(data[:10])  # inside the header
    with pytest.raises(ValueError, match=r"b\.idx.*truncated"):
        read_idx(tmp_path / "b.idx")


def test_idx_truncated_gzip(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(1000, dtype=np.int32))
    data = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "a.gz").write_bytes(data[:len(data) // 2])
    with pytest.raises(ValueError, match=r"a\.gz.*truncated"):
        read_idx(tmp_path / "a.gz")


def test_idx_corrupt_gzip(tmp_path):
    write_idx(tmp_path / "a.gz", np.arange(1000, dtype=np.int32))
    data = bytearray((tmp_path / "a.gz").read_bytes())
    data[20:40] = b"\xff" * 20
    (tmp_path / "a.gz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"a\.gz.*(corrupt|truncated)"):
        read_idx(tmp_path / "a.gz")


def test_idx_extra_bytes(tmp_path):
    write_idx(tmp_path / "a.idx", np.zeros(4, np.uint8))
    (tmp_path / "a.idx").write_bytes((tmp_path / "a.idx").read_bytes() + b"\x00")
    with pytest.raises(ValueError, match="longer than its header"):
        read_idx(tmp_path / "a.idx")


@pytest.mark.parametrize("header", [b"PK\x03\x04", b"\x00\x01\x08\x01", b"\x00\x00\x07\x01",
                                    b"\x00\x00\x08\x00", b"\x00\x00"])
def test_idx_bad_magic(tmp_path, header):
    (tmp_path / "a.idx").write_bytes(header + b"\x00" * 12)
    with pytest.raises(ValueError, match=r"a\.idx.*(not an IDX file|too short)"):
        read_idx(tmp_path / "a.idx")


def test_idx_images_and_labels_swapped(tmp_path):
    write_idx(tmp_path / "labels.gz", np.zeros(3, np.uint8))
    with pytest.raises(ValueError, match=r"expected IDX magic 2051 \(images\), found 2049 \(labels\)"):
        read_idx(tmp_path / "labels.gz", 2051)


def test_write_idx_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(TypeError, match="int64"):
        write_idx(tmp_path / "a.idx", np.zeros(3, np.int64))


# ---------------------------------------------------------------- real MNIST

@pytest.fixture(scope="session")
def mnist_test(data_dir):
    return load_mnist("test", data_dir)


def test_mnist_test_set(mnist_test):
    X, y = mnist_test
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert y.shape == (10000,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == MNIST_TEST_COUNTS


def test_mnist_raw_images(data_dir, mnist_test):
    X, y = load_mnist("test", data_dir / "mnist", flatten=False, normalize=False)
    assert X.shape == (10000, 28, 28) and X.dtype == np.uint8 and X.max() == 255
    np.testing.assert_array_equal(y, mnist_test[1])
    np.testing.assert_allclose(X.reshape(10000, 784) / 255, mnist_test[0], atol=1e-7)


def test_mnist_train_set(data_dir):
    X, y = load_mnist("train", data_dir, normalize=False)
    assert X.shape == (60000, 784) and X.dtype == np.uint8
    assert np.bincount(y).tolist() == MNIST_TRAIN_COUNTS


def test_mnist_seeded_subset(data_dir, mnist_test):
    X1, y1 = load_mnist("test", data_dir, n_samples=100, random_state=0)
    X2, y2 = load_mnist("test", data_dir, n_samples=100, random_state=0)
    X3, _ = load_mnist("test", data_dir, n_samples=100, random_state=1)
    assert X1.shape == (100, 784)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    # the subset is made of rows of the full set, in file order
    rows = [int(np.flatnonzero((mnist_test[0] == x).all(axis=1))[0]) for x in X1[:5]]
    assert rows == sorted(rows)


def test_mnist_bad_arguments(data_dir):
    with pytest.raises(ValueError, match="subset must be one of 'train', 'test'"):
        load_mnist("validation", data_dir)
    with pytest.raises(ValueError, match="n_samples must be at most 10000"):
        load_mnist("test", data_dir, n_samples=10001)
    with pytest.raises(ValueError, match="n_samples must be >= 1"):
        load_mnist("test", data_dir, n_samples=0)


def test_mnist_file_with_wrong_checksum(data_dir, tmp_path):
    """A modified copy is refused, not read."""
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (tmp_path / name).write_bytes((data_dir / "mnist" / name).read_bytes())
    labels = gzip.decompress((tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes())
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(gzip.compress(labels[:-1] + b"\x03"))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte\.gz.*f7ae60f9"):
        load_mnist("test", tmp_path)


def test_mnist_offline_without_files(monkeypatch, tmp_path):
    monkeypatch.delenv("NNUNSUP_DATA", raising=False)
    monkeypatch.setenv("NNUNSUP_CACHE", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        load_mnist("test")
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in message and "ossci-datasets" in message
    assert str(tmp_path / "mnist") in message


# ---------------------------------------------------------------- real Fashion-MNIST

def test_fashion_mnist_test_set(data_dir):
    X, y = load_fashion_mnist("test", data_dir)
    assert X.shape == (10000, 784) and X.dtype == np.float32
    assert 0.0 <= X.min() and X.max() <= 1.0
    assert np.bincount(y).tolist() == [1000] * 10
    X, _ = load_fashion_mnist("test", data_dir, flatten=False, n_samples=7, random_state=3)
    assert X.shape == (7, 28, 28)


def test_fashion_mnist_train_missing_is_a_clear_error(data_dir):
    if (data_dir / "fashion-mnist" / "train-images-idx3-ubyte.gz").exists():
        pytest.skip("this data folder holds the Fashion-MNIST training set")
    with pytest.raises(DatasetNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_fashion_mnist("train", data_dir)


def test_mnist_path_must_be_a_folder(data_dir):
    with pytest.raises(ValueError, match="path must be a folder"):
        load_mnist("test", data_dir / "mnist" / "t10k-images-idx3-ubyte.gz")


def test_binarize(rng):
    """Threshold: 1 where X > t. Stochastic: each pixel 1 with probability its grey level
    (the share within 5 standard errors over 200,000 pixels), the same for the same seed;
    grey levels outside [0, 1] are refused."""
    X = rng.random((400, 500)).astype(np.float32)
    B = binarize(X, "threshold", threshold=0.3)
    assert B.dtype == np.float32 and np.array_equal(B, (X > 0.3).astype(np.float32))
    S = binarize(X, random_state=0)
    assert set(np.unique(S)) == {0.0, 1.0}
    for low in (0.1, 0.5, 0.8):
        band = (X > low) & (X < low + 0.05)
        p = X[band].mean()
        assert abs(S[band].mean() - p) < 5 * np.sqrt(p * (1 - p) / band.sum())
    assert np.array_equal(S, binarize(X, random_state=0))
    assert not np.array_equal(S, binarize(X, random_state=1))
    with pytest.raises(ValueError, match=r"binarize needs X in \[0, 1\]"):
        binarize(X * 2)
    X[3, 4] = np.nan
    with pytest.raises(ValueError, match=r"X contains NaN \(first at row 3, column 4\)"):
        binarize(X)
    with pytest.raises(ValueError, match="method must be one of 'stochastic', 'threshold'"):
        binarize(X, "median")
