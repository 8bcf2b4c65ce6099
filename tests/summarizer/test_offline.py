"""The summarizer is a pure library: no NLTK data, no network, nothing loaded at import."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import nltk
import pytest

from summarizer import METHODS, split_sentences, summarize


@pytest.fixture
def no_nltk_data(monkeypatch, tmp_path):
    """NLTK looks for its data only in an empty folder."""
    monkeypatch.setenv("NLTK_DATA", str(tmp_path))
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    with pytest.raises(LookupError):
        nltk.data.find("tokenizers/punkt_tab/english/")


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_summarizes_without_nltk_data_or_network(
    seed_texts, no_nltk_data, no_network, method
):
    clean, _page = seed_texts
    summary = summarize(clean, 3, method=method)
    assert len(summary) == 3
    assert set(summary) <= set(split_sentences(clean))


def test_importing_loads_no_model_and_no_bot_code():
    probe = (
        "import json, sys, summarizer; "
        "print(json.dumps(sorted(m for m in ('nupunkt', 'py3langid', 'telegram', 'sqlalchemy',"
        " 'httpx') if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout) == []

