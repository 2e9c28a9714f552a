"""`course grade`, the classroom auto-grader, specified by fixture notebooks.

Most tests read one batch: every folder in tests/fixtures/grading/submissions is
a "student" whose 01_mlp.ipynb does one thing (is correct, is not JSON, loops
forever, kills its kernel, patches the checkers ...). The batch is graded once
(two notebooks in parallel) with the small stand-in chapter
tests/fixtures/grading/fake_checks.py (exercises `double`, 1 point, and
`softmax`, 2 points, raised to 3 by the teacher's config) and each test checks
what one student got.

The last tests grade the real chapters: every solution notebook must get full
marks, with no cell raising an error.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from course.chapters import CHAPTERS as ALL_CHAPTERS
from course.grading import (
    GradeOptions, GraderConfig, GradingError, grade, hide_expected, merge, parse_shard, read_submission,
)

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
FAKE_CHECKS = str(FIXTURES / "fake_checks.py")
ROOT = Path(__file__).resolve().parents[1]
CELL_TIMEOUT = 8
SECRET = "teacher-secret-marker-7f3a"
CONFIG_TOML = f"""
# {SECRET}
[grader]
seed = 4242

[01_mlp.double]
extra_seeds = [7, 8]     # two hidden sets of cases

[01_mlp.softmax]
points = 3
"""

SPY_NOTEBOOK = r'''
import json, os, sys
report = {"cwd": os.getcwd(), "listing": sorted(os.listdir(".")), "env": dict(os.environ), "argv": sys.argv}
print("SPY-REPORT " + json.dumps(report))            # read back from the executed notebook
try:
    with open(SPY_PATH, "w") as handle:             # outside its working folder: the sandbox refuses
        json.dump(report, handle)
except OSError:
    pass
# Plant files that look like grader results, here and one folder up.
for folder in (".", ".."):
    try:
        os.makedirs(os.path.join(folder, "outcomes"), exist_ok=True)
        with open(os.path.join(folder, "outcomes", "double.json"), "w") as handle:
            handle.write('{"sets": [[{"value": 1, "error": null, "detail": ""}]]}')
        with open(os.path.join(folder, "result.json"), "w") as handle:
            handle.write('{"status": "graded", "exports": {}, "checks": {}}')
        with open(os.path.join(folder, "grades.csv"), "w") as handle:
            handle.write("spy,100\n")
    except OSError:
        pass
'''


def fake_options(config: GraderConfig, **overrides) -> GradeOptions:
    settings = dict(
        checks={"01_mlp": FAKE_CHECKS}, cell_timeout=CELL_TIMEOUT, notebook_timeout=40, memory_mb=600,
        max_output_mb=0.5, jobs=2, config=config,
    )
    settings.update(overrides)
    return GradeOptions(**settings)


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _write_spy(folder: Path, spy_path: Path) -> None:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell(f"SPY_PATH = {str(spy_path)!r}\n" + SPY_NOTEBOOK),
        nbformat.v4.new_code_cell("def double(x):\n    return x  # wrong: the planted files must not make it pass"),
    ]
    folder.mkdir()
    nbformat.write(notebook, folder / "01_mlp.ipynb")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade every fixture student once; return what the grader wrote."""
    root = tmp_path_factory.mktemp("grading")
    submissions = root / "submissions"
    shutil.copytree(FIXTURES / "submissions", submissions)
    _write_spy(submissions / "spy", root / "spy.json")
    teacher = root / "teacher"
    teacher.mkdir()
    (teacher / "grading.toml").write_text(CONFIG_TOML)
    config = GraderConfig.load(teacher / "grading.toml")
    before = _snapshot(submissions)
    out = root / "out" / "grades.csv"
    executed = root / "executed"
    report = grade(submissions, out, fake_options(config, executed_dir=executed, temp_dir=root / "tmp"))
    rows = {row["student"]: row for row in csv.DictReader(out.open())}
    return {
        "root": root, "submissions": submissions, "out": out, "report": report, "rows": rows,
        "data": json.loads(out.with_suffix(".json").read_text()), "before": before, "config": config,
        "teacher": teacher, "executed": executed, "cache": out.parent / ".course-grade-cache",
    }


def record(batch, student):
    return batch["data"]["students"][student]["chapters"]["01_mlp"]


