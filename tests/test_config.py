"""The run-size switch COURSE_MODE."""

import pytest

from course.config import is_ci, mode, sized


def test_mode_defaults_to_full_when_unset(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)
    assert mode() == "full"


def test_mode_reads_ci(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "ci")
    assert mode() == "ci" and is_ci()


def test_mode_is_case_and_space_insensitive(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", " CI ")
    assert mode() == "ci"


def test_sized_picks_the_value_for_the_current_mode(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    assert sized(full=20, ci=1) == 20
    monkeypatch.setenv("COURSE_MODE", "ci")
    assert sized(full=20, ci=1) == 1


def test_unknown_mode_names_the_variable_and_the_choices(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "quick")
    with pytest.raises(ValueError, match=r"COURSE_MODE='quick'.*'full', 'ci'"):
        mode()
