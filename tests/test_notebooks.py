"""Student notebooks are generated from solutions/ and kept in sync."""

from pathlib import Path

import nbformat
import pytest

from course.notebooks import (
    MarkerError, make_student_notebook, notebooks_with_outputs, strip_solution_source, write_student_notebooks,
)

ROOT = Path(__file__).resolve().parents[1]

SOLVED = """def relu(z):
    \"\"\"Rectified linear unit.\"\"\"
    ### BEGIN SOLUTION
    return np.maximum(z, 0)
    ### END SOLUTION"""


def _notebook(*sources, outputs=False):
    notebook = nbformat.v4.new_notebook()
    for source in sources:
        cell = nbformat.v4.new_code_cell(source)
        if outputs:
            cell.outputs = [nbformat.v4.new_output("stream", text="hello")]
            cell.execution_count = 1
        notebook.cells.append(cell)
    return notebook


def test_solution_block_becomes_an_indented_stub():
    assert strip_solution_source(SOLVED) == (
        'def relu(z):\n    """Rectified linear unit."""\n    # YOUR CODE HERE\n    raise NotImplementedError()'
    )


def test_hidden_tests_are_removed_entirely():
    source = "check(f)\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS"
    assert strip_solution_source(source) == "check(f)"


def test_an_unclosed_marker_names_the_cell():
    with pytest.raises(MarkerError, match="cell 3.*never closed"):
        strip_solution_source("### BEGIN SOLUTION\nx = 1", where="01_mlp.ipynb, cell 3")


def test_an_end_marker_without_begin_is_an_error():
    with pytest.raises(MarkerError, match="without a '### BEGIN SOLUTION'"):
        strip_solution_source("x = 1\n### END SOLUTION")


def test_student_notebook_has_no_outputs_and_keeps_the_solution_untouched():
    solution = _notebook(SOLVED, outputs=True)
    student = make_student_notebook(solution)
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert "np.maximum" in solution.cells[0].source and "np.maximum" not in student.cells[0].source


def test_write_then_check_reports_in_sync(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(_notebook(SOLVED), solutions / "01_mlp.ipynb")
    assert write_student_notebooks(solutions, notebooks).written == (notebooks / "01_mlp.ipynb",)
    assert write_student_notebooks(solutions, notebooks, check_only=True).stale == ()


def test_check_reports_a_stale_student_notebook_and_writes_nothing(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    nbformat.write(_notebook(SOLVED), solutions / "01_mlp.ipynb")
    write_student_notebooks(solutions, notebooks)
    nbformat.write(_notebook(SOLVED, "print('new cell')"), solutions / "01_mlp.ipynb")
    before = (notebooks / "01_mlp.ipynb").read_text()
    report = write_student_notebooks(solutions, notebooks, check_only=True)
    assert report.stale == (notebooks / "01_mlp.ipynb",)
    assert (notebooks / "01_mlp.ipynb").read_text() == before


def test_a_student_notebook_without_solution_is_kept(tmp_path):
    solutions, notebooks = tmp_path / "solutions", tmp_path / "notebooks"
    solutions.mkdir()
    notebooks.mkdir()
    nbformat.write(_notebook(SOLVED), solutions / "01_mlp.ipynb")
    nbformat.write(_notebook("x = 1"), notebooks / "99_teacher_extra.ipynb")
    report = write_student_notebooks(solutions, notebooks)
    assert report.orphans == (notebooks / "99_teacher_extra.ipynb",)
    assert (notebooks / "99_teacher_extra.ipynb").exists()


def test_committed_student_notebooks_are_in_sync_with_solutions():
    report = write_student_notebooks(ROOT / "solutions", ROOT / "notebooks", check_only=True)
    assert report.stale == (), f"stale: {report.stale}; run `course notebooks` and commit the result"


def test_committed_notebooks_carry_no_outputs():
    with_outputs = notebooks_with_outputs(ROOT / "solutions") + notebooks_with_outputs(ROOT / "notebooks")
    assert with_outputs == [], f"clear outputs before committing: {with_outputs}"


def test_every_solution_notebook_has_at_least_six_graded_exercises():
    from course.checks import chapter_exercises

    for path in sorted((ROOT / "solutions").glob("*.ipynb")):
        exercises = chapter_exercises(path.stem)
        assert len(exercises) >= 6, f"{path.name} has {len(exercises)} graded exercises; at least 6 are required"
        source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
        for exercise in exercises:
            assert exercise.target in source, f"{path.name} never defines `{exercise.target}` ({exercise.id})"