def feedback(batch, student):
    return (batch["out"].parent / "feedback" / student / "01_mlp.md").read_text()


def points(batch, student):
    row = batch["rows"][student]
    return float(row["01_mlp:double"]), float(row["01_mlp:softmax"])


# --- the output files --------------------------------------------------------------


def test_grades_csv_has_one_row_per_student_and_the_documented_columns(batch):
    header = next(csv.reader(batch["out"].open()))
    assert header == ["student", "01_mlp:double", "01_mlp:softmax", "01_mlp:status", "01_mlp:total", "total", "max_total"]
    assert set(batch["rows"]) == {p.name for p in batch["submissions"].iterdir() if p.is_dir()}


def test_the_json_holds_every_checker_message(batch):
    entry = record(batch, "wrong")["exercises"]["double"]
    assert entry["points"] == 0 and entry["max_points"] == 1 and "wrong value" in entry["message"]


def test_a_correct_notebook_gets_full_marks_with_the_teachers_points(batch):
    assert points(batch, "correct") == (1, 3)
    row = batch["rows"]["correct"]
    assert row["01_mlp:status"] == "graded" and row["total"] == "4" and row["max_total"] == "4"


def test_feedback_says_passed_per_exercise(batch):
    text = feedback(batch, "correct")
    assert "**double** (1/1): passed" in text and "**softmax** (3/3): passed" in text


def test_output_on_stderr_never_costs_points(batch):
    # the `correct` notebook writes to stderr, warns and logs (as TensorFlow does); nbgrader would zero it
    assert record(batch, "correct")["total"] == 4


def test_the_grader_never_writes_into_the_submissions_folder(batch):
    assert _snapshot(batch["submissions"]) == batch["before"]


# --- what each kind of submission gets ---------------------------------------------------------


def test_an_unfilled_exercise_is_reported_not_done_with_zero_points(batch):
    assert points(batch, "unfilled") == (0, 0)
    assert record(batch, "unfilled")["exercises"]["double"]["status"] == "not done"
    assert "replace `raise NotImplementedError()`" in feedback(batch, "unfilled")


def test_a_wrong_answer_gets_the_checkers_message(batch):
    assert points(batch, "wrong") == (0, 0)
    assert "got NaN or inf" in record(batch, "wrong")["exercises"]["softmax"]["message"]


def test_a_notebook_that_raises_is_still_graded_and_the_errors_are_noted(batch):
    assert batch["rows"]["raises"]["01_mlp:status"] == "graded"
    assert points(batch, "raises") == (1, 0)
    assert "raised KeyError" in record(batch, "raises")["exercises"]["softmax"]["message"]
    assert any("ZeroDivisionError" in note for note in record(batch, "raises")["notes"])


@pytest.mark.parametrize("student, reason", [
    ("not_json", "not valid JSON"),
    ("not_notebook", "not a valid Jupyter notebook"),
    ("empty", "the file is empty"),
])
def test_a_file_that_is_not_a_notebook_is_invalid_with_zero_points(batch, student, reason):
    assert batch["rows"][student]["01_mlp:status"] == "invalid"
    assert points(batch, student) == (0, 0)
    assert reason in record(batch, student)["message"] and reason in feedback(batch, student)


def test_an_old_nbformat_v3_notebook_is_upgraded_and_graded(batch):
    assert batch["rows"]["old_v3"]["01_mlp:status"] == "graded" and points(batch, "old_v3") == (1, 3)


def test_a_missing_notebook_is_reported_missing(batch):
    assert batch["rows"]["nothing_submitted"]["01_mlp:status"] == "missing"
    assert points(batch, "nothing_submitted") == (0, 0)


def test_an_endless_loop_times_out_and_what_was_defined_before_it_is_graded(batch):
    assert batch["rows"]["busy_loop"]["01_mlp:status"] == "timeout"
    assert points(batch, "busy_loop") == (1, 0)
    assert f"did not finish within the limit of {CELL_TIMEOUT} s" in record(batch, "busy_loop")["message"]
    assert "was not defined before the notebook stopped" in record(batch, "busy_loop")["exercises"]["softmax"]["message"]


def test_a_notebook_that_sleeps_forever_times_out(batch):
    assert batch["rows"]["sleeper"]["01_mlp:status"] == "timeout" and points(batch, "sleeper") == (0, 0)


