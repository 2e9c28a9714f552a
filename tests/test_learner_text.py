"""The notebooks speak to learners (CONTRIBUTING.md, "Writing a chapter notebook").

For every chapter whose text has been reviewed (REVIEWED):

* what a learner reads, the Markdown and every code cell but the setup cell
  (comments and printed strings included), says nothing of CI, the bench
  command, COURSE_MODE, ``sized(``, "full mode", "CI mode" or "the course's
  target": the run size is stated once, by the setup cell's output, and only
  when it is not full;
* every exercise header says its points and a rough time, in one format, and
  the points are its checker's;
* model exercises are worth 3 points;
* the chapter shows its architecture figures.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from course.chapters import ids
from course.checks import chapter_exercises
from course.checks.core import ModelExercise

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("solutions", "notebooks")

#: The chapters whose learner text has been reviewed against CONTRIBUTING.md's checklist. A chapter joins this
#: list when its text is reviewed; the list must end up equal to every chapter of the registry
#: (test_every_chapter_has_been_reviewed says which are still missing).
REVIEWED = ["01_mlp", "02_cnn", "03_rnn", "04_gan", "05_transformer"]

#: What a learner never reads: (pattern, what it is). Case-sensitive where the word is an acronym.
FORBIDDEN = [
    (re.compile(r"\bCI\b"), "CI"),
    (re.compile(r"continuous integration", re.I), "continuous integration"),
    (re.compile(r"course bench|`bench`", re.I), "the bench command"),
    (re.compile(r"COURSE_MODE"), "COURSE_MODE"),
    (re.compile(r"\bsized\("), "sized("),
    (re.compile(r"\bfull[ -]mode\b", re.I), "full mode"),
    (re.compile(r"\bCI[ -](?:mode|sized)\b", re.I), "CI mode"),
    (re.compile(r"course's target", re.I), "the course's target"),
]

#: "### Exercise 3: stable softmax (2 points, about 10 minutes)"
HEADER = re.compile(r"^### Exercise (\d+): (.+) \((\d+) points?, about (\d+) minutes?\)$")
CHECK_CALL = re.compile(r"\bcheck\.(\w+)\(\w+\)")


def _cells(folder: str, chapter: str) -> list[nbformat.NotebookNode]:
    return nbformat.read(ROOT / folder / f"{chapter}.ipynb", as_version=4).cells


def learner_text(cells: list[nbformat.NotebookNode]) -> list[tuple[int, str]]:
    """``(cell index, source)`` of what a learner reads: Markdown, and code cells but the setup cell."""
    return [(i, cell.source) for i, cell in enumerate(cells)
            if cell.cell_type == "markdown" or (cell.cell_type == "code" and "setup_notebook(" not in cell.source)]


def forbidden_words(cells: list[nbformat.NotebookNode]) -> list[str]:
    """Each forbidden word in the learner text, as ``cell N: <what>: ...<context>...``."""
    found = []
    for i, source in learner_text(cells):
        for pattern, what in FORBIDDEN:
            for match in pattern.finditer(source):
                context = source[max(0, match.start() - 40): match.end() + 40].replace("\n", " ")
                found.append(f"cell {i}: {what}: ...{context}...")
    return found


def exercise_headers(cells: list[nbformat.NotebookNode]) -> list[tuple[str, int, int | None, str | None]]:
    """``(header line, its points, the points of the exercise whose check cell follows, that exercise's name)``.

    Raises:
        AssertionError: a header that does not follow the format ``HEADER``.
    """
    headers, pending = [], None
    for cell in cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("### Exercise"):
                    match = HEADER.match(line)
                    assert match, f"exercise header not in the format '### Exercise N: title (P points, about T minutes)': {line!r}"
                    pending = (line, int(match.group(3)))
                    headers.append(pending)
        elif cell.cell_type == "code" and pending is not None:
            called = CHECK_CALL.search(cell.source)
            if called:
                headers[-1] = (*pending, called.group(1))
                pending = None
    return headers


# --- learner text -------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("chapter", REVIEWED)
def test_learner_text_has_no_word_of_ci_the_bench_or_run_sizes(chapter, folder):
    found = forbidden_words(_cells(folder, chapter))
    assert not found, f"{folder}/{chapter}.ipynb speaks to maintainers:\n" + "\n".join(found)


def test_the_detector_finds_each_forbidden_word_in_markdown_and_code_but_not_in_the_setup_cell():
    cells = [
        nbformat.v4.new_code_cell("setup_notebook()  # COURSE_MODE=ci runs it CI-sized"),
        nbformat.v4.new_markdown_cell("In full mode (unset COURSE_MODE) it meets the course's target; `course bench 01` measures it."),
        nbformat.v4.new_code_cell("epochs = sized(full=20, ci=1)  # 1 in CI mode\nprint('continuous integration')"),
    ]
    found = " ".join(forbidden_words(cells))
    for _, what in FORBIDDEN:
        assert what in found, what
    assert not any(f.startswith("cell 0") for f in forbidden_words(cells))


def test_ordinary_words_are_not_taken_for_forbidden_ones():
    cells = [nbformat.v4.new_markdown_cell("The CIFAR images, a benchmark, decide; the full model is sized to fit (mode 3).")]
    assert forbidden_words(cells) == []


# --- exercise headers: points and time -------------------------------------------------------


@pytest.mark.parametrize("chapter", REVIEWED)
def test_every_exercise_header_says_points_and_time_and_exercises_are_numbered_in_order(chapter):
    headers = exercise_headers(_cells("solutions", chapter))
    numbers = [int(HEADER.match(line).group(1)) for line, *_ in headers]
    assert numbers == list(range(1, len(numbers) + 1)), numbers


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("chapter", REVIEWED)
def test_each_header_states_the_points_of_the_exercise_checked_below_it(chapter, folder):
    exercises = {e.name: e for e in chapter_exercises(chapter)}
    headers = exercise_headers(_cells(folder, chapter))
    for line, stated, *checked in headers:
        assert checked and checked[0] in exercises, f"{line!r} is followed by no check.<exercise>(...) cell of this chapter"
        assert stated == exercises[checked[0]].points, (
            f"{line!r} states {stated} points; its checker, {checked[0]}, gives {exercises[checked[0]].points:g}")


@pytest.mark.parametrize("chapter", REVIEWED)
def test_every_graded_exercise_has_exactly_one_header(chapter):
    checked = [header[2] for header in exercise_headers(_cells("solutions", chapter)) if len(header) > 2]
    assert sorted(checked) == sorted(e.name for e in chapter_exercises(chapter))


def test_a_header_without_points_and_time_is_refused():
    cells = [nbformat.v4.new_markdown_cell("### Exercise 1 — ReLU\n\nWrite relu.")]
    with pytest.raises(AssertionError, match="not in the format"):
        exercise_headers(cells)


@pytest.mark.parametrize("chapter", REVIEWED)
def test_model_exercises_are_worth_3_points(chapter):
    points = {e.name: e.points for e in chapter_exercises(chapter) if isinstance(e, ModelExercise)}
    assert set(points.values()) <= {3}, points


# --- figures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("folder", FOLDERS)
@pytest.mark.parametrize("chapter", REVIEWED)
def test_the_chapter_shows_its_architecture_figures(chapter, folder):
    from course.figures import FIGURES, markdown_line

    text = "\n".join(cell.source for cell in _cells(folder, chapter) if cell.cell_type == "markdown")
    missing = [spec.name for spec in FIGURES if spec.name.startswith(chapter[:3]) and markdown_line(spec.name) not in text]
    assert not missing, f"{folder}/{chapter}.ipynb lacks the Markdown line of {missing} (CONTRIBUTING.md lists them)"


# --- which chapters are reviewed ------------------------------------------------------------------


def test_reviewed_chapters_are_registered_chapters_in_chapter_order():
    assert REVIEWED == [chapter for chapter in ids() if chapter in REVIEWED]


def test_every_chapter_has_been_reviewed():
    assert [chapter for chapter in ids() if chapter not in REVIEWED] == []
