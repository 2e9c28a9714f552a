"""What every graded exercise of every chapter reports for the reference answer, a stub, a crash and a non-function,
and the reference-answer contract (course.checks.core, "Rule 7") for the chapters whose references live in course.references.

The chapter files (tests/test_checks_ch0N.py) test each exercise's own hints;
the behaviours here are the same for all exercises, so they are tested once, over all of them.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from course.checks import CHAPTER_MODULES, chapter_exercises
from course.checks.core import ERROR, FAILED, NOT_DONE, PASSED, FunctionExercise, resolve_name

EXERCISES = [exercise for chapter in CHAPTER_MODULES for exercise in chapter_exercises(chapter)]
FUNCTION_EXERCISES = [exercise for exercise in EXERCISES if isinstance(exercise, FunctionExercise)]
#: Exercises that name their reference lazily ("course.references.chNN_x:f"): the chapters moved to the contract.
LAZY = [e for e in EXERCISES if isinstance(getattr(e, "reference", None), str)]
LAZY_CHAPTERS = sorted({e.chapter for e in LAZY})
ROOT = Path(__file__).resolve().parents[1]
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
    result = exercise.check_reference(seed=SEED)
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


# --- the reference-answer contract ---------------------------------------------------------------------------


@pytest.mark.parametrize("exercise", LAZY, ids=lambda e: e.id)
def test_the_reference_given_as_the_answer_scores_zero(exercise):
    result = exercise.check(exercise.reference_function, seed=SEED, quiet=True)
    assert result.status == FAILED and result.points == 0, result.line()
    assert f"uses the course's reference implementation `{exercise.reference.replace(':', '.')}`; write your own" in result.message


@pytest.mark.parametrize("exercise", LAZY, ids=lambda e: e.id)
def test_the_reference_lives_in_course_references(exercise):
    assert exercise.reference.startswith(f"course.references.ch{exercise.chapter}:")


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_every_forbidden_name_exists(exercise):
    for name in exercise.forbidden_names():
        resolve_name(name)   # raises if the module or the function is gone (renamed? update the exercise)


def _run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("chapter", LAZY_CHAPTERS)
def test_importing_the_checks_does_not_import_the_references(chapter):
    done = _run_python(f"""
        import sys
        import {CHAPTER_MODULES[chapter]}
        loaded = sorted(m for m in sys.modules if m.startswith("course.references"))
        assert not loaded, loaded
    """)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("chapter", LAZY_CHAPTERS)
def test_run_needs_no_reference_while_their_import_is_blocked(chapter):
    """As in the grader's worker: make the inputs, block course.references, then call run() on stubs and crashes."""
    done = _run_python(f"""
        import sys
        import numpy as np
        from {CHAPTER_MODULES[chapter].rsplit('.', 1)[0]} import {CHAPTER_MODULES[chapter].rsplit('.', 1)[1]} as check

        inputs = {{e.name: e.make_inputs(np.random.default_rng(0)) for e in check.EXERCISES}}
        for name in [m for m in sys.modules if m.startswith("course.references")]:
            del sys.modules[name]

        class Blocker:
            def find_spec(self, name, path=None, target=None):
                if name.startswith("course.references"):
                    raise ImportError("blocked like in the grader's worker")

        sys.meta_path.insert(0, Blocker())

        def crash(*args):
            raise KeyError("oops")

        def zeros(*args):
            return np.zeros(1)

        for exercise in check.EXERCISES:
            outcomes = exercise.run(crash, inputs[exercise.name])
            assert [o.error for o in outcomes] == ["KeyError"] * len(outcomes), (exercise.id, outcomes)
            outcomes = exercise.run(zeros, inputs[exercise.name])
            assert all(o.error in (None, "NotAccepted") for o in outcomes), (exercise.id, outcomes)
        assert not [m for m in sys.modules if m.startswith("course.references")]
    """)
    assert done.returncode == 0, done.stderr[-2000:]
