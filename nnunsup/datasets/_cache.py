"""Find a data file locally or download it once, verified by SHA-256 and written atomically.

Where a file is looked for, in order (``<dataset>`` is ``mnist``, ``fashion-mnist`` or
``house-votes-84``, the layout of the project's shared data folder):

1. ``path``, when the caller gives one: the file itself, or a folder holding
   ``<filename>`` or ``<dataset>/<filename>``.  Nothing else is tried and nothing is
   downloaded: an explicit path is used as given or the call fails.
2. ``$NNUNSUP_DATA/<dataset>/<filename>``, when the environment variable is set.
3. ``<cache>/<dataset>/<filename>``, where ``<cache>`` is ``$NNUNSUP_CACHE`` or
   ``~/.cache/nnunsup`` (:func:`cache_dir`).
4. A download into that cache folder, trying the mirrors in order.

Every copy, found or downloaded, must have the published SHA-256: a local file that
differs raises ``ValueError`` naming it and both digests, and is never used.  A download
goes to a temporary file in the destination folder and is renamed onto the final name
(``os.replace``, atomic on one file system) only after its digest matched, so an
interrupted download or a wrong file never leaves anything at the final path.

When no verified copy can be found or downloaded, :class:`DatasetNotFoundError` (a
``FileNotFoundError``, hence an ``OSError``) says which file is missing, which URLs were
tried and why each failed, and where to put the file.
"""
import hashlib
import http.client
import os
import pathlib
import tempfile
import urllib.request

__all__ = ["DatasetNotFoundError", "cache_dir", "fetch", "sha256sum"]

_CHUNK = 1 << 20  # bytes read at a time when hashing or downloading


class DatasetNotFoundError(FileNotFoundError):
    """No verified copy of a data file could be found locally or downloaded.

    Attributes ``filename`` (the missing file's name), ``folder`` (where to put it) and
    ``urls`` (the URLs it can be downloaded from) repeat what the message says.
    """

    def __init__(self, message, filename=None, folder=None, urls=()):
        super().__init__(message)
        self.filename, self.folder, self.urls = filename, folder, tuple(urls)

    def __str__(self):  # FileNotFoundError would print "[Errno None] …" otherwise
        return self.args[0]


def cache_dir():
    """The download cache folder: ``$NNUNSUP_CACHE``, else ``~/.cache/nnunsup``.

    Read at every call, so changing the environment variable takes effect at once.  The
    folder is created only when a download needs it.
    """
    env = os.environ.get("NNUNSUP_CACHE")
    if env:
        return pathlib.Path(env).expanduser()
    return pathlib.Path.home() / ".cache" / "nnunsup"


def sha256sum(path):
    """SHA-256 hex digest of the file at ``path``, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified(path, sha256):
    """``path`` if its digest is ``sha256``; ValueError naming the file and both digests."""
    found = sha256sum(path)
    if found != sha256:
        raise ValueError(
            f"{path} does not have the expected SHA-256 (expected {sha256}, found {found}); "
            "it is corrupt, truncated or a different file. Delete or replace it")
    return path


def _download(url, destination, sha256, timeout):
    """Stream ``url`` into a temporary file beside ``destination``, verify, rename.

    Returns None on success, else a one-line reason.  Network errors and a wrong digest
    are reasons (the next mirror is tried); anything else, a KeyboardInterrupt included,
    propagates.  In every case the temporary file is removed unless it was renamed.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.",
                                    suffix=".part")
    try:
        digest = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(_CHUNK), b""):
                    digest.update(chunk)
                    out.write(chunk)
        except (OSError, http.client.HTTPException, ValueError, EOFError) as exc:
            # URLError, HTTPError, timeouts, connection resets, IncompleteRead, bad URLs
            return f"{type(exc).__name__}: {exc}"
        found = digest.hexdigest()
        if found != sha256:
            return f"SHA-256 mismatch: expected {sha256}, found {found}"
        os.chmod(tmp_name, 0o644)  # mkstemp made it private; the data is public
        os.replace(tmp_name, destination)
        return None
    finally:
        if os.path.exists(tmp_name):
            os.remove(tmp_name)


def _not_found(dataset, filename, sha256, urls, looked_in, folder, failures):
    tried = "".join(f"\n  {url}  ({reason})" for url, reason in failures)
    listed = "".join(f"\n  {url}" for url in urls) or " (no URL known)"
    if failures:
        head = f"could not download {dataset} file {filename!r}; tried:{tried}"
    else:
        head = (f"{dataset} file {filename!r} is not available locally and download=False; "
                f"it can be downloaded from:{listed}")
    places = "".join(f"\n  {p}" for p in looked_in)
    return DatasetNotFoundError(
        f"{head}\nLooked for it at:{places}\n"
        f"To fix, put the file (SHA-256 {sha256}) into the folder\n  {folder}\n"
        f"or set NNUNSUP_DATA to a folder holding {dataset}/{filename}, "
        "or pass the file's location as path=...", filename=filename, folder=folder, urls=urls)


def fetch(dataset, filename, sha256, urls, *, path=None, download=True, timeout=30.0):
    """Path of a verified local copy of one data file, downloading it if needed.

    Parameters
    ----------
    dataset : str            sub-folder of the data and cache folders, e.g. "mnist"
    filename : str           the file's name, e.g. "t10k-labels-idx1-ubyte.gz"
    sha256 : str             its published SHA-256 hex digest; always checked
    urls : sequence of str   mirrors, tried in order
    path : str, os.PathLike or None
        The file itself, or a folder holding ``filename`` or ``dataset/filename``.  When
        given, only this place is used and nothing is downloaded.
    download : bool          allow a download into :func:`cache_dir` when no copy is found
    timeout : float          seconds to wait for a mirror to answer (per blocking read)

    Returns
    -------
    path : pathlib.Path      a file whose SHA-256 is ``sha256``

    Raises
    ------
    ValueError              a copy was found but its SHA-256 differs (it is not used)
    DatasetNotFoundError    no copy was found and the download failed or was not allowed
    """
    sha256 = sha256.lower()
    if path is not None:
        given = pathlib.Path(path).expanduser()
        candidates = [given] if given.is_file() else [given / filename, given / dataset / filename]
        for candidate in candidates:
            if candidate.is_file():
                return _verified(candidate, sha256)
        raise DatasetNotFoundError(
            f"{dataset} file {filename!r} not found at the given path; looked for:"
            + "".join(f"\n  {c}" for c in candidates)
            + f"\nPut the file (SHA-256 {sha256}) there, or leave path=None to use NNUNSUP_DATA, "
            f"the cache {cache_dir()} and a download",
            filename=filename, folder=given if given.is_dir() else given.parent, urls=urls)

    looked_in = []
    data_env = os.environ.get("NNUNSUP_DATA")
    if data_env:
        looked_in.append(pathlib.Path(data_env).expanduser() / dataset / filename)
    folder = cache_dir() / dataset
    looked_in.append(folder / filename)
    for candidate in looked_in:
        if candidate.is_file():
            return _verified(candidate, sha256)

    failures = []
    if download:
        for url in urls:
            reason = _download(url, folder / filename, sha256, timeout)
            if reason is None:
                return folder / filename
            failures.append((url, reason))
    raise _not_found(dataset, filename, sha256, urls, looked_in, folder, failures)
