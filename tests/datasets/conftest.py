"""Fixtures of the dataset tests: no network, and a private download cache per test."""
import urllib.error
import urllib.request

import pytest


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path_factory):
    """Only file:// URLs open; the cache is an empty temporary folder.

    A test that reached the network by mistake sees a URLError, exactly as offline.
    """
    real_urlopen = urllib.request.urlopen

    def guarded_urlopen(url, *args, **kwargs):
        target = url.full_url if isinstance(url, urllib.request.Request) else str(url)
        if not target.startswith("file:"):
            raise urllib.error.URLError(f"network access is disabled in the tests ({target})")
        return real_urlopen(url, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded_urlopen)
    monkeypatch.setenv("NNUNSUP_CACHE", str(tmp_path_factory.mktemp("nnunsup-cache")))
