"""`course run`: progress per notebook, remembered timings, the summary table, failures that name their cell.

Every notebook here is written by the test and imports no TensorFlow, so a
kernel starts and runs in a few seconds.
"""

import io
import json

import nbformat
import pytest
from rich.console import Console

from course.cli import main
from course.config import mode
from course.results import Headline, Verdicts
from course.runner import (
    TIMINGS_FILE, NotebookRun, format_duration, load_timings, remaining_seconds, run_notebooks, summary_table,
)

pytestmark = pytest.mark.slow


def _write(folder, name, *sources):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# A title")]
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / f"{name}.ipynb")
    return folder / f"{name}.ipynb", notebook


def _console():
    """A console that renders the live progress as a terminal would, into a string."""
    return Console(file=io.StringIO(), force_terminal=True, width=160, color_system=None)


def _project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions").mkdir()
    return tmp_path / "solutions"


# --- progress ---------------------------------------------------------------

@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    """One notebook run twice into the same build folder: (what each run showed, the notebook, the build folder)."""
    root = tmp_path_factory.mktemp("runs")
    path, notebook = _write(root / "solutions", "01_mlp", "import time; time.sleep(0.8)", "import time; time.sleep(0.8)")
    shown = []
    for _ in range(2):
        console = _console()
        run_notebooks([path], root / "build", console=console)
        shown.append(console.file.getvalue())
    return shown, notebook, root / "build"


def test_progress_shows_the_cell_being_run_out_of_how_many(two_runs):
    (first, _), _, _ = two_runs
    assert "01_mlp cell 1/2" in first and "01_mlp cell 2/2" in first and "import time; time.sleep(0.8)" in first


def test_output_that_is_not_a_terminal_gets_one_plain_line_per_cell(tmp_path):
    path, _ = _write(tmp_path / "solutions", "01_mlp", "x = 1", "y = 2")
    console = Console(file=io.StringIO(), force_terminal=False, width=160)
    run_notebooks([path], tmp_path / "build", console=console)
    lines = console.file.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines[:2]] == ["01_mlp cell 1/2", "01_mlp cell 2/2"]
    assert lines[0].endswith(": x = 1") and " elapsed" in lines[0]


def test_a_first_run_says_it_has_no_estimate_yet(two_runs):
    (first, _), _, _ = two_runs
    assert "first run: no estimate yet" in first and "left (last run)" not in first


def test_a_second_run_estimates_the_time_left_from_the_first(two_runs):
    (_, second), _, _ = two_runs
    assert "left (last run)" in second


def test_timings_are_stored_per_mode_and_cell_id_next_to_the_outputs(two_runs):
    _, notebook, build = two_runs
    stored = json.loads((build / TIMINGS_FILE).read_text())
    ids = [cell.id for cell in notebook.cells if cell.cell_type == "code"]
    assert list(stored) == [mode()] and sorted(stored[mode()]["01_mlp"]["cells"]) == sorted(ids)
    assert all(seconds >= 0.8 for seconds in stored[mode()]["01_mlp"]["cells"].values())


def test_a_failed_run_keeps_the_timings_of_the_last_finished_one(tmp_path):
    path, _ = _write(tmp_path / "solutions", "01_mlp", "x = 1")
    run_notebooks([path], tmp_path / "build", console=_console())
    before = load_timings(tmp_path / "build")
    _write(tmp_path / "solutions", "01_mlp", "raise ValueError('broken')")
    run_notebooks([path], tmp_path / "build", console=_console())
    assert load_timings(tmp_path / "build") == before


def test_remaining_time_is_the_rest_of_the_current_cell_plus_the_later_ones():
    assert remaining_seconds([10.0, 60.0, 5.0], current=1, cell_elapsed=20.0) == 45.0
    assert remaining_seconds([10.0, 60.0, 5.0], current=1, cell_elapsed=90.0) == 5.0
    assert remaining_seconds([10.0, None, 5.0], current=0, cell_elapsed=0.0) == 15.0
    assert remaining_seconds([], current=0, cell_elapsed=0.0) is None


def test_durations_read_in_seconds_then_minutes():
    assert (format_duration(42.4), format_duration(725)) == ("42 s", "12 min")


# --- the summary table -------------------------------------------------------

def test_the_summary_counts_the_checkers_verdicts(tmp_path):
    lines = ["[PASSED] 01_mlp:a (1/1 points): fine", "[FAILED] 01_mlp:b (0/1 points): wrong shape",
             "[NOT DONE] 01_mlp:c (0/1 points): not done yet", "[PASSED] 01_mlp:d (1/1 points): fine"]
    quoted = "print('a line that mentions [PASSED] in its middle is no verdict')"
    path, _ = _write(tmp_path / "solutions", "01_mlp", *[f"print({line!r})" for line in lines], quoted)
    [run] = run_notebooks([path], tmp_path / "build", console=_console())
    assert run.verdicts == Verdicts(passed=2, failed=1, not_done=1) and str(run.verdicts) == "2/4"


