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


@pytest.fixture
def fake_bench(monkeypatch):
    """Register a chapter ``99_fake`` whose bench runs the function given: ``fake_bench(run)``.

    The chapter is added to the registry (course.chapters.CHAPTERS) and its
    bench module to ``sys.modules``, both for this test only.
    """
    import sys
    import types

    from course import chapters

    def register(run):
        module = types.ModuleType("fake_bench_99")
        module.run = run
        monkeypatch.setitem(sys.modules, module.__name__, module)
        entry = chapters.Chapter(id="99_fake", title="A fake chapter", checks="fake_checks_99", bench=module.__name__)
        monkeypatch.setattr(chapters, "CHAPTERS", (*chapters.CHAPTERS, entry))
        return entry

    return register
