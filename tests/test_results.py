"""What a notebook reports to `course run`: the headline it declares and the checkers' verdicts."""

from pathlib import Path

import nbformat
import pytest

from course.chapters import ids
from course.results import HEADLINE_KEY, Headline, Verdicts, count_verdicts, headline, read_headline


def _notebook(*outputs):
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = list(outputs)
    notebook.cells.append(cell)
    return notebook


def _stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def _headline_output(name, value):
    return nbformat.v4.new_output("display_data", data={"text/plain": f"Headline result: {name} {value}"},
                                  metadata={HEADLINE_KEY: {"name": name, "value": value}})


def test_headline_prints_one_line_outside_a_notebook(capsys):
    assert headline("test accuracy", 0.8954) is None
    assert capsys.readouterr().out == "Headline result: test accuracy 0.8954\n"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.9", True, None])
def test_headline_refuses_a_value_that_is_not_a_finite_number(value):
    with pytest.raises(ValueError, match="value must be a finite real number"):
        headline("test accuracy", value)


def test_headline_refuses_an_empty_name():
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        headline("  ", 0.9)


def test_the_last_declared_headline_counts():
    notebook = _notebook(_headline_output("validation accuracy", 0.8), _headline_output("test accuracy", 0.9))
    assert read_headline(notebook) == Headline("test accuracy", 0.9)


def test_a_notebook_without_a_headline_has_none():
    assert read_headline(_notebook(_stdout("test accuracy 0.9\n"))) is None


def test_verdicts_are_counted_at_the_start_of_output_lines_only():
    notebook = _notebook(
        _stdout("[PASSED] 01_mlp:a (1/1 points): ok\n[FAILED] 01_mlp:b (0/1 points): wrong\n"),
        _stdout("[NOT DONE] 01_mlp:c (0/1 points): not done yet\nthe word [PASSED] in a sentence\n"),
        nbformat.v4.new_output("stream", name="stderr", text="[PASSED] on stderr is no checker's line\n"),
    )
    assert count_verdicts(notebook) == Verdicts(passed=1, failed=1, not_done=1)


def test_verdicts_shown_as_a_result_are_counted_too():
    result = nbformat.v4.new_output("execute_result", data={"text/plain": "[PASSED] 01_mlp:a (1/1 points): ok"},
                                    execution_count=1)
    assert count_verdicts(_notebook(result)).passed == 1


def test_no_checkers_reads_as_a_dash():
    assert str(count_verdicts(_notebook(_stdout("hello\n")))) == "-"


@pytest.mark.parametrize("chapter", ids())
def test_every_chapter_records_exactly_one_headline(chapter):
    solution = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / f"{chapter}.ipynb", as_version=4)
    calls = [line for cell in solution.cells if cell.cell_type == "code" for line in cell.source.splitlines()
             if line.lstrip().startswith("headline(")]
    assert len(calls) == 1, calls