def test_the_summary_reads_the_headline_a_notebook_declares(tmp_path):
    path, _ = _write(tmp_path / "solutions", "01_mlp", "from course.results import headline\nheadline('test accuracy', 0.8954)")
    [run] = run_notebooks([path], tmp_path / "build", console=_console())
    assert run.headline == Headline("test accuracy", 0.8954)


def test_the_summary_table_has_chapter_minutes_checkers_headline_and_html(tmp_path):
    runs = [NotebookRun("01_mlp", seconds=90, verdicts=Verdicts(passed=12), headline=Headline("test accuracy", 0.8954),
                        html=tmp_path / "01_mlp.html"),
            NotebookRun("02_cnn", seconds=30, error="cell 3 of 9: ValueError: no")]
    console = _console()
    console.print(summary_table(runs))
    text = console.file.getvalue()
    assert [c.header for c in summary_table(runs).columns] == ["chapter", "minutes", "checkers passed", "headline", "HTML"]
    assert "1.5" in text and "12/12" in text and "test accuracy 0.8954" in text and "01_mlp.html" in text
    assert "02_cnn FAILED" in text and "-" in text


# --- the command ---------------------------------------------------------------

def test_run_prints_the_summary_table_and_exits_0(tmp_path, monkeypatch, capsys):
    solutions = _project(tmp_path, monkeypatch)
    _write(solutions, "01_mlp", "print('[PASSED] 01_mlp:a (1/1 points): fine')")
    assert main(["run", "01"]) == 0
    out = capsys.readouterr().out
    assert "checkers passed" in out and "1/1" in out and "build/01_mlp.html" in out


def test_a_failing_notebook_names_its_cell_and_the_error_s_last_line(tmp_path, monkeypatch, capsys):
    solutions = _project(tmp_path, monkeypatch)
    _write(solutions, "02_cnn", "x = 1", "values = [1, 2]\nvalues[5]", "print('never')")
    assert main(["run", "02"]) == 1
    captured = capsys.readouterr()
    assert "cell 2 of 3 (`values = [1, 2]`): IndexError: list index out of range" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_a_failing_notebook_is_written_as_far_as_it_ran(tmp_path, monkeypatch):
    solutions = _project(tmp_path, monkeypatch)
    _write(solutions, "02_cnn", "print('ran')", "1 / 0", "print('never')")
    main(["run", "02"])
    executed = nbformat.read(tmp_path / "build" / "02_cnn.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].text == "ran\n" and executed.cells[3].outputs == []
    assert (tmp_path / "build" / "02_cnn.html").exists()


def test_run_goes_on_after_a_failing_notebook_and_exits_1(tmp_path, monkeypatch, capsys):
    solutions = _project(tmp_path, monkeypatch)
    _write(solutions, "01_mlp", "1 / 0")
    _write(solutions, "02_cnn", "print(6 * 7)")
    assert main(["run", "01", "02"]) == 1
    assert nbformat.read(tmp_path / "build" / "02_cnn.ipynb", as_version=4).cells[1].outputs[0].text == "42\n"
    assert "1 of 2 notebooks failed: 01_mlp" in capsys.readouterr().err


def test_a_notebook_that_is_not_json_is_reported_and_the_others_run(tmp_path, monkeypatch, capsys):
    solutions = _project(tmp_path, monkeypatch)
    (solutions / "01_mlp.ipynb").write_text("{ not json")
    _write(solutions, "02_cnn", "print(6 * 7)")
    assert main(["run", "01", "02"]) == 1
    assert "01_mlp, cannot read solutions/01_mlp.ipynb" in capsys.readouterr().out
    assert (tmp_path / "build" / "02_cnn.html").exists()


def test_a_cell_past_the_timeout_is_reported_as_a_timeout(tmp_path, monkeypatch, capsys):
    solutions = _project(tmp_path, monkeypatch)
    _write(solutions, "01_mlp", "import time; time.sleep(30)")
    assert main(["run", "01", "--cell-timeout", "2"]) == 1
    assert "cell 1 of 1 (`import time; time.sleep(30)`): timed out: the cell ran longer than 2 s" in capsys.readouterr().out


def test_the_kernel_s_own_warnings_go_to_a_log_not_the_terminal(tmp_path, monkeypatch, capfd):
    solutions = _project(tmp_path, monkeypatch)
    # Under pytest ipykernel leaves file descriptor 2 alone, so this reaches the kernel process's own stderr.
    _write(solutions, "01_mlp", "import os\nos.write(2, b'written by the kernel process\\n')")
    assert main(["run", "01"]) == 0
    terminal = "".join(capfd.readouterr())
    assert "written by the kernel process" not in terminal and "[IPKernelApp]" not in terminal
    assert "written by the kernel process" in (tmp_path / "build" / "logs" / "01_mlp.kernel.log").read_text()
