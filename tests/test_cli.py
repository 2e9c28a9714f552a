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


def test_bench_without_such_chapter_lists_the_available_ones():
    with pytest.raises(SystemExit, match="no benchmark for chapter '09'"):
        main(["bench", "09"])


def test_bench_part_is_refused_for_a_chapter_without_parts():
    with pytest.raises(SystemExit, match="chapter 01's bench has no parts"):
        main(["bench", "01", "--part", "images"])


def test_bench_01_ci_sized_writes_a_json_record(tmp_path, ci_mode):
    out = tmp_path / "bench.json"
    main(["bench", "01", "--out", str(out)])
    record = json.loads(out.read_text())
    assert record["chapter"] == "01" and record["mode"] == "ci"
    assert {m["name"].split()[0] for m in record["models"]} == {"course", "seed"}
    assert record["targets_met"] is None  # CI-sized numbers are not measurements
    for model in record["models"]:
        assert 0.0 <= model["test_accuracy"] <= 1.0 and model["seconds_per_epoch"] > 0
    assert not (tmp_path / "bench.partial.json").exists(), "the partial record should be removed once the full one is written"


def test_a_bench_stopped_halfway_keeps_the_models_it_finished(tmp_path, monkeypatch):
    import keras
    import numpy as np

    from course import bench

    def half_a_bench():
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        x, y = np.zeros((8, 3), "float32"), np.zeros(8, "int32")
        bench.time_training("first model", model, (x, y), (x, y), epochs=1, batch_size=4)
        raise KeyboardInterrupt  # stopped before the second model

    monkeypatch.setitem(bench.BENCHES, "99", half_a_bench)
    out = tmp_path / "bench.json"
    with pytest.raises(KeyboardInterrupt):
        bench.run_bench("99", out)
    partial = json.loads((tmp_path / "bench.partial.json").read_text())
    assert not out.exists()
    assert partial["partial"] is True and [m["name"] for m in partial["models"]] == ["first model"]


def test_the_console_command_is_installed():
    result = subprocess.run([sys.executable, "-m", "course.cli", "--help"], capture_output=True, text=True, env=os.environ)
    assert result.returncode == 0 and "bench" in result.stdout
