"""Exercise checkers: the framework in :mod:`course.checks.core`, one module per chapter.

In a notebook::

    from course.checks import ch01_mlp as check
    check.softmax(softmax)      # prints one line: passed, or what is wrong

Each chapter module defines its exercises as module-level objects and lists
them in ``EXERCISES``; :func:`chapter_exercises` finds them through the chapter
registry (:mod:`course.chapters`).
"""

from __future__ import annotations

import importlib

from course.chapters import CHAPTERS, resolve
from course.checks.core import CheckResult, Exercise, FunctionExercise, ModelExercise, Outcome

#: Chapter id -> its checks module, from the registry (:mod:`course.chapters`), in chapter order.
CHAPTER_MODULES: dict[str, str] = {chapter.id: chapter.checks for chapter in CHAPTERS}


def chapter_exercises(chapter: str) -> list[Exercise]:
    """Return the graded exercises of a chapter, in notebook order.

    Args:
        chapter: the chapter as :func:`course.chapters.resolve` accepts it: ``"01_mlp"``, ``"01"``, ``"1"``.

    Raises:
        course.chapters.UnknownChapterError: (a ``ValueError``) no such chapter; the message lists them.

    Example:
        >>> [e.name for e in chapter_exercises("01_mlp")][:2]
        ['relu', 'relu_derivative']
    """
    module = importlib.import_module(CHAPTER_MODULES[resolve(chapter)])
    return list(module.EXERCISES)


__all__ = ["CHAPTER_MODULES", "CheckResult", "Exercise", "FunctionExercise", "ModelExercise", "Outcome", "chapter_exercises"]
