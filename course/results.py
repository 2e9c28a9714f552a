"""What a chapter notebook reports to ``course run``: its headline number and its checkers' verdicts.

A notebook declares its headline number, the one result the chapter is
about, by calling :func:`headline` once (near its end)::

    from course.results import headline
    headline("test accuracy", course_accuracy)

It shows one line to the learner and carries the number in the output's
metadata (under :data:`HEADLINE_KEY`), which ``course run`` reads back from
the executed notebook with :func:`read_headline` for its summary table.
Nothing is parsed out of printed text. When a notebook calls it more than
once, the last call counts.

The checkers' verdicts are read from the executed notebook's outputs: each
checker prints one line that starts with ``[PASSED]``, ``[FAILED]`` or
``[NOT DONE]`` (``course.checks.core.CheckResult.line``); :func:`count_verdicts`
counts them.

Importing this module loads neither TensorFlow nor IPython (``course run``
reads executed notebooks without them).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from typing import Any

from course.arguments import check, check_type

#: Key of the headline record in a display output's metadata.
HEADLINE_KEY = "course_headline"
#: A checker's one-line verdict words, in English; each edition's translation counts too (:func:`_verdicts`).
VERDICT_WORDS = ("PASSED", "FAILED", "NOT DONE")


def _verdicts() -> tuple[re.Pattern, dict[str, str]]:
    """The pattern of a verdict at the start of an output line, in any edition, and each word's English."""
    from course.translation import translations_of

    english = {word: mark for mark in VERDICT_WORDS for word in (mark, *translations_of(mark).values())}
    pattern = re.compile(r"^\[(" + "|".join(map(re.escape, english)) + r")\] ", re.MULTILINE)
    return pattern, english


@dataclass(frozen=True)
class Headline:
    """A chapter's headline number: what it measures and its value."""

    name: str
    value: float

    def __str__(self) -> str:
        return f"{self.name} {self.value:.4g}"


@dataclass(frozen=True)
class Verdicts:
    """How many checkers passed, failed and were not done in one executed notebook."""

    passed: int = 0
    failed: int = 0
    not_done: int = 0

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_done

    def __str__(self) -> str:
        return f"{self.passed}/{self.total}" if self.total else "-"


def headline(name: str, value: float) -> None:
    """Show the chapter's headline number and record it for ``course run``'s summary table.

    Args:
        name: what the number measures, e.g. ``"test accuracy"``.
        value: the number, e.g. ``0.8954`` (a finite real number).

    In a notebook it displays one line (``Headline result: test accuracy
    0.8954``) whose output metadata holds ``{"course_headline": {"name": ...,
    "value": ...}}``; outside IPython it prints the line. It returns nothing,
    so a cell that ends with the call shows the line once.

    Example:
        >>> headline("test accuracy", 0.8954)
        Headline result: test accuracy 0.8954

    Not taught: each chapter calls it once, on the result its text is about.
    """
    check_type("name", name, str, "a string such as 'test accuracy'")
    check(bool(name.strip()), "name", name, "a non-empty string such as 'test accuracy'")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    check(math.isfinite(number) and not isinstance(value, (bool, str)), "value", value, "a finite real number")
    result = Headline(name.strip(), number)
    text = f"Headline result: {result}"
    ipython = sys.modules.get("IPython")
    if ipython is not None and ipython.get_ipython() is not None:  # a notebook (or an IPython shell)
        from IPython.display import display

        display({"text/plain": text, "text/markdown": f"**Headline result:** {result.name} {result.value:.4g}"},
                raw=True, metadata={HEADLINE_KEY: {"name": result.name, "value": result.value}})
    else:
        print(text)


def _outputs(notebook: Any):
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            yield from cell.get("outputs", [])


def read_headline(notebook: Any) -> Headline | None:
    """The last headline an executed notebook declared with :func:`headline`, or None.

    Example:
        >>> read_headline({"cells": [{"cell_type": "code", "outputs": [
        ...     {"output_type": "display_data", "metadata": {"course_headline": {"name": "test accuracy", "value": 0.9}}}]}]})
        Headline(name='test accuracy', value=0.9)
    """
    found = None
    for output in _outputs(notebook):
        record = (output.get("metadata") or {}).get(HEADLINE_KEY)
        if isinstance(record, dict) and isinstance(record.get("name"), str) and isinstance(record.get("value"), (int, float)):
            found = Headline(record["name"], float(record["value"]))
    return found


def _output_text(output: Any) -> str:
    if output.get("output_type") == "stream" and output.get("name") == "stdout":
        text = output.get("text", "")
    elif output.get("output_type") in ("display_data", "execute_result"):
        text = (output.get("data") or {}).get("text/plain", "")
    else:
        return ""
    return "".join(text) if isinstance(text, list) else text


def count_verdicts(notebook: Any) -> Verdicts:
    """Count the checkers' one-line verdicts (``[PASSED] ...``, ``[FAILED] ...``, ``[NOT DONE] ...``) in an executed notebook.

    Example:
        >>> count_verdicts({"cells": [{"cell_type": "code", "outputs": [
        ...     {"output_type": "stream", "name": "stdout", "text": "[PASSED] 01_mlp:relu (1/1 points): ...\\n"}]}]})
        Verdicts(passed=1, failed=0, not_done=0)
    """
    counts = dict.fromkeys(VERDICT_WORDS, 0)
    pattern, english = _verdicts()
    for output in _outputs(notebook):
        for mark in pattern.findall(_output_text(output)):
            counts[english[mark]] += 1
    return Verdicts(counts["PASSED"], counts["FAILED"], counts["NOT DONE"])
