"""course.seed_runs: a chapter notebook run with several seeds, each printed line summed up as min..max."""

import nbformat
import pytest

from course.seed_runs import printed_lines, summarise, with_seed


def _notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources])


def test_numbers_that_differ_between_seeds_become_ranges_and_equal_ones_stay():
    assert summarise(["test accuracy 0.8954, 20 epochs", "test accuracy 0.8921, 20 epochs", "test accuracy 0.8990, 20 epochs"]) \
        == "test accuracy 0.8921..0.8990, 20 epochs"


def test_ranges_order_numbers_by_value_with_thousands_commas_and_percentages():
    assert summarise(["kept 9.5% of 1,200", "kept 10.5% of 12,000"]) == "kept 9.5%..10.5% of 1,200..12,000"


def test_lines_that_differ_in_words_are_shown_side_by_side():
    assert summarise(["shirt (421)", "coat (399)"]) == "shirt (421) | coat (399)"


def test_the_seed_line_is_replaced_in_a_copy():
    notebook = _notebook("import numpy as np\n\nSEED = 0  # change it", "print(SEED)")
    seeded = with_seed(notebook, 7)
    assert seeded.cells[0].source == "import numpy as np\n\nSEED = 7  # change it"
    assert notebook.cells[0].source.endswith("SEED = 0  # change it")


@pytest.mark.parametrize("sources", [("x = 1",), ("SEED = 0", "SEED = 1")])
def test_a_notebook_without_exactly_one_seed_line_is_refused(sources):
    with pytest.raises(ValueError, match="set its seed once, with a line 'SEED = 0'"):
        with_seed(_notebook(*sources), 1)


def test_every_chapter_1_training_run_takes_its_seed_from_the_one_seed_line():
    from pathlib import Path

    notebook = nbformat.read(Path(__file__).resolve().parents[1] / "solutions" / "01_mlp.ipynb", as_version=4)
    with_seed(notebook, 1)  # raises unless exactly one line
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "set_seed(0)" not in code and code.count("set_seed(SEED)") >= 4 and code.count("seed=SEED") >= 4


def test_printed_lines_are_the_stdout_of_code_cells_by_cell_and_line():
    notebook = _notebook("print('a')", "print('b')")
    notebook.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="one\ntwo\n")]
    notebook.cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="warning\n")]
    assert printed_lines(notebook) == [(0, 0, "one"), (0, 1, "two")]
