"""The run size: COURSE_MODE, and epochs() / examples(), through which notebooks write their full-size numbers."""

import pytest

from course.config import SHORT_EPOCHS, SHORT_MIN_EXAMPLES, epochs, examples, is_ci, mode, short_run_note, sized


@pytest.fixture
def full(monkeypatch):
    monkeypatch.delenv("COURSE_MODE", raising=False)


def test_mode_defaults_to_full_when_unset(full):
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


# --- epochs() and examples() -------------------------------------------------------------------


def test_a_full_run_gets_every_number_unchanged(full):
    assert [epochs(1), epochs(20), examples(100), examples(5_000), examples(60_000)] == [1, 20, 100, 5_000, 60_000]


def test_a_shortened_run_trains_at_most_short_epochs(ci_mode):
    assert epochs(20) == SHORT_EPOCHS and epochs(1) == 1


def test_a_shortened_run_keeps_two_percent_of_the_examples(ci_mode):
    assert examples(60_000) == 1_200 and examples(10_000) == 200


def test_a_shortened_run_keeps_at_least_the_minimum_and_never_more_than_asked(ci_mode):
    assert examples(5_000) == SHORT_MIN_EXAMPLES and examples(30) == 30


def test_a_validation_split_stays_a_split_in_a_shortened_run(ci_mode):
    """The notebooks keep the last examples(5_000) of examples(60_000) training images for validation."""
    n_all, n_val = examples(60_000), examples(5_000)
    assert 0 < n_val < n_all


@pytest.mark.parametrize("function", [epochs, examples])
@pytest.mark.parametrize("value", [0, -3, 2.5, None, True])
def test_a_count_that_is_not_a_positive_whole_number_is_refused_by_name(function, value, full):
    with pytest.raises(ValueError, match=rf"{function.__name__}\(\) takes a positive whole number .*got {value!r}"):
        function(value)


# --- the setup cell says the run size once, only when it is not full ------------------------------


def test_a_full_run_has_no_run_size_note(full):
    assert short_run_note() is None


def test_a_shortened_run_says_so_and_how_to_run_full(ci_mode):
    note = short_run_note()
    assert note.startswith("Run size: shortened") and "Unset COURSE_MODE" in note


def test_the_setup_cell_prints_nothing_about_the_run_size_in_a_full_run(full, capsys):
    from course.setup import setup_notebook

    setup_notebook()
    assert "Run size" not in capsys.readouterr().out
