"""nbgrader interop: the solution notebooks carry nbgrader's cell metadata, derived from their own cells.

nbgrader (https://nbgrader.readthedocs.io) refuses a notebook whose
``### BEGIN SOLUTION`` regions sit in cells without its metadata ("Solution
region detected in a non-solution cell"). :func:`with_nbgrader_metadata` gives
each cell what nbgrader's "Create Assignment" toolbar would:

- a code cell with a ``### BEGIN SOLUTION`` region: an *autograded answer*
  (``solution: true``), ``grade_id`` the exercise's name;
- an exercise's check cell, ``check.<name>(<answer>)``: an *autograder test*
  (``grade: true``, ``locked: true``) worth the checker's points,
  ``grade_id`` ``check_<name>``;
- every other cell: no nbgrader metadata (nbgrader leaves it alone).

``course notebooks`` writes this metadata into ``solutions/`` (nothing but the
metadata changes) and leaves it out of ``notebooks/``, which stay as before.
Under nbgrader (``NBGRADER_EXECUTION`` set) a check cell raises AssertionError
with its one-line message when the answer is wrong, so nbgrader scores the
test cell 0; elsewhere it only prints the line (see ``Exercise.check``).
"""

from __future__ import annotations

import re
from typing import Mapping

import nbformat

#: nbgrader's cell metadata schema version (nbgrader 0.6 and later).
SCHEMA_VERSION = 3
#: A check cell: ``check.softmax(softmax)``, with or without a trailing semicolon.
CHECK_CALL = re.compile(r"^\s*check\.(\w+)\(\w+\)\s*;?\s*$", re.M)
BEGIN_SOLUTION = "### BEGIN SOLUTION"


def checked_exercise(source: str) -> str | None:
    """The exercise a check cell checks (``check.softmax(softmax)`` -> ``"softmax"``), or None."""
    match = CHECK_CALL.search(source)
    return match.group(1) if match else None


def with_nbgrader_metadata(notebook: nbformat.NotebookNode, points: Mapping[str, float]) -> nbformat.NotebookNode:
    """A copy of a solution notebook whose answer and check cells carry nbgrader's metadata.

    Args:
        notebook: the solution notebook (not changed).
        points: each exercise's points (``{exercise.name: exercise.points}`` of the chapter's checkers).

    Raises:
        ValueError: a check cell names an exercise ``points`` does not know.

    Example:
        >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\\n    ### BEGIN SOLUTION\\n    return 1\\n    ### END SOLUTION"),
        ...                                      nbformat.v4.new_code_cell("check.f(f)")])
        >>> [c.metadata["nbgrader"]["grade_id"] for c in with_nbgrader_metadata(nb, {"f": 2}).cells]
        ['f', 'check_f']
    """
    marked = nbformat.from_dict(notebook)
    answers: list[nbformat.NotebookNode] = []
    used: set[str] = set()
    for cell in marked.cells:
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type != "code":
            continue
        if BEGIN_SOLUTION in cell.source:
            answers.append(cell)
            continue
        name = checked_exercise(cell.source)
        if name is None:
            continue
        if name not in points:
            raise ValueError(f"a check cell calls check.{name}(...), but the chapter's checkers have no exercise {name!r}; "
                             f"its exercises are {sorted(points)}.")
        for k, answer in enumerate(answers):  # the answer cells since the last check cell belong to this exercise
            answer.metadata["nbgrader"] = _metadata(_unique(name if k == 0 else f"{name}_{k + 1}", used), solution=True)
        answers = []
        cell.metadata["nbgrader"] = _metadata(_unique(f"check_{name}", used), grade=True, locked=True, points=points[name])
    for k, answer in enumerate(answers):  # answers no check cell follows
        answer.metadata["nbgrader"] = _metadata(_unique(f"answer_{k + 1}", used), solution=True)
    return marked


def without_nbgrader_metadata(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove nbgrader's metadata from every cell (in place); return the notebook."""
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
    return notebook


def _unique(grade_id: str, used: set[str]) -> str:
    candidate, n = grade_id, 1
    while candidate in used:
        n += 1
        candidate = f"{grade_id}_{n}"
    used.add(candidate)
    return candidate


def _metadata(grade_id: str, solution: bool = False, grade: bool = False, locked: bool = False, points: float | None = None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION, "solution": solution}
    if grade:
        meta["points"] = float(points) if points is not None and float(points) != int(points) else int(points or 0)
    return meta
