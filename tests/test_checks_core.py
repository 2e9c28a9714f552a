"""The checker framework: what a learner sees for each kind of mistake."""

import numpy as np
import pytest

from course.checks import chapter_exercises
from course.checks.core import (
    ERROR, FAILED, NOT_DONE, PASSED, FunctionExercise, ModelExercise, Outcome, call_safely, compare_arrays, run_checks,
)


def _double(x):
    return 2 * x


def _cases(rng):
    return [(rng.normal(size=(3, 4)),), (rng.normal(size=(5,)),)]


@pytest.fixture
def double():
    return FunctionExercise("00_test", "double", "double", points=2, cases=_cases, reference=_double)


def test_a_correct_function_passes_with_full_points(double):
    result = double.check(_double, quiet=True)
    assert result.passed and result.status == PASSED and result.points == 2


def test_an_unfilled_exercise_is_reported_not_done(double):
    def stub(x):
        raise NotImplementedError()

    result = double.check(stub, quiet=True)
    assert result.status == NOT_DONE and result.points == 0
    assert "replace `raise NotImplementedError()`" in result.message


def test_a_wrong_value_names_the_index_and_both_values(double):
    result = double.check(lambda x: 2 * x + 0.5, quiet=True)
    assert result.status == FAILED
    assert "wrong value at index (0, 0)" in result.message and "expected" in result.message


def test_a_wrong_shape_is_reported_as_such(double):
    result = double.check(lambda x: (2 * x).ravel(), quiet=True)
    assert "wrong shape: expected (3, 4), got (12,)" in result.message


def test_nan_output_is_reported_with_a_hint(double):
    result = double.check(lambda x: x * np.nan, quiet=True)
    assert "NaN or inf" in result.message


def test_a_function_that_raises_is_reported_not_propagated(double):
    result = double.check(lambda x: x @ np.ones((7, 7)), quiet=True)
    assert result.status == ERROR and "raised ValueError" in result.message


def test_a_non_function_answer_is_reported(double):
    result = double.check(42, quiet=True)
    assert not result.passed and "must be a function" in result.message


def test_float32_round_off_is_tolerated(double):
    result = double.check(lambda x: (2 * x).astype(np.float32), quiet=True)
    assert result.passed


def test_the_learner_cannot_change_the_test_case_in_place():
    seen = []

    def destructive(x):
        x[...] = 0
        seen.append(x)
        return x

    outcome = call_safely(destructive, np.ones(3))
    assert outcome.ok and seen[0] is not None
    original = np.ones(3)
    call_safely(destructive, original)
    assert np.all(original == 1)


def test_the_printed_line_shows_status_and_points(double, capsys):
    double.check(_double)
    assert capsys.readouterr().out.startswith("[PASSED] 00_test:double (2/2 points)")


def test_a_broken_reference_is_blamed_on_the_checker_not_the_learner():
    broken = FunctionExercise("00_test", "broken", "f", cases=_cases, reference=lambda x: 1 / 0)
    result = broken.check(_double, quiet=True)
    assert result.status == ERROR and "checker itself failed" in result.message


def test_compare_arrays_accepts_lists_and_tensors():
    assert compare_arrays(np.array([1.0, 2.0]), [1.0, 2.0]) is None


def test_compare_arrays_rejects_text():
    assert "expected numbers" in compare_arrays(np.array([1.0]), "one")


def test_run_checks_sums_points(double):
    results = [double.check(_double, quiet=True), double.check(lambda x: x, quiet=True)]
    assert run_checks(results) == {"points": 2, "max_points": 4, "failed": ["00_test:double"]}


def test_results_serialise_to_plain_dicts(double):
    as_dict = double.check(_double, quiet=True).to_dict()
    assert as_dict["exercise"] == "00_test:double" and as_dict["passed"] is True


def test_outcomes_hold_plain_data(double):
    outcomes = double.run(_double, double.make_inputs(np.random.default_rng(0)))
    assert all(isinstance(o, Outcome) and isinstance(o.value, np.ndarray) for o in outcomes)


def _tiny_model(compiled=True, activation="softmax"):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation)])
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def model_exercise():
    return ModelExercise(
        "00_test", "tiny", "build_tiny", output_shape=(3,), output_activation="softmax", max_params=100,
        evaluate=lambda model: 0.9, min_score=lambda: 0.8,
    )


def test_model_exercise_passes_a_good_model(model_exercise):
    assert model_exercise.check(_tiny_model, quiet=True).passed


def test_model_exercise_reports_an_uncompiled_model(model_exercise):
    result = model_exercise.check(lambda: _tiny_model(compiled=False), quiet=True)
    assert "not compiled" in result.message


def test_model_exercise_reports_the_wrong_output_activation(model_exercise):
    result = model_exercise.check(lambda: _tiny_model(activation="relu"), quiet=True)
    assert "activation is 'relu'; expected 'softmax'" in result.message


def test_model_exercise_reports_a_parameter_budget_overrun():
    exercise = ModelExercise("00_test", "tiny", "build_tiny", max_params=5)
    result = exercise.check(_tiny_model, quiet=True)
    assert "15 parameters; the budget is 5" in result.message


def test_model_exercise_reports_a_score_below_target(model_exercise):
    model_exercise.evaluate = lambda model: 0.5
    result = model_exercise.check(_tiny_model, quiet=True)
    assert "below the target" in result.message and not result.passed


def test_model_exercise_reports_a_builder_that_returns_something_else(model_exercise):
    result = model_exercise.check(lambda: "a model", quiet=True)
    assert "must return a keras.Model" in result.message


def test_unknown_chapter_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown chapter '99_x'"):
        chapter_exercises("99_x")


def test_a_wrong_scalar_reads_without_a_stray_space():
    assert compare_arrays(np.array(2.0), 3.0).startswith("wrong value: expected 2, got 3")


def _run_in_ipython(code, namespace):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns.update(namespace)
    shell.run_cell(code, store_history=True)


def test_a_check_cell_ending_with_the_call_shows_its_line_once(double, capsys):
    _run_in_ipython("double.check(lambda x: 2 * x)", {"double": double})
    lines = [line for line in capsys.readouterr().out.splitlines() if "00_test:double" in line]
    assert len(lines) == 1, f"the check line was shown {len(lines)} times: {lines}"


def test_a_result_displayed_later_still_shows_its_line(double, capsys):
    _run_in_ipython("result = double.check(lambda x: 2 * x, quiet=True)\nresult", {"double": double})
    assert "[PASSED] 00_test:double" in capsys.readouterr().out
