"""The course's run size: full (what learners run) or shortened (quick test runs).

The course runs in one of two sizes:

* ``full`` (the default): what a learner runs. Whole datasets, enough epochs
  to reach each chapter's target accuracy.
* ``ci``: a shortened run. At most :data:`SHORT_EPOCHS` epoch per training run
  and a small share of each dataset, so that every notebook executes in well
  under a minute on a 2-core CPU. Tests, continuous integration and the
  auto-grader use it.

The size is read from the environment variable ``COURSE_MODE`` (``full`` or
``ci``) each time it is asked for, so a test can change it with
``monkeypatch.setenv``.

How the notebooks use it (CONTRIBUTING.md, "Writing a chapter notebook")
------------------------------------------------------------------------
A learner's notebook writes every number that sets how long a run takes at
its real, full value, with a comment saying why that value, through
:func:`epochs` and :func:`examples`::

    history = fit(model, x, y, epochs=epochs(10))   # 10 epochs: the curves have flattened by then

Both return the number unchanged in a full run; in a shortened run they
shrink it by the one rule defined here (:data:`SHORT_EPOCHS`,
:data:`SHORT_EXAMPLES_DIVISOR`, :data:`SHORT_MIN_EXAMPLES`). So the learner
reads the run as it is, and nothing about test runs. The setup cell says the
run size once, and only when it is not full (:func:`short_run_note`).
:func:`sized` is for the course's own code (benches, checkers), never for
notebook cells.
"""

from __future__ import annotations

import os
from typing import TypeVar

MODE_VARIABLE = "COURSE_MODE"
MODES = ("full", "ci")

#: A shortened run trains at most this many epochs per training run.
SHORT_EPOCHS = 1
#: A shortened run keeps one example in this many (2%) of each data size ...
SHORT_EXAMPLES_DIVISOR = 50
#: ... but at least this many (or all of them, when there are fewer).
SHORT_MIN_EXAMPLES = 100

T = TypeVar("T")


def mode() -> str:
    """Return the current run size, ``"full"`` or ``"ci"``.

    Reads ``COURSE_MODE``; unset or empty means ``"full"``.

    Example:
        >>> import os; os.environ["COURSE_MODE"] = "ci"
        >>> mode()
        'ci'

    Not taught: :func:`epochs` and :func:`examples` read it.
    """
    value = os.environ.get(MODE_VARIABLE, "").strip().lower() or "full"
    if value not in MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={os.environ[MODE_VARIABLE]!r} is not a run size this course knows. "
            f"Expected one of {MODES}: unset it (or set 'full') to learn, set 'ci' for a quick run."
        )
    return value


def is_ci() -> bool:
    """Return True when the course runs shortened (``COURSE_MODE=ci``).

    Example:
        >>> is_ci()                      # doctest: +SKIP
        False

    Not taught: :func:`epochs`, :func:`examples` and :func:`sized` ask it.
    """
    return mode() == "ci"


def _check_count(name: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name}() takes a positive whole number (the full run's value); got {n!r}.")
    return n


def epochs(n: int) -> int:
    """The epochs a training run takes: ``n``, unchanged in a full run.

    A shortened test run of the course (``COURSE_MODE=ci``) trains at most
    :data:`SHORT_EPOCHS` epoch instead.

    Args:
        n: the epochs of the full run, the number the learner reads.

    Returns:
        ``n`` in a full run, ``min(n, SHORT_EPOCHS)`` in a shortened one.

    Raises:
        ValueError: ``n`` is not a positive whole number.

    Example:
        >>> epochs(20)                   # doctest: +SKIP
        20

    Taught in Chapter 1, section 1; used in every chapter, wherever a notebook trains.
    """
    n = _check_count("epochs", n)
    return min(n, SHORT_EPOCHS) if is_ci() else n


def examples(n: int) -> int:
    """A number of examples (a dataset's or a subset's size): ``n``, unchanged in a full run.

    A shortened test run of the course (``COURSE_MODE=ci``) keeps one example
    in :data:`SHORT_EXAMPLES_DIVISOR` (2%), but at least :data:`SHORT_MIN_EXAMPLES`
    (all ``n`` when there are fewer). Because every size shrinks by the same
    share, a split stays a split: 60,000 training images with the last 5,000
    kept for validation become 1,200 with the last 100 kept.

    Args:
        n: the number of examples of the full run, the number the learner reads.

    Returns:
        ``n`` in a full run; ``min(n, max(SHORT_MIN_EXAMPLES, n // SHORT_EXAMPLES_DIVISOR))`` in a shortened one.

    Raises:
        ValueError: ``n`` is not a positive whole number.

    Example:
        >>> examples(60_000)             # doctest: +SKIP
        60000

    Taught in Chapter 1, section 1; used in every chapter, wherever a notebook loads or subsets data.
    """
    n = _check_count("examples", n)
    return min(n, max(SHORT_MIN_EXAMPLES, n // SHORT_EXAMPLES_DIVISOR)) if is_ci() else n


def short_run_note() -> str | None:
    """The one sentence the setup cell prints about the run size, or None in a full run.

    Example:
        >>> short_run_note()             # doctest: +SKIP
        'Run size: shortened for a quick test (COURSE_MODE=ci): ...'

    Not taught: :func:`course.setup.setup_notebook` prints it.
    """
    if not is_ci():
        return None
    return (f"Run size: shortened for a quick test ({MODE_VARIABLE}=ci): at most {SHORT_EPOCHS} epoch per training run and "
            f"{100 // SHORT_EXAMPLES_DIVISOR}% of the data, so every accuracy is low and the text's numbers do not apply. "
            f"Unset {MODE_VARIABLE} to run the course at full size.")


def sized(full: T, ci: T) -> T:
    """Pick ``full`` or ``ci`` according to the current run size (the course's own code only).

    For the benches and the checkers, which state both values where a
    maintainer reads them. Notebook cells never use it: they use
    :func:`epochs` and :func:`examples`, which keep test-run sizes out of
    what the learner reads.

    Example:
        >>> budget = sized(full=20, ci=1)

    Not taught.
    """
    return ci if is_ci() else full
