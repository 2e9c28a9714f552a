"""Exercise checkers: the framework in :mod:`course.checks.core`, one module per chapter.

In a notebook::

    from course.checks import ch01_mlp as check
    check.softmax(softmax)      # prints one line: passed, or what is wrong

Each chapter module defines its exercises as module-level objects and lists
them in ``EXERCISES``; :func:`chapter_exercises` finds them by chapter id.
"""

from __future__ import annotations

import importlib

from course.checks.core import CheckResult, Exercise, FunctionExercise, ModelExercise, Outcome

CHAPTER_MODULES = {
    "01_mlp": "course.checks.ch01_mlp",
    "02_cnn": "course.checks.ch02_cnn",
    "03_rnn": "course.checks.ch03_rnn",
    "04_gan": "course.checks.ch04_gan",
    "05_transformer": "course.checks.ch05_transformer",
}


def chapter_exercises(chapter: str) -> list[Exercise]:
    """Return the graded exercises of a chapter, in notebook order.

    Args:
        chapter: chapter id as in the notebook file name, e.g. ``"01_mlp"``.

    Example:
        >>> [e.name for e in chapter_exercises("01_mlp")][:2]
        ['relu', 'relu_derivative']
    """
    if chapter not in CHAPTER_MODULES:
        raise ValueError(f"Unknown chapter {chapter!r}; expected one of {sorted(CHAPTER_MODULES)}.")
    module = importlib.import_module(CHAPTER_MODULES[chapter])
    return list(module.EXERCISES)


__all__ = ["CHAPTER_MODULES", "CheckResult", "Exercise", "FunctionExercise", "ModelExercise", "Outcome", "chapter_exercises"]
