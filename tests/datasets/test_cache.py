"""The download cache: lookup order, SHA-256 checks, atomic downloads, the offline message.

No test touches the network: downloads come from file:// URLs or from a patched
``urllib.request.urlopen`` that serves bytes or fails mid-stream.
"""
import hashlib
import http.client
import io
import os
import pathlib
import urllib.error
import urllib.request

import pytest

from nnunsup.datasets import DatasetNotFoundError, cache_dir, fetch, sha256sum

PAYLOAD = b"nnunsup test payload\n" * 5000       # 105 kB
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()
NAME = "payload.bin"


@pytest.fixture
def source(tmp_path):
    """A file to download from, and its file:// URL."""
    path = tmp_path / "server" / NAME
    path.parent.mkdir()
    path.write_bytes(PAYLOAD)
    return path, path.as_uri()


@pytest.fixture
def cache(monkeypatch, tmp_path):
    """An empty cache folder; NNUNSUP_DATA unset."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("NNUNSUP_CACHE", str(folder))
    monkeypatch.delenv("NNUNSUP_DATA", raising=False)
    return folder


def files_in(folder):
    """Every file below ``folder`` (hidden temporary files included)."""
    return sorted(p for p in pathlib.Path(folder).rglob("*") if p.is_file())


class FakeResponse(io.RawIOBase):
    """Serves ``data`` in reads of at most ``chunk`` bytes, then raises ``error`` if given."""

    def __init__(self, data, chunk=4096, error=None):
        self.data, self.pos, self.chunk, self.error = data, 0, chunk, error

    def read(self, size=-1):
        if self.pos >= len(self.data):
            if self.error is not None:
                raise self.error
            return b""
        n = min(self.chunk, size if size > 0 else self.chunk)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def serve(monkeypatch, make_response):
    """Patch urlopen to answer every URL with ``make_response()``; returns the URLs asked."""
    asked = []

    def fake_urlopen(url, timeout=None):
        asked.append(url)
        return make_response()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return asked


# ---------------------------------------------------------------- cache folder

def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NNUNSUP_CACHE", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("NNUNSUP_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "nnunsup"


def test_sha256sum(source):
    assert sha256sum(source[0]) == DIGEST


# ---------------------------------------------------------------- explicit path

def test_explicit_file_is_verified_and_used(source, cache):
    path, url = source
    assert fetch("toy", NAME, DIGEST, [url], path=path) == path
    assert files_in(cache) == []  # nothing copied or downloaded


@pytest.mark.parametrize("layout", ["flat", "dataset-folder"])
def test_explicit_folder_finds_the_file(tmp_path, cache, layout):
    folder = tmp_path / "data"
    target = folder / NAME if layout == "flat" else folder / "toy" / NAME
    target.parent.mkdir(parents=True)
    target.write_bytes(PAYLOAD)
    assert fetch("toy", NAME, DIGEST, [], path=folder) == target


def test_explicit_file_with_wrong_checksum_raises(tmp_path, source, cache):
    bad = tmp_path / NAME
    bad.write_bytes(PAYLOAD[:-1])
    with pytest.raises(ValueError) as info:
        fetch("toy", NAME, DIGEST, [source[1]], path=bad)
    message = str(info.value)
    assert str(bad) in message and DIGEST in message
    assert hashlib.sha256(PAYLOAD[:-1]).hexdigest() in message
    assert files_in(cache) == []  # not replaced by a download either


def test_explicit_folder_without_the_file_never_downloads(tmp_path, source, cache):
    with pytest.raises(DatasetNotFoundError) as info:
        fetch("toy", NAME, DIGEST, [source[1]], path=tmp_path / "empty")
    assert str(tmp_path / "empty" / NAME) in str(info.value)
    assert str(tmp_path / "empty" / "toy" / NAME) in str(info.value)
    assert files_in(cache) == []


# ---------------------------------------------------------------- NNUNSUP_DATA and cache

def test_data_folder_comes_before_the_cache(tmp_path, monkeypatch, cache):
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    (data / "toy" / NAME).write_bytes(PAYLOAD)
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / NAME).write_bytes(PAYLOAD)
    monkeypatch.setenv("NNUNSUP_DATA", str(data))
    assert fetch("toy", NAME, DIGEST, []) == data / "toy" / NAME
    monkeypatch.delenv("NNUNSUP_DATA")
    assert fetch("toy", NAME, DIGEST, []) == cache / "toy" / NAME


def test_corrupt_cached_copy_is_an_error_not_reused(cache, source):
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / NAME).write_bytes(b"garbage")
    with pytest.raises(ValueError, match="SHA-256"):
        fetch("toy", NAME, DIGEST, [source[1]])
    assert (cache / "toy" / NAME).read_bytes() == b"garbage"


def test_corrupt_cached_copy_names_the_file_and_both_digests(cache, monkeypatch):
    """A truncated cached copy: ValueError naming the file, the expected and the found
    SHA-256; no mirror is asked for a replacement and the copy is left as it was."""
    cached = cache / "toy" / NAME
    cached.parent.mkdir(parents=True)
    cached.write_bytes(PAYLOAD[:-1])
    asked = serve(monkeypatch, lambda: FakeResponse(PAYLOAD))
    with pytest.raises(ValueError) as info:
        fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    message = str(info.value)
    assert str(cached) in message and DIGEST in message
    assert hashlib.sha256(PAYLOAD[:-1]).hexdigest() in message
    assert asked == [] and cached.read_bytes() == PAYLOAD[:-1] and files_in(cache) == [cached]


def test_corrupt_data_folder_copy_is_an_error_not_skipped(tmp_path, monkeypatch, cache):
    """A wrong copy in NNUNSUP_DATA raises even when the cache holds a good one: a
    mismatch is never passed over silently."""
    data = tmp_path / "data"
    (data / "toy").mkdir(parents=True)
    (data / "toy" / NAME).write_bytes(b"garbage")
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / NAME).write_bytes(PAYLOAD)
    monkeypatch.setenv("NNUNSUP_DATA", str(data))
    with pytest.raises(ValueError, match="does not have the expected SHA-256") as info:
        fetch("toy", NAME, DIGEST, [])
    assert str(data / "toy" / NAME) in str(info.value)


def test_stale_partial_download_is_not_taken_for_the_file(cache):
    """A temporary file left by a killed download (no ``finally`` ran) is not a cached copy."""
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / f".{NAME}.x1y2.part").write_bytes(PAYLOAD[:5000])
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        fetch("toy", NAME, DIGEST, ["https://a.example/x"], download=False)
    assert not (cache / "toy" / NAME).exists()


# ---------------------------------------------------------------- downloads

def test_download_from_file_url(cache, source):
    path, url = source
    got = fetch("toy", NAME, DIGEST, [url])
    assert got == cache / "toy" / NAME
    assert got.read_bytes() == PAYLOAD
    assert files_in(cache) == [got]  # no temporary file left
    path.unlink()  # the second call uses the cached copy
    assert fetch("toy", NAME, DIGEST, [url]) == got


def test_mirrors_are_tried_in_order(cache, source, tmp_path):
    missing = (tmp_path / "nowhere" / NAME).as_uri()
    got = fetch("toy", NAME, DIGEST, [missing, source[1]])
    assert got.read_bytes() == PAYLOAD


def test_checksum_mismatch_leaves_no_file(cache, source):
    with pytest.raises(DatasetNotFoundError) as info:
        fetch("toy", NAME, "0" * 64, [source[1]])
    assert "SHA-256 mismatch" in str(info.value)
    assert DIGEST in str(info.value)  # what was found
    assert files_in(cache) == []


def test_interrupted_stream_leaves_no_file(cache, monkeypatch):
    asked = serve(monkeypatch, lambda: FakeResponse(PAYLOAD[:5000],
                                                    error=ConnectionResetError("reset by peer")))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch("toy", NAME, DIGEST, ["https://a.example/x", "https://b.example/x"])
    assert asked == ["https://a.example/x", "https://b.example/x"]
    assert "ConnectionResetError" in str(info.value)
    assert files_in(cache) == []


def test_stream_that_ends_early_is_not_kept(cache, monkeypatch):
    """A server that closes the connection cleanly after 5000 bytes: the digest differs,
    nothing is left at the final path or as a temporary file."""
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD[:5000]))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    assert "SHA-256 mismatch" in str(info.value)
    assert hashlib.sha256(PAYLOAD[:5000]).hexdigest() in str(info.value)
    assert files_in(cache) == []


def test_wrong_mirror_is_discarded_and_the_next_one_used(cache, monkeypatch):
    """A mirror serving other bytes is not kept; the next mirror's verified copy is."""
    responses = iter([FakeResponse(b"not the payload"), FakeResponse(PAYLOAD)])
    asked = serve(monkeypatch, lambda: next(responses))
    got = fetch("toy", NAME, DIGEST, ["https://bad.example/x", "https://good.example/x"])
    assert asked == ["https://bad.example/x", "https://good.example/x"]
    assert got.read_bytes() == PAYLOAD and files_in(cache) == [got]


