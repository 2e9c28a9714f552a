"""What every graded exercise of every chapter reports for the reference answer, a stub, a crash and a non-function.

The chapter files (tests/test_checks_ch0N.py) test each exercise's own hints;
the behaviours here are the same for all exercises, so they are tested once, over all of them.
"""

import pytest

from course.checks import CHAPTER_MODULES, chapter_exercises
from course.checks.core import ERROR, NOT_DONE, PASSED, FunctionExercise

EXERCISES = [exercise for chapter in CHAPTER_MODULES for exercise in chapter_exercises(chapter)]
FUNCTION_EXERCISES = [exercise for exercise in EXERCISES if isinstance(exercise, FunctionExercise)]
SEED = 1


def stub(*args):
    raise NotImplementedError()


def crash(*args):
    raise KeyError("oops")


def test_every_chapter_has_at_least_six_graded_exercises():
    for chapter in CHAPTER_MODULES:
        assert len(chapter_exercises(chapter)) >= 6, f"chapter {chapter} has fewer than six graded exercises"


@pytest.mark.parametrize("exercise", FUNCTION_EXERCISES, ids=lambda e: e.id)
def test_the_reference_answer_passes(exercise):
    result = exercise.check(exercise.reference, seed=SEED, quiet=True)
    assert result.status == PASSED, result.line()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_an_unfilled_stub_is_reported_not_done(exercise):
    result = exercise.check(stub, seed=SEED, quiet=True)
    assert result.status == NOT_DONE and result.points == 0 and "NotImplementedError" in result.message, result.line()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_a_function_that_raises_is_reported_not_propagated(exercise):
    result = exercise.check(crash, seed=SEED, quiet=True)
    assert result.status == ERROR and "raised KeyError" in result.message, result.line()


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_something_that_is_not_a_function_is_reported(exercise):
    result = exercise.check(42, seed=SEED, quiet=True)
    assert not result.passed and "must be a function" in result.message, result.line()
