"""Shared fixtures for the unit tests."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


@pytest.fixture
def ci_mode(monkeypatch):
    """Run the test CI-sized (COURSE_MODE=ci)."""
    monkeypatch.setenv("COURSE_MODE", "ci")


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """A KERAS_HOME with no datasets, and no network for downloads (a socket error at once)."""
    import socket

    # Import Keras before changing KERAS_HOME: Keras reads it once, at import.
    from keras.src.backend import config as keras_config

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    # Point Keras's own copy of KERAS_HOME at the new folder too (restored after the test).
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))

    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", refuse)
    return home
