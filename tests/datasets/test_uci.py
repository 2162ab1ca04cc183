"""UCI house-votes-84: the real file, each encoding of '?', and clear parse errors."""
import numpy as np
import pytest

from nnunsup.datasets import (HOUSE_VOTES_FEATURES, HOUSE_VOTES_PARTIES, load_house_votes,
                              read_house_votes)

FIRST_LINE = "republican,n,y,n,y,y,y,n,n,n,y,?,y,y,y,n,y"


def test_constants():
    assert len(HOUSE_VOTES_FEATURES) == 16 == len(set(HOUSE_VOTES_FEATURES))
    assert HOUSE_VOTES_FEATURES[0] == "handicapped-infants"
    assert HOUSE_VOTES_FEATURES[-1] == "export-administration-act-south-africa"
    assert HOUSE_VOTES_PARTIES == ("democrat", "republican")


def test_default_encoding(data_dir):
    X, y = load_house_votes(data_dir)
    assert X.shape == (435, 16) and X.dtype == np.float64
    assert y.shape == (435,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [267, 168]
    assert (X == 1).sum() == 3421 and (X == 0).sum() == 3147 and (X == 0.5).sum() == 392
    # line 1: republican,n,y,n,y,y,y,n,n,n,y,?,y,y,y,n,y
    assert y[0] == 1
    assert X[0].tolist() == [{"y": 1.0, "n": 0.0, "?": 0.5}[v] for v in FIRST_LINE.split(",")[1:]]


def test_path_forms(data_dir):
    folder = data_dir / "house-votes-84"
    X, y = load_house_votes(folder / "house-votes-84.data")
    X2, y2 = load_house_votes(folder)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)


def test_missing_as_a_number(data_dir):
    X, _ = load_house_votes(data_dir, missing=float("nan"))
    assert np.isnan(X).sum() == 392
    X, _ = load_house_votes(data_dir, missing=-1)
    assert (X == -1).sum() == 392


def test_missing_drop(data_dir):
    X, y = load_house_votes(data_dir, missing="drop")
    assert X.shape == (232, 16)
    assert set(np.unique(X)) == {0.0, 1.0}
    assert np.bincount(y).tolist() == [124, 108]


def test_missing_onehot(data_dir):
    X, y = load_house_votes(data_dir, missing="onehot")
    assert X.shape == (435, 48) and len(y) == 435
    triples = X.reshape(435, 16, 3)
    np.testing.assert_array_equal(triples.sum(axis=2), 1)
    assert triples.sum(axis=(0, 1)).tolist() == [3421, 3147, 392]  # y, n, ?
    assert triples[0, 10].tolist() == [0, 0, 1]  # line 1, vote 11 is '?'


@pytest.mark.parametrize("missing", ["mean", None, True, [0.5]])
def test_bad_missing(data_dir, missing):
    with pytest.raises(ValueError, match="missing"):
        load_house_votes(data_dir, missing=missing)


def test_modified_file_is_refused(data_dir, tmp_path):
    """The copy with a header line some repositories carry fails the checksum."""
    text = (data_dir / "house-votes-84" / "house-votes-84.data").read_text()
    (tmp_path / "house-votes-84.data").write_text("Class," + ",".join(HOUSE_VOTES_FEATURES)
                                                  + "\n" + text)
    with pytest.raises(ValueError, match="SHA-256"):
        load_house_votes(tmp_path)


# ---------------------------------------------------------------- parsing small files

def write(tmp_path, *lines, end="\n"):
    path = tmp_path / "votes.data"
    path.write_bytes((end.join(lines) + end).encode())
    return path


def test_read_small_file(tmp_path):
    path = write(tmp_path, FIRST_LINE, "democrat" + ",y" * 16, end="\r\n")
    X, y = read_house_votes(path)
    assert X.shape == (2, 16) and y.tolist() == [1, 0]
    assert X[1].tolist() == [1.0] * 16


def test_wrong_field_count_names_the_line(tmp_path):
    path = write(tmp_path, FIRST_LINE, "democrat,y,n")
    with pytest.raises(ValueError, match=r"line 2: expected 17 comma-separated fields.*found 3"):
        read_house_votes(path)


def test_bad_vote_names_line_and_feature(tmp_path):
    path = write(tmp_path, FIRST_LINE, FIRST_LINE, FIRST_LINE.replace(",?,", ",x,"))
    with pytest.raises(ValueError, match=r"line 3, field 12 \(synfuels-corporation-cutback\).*'x'"):
        read_house_votes(path)


def test_bad_party_names_the_line(tmp_path):
    path = write(tmp_path, FIRST_LINE.replace("republican", "Class"))
    with pytest.raises(ValueError, match=r"line 1: party must be 'democrat' or 'republican', got 'Class'"):
        read_house_votes(path)


def test_blank_line_inside_is_an_error(tmp_path):
    path = write(tmp_path, FIRST_LINE, "", FIRST_LINE)
    with pytest.raises(ValueError, match="line 2"):
        read_house_votes(path)


def test_empty_file(tmp_path):
    (tmp_path / "votes.data").write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        read_house_votes(tmp_path / "votes.data")