@pytest.fixture(scope="module")
def hog(tmp_path_factory):
    """Grade, alone, a notebook that allocates 80 MB after 80 MB without end (limit 400 MB).

    It has its own generous cell time limit: how fast resident memory grows is
    the machine's page-fault speed (about 60 MB/s measured on a small virtual
    machine), and the memory watchdog, not the clock, must stop this notebook.
    """
    root = tmp_path_factory.mktemp("hog")
    submissions = root / "submissions"
    shutil.copytree(FIXTURES / "memory_hog", submissions / "memory_hog")
    out = root / "out" / "grades.csv"
    options = fake_options(GraderConfig(), memory_mb=400, cell_timeout=180, notebook_timeout=240, jobs=1, temp_dir=root / "tmp")
    report = grade(submissions, out, options)
    return {"out": out, "report": report, "rows": {row["student"]: row for row in csv.DictReader(out.open())},
            "data": json.loads(out.with_suffix(".json").read_text())}


def test_a_kernel_that_allocates_without_bound_is_stopped_and_reported(hog):
    entry = record(hog, "memory_hog")
    assert entry["status"] == "crashed", entry
    assert "more than 400 MB of memory during cell 4" in entry["message"], entry
    assert points(hog, "memory_hog") == (0, 0)


@pytest.mark.parametrize("student", ["os_exit", "kill_self"])
def test_a_kernel_that_kills_itself_is_reported_crashed_at_once(batch, student):
    entry = record(batch, student)
    assert entry["status"] == "crashed" and entry["total"] == 0
    assert "the kernel died during cell 4" in entry["message"]
    assert entry["seconds"]["last_cell"] < CELL_TIMEOUT - 2  # noticed within a second or two, not at the cell time limit


def test_sys_exit_in_a_cell_does_not_stop_the_grading(batch):
    assert batch["rows"]["sys_exit"]["01_mlp:status"] == "graded" and points(batch, "sys_exit") == (1, 3)


def test_megabytes_of_output_are_capped_and_the_notebook_still_graded(batch):
    assert points(batch, "big_output") == (1, 3)
    executed = batch["executed"] / "big_output" / "01_mlp.ipynb"
    outputs = json.loads(executed.read_text())["cells"][3]["outputs"]
    stored = sum(len("".join(o.get("text", ""))) for o in outputs)
    assert 0.4 * 2**20 < stored <= 0.5 * 2**20 + 200  # 6 MB printed, 0.5 MB kept
    assert "output truncated by the grader" in "".join(outputs[-1]["text"])


def test_deleted_exercise_and_checker_cells_give_not_found(batch):
    assert points(batch, "deleted_cells") == (1, 0)
    assert "not found: define `softmax` in the notebook." in feedback(batch, "deleted_cells")


def test_patching_the_checkers_or_printing_passed_changes_nothing(batch):
    assert points(batch, "cheater") == (0, 0)
    assert record(batch, "cheater")["exercises"]["double"]["status"] == "failed"


def test_a_hidden_case_failure_is_reported_without_expected_values(batch):
    assert points(batch, "hidden_fail") == (0, 3)
    message = record(batch, "hidden_fail")["exercises"]["double"]["message"]
    assert message.startswith("hidden case 1 failed: ")
    assert "expected <hidden>" in message and "case 1 (arguments" not in message


def test_passing_hidden_cases_are_counted_in_the_feedback(batch):
    assert "Hidden cases: 2 of 2 passed." in record(batch, "correct")["exercises"]["double"]["message"]


def test_a_function_that_kills_the_checks_worker_costs_only_that_exercise(batch):
    assert points(batch, "worker_exit") == (0, 3)
    assert "stopped the grading process" in record(batch, "worker_exit")["exercises"]["double"]["message"]


def test_a_function_that_never_returns_costs_only_that_exercise(batch):
    assert points(batch, "worker_loop") == (0, 3)
    assert f"did not finish within {CELL_TIMEOUT} s" in record(batch, "worker_loop")["exercises"]["double"]["message"]


def test_an_answer_that_cannot_be_exported_is_explained(batch):
    assert points(batch, "unpicklable") == (0, 3)
    assert "could not be copied out of the notebook" in record(batch, "unpicklable")["exercises"]["double"]["message"]


