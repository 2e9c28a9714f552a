"""Partial credit (the teacher's ``partial = true``) and the per-exercise statistics of a batch.

Partial credit gives an exercise's points times the share of its test cases
passed, public and hidden together; the feedback names the failed public cases
and counts the hidden ones without their values. The default stays all or
nothing. After a batch, every exercise's pass rate and most common failure are
written to grades.json and printed.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from course.checks.core import FAILED, NOT_DONE, PASSED, Exercise, ModelExercise, Outcome
from course.grading import GraderConfig, GradeOptions, GradingError, grade
from course.grading.judge import PARTIAL, judge_exercise
from course.grading.outputs import exercise_statistics, render_statistics
from course.grading.plan import load_checks_module

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
FAKE_CHECKS = str(FIXTURES / "fake_checks.py")
fake = load_checks_module(FAKE_CHECKS)


def naive_softmax(z):
    e = np.exp(z)  # overflows on the large-logit case
    return e / e.sum(axis=-1, keepdims=True)


def _sets(exercise, seeds=(1, 2, 3)):
    return [exercise.make_inputs(np.random.default_rng(seed)) for seed in seeds]


def _judge(exercise, answer, points, partial, seeds=(1, 2, 3)):
    input_sets = _sets(exercise, seeds)
    with np.errstate(all="ignore"):
        outcome_sets = [exercise.run(answer, inputs) for inputs in input_sets]
    return judge_exercise(exercise, points, input_sets, outcome_sets, partial=partial)


# --- the teacher's config ---------------------------------------------------------------------------


def test_partial_is_set_per_exercise_or_per_chapter_and_is_off_by_default():
    config = GraderConfig.from_dict({"01_mlp": {"partial": True, "double": {"partial": False}}})
    assert config.settings("01_mlp", "softmax").partial is True
    assert config.settings("01_mlp", "double").partial is False
    assert GraderConfig().settings("01_mlp", "softmax").partial is None


def test_partial_must_be_true_or_false():
    with pytest.raises(GradingError, match=r"\[01_mlp.softmax\]: partial must be true or false; got 'yes'"):
        GraderConfig.from_dict({"01_mlp": {"softmax": {"partial": "yes"}}})


# --- judging ----------------------------------------------------------------------------------------


def test_without_partial_one_failed_case_costs_all_the_points():
    entry = _judge(fake.softmax, naive_softmax, 2.0, partial=False)
    assert entry["points"] == 0 and entry["status"] == FAILED


def test_with_partial_the_points_follow_the_share_of_cases_passed():
    entry = _judge(fake.softmax, naive_softmax, 2.0, partial=True)  # 3 sets x 2 cases; the large-logit case fails in each
    assert entry["status"] == PARTIAL and entry["points"] == 1.0, entry
    assert "Partial credit: 3 of 6 cases." in entry["message"]


def test_partial_feedback_names_the_failed_public_case_and_counts_the_hidden_ones():
    message = _judge(fake.softmax, naive_softmax, 2.0, partial=True)["message"]
    assert message.startswith("1 of 2 public cases passed; failed: case 2 (arguments (2, 5))")
    assert "hidden cases: 2 of 4 passed" in message


def test_partial_feedback_never_shows_a_hidden_value():
    calls = []

    def right_on_the_public_cases_only(z):  # the public set is called first, two cases
        calls.append(1)
        return fake._softmax(z) if len(calls) <= 2 else fake._softmax(z) + 1

    entry = _judge(fake.softmax, right_on_the_public_cases_only, 2.0, partial=True)
    assert entry["status"] == PARTIAL and "hidden cases: 0 of 4 passed" in entry["message"]
    assert "expected" not in entry["message"], entry["message"]


def test_with_partial_a_right_answer_keeps_full_points():
    entry = _judge(fake.softmax, fake._softmax, 2.0, partial=True)
    assert entry == {"points": 2.0, "max_points": 2.0, "status": PASSED, "message": "correct on all 2 public cases and all 4 hidden ones."}


def test_with_partial_an_unfilled_exercise_is_still_not_done_with_zero_points():
    def unfilled(z):
        raise NotImplementedError()

    entry = _judge(fake.softmax, unfilled, 2.0, partial=True)
    assert entry["points"] == 0 and entry["status"] == NOT_DONE and "not done yet" in entry["message"]


def test_an_exercise_whose_cases_are_not_independent_stays_all_or_nothing():
    class Pair(Exercise):
        """Passes when the two outcomes agree: a property of the set, not of one case."""

        def _run(self, answer, inputs, guard):
            return [Outcome(value=answer(x)) for x in inputs]

        def judge(self, inputs, outcomes):
            return self.result(outcomes[0].value == outcomes[1].value, "the two calls disagree")

    pair = Pair("00_test", "pair", "pair")
    entry = judge_exercise(pair, 3.0, [[1, 2]], [[Outcome(value=1), Outcome(value=2)]], partial=True)
    assert entry["points"] == 0 and entry["status"] == FAILED
    assert ModelExercise.case_verdicts is Exercise.case_verdicts  # a model is judged as a whole


def test_a_random_answer_judged_by_its_statistics_keeps_full_points_with_partial():
    from course.checks.ch01_mlp import dropout
    from course.checks.core import NO_GUARD
    from course.references.ch01_mlp import dropout as right_dropout

    inputs = dropout.make_inputs(np.random.default_rng(3))  # its cases compare outputs with each other's
    entry = judge_exercise(dropout, 2.0, [inputs], [dropout._run(right_dropout, inputs, NO_GUARD)], partial=True)
    assert (entry["points"], entry["status"]) == (2.0, PASSED), entry


def _function_exercises():
    from course.chapters import ids
    from course.checks import chapter_exercises
    from course.checks.core import FunctionExercise

    return [e for chapter in ids() for e in chapter_exercises(chapter) if isinstance(e, FunctionExercise)]


@pytest.mark.parametrize("exercise", _function_exercises(), ids=lambda e: e.id)
def test_every_reference_passes_each_of_its_cases_judged_alone(exercise):
    from course.checks.core import NO_GUARD

    inputs = exercise.make_inputs(np.random.default_rng(11))
    with np.errstate(all="ignore"):
        verdicts = exercise.case_verdicts(inputs, exercise._run(exercise.reference_function, inputs, NO_GUARD))
    assert verdicts and all(v.passed for v in verdicts), [v.message for v in verdicts if not v.passed]


# --- a batch ------------------------------------------------------------------------------------------


def test_the_grader_gives_partial_credit_where_the_config_asks_for_it(tmp_path):
    submissions = tmp_path / "class"
    for student in ("correct", "wrong"):
        shutil.copytree(FIXTURES / "submissions" / student, submissions / student)
    config = GraderConfig.from_dict({"01_mlp": {"softmax": {"partial": True, "extra_seeds": [5]}}})
    options = GradeOptions(checks={"01_mlp": FAKE_CHECKS}, config=config, jobs=2, cell_timeout=60, notebook_timeout=120,
                           temp_dir=tmp_path / "tmp")
    report = grade(submissions, tmp_path / "out" / "grades.csv", options)
    rows = {row["student"]: row for row in csv.DictReader((tmp_path / "out" / "grades.csv").open())}
    assert (rows["correct"]["01_mlp:softmax"], rows["wrong"]["01_mlp:softmax"], rows["wrong"]["01_mlp:double"]) == ("2", "1", "0")
    feedback = (tmp_path / "out" / "feedback" / "wrong" / "01_mlp.md").read_text()
    assert "**softmax** (1/2): 1 of 2 public cases passed; failed: case 2" in feedback
    assert "hidden cases: 1 of 2 passed. Partial credit: 2 of 4 cases." in feedback
    assert report.data["statistics"]["01_mlp"]["softmax"]["passed"] == 1


# --- statistics ---------------------------------------------------------------------------------------


def _document(entries: dict[str, dict[str, tuple[str, float, str]]], missing: tuple[str, ...] = ()) -> dict:
    """A grades document with one chapter; ``entries``: student -> exercise -> (status, points, message)."""
    students = {}
    for student, exercises in entries.items():
        record = {"status": "graded", "exercises": {n: {"status": s, "points": p, "max_points": 2.0, "message": m}
                                                    for n, (s, p, m) in exercises.items()}}
        students[student] = {"chapters": {"01_mlp": record}}
    for student in missing:
        students[student] = {"chapters": {"01_mlp": {"status": "missing", "exercises": {}}}}
    return {"chapters": {"01_mlp": {"exercises": ["softmax", "double"], "points": {"softmax": 2.0, "double": 2.0}}}, "students": students}


def test_statistics_give_each_exercises_pass_rate_among_the_submitted_notebooks():
    data = _document({
        "a": {"softmax": ("passed", 2, "ok"), "double": ("passed", 2, "ok")},
        "b": {"softmax": ("failed", 0, "case 2 (arguments (2, 5)): wrong value at index (0, 1): expected 0.5, got nan."), "double": ("passed", 2, "")},
        "c": {"softmax": ("failed", 0, "case 1 (arguments (4, 3)): wrong value at index (1, 1): expected 0.25, got nan."), "double": ("not done", 0, "not done yet")},
    }, missing=("d",))
    stats = exercise_statistics(data)["01_mlp"]
    assert (stats["softmax"]["submitted"], stats["softmax"]["passed"], stats["softmax"]["pass_rate"]) == (3, 1, 0.333)
    assert stats["double"]["mean_points"] == pytest.approx(4 / 3, abs=1e-3)


def test_the_most_common_failure_counts_one_mistake_once_whatever_its_case_and_values():
    data = _document({
        "b": {"softmax": ("failed", 0, "case 2 (arguments (2, 5)): wrong value at index (0, 1): expected 0.5, got nan.")},
        "c": {"softmax": ("failed", 0, "case 1 (arguments (4, 3)): wrong value at index (0, 1): expected 0.25, got nan.")},
        "e": {"softmax": ("error", 0, "`softmax` raised NameError: name 'np' is not defined")},
    })
    data["chapters"]["01_mlp"]["exercises"] = ["softmax"]
    stats = exercise_statistics(data)["01_mlp"]["softmax"]
    assert stats["common_failure_count"] == 2
    assert stats["common_failure"] == "this case: wrong value at index (0, 1): expected <hidden>, got nan."


def test_the_printed_table_puts_the_hardest_exercise_first():
    data = _document({
        "a": {"softmax": ("failed", 0, "overflow"), "double": ("passed", 2, "")},
        "b": {"softmax": ("failed", 0, "overflow"), "double": ("passed", 2, "")},
    })
    table = render_statistics(exercise_statistics(data))
    lines = table.splitlines()
    assert lines[0].startswith("01_mlp:") and lines[1].split()[0] == "softmax" and lines[2].split()[0] == "double"
    assert "2 x overflow" in lines[1] and "  0 / 2" in lines[1]
