"""UCI Congressional Voting Records (1984): 435 members of the House × 16 votes.

The data of the SOM example of SPEC item C11 (a SOM of the congressmen, nodes coloured by
party); this module only loads it.

The file ``house-votes-84.data`` has one line per member and no header: the party
(``democrat`` or ``republican``), then 16 comma-separated votes, each ``y`` (yea), ``n``
(nay) or ``?`` (did not vote or position unknown — per the dataset's ``.names`` file this
is *not* missing at random, so it is kept as a value of its own by default).

Encoding (``missing``):

=============  ===============  ====================================================
``missing``    X shape          a vote becomes
=============  ===============  ====================================================
0.5 (default)  (435, 16)        y → 1, n → 0, ? → 0.5 ("no position")
any number     (435, 16)        y → 1, n → 0, ? → that number (``nan`` to impute later)
"drop"         (232, 16)        y → 1, n → 0; members with any ``?`` are left out
"onehot"       (435, 48)        three indicator columns per vote, in feature order:
                                column 3j is "j = y", 3j+1 "j = n", 3j+2 "j = ?"
=============  ===============  ====================================================

Labels ``y``: 0 = democrat, 1 = republican (:data:`HOUSE_VOTES_PARTIES`); 267 and 168.
"""
import numbers

import numpy

from .._validation import check_choice
from ._cache import fetch

__all__ = ["load_house_votes", "read_house_votes", "HOUSE_VOTES_FEATURES",
           "HOUSE_VOTES_PARTIES"]

HOUSE_VOTES_FEATURES = (
    "handicapped-infants", "water-project-cost-sharing", "adoption-of-the-budget-resolution",
    "physician-fee-freeze", "el-salvador-aid", "religious-groups-in-schools",
    "anti-satellite-test-ban", "aid-to-nicaraguan-contras", "mx-missile", "immigration",
    "synfuels-corporation-cutback", "education-spending", "superfund-right-to-sue", "crime",
    "duty-free-exports", "export-administration-act-south-africa",
)
HOUSE_VOTES_PARTIES = ("democrat", "republican")  # label 0, label 1

_FILENAME = "house-votes-84.data"
_SHA256 = "c87c14110a5ba91d4a1e313ec7392824458152bf071fa5f5452340488337936e"
_URLS = ("https://archive.ics.uci.edu/ml/machine-learning-databases/voting-records/"
         "house-votes-84.data",)
_VOTES = ("y", "n", "?")


def _check_missing(missing):
    if isinstance(missing, numbers.Real) and not isinstance(missing, bool):
        return float(missing)
    if isinstance(missing, str):
        return check_choice(missing, "missing", ("drop", "onehot"))
    raise ValueError(f"missing must be a number (e.g. 0.5 or nan), 'drop' or 'onehot'; "
                     f"got {missing!r}")


def read_house_votes(path, missing=0.5):
    """Parse a file in the ``house-votes-84.data`` format (no checksum check).

    Parameters
    ----------
    path : str or os.PathLike
    missing : float, "drop" or "onehot"   how ``?`` is encoded (see the module docstring)

    Returns
    -------
    X : array of shape (N, 16) — or (N, 48) for "onehot" — float64
    y : array of shape (N,), int64: 0 democrat, 1 republican

    Raises
    ------
    ValueError   a line without 17 fields, an unknown party or vote, or no lines at all;
                 the message names the file, the line number (from 1) and the field
    """
    missing = _check_missing(missing)
    with open(path, encoding="ascii", errors="replace", newline="") as f:
        text = f.read()
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    if not lines:
        raise ValueError(f"{path}: the file is empty; expected one line per member")

    votes, parties = [], []
    for number, line in enumerate(lines, start=1):
        fields = [field.strip() for field in line.rstrip("\r").split(",")]
        if len(fields) != 17:
            raise ValueError(f"{path}, line {number}: expected 17 comma-separated fields "
                             f"(party and 16 votes), found {len(fields)}: {line[:60]!r}")
        if fields[0] not in HOUSE_VOTES_PARTIES:
            raise ValueError(f"{path}, line {number}: party must be 'democrat' or "
                             f"'republican', got {fields[0]!r}")
        for j, vote in enumerate(fields[1:]):
            if vote not in _VOTES:
                raise ValueError(f"{path}, line {number}, field {j + 2} "
                                 f"({HOUSE_VOTES_FEATURES[j]}): vote must be 'y', 'n' or '?', "
                                 f"got {vote!r}")
        parties.append(HOUSE_VOTES_PARTIES.index(fields[0]))
        votes.append([_VOTES.index(vote) for vote in fields[1:]])

    codes = numpy.array(votes, dtype=numpy.int64)       # (N, 16): 0 y, 1 n, 2 ?
    y = numpy.array(parties, dtype=numpy.int64)         # (N,)
    if missing == "onehot":
        X = numpy.zeros((len(codes), 16, 3))
        numpy.put_along_axis(X, codes[:, :, None], 1.0, axis=2)
        return X.reshape(len(codes), 48), y             # (N, 48)
    if missing == "drop":
        complete = (codes != 2).all(axis=1)
        codes, y = codes[complete], y[complete]
        fill = 0.0  # unused: no ? left
    else:
        fill = missing
    X = numpy.choose(codes, [1.0, 0.0, fill])           # (N, 16): y 1, n 0, ? fill
    return X.astype(numpy.float64), y


def load_house_votes(path=None, *, missing=0.5, download=True):
    """The UCI house-votes-84 data: X of votes, y of parties.  [C11]

    Parameters
    ----------
    path : str, os.PathLike or None
        The file ``house-votes-84.data``, or a folder holding it or ``house-votes-84/`` with
        it.  None: ``$NNUNSUP_DATA/house-votes-84``, then the cache, then a download from
        the UCI repository.  The file is always SHA-256 verified.
    missing : float, "drop" or "onehot"
        Encoding of ``?`` (see the module docstring): a number (default 0.5, "no
        position"), "drop" the 203 members with any ``?`` (232 remain), or "onehot"
        (y/n/? indicators, 48 columns).
    download : bool   allow downloading into the cache when no local copy exists

    Returns
    -------
    X : array of shape (435, 16) float64 — (232, 16) for "drop", (435, 48) for "onehot";
        columns in the order of :data:`HOUSE_VOTES_FEATURES`
    y : array of shape (N,), int64: 0 democrat, 1 republican (267 and 168 in all)

    References
    ----------
    Schlimmer, J. (1987). Congressional Voting Records [Dataset]. UCI Machine Learning
    Repository. https://doi.org/10.24432/C5C01P
    """
    missing = _check_missing(missing)
    file = fetch("house-votes-84", _FILENAME, _SHA256, _URLS, path=path, download=download)
    return read_house_votes(file, missing=missing)
