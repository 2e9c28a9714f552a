"""The answer corpus: answers written the way learners write them, each labelled right or wrong.

Each chapter has a module here (``ch01_mlp.py``, ...) whose ``CASES`` list
:class:`Case` objects made with :func:`correct` and :func:`wrong`:

* a correct answer is written differently from the reference (another NumPy
  idiom, a loop, einsum, float32 arithmetic, a Keras layer instead of an
  activation string, a subclassed model...), and must pass;
* a wrong answer carries one real learner mistake, is named for it, and must
  fail; ``hint`` is text the message must contain when the checker
  recognises the mistake; ``why`` says what makes it wrong, so that
  ``tests/test_corpus.py`` can confirm the label against the reference
  independently of the checker.

``tests/test_corpus.py`` runs every case through the checkers exactly as the
notebooks call them, ``check.<exercise>(answer)``, and fails on any false
verdict, naming the case. To add a chapter, add its module and its entry in
:data:`CHAPTERS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

#: Chapter id -> corpus module (under tests/corpus).
CHAPTERS = {"01_mlp": "corpus.ch01_mlp", "02_cnn": "corpus.ch02_cnn", "03_rnn": "corpus.ch03_rnn",
            "04_gan": "corpus.ch04_gan", "05_transformer": "corpus.ch05_transformer"}

#: What makes a wrong answer wrong.
WHY = ("values", "type", "in place", "reference", "error", "output", "loss", "accuracy", "not compiled", "form", "size", "rng")


@dataclass(frozen=True)
class Case:
    """One corpus answer.

    Attributes:
        chapter: chapter id, e.g. "01_mlp".
        exercise: the exercise's name in the chapter's checks module, e.g. "softmax".
        name: what the answer does, e.g. "subtracts the row minimum".
        answer: the function (or model builder) a learner would write.
        correct: the label.
        hint: text the checker's message must contain (wrong answers whose mistake is recognised).
        why: for wrong answers, one of :data:`WHY` ("rng": does not draw its random numbers from the generator it is given).
        slow: trains a model (still run in CI).
    """

    chapter: str
    exercise: str
    name: str
    answer: Callable[..., Any]
    correct: bool
    hint: str | None = None
    why: str | None = None
    slow: bool = False

    @property
    def id(self) -> str:
        verdict = "right" if self.correct else "wrong"
        return f"{self.chapter}:{self.exercise}:{verdict}:{self.name}"


def correct(chapter: str, exercise: str, name: str, answer: Callable, slow: bool = False) -> Case:
    """A right answer written differently from the reference."""
    return Case(chapter, exercise, name, answer, True, slow=slow)


def wrong(chapter: str, exercise: str, name: str, answer: Callable, why: str, hint: str | None = None, slow: bool = False) -> Case:
    """A wrong answer named for its mistake; ``hint``: text its message must contain."""
    if why not in WHY:
        raise ValueError(f"why must be one of {WHY}; got {why!r}")
    return Case(chapter, exercise, name, answer, False, hint=hint, why=why, slow=slow)


def all_cases() -> list[Case]:
    """Every chapter's cases, in chapter order."""
    return [case for module in CHAPTERS.values() for case in importlib.import_module(module).CASES]
