"""nbgrader works on the course's notebooks (course/nbgrader.py; README, "Grading with nbgrader").

The solution notebooks carry nbgrader's cell metadata, derived from their own
cells by `course notebooks`; the student notebooks stay free of it. Under
nbgrader a wrong answer's check cell raises, so nbgrader scores it 0. The round
trip runs nbgrader itself (the `teacher` extra: `pip install -e .[teacher]`,
which `.ci/run` installs): `generate_assignment` and `autograde` on chapter 1.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.checks import chapter_exercises
from course.chapters import ids
from course.nbgrader import checked_exercise, with_nbgrader_metadata
from course.notebooks import BEGIN_SOLUTION, make_student_notebook, write_student_notebooks

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = "01_mlp"


def _solution(chapter: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4)


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


# --- the metadata ------------------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", ids())
def test_every_answer_cell_is_an_nbgrader_solution_cell(chapter):
    cells = [c for c in _solution(chapter).cells if c.cell_type == "code" and BEGIN_SOLUTION in c.source]
    assert cells and all(_nbgrader(c).get("solution") is True and _nbgrader(c).get("grade") is False for c in cells)


@pytest.mark.parametrize("chapter", ids())
def test_every_check_cell_is_a_locked_nbgrader_test_worth_the_checkers_points(chapter):
    points = {e.name: e.points for e in chapter_exercises(chapter)}
    checks = {checked_exercise(c.source): _nbgrader(c) for c in _solution(chapter).cells if c.cell_type == "code" and checked_exercise(c.source)}
    assert set(checks) == set(points)
    for name, meta in checks.items():
        assert (meta["grade"], meta["locked"], meta["points"], meta["grade_id"]) == (True, True, points[name], f"check_{name}")


@pytest.mark.parametrize("chapter", ids())
def test_grade_ids_are_unique_and_the_schema_is_nbgraders(chapter):
    metas = [_nbgrader(c) for c in _solution(chapter).cells if _nbgrader(c)]
    assert len({m["grade_id"] for m in metas}) == len(metas)
    assert {m["schema_version"] for m in metas} == {3}


def test_the_metadata_is_derived_from_the_cells_so_a_rerun_changes_nothing():
    solution = _solution(CHAPTER)
    points = {e.name: e.points for e in chapter_exercises(CHAPTER)}
    assert with_nbgrader_metadata(solution, points) == solution


def test_the_student_notebooks_carry_no_nbgrader_metadata():
    student = make_student_notebook(_solution(CHAPTER))
    assert not any("nbgrader" in c.metadata for c in student.cells)


def test_course_notebooks_restores_metadata_a_hand_edit_removed(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    solution = _solution(CHAPTER)
    for cell in solution.cells:
        cell.metadata.pop("nbgrader", None)
    nbformat.write(solution, solutions / f"{CHAPTER}.ipynb")
    assert write_student_notebooks(solutions, notebooks, check_only=True).metadata == (solutions / f"{CHAPTER}.ipynb",)
    write_student_notebooks(solutions, notebooks)
    assert (solutions / f"{CHAPTER}.ipynb").read_text() == (ROOT / "solutions" / f"{CHAPTER}.ipynb").read_text()


def test_a_check_cell_naming_an_unknown_exercise_is_refused():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("check.sofmax(softmax)")])
    with pytest.raises(ValueError, match="no exercise 'sofmax'"):
        with_nbgrader_metadata(notebook, {"softmax": 2})


# --- a check cell under nbgrader ------------------------------------------------------------------------


def test_under_nbgrader_a_wrong_answer_raises_with_the_checkers_line(monkeypatch, capsys):
    from course.checks import ch01_mlp as check

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(AssertionError, match=r"^\[FAILED\] 01_mlp:relu \(0/1 points\)"):
        check.relu(lambda z: z)
    assert capsys.readouterr().out.startswith("[FAILED] 01_mlp:relu")


def test_under_nbgrader_a_right_answer_does_not_raise(monkeypatch):
    from course.checks import ch01_mlp as check

    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check.relu(lambda z: z * (z > 0), quiet=True).passed


def test_outside_nbgrader_a_wrong_answer_only_prints(monkeypatch):
    from course.checks import ch01_mlp as check

    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not check.relu(lambda z: z, quiet=True).passed


# --- the round trip through nbgrader itself ----------------------------------------------------------------

#: The last exercise, which no other calls (a wrong `relu` would also fail `dense_forward` and `backprop_step`,
#: which call it: nbgrader checks them in the student's kernel, with the student's own `relu`).
WRONG_DROPOUT = ("def dropout(h, rate, rng, training):\n    if not training:\n        return h\n"
                 "    keep = rng.random(h.shape) >= rate\n    return np.where(keep, h, 0.0)  # wrong: the kept units are not scaled by 1 / (1 - rate)\n")


def _nbgrader_command() -> list[str]:
    if shutil.which("nbgrader", path=os.path.dirname(sys.executable)) is None:
        pytest.fail("nbgrader is not installed: `pip install -e .[teacher]` (CI installs it)")
    return [os.path.join(os.path.dirname(sys.executable), "nbgrader")]


@pytest.fixture(scope="module")
def nbgrader_course(tmp_path_factory):
    """An nbgrader course folder: chapter 1 as assignment `ch01`, released, submitted by three students, autograded."""
    nbgrader = _nbgrader_command()
    root = tmp_path_factory.mktemp("nbgrader")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        "c.CourseDirectory.course_id = 'course'\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.ExecutePreprocessor.timeout = 900\n"   # chapter 1's model check trains for a while
    )
    (root / "source" / "ch01").mkdir(parents=True)
    shutil.copyfile(ROOT / "solutions" / f"{CHAPTER}.ipynb", root / "source" / "ch01" / f"{CHAPTER}.ipynb")
    # nbgrader runs `alembic` (its database migrations) from PATH: the environment's bin folder goes first,
    # as in an activated virtual environment (CI calls .venv/bin/python without activating it).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])}

    def run(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([*nbgrader, *args], cwd=root, env=env, capture_output=True, text=True, timeout=1500)
        assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    run("generate_assignment", "ch01", "--force")
    release = root / "release" / "ch01" / f"{CHAPTER}.ipynb"
    solved = nbformat.read(ROOT / "solutions" / f"{CHAPTER}.ipynb", as_version=4)
    one_wrong = nbformat.read(ROOT / "solutions" / f"{CHAPTER}.ipynb", as_version=4)
    dropout_cell = next(c for c in one_wrong.cells if c.cell_type == "code" and c.source.startswith("def dropout("))
    dropout_cell.source = WRONG_DROPOUT
    for student, notebook in (("solved", solved), ("untouched", nbformat.read(release, as_version=4)), ("one_wrong", one_wrong)):
        folder = root / "submitted" / student / "ch01"
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{CHAPTER}.ipynb")
    run("autograde", "ch01", "--force")
    run("export", "--to", str(root / "grades.csv"))
    with (root / "grades.csv").open() as f:
        scores = {row["student_id"]: (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(f)}
    return {"root": root, "release": release, "scores": scores}


@pytest.mark.slow
def test_nbgrader_releases_the_same_exercises_as_course_notebooks(nbgrader_course):
    ours = nbformat.read(ROOT / "notebooks" / f"{CHAPTER}.ipynb", as_version=4)
    theirs = nbformat.read(nbgrader_course["release"], as_version=4)
    assert [c.source for c in theirs.cells] == [c.source for c in ours.cells]


@pytest.mark.slow
def test_nbgrader_gives_the_solution_full_marks(nbgrader_course):
    score, max_score = nbgrader_course["scores"]["solved"]
    assert score == max_score == sum(e.points for e in chapter_exercises(CHAPTER))


@pytest.mark.slow
def test_nbgrader_gives_the_untouched_release_zero(nbgrader_course):
    assert nbgrader_course["scores"]["untouched"][0] == 0


@pytest.mark.slow
def test_nbgrader_takes_exactly_the_wrong_exercises_points(nbgrader_course):
    dropout = next(e for e in chapter_exercises(CHAPTER) if e.name == "dropout")
    score, max_score = nbgrader_course["scores"]["one_wrong"]
    assert score == max_score - dropout.points
    graded = json.loads((nbgrader_course["root"] / "autograded" / "one_wrong" / "ch01" / f"{CHAPTER}.ipynb").read_text())
    check = next(c for c in graded["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "check_dropout")
    assert any(o.get("ename") == "AssertionError" for o in check["outputs"])