def test_download_after_an_interrupted_one_succeeds(cache, monkeypatch):
    """An interruption leaves nothing behind that blocks or spoils the next attempt."""
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD[:5000], error=ConnectionResetError("reset")))
    with pytest.raises(DatasetNotFoundError):
        fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD))
    got = fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    assert got.read_bytes() == PAYLOAD and files_in(cache) == [got]


def test_incomplete_read_leaves_no_file(cache, monkeypatch):
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD[:5000], error=http.client.IncompleteRead(b"")))
    with pytest.raises(DatasetNotFoundError, match="IncompleteRead"):
        fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    assert files_in(cache) == []


def test_keyboard_interrupt_leaves_no_file(cache, monkeypatch):
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD[:5000], error=KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    assert files_in(cache) == []


def test_served_bytes_are_written_when_they_match(cache, monkeypatch):
    serve(monkeypatch, lambda: FakeResponse(PAYLOAD))
    got = fetch("toy", NAME, DIGEST, ["https://a.example/x"])
    assert got.read_bytes() == PAYLOAD
    assert files_in(cache) == [got]


def test_offline_error_says_where_to_put_the_file(cache):
    urls = ["https://a.example/payload.bin", "https://b.example/payload.bin"]
    with pytest.raises(DatasetNotFoundError) as info:  # the autouse fixture blocks the network
        fetch("toy", NAME, DIGEST, urls)
    error = info.value
    assert isinstance(error, OSError) and isinstance(error, FileNotFoundError)
    message = str(error)
    assert NAME in message and all(url in message for url in urls)
    assert str(cache / "toy") in message and "NNUNSUP_DATA" in message and DIGEST in message
    assert error.filename == NAME and error.folder == cache / "toy" and error.urls == tuple(urls)
    assert not message.startswith("[Errno")
    assert files_in(cache) == []


def test_download_false_does_not_open_urls(cache, monkeypatch):
    asked = serve(monkeypatch, lambda: FakeResponse(PAYLOAD))
    with pytest.raises(DatasetNotFoundError, match="download=False"):
        fetch("toy", NAME, DIGEST, ["https://a.example/x"], download=False)
    assert asked == []


def test_download_replaces_nothing_but_its_own_file(cache, source):
    (cache / "toy").mkdir(parents=True)
    (cache / "toy" / "other.bin").write_bytes(b"keep me")
    fetch("toy", NAME, DIGEST, [source[1]])
    assert (cache / "toy" / "other.bin").read_bytes() == b"keep me"
    assert sorted(os.listdir(cache / "toy")) == ["other.bin", NAME]
