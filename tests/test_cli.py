"""The `course` command line."""

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_data_check_reports_cached_datasets(capsys):
    assert main(["data", "--check"]) == 0
    out = capsys.readouterr().out
    assert "fashion_mnist   cached" in out and "movie_reviews   cached" in out


def test_data_check_fails_and_explains_when_data_are_missing(empty_keras_home, capsys):
    assert main(["data", "--check"]) == 1
    out = capsys.readouterr().out
    assert "MISSING" in out and "course data --download" in out


def test_data_download_offline_names_the_missing_file(empty_keras_home, capsys):
    assert main(["data", "--download"]) == 1
    assert "train-labels-idx1-ubyte.gz" in capsys.readouterr().err


def _project(tmp_path, source="def f(x):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION"):
    (tmp_path / "solutions").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    nbformat.write(notebook, tmp_path / "solutions" / "01_mlp.ipynb")
    return tmp_path


def test_notebooks_writes_then_check_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(_project(tmp_path))
    assert main(["notebooks"]) == 0
    assert "raise NotImplementedError()" in (tmp_path / "notebooks" / "01_mlp.ipynb").read_text()
    assert main(["notebooks", "--check"]) == 0


def test_notebooks_check_fails_when_stale(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path))
    assert main(["notebooks", "--check"]) == 1
    assert "stale: notebooks/01_mlp.ipynb" in capsys.readouterr().out


def test_notebooks_reports_a_broken_marker(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path, "### BEGIN SOLUTION\nx = 1"))
    assert main(["notebooks"]) == 2
    assert "never closed" in capsys.readouterr().err


def test_commands_outside_the_course_folder_say_where_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match="run this command from the course's root folder"):
        main(["notebooks"])


def test_run_executes_a_notebook_and_writes_html(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("print(6 * 7)"))
    nbformat.write(notebook, tmp_path / "solutions" / "01_mlp.ipynb")
    assert main(["run", "01"]) == 0
    executed = nbformat.read(tmp_path / "build" / "01_mlp.ipynb", as_version=4)
    assert executed.cells[0].outputs[0]["text"].strip() == "42"
    assert "42" in (tmp_path / "build" / "01_mlp.html").read_text()


def test_run_takes_an_unregistered_notebook_of_the_folder_by_its_exact_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "solutions").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_code_cell("print(6 * 7)"))
    nbformat.write(notebook, tmp_path / "solutions" / "06_extra.ipynb")
    assert main(["run", "06_extra"]) == 0
    assert (tmp_path / "build" / "06_extra.html").exists()


def test_run_refuses_an_unknown_chapter_and_lists_the_chapters(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path))
    assert main(["run", "09"]) == 2
    err = capsys.readouterr().err
    assert "Unknown chapter '09'" in err and "01_mlp, 02_cnn" in err


def test_notebooks_notes_a_solution_notebook_that_is_not_a_registered_chapter(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(_project(tmp_path))
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "solutions" / "06_extra.ipynb")
    assert main(["notebooks"]) == 0
    assert "solutions/06_extra.ipynb is not a chapter in course/chapters.py" in capsys.readouterr().out


def test_bench_without_such_chapter_exits_2_and_lists_the_available_ones(capsys):
    assert main(["bench", "09"]) == 2
    err = capsys.readouterr().err
    assert "no benchmark for chapter '09'" in err and "01 (01_mlp)" in err


def test_bench_part_is_refused_for_a_chapter_without_parts(capsys):
    assert main(["bench", "01", "--part", "images"]) == 2
    assert "chapter 01's bench has no parts" in capsys.readouterr().err


def test_bench_01_ci_sized_exits_0_and_writes_a_json_record(tmp_path, ci_mode):
    out = tmp_path / "bench.json"
    assert main(["bench", "01", "--out", str(out)]) == 0, "a CI-sized run has no targets: it must not fail"
    record = json.loads(out.read_text())
    assert record["chapter"] == "01" and record["mode"] == "ci"
    assert {m["name"].split()[0] for m in record["models"]} == {"course", "seed"}
    assert record["targets_met"] is None  # CI-sized numbers are not measurements
    for model in record["models"]:
        assert 0.0 <= model["test_accuracy"] <= 1.0 and model["seconds_per_epoch"] > 0
    assert not (tmp_path / "bench.partial.json").exists(), "the partial record should be removed once the full one is written"


def test_bench_exits_0_when_every_target_is_met(fake_bench):
    fake_bench(lambda: {"models": [], "targets": {"accuracy >= 0.9": True, "speed-up >= 3": True}})
    assert main(["bench", "99"]) == 0


def test_bench_exits_1_when_a_target_is_missed(fake_bench, capsys):
    fake_bench(lambda: {"models": [], "targets": {"accuracy >= 0.9": True, "speed-up >= 3": False}})
    assert main(["bench", "99"]) == 1
    assert "target speed-up >= 3: NOT met" in capsys.readouterr().out


def test_the_console_command_is_installed():
    result = subprocess.run([sys.executable, "-m", "course.cli", "--help"], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0 and "bench" in result.stdout