# --- isolation ---------------------------------------------------------------------------


def test_files_the_notebook_writes_never_change_its_grade(batch):
    assert points(batch, "spy") == (0, 0)
    assert record(batch, "spy")["exercises"]["double"]["status"] == "failed"
    assert "spy,100" not in batch["out"].read_text()


def _spy_report(batch) -> dict:
    outputs = json.loads((batch["executed"] / "spy" / "01_mlp.ipynb").read_text())["cells"][1]["outputs"]
    line = next(line for o in outputs for line in "".join(o.get("text", "")).splitlines() if line.startswith("SPY-REPORT "))
    return json.loads(line.removeprefix("SPY-REPORT "))


def test_the_kernel_runs_in_a_fresh_copy_folder_without_the_teachers_config(batch):
    spy = _spy_report(batch)
    cwd = Path(spy["cwd"]).resolve()
    assert batch["submissions"].resolve() not in [cwd, *cwd.parents]
    assert "01_mlp.ipynb" in spy["listing"] and not any(name.endswith(".toml") for name in spy["listing"])
    assert not cwd.exists()  # thrown away after grading
    environment = json.dumps(spy["env"]) + json.dumps(spy["argv"])
    assert SECRET not in environment and str(batch["teacher"]) not in environment and "grading.toml" not in environment
    assert spy["env"]["COURSE_MODE"] == "ci"


def test_the_kernel_is_told_it_runs_under_the_grader_so_model_checks_skip_training(batch):
    assert _spy_report(batch)["env"]["COURSE_GRADER_KERNEL"] == "1"


def test_the_teachers_config_may_not_live_inside_the_submissions_folder(batch, tmp_path):
    inside = batch["submissions"] / "grading.toml"
    inside.write_text("[grader]\nseed = 1\n")
    try:
        with pytest.raises(GradingError, match="inside the submissions folder"):
            grade(batch["submissions"], tmp_path / "g.csv", fake_options(GraderConfig.load(inside)))
    finally:
        inside.unlink()


# --- cache, resume, shards, merge, CLI ------------------------------------------------------------


def test_a_second_run_takes_every_result_from_the_cache(batch, tmp_path):
    report = grade(batch["submissions"], tmp_path / "grades.csv", fake_options(batch["config"], cache_dir=batch["cache"]))
    assert report.executed == 0 and report.cached == len(batch["rows"]) - 1  # the missing notebook is not cached
    assert (tmp_path / "grades.csv").read_text() == batch["out"].read_text()


def test_retry_failed_grades_timeouts_and_crashes_again(batch, tmp_path):
    options = fake_options(batch["config"], cache_dir=batch["cache"], retry_failed=True, students=["os_exit", "correct"])
    report = grade(batch["submissions"], tmp_path / "grades.csv", options)
    assert report.executed == 1 and report.cached == 1


def test_shards_split_the_class_and_merge_back_into_the_same_grades(batch, tmp_path):
    parts = []
    for index in range(3):
        out = tmp_path / f"shard{index}.csv"
        grade(batch["submissions"], out, fake_options(batch["config"], cache_dir=batch["cache"], shard=(index, 3)))
        parts.append(out.with_suffix(".json"))
    seen = [set(json.loads(p.read_text())["students"]) for p in parts]
    assert not (seen[0] & seen[1]) and not (seen[1] & seen[2]) and set().union(*seen) == set(batch["rows"])
    merge(parts, tmp_path / "merged.csv")
    assert (tmp_path / "merged.csv").read_text() == batch["out"].read_text()
    assert (tmp_path / "feedback" / "correct" / "01_mlp.md").exists()


def test_merging_the_same_shard_twice_is_refused(batch, tmp_path):
    with pytest.raises(GradingError, match="more than one file"):
        merge([batch["out"].with_suffix(".json")] * 2, tmp_path / "merged.csv")


@pytest.mark.parametrize("text, expected", [("0/4", (0, 4)), ("3/4", (3, 4))])
def test_shard_accepts_a_zero_based_index(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["4/4", "1", "a/b", "0/0"])
def test_shard_rejects_an_index_outside_0_to_n_minus_1(text):
    with pytest.raises(GradingError, match="--shard"):
        parse_shard(text)


