"""Run-size switch shared by every notebook, the benchmark and the grader.

The course runs in one of two sizes:

* ``full`` (the default): what a learner runs. Whole datasets, enough epochs
  to reach each chapter's target accuracy.
* ``ci``: a CI-sized run. A small data subset and one or two epochs, so that
  every notebook executes in well under a minute on a 2-core CPU. Tests,
  continuous integration and the auto-grader use it.

The size is read from the environment variable ``COURSE_MODE`` (``full`` or
``ci``) each time it is asked for, so a test can change it with
``monkeypatch.setenv``.
"""

from __future__ import annotations

import os
from typing import TypeVar

MODE_VARIABLE = "COURSE_MODE"
MODES = ("full", "ci")

T = TypeVar("T")


def mode() -> str:
    """Return the current run size, ``"full"`` or ``"ci"``.

    Reads ``COURSE_MODE``; unset or empty means ``"full"``.

    Example:
        >>> import os; os.environ["COURSE_MODE"] = "ci"
        >>> mode()
        'ci'

    Not taught: :func:`sized` reads it.
    """
    value = os.environ.get(MODE_VARIABLE, "").strip().lower() or "full"
    if value not in MODES:
        raise ValueError(
            f"{MODE_VARIABLE}={os.environ[MODE_VARIABLE]!r} is not a run size this course knows. "
            f"Expected one of {MODES}: unset it (or set 'full') to learn, set 'ci' for a quick run."
        )
    return value


def is_ci() -> bool:
    """Return True when the course runs CI-sized (``COURSE_MODE=ci``).

    Example:
        >>> is_ci()                      # doctest: +SKIP
        False

    Not taught: :func:`sized` asks it.
    """
    return mode() == "ci"


def sized(full: T, ci: T) -> T:
    """Pick ``full`` or ``ci`` according to the current run size.

    Notebooks use it for every number that sets how long a run takes, so the
    learner sees both values side by side.

    Example:
        >>> epochs = sized(full=20, ci=1)

    Used in every chapter from section 1, wherever a number sets how long a run takes.
    """
    return ci if is_ci() else full