def test_a_changed_notebook_is_graded_again_and_the_rest_comes_from_the_cache(batch, tmp_path):
    submissions = tmp_path / "class"
    for student in ("correct", "wrong"):
        shutil.copytree(batch["submissions"] / student, submissions / student)
    notebook = submissions / "wrong" / "01_mlp.ipynb"
    notebook.write_text(notebook.read_text().replace("return 3 * x", "return 2 * x"))
    report = grade(submissions, tmp_path / "grades.csv", fake_options(batch["config"], cache_dir=batch["cache"]))
    assert report.executed == 1 and report.cached == 1
    assert report.data["students"]["wrong"]["chapters"]["01_mlp"]["exercises"]["double"]["points"] == 1


def test_an_interrupted_run_keeps_the_previous_grades_and_the_next_run_resumes(batch, tmp_path):
    submissions = tmp_path / "class"
    for student in ("correct", "wrong"):
        shutil.copytree(batch["submissions"] / student, submissions / student)
        notebook = submissions / student / "01_mlp.ipynb"
        notebook.write_text(notebook.read_text().replace("A fixture notebook", "A changed notebook"))
    out = tmp_path / "grades.csv"
    out.write_text("previous grades\n")
    options = fake_options(batch["config"], cache_dir=tmp_path / "cache")

    def interrupt(student, chapter, record, cached):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        grade(submissions, out, options, progress=interrupt)
    assert out.read_text() == "previous grades\n"
    report = grade(submissions, out, options)
    assert report.cached >= 1 and report.executed <= 1
    assert "correct,1,3,graded,4" in out.read_text()


def test_the_cli_grades_a_class_and_merges_shards(batch, tmp_path, capsys):
    from course.cli import main

    common = ["--checks", f"01_mlp={FAKE_CHECKS}", "--config", str(batch["teacher"] / "grading.toml"),
              "--cell-timeout", str(CELL_TIMEOUT), "--notebook-timeout", "40", "--memory-mb", "600",
              "--max-output-mb", "0.5", "--cache-dir", str(batch["cache"]), "--students", "correct,wrong"]
    assert main(["grade", str(batch["submissions"]), "--out", str(tmp_path / "a.csv"), "--shard", "0/2", *common]) == 0
    assert main(["grade", str(batch["submissions"]), "--out", str(tmp_path / "b.csv"), "--shard", "1/2", *common]) == 0
    assert main(["grade", "--merge", str(tmp_path / "a.json"), str(tmp_path / "b.json"), "--out", str(tmp_path / "all.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "all.csv").open()))
    assert [(r["student"], r["total"]) for r in rows] == [("correct", "4"), ("wrong", "0")]
    assert capsys.readouterr().out.count("(0 notebooks run, 1 from the cache)") == 2


def test_the_cli_reports_a_bad_option_without_a_traceback(tmp_path, capsys):
    from course.cli import main

    assert main(["grade", str(tmp_path), "--only", "99_nope"]) == 2
    assert "no such chapter" in capsys.readouterr().err


# --- configuration ---------------------------------------------------------------------------


def test_config_gives_points_and_hidden_seeds_per_exercise_with_chapter_defaults():
    config = GraderConfig.from_dict({"01_mlp": {"extra_seeds": [1], "softmax": {"points": 2}, "relu": {"extra_seeds": [5, 6]}}})
    assert config.settings("01_mlp", "softmax").points == 2 and config.settings("01_mlp", "softmax").extra_seeds == (1,)
    assert config.settings("01_mlp", "relu").extra_seeds == (5, 6)
    assert config.settings("02_cnn", "conv").points is None


@pytest.mark.parametrize("data, message", [
    ({"01_mlp": {"double": {"points": "two"}}}, "points must be a non-negative number"),
    ({"01_mlp": {"double": {"extra_seeds": 7}}}, "extra_seeds must be a list"),
    ({"01_mlp": {"double": {"pointz": 1}}}, "unknown keys"),
    ({"grader": {"seed": -1}}, "seed must be a non-negative integer"),
])
def test_config_rejects_bad_values_naming_the_table(data, message):
    with pytest.raises(GradingError, match=message):
        GraderConfig.from_dict(data, source="grading.toml")


def test_config_naming_an_exercise_that_does_not_exist_is_refused(tmp_path):
    (tmp_path / "alice").mkdir()
    config = GraderConfig.from_dict({"01_mlp": {"sofmax": {"points": 2}}}, source="grading.toml")
    with pytest.raises(GradingError, match="has no exercise 'sofmax'"):
        grade(tmp_path, tmp_path / "g.csv", fake_options(config, only=["01_mlp"]))


# --- pieces ---------------------------------------------------------------------------------------


def test_hidden_case_messages_lose_expected_values_and_case_descriptions():
    message = "case 2 (arguments (3, 4), 0.5): wrong value at index (0, 1): expected 0.25, got 0.5 (3 of 12 values differ)."
    hidden = hide_expected(message)
    assert "0.25" not in hidden and "(3, 4)" not in hidden and "got 0.5" in hidden
    assert "expected <hidden>" in hide_expected("wrong shape: expected (3, 4), got (12,)")


def test_an_empty_file_is_read_as_invalid_with_a_reason(tmp_path):
    path = tmp_path / "01_mlp.ipynb"
    path.write_text("")
    assert read_submission(path) == (None, "the file is empty (was it saved?).")


def test_outcomes_are_read_back_without_unpickling_anything(tmp_path):
    from course.grading.outcomes import OutcomeFormatError, decode_outcomes

    np.savez(tmp_path / "double.npz", a0=np.array([object()], dtype=object))
    (tmp_path / "double.json").write_text(json.dumps({"sets": [[{"value": {"__array__": "a0"}, "error": None, "detail": ""}]]}))
    with pytest.raises(ValueError, match="allow_pickle"):
        decode_outcomes(tmp_path, "double")
    (tmp_path / "double.npz").unlink()
    (tmp_path / "double.json").write_text(json.dumps({"sets": [[{"value": {"__code__": "os.system('x')"}, "error": None}]]}))
    with pytest.raises(OutcomeFormatError):
        decode_outcomes(tmp_path, "double")


def test_a_keras_model_outcome_travels_as_a_keras_file_loaded_in_safe_mode(tmp_path):
    import keras

    from course.checks.core import Outcome
    from course.grading.outcomes import Encoder, decode_outcomes

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    encoder = Encoder(tmp_path, "classifier")
    encoded = [[encoder.encode_outcome(Outcome(value={"model": model}))]]
    encoder.save_arrays()
    (tmp_path / "classifier.json").write_text(json.dumps({"sets": encoded}))
    (outcome,), = decode_outcomes(tmp_path, "classifier")
    loaded = outcome.value["model"]
    assert loaded.count_params() == model.count_params() and loaded.compiled
    x = np.ones((2, 4), dtype="float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6)


# --- the real chapters ----------------------------------------------------------------------------


CHAPTERS = [chapter.id for chapter in ALL_CHAPTERS]


@pytest.fixture(scope="module")
def solutions_graded(tmp_path_factory):
    """One "student", `teacher`, submits every chapter's solution notebook; graded CI-sized, two at a time.

    This is also where the solution notebooks are executed end to end in the
    test run (nbval runs the student notebooks): the grader runs every cell
    and notes each one that raised.

    The untouched student notebooks are not graded here: that an unfilled
    exercise scores 0 is checked for every exercise of every chapter in
    test_checks_every_chapter.py, and through the grader by the fixture
    student `unfilled` above.
    """
    root = tmp_path_factory.mktemp("real")
    (root / "class" / "teacher").mkdir(parents=True)
    for chapter in CHAPTERS:
        shutil.copyfile(ROOT / "solutions" / f"{chapter}.ipynb", root / "class" / "teacher" / f"{chapter}.ipynb")
    options = GradeOptions(mode="ci", jobs=2, cache_dir=root / "cache", temp_dir=root / "tmp")
    return grade(root / "class", root / "grades.csv", options).data["students"]["teacher"]["chapters"]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_the_solution_notebook_gets_full_marks(solutions_graded, chapter):
    graded = solutions_graded[chapter]
    failed = {name: e["message"] for name, e in graded["exercises"].items() if e["status"] != "passed"}
    assert graded["status"] == "graded" and not failed, f"{chapter}: {graded['message']} {failed}"
    assert graded["total"] == graded["max_total"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_cell_of_the_solution_notebook_runs_without_an_error(solutions_graded, chapter):
    assert solutions_graded[chapter]["notes"] == []
