"""Chapter 1 checkers: edge cases, types, read-only arguments, hints and the keras_mlp budget.

Stubs, crashes and the reference contract: test_checks_every_chapter.py. Answers
in many idioms, right and wrong: tests/corpus/ch01_mlp.py through test_corpus.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from course.checks import ch01_mlp as check
from course.checks import chapter_exercises
from course.checks.core import FAILED, NOT_DONE
from course.references import ch01_mlp as ref

SEED = 1
ROOT = Path(__file__).resolve().parents[1]


def test_the_chapter_lists_eight_exercises_in_notebook_order_relu_first():
    names = [e.name for e in chapter_exercises("01_mlp")]
    assert names == ["relu", "relu_derivative", "softmax", "dense_forward", "cross_entropy", "backprop_step", "keras_mlp", "dropout"]


def test_function_exercises_are_worth_1_or_2_points_backprop_and_the_model_3():
    points = {e.name: e.points for e in check.EXERCISES}
    assert points == {"relu": 1, "relu_derivative": 1, "softmax": 2, "dense_forward": 1, "cross_entropy": 1,
                      "backprop_step": 3, "keras_mlp": 3, "dropout": 2}


def test_every_exercise_forbids_the_chapters_references():
    for exercise in check.EXERCISES:
        assert "course.references.ch01_mlp" in exercise.forbidden_names(), exercise.id


def test_keras_mlp_also_forbids_the_courses_own_mlp_builders():
    assert {"course.models:build_mlp", "course.recipes:course_mlp"} <= set(check.keras_mlp.forbidden_names())


# --- relu and its derivative ---------------------------------------------------


def test_the_elementwise_cases_include_an_exact_zero_and_float64():
    cases = check.relu.make_inputs(np.random.default_rng(0))
    assert any(np.any(z == 0) for (z,) in cases) and any(z.dtype == np.float64 for (z,) in cases)


def test_relu_derivative_as_booleans_fails_naming_both_types():
    result = check.relu_derivative.check(lambda z: z > 0, seed=SEED, quiet=True)
    assert result.status == FAILED and "return a NumPy float array; got a NumPy bool array" in result.message


def test_relu_that_zeroes_its_argument_in_place_is_told_to_work_on_a_copy():
    def relu(z):
        z[z < 0] = 0
        return z

    result = check.relu.check(relu, seed=SEED, quiet=True)
    assert "`relu` changed its argument z in place" in result.message and "work on a copy" in result.message


# --- softmax ---------------------------------------------------------------------


def test_softmax_cases_include_a_row_whose_scores_spread_over_1000():
    cases = check.softmax.make_inputs(np.random.default_rng(0))
    assert any(np.ptp(z, axis=-1).max() >= 1000 for (z,) in cases)


@pytest.mark.parametrize("what, shift", [("minimum", np.min), ("mean", np.mean)])
def test_softmax_subtracting_the_row_minimum_or_mean_fails_with_its_hint(what, shift):
    def softmax(z):
        e = np.exp(z - shift(z, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(all="ignore"):
        result = check.softmax.check(softmax, seed=SEED, quiet=True)
    assert result.status == FAILED and f"after subtracting the row's {what}" in result.message


def test_softmax_returning_a_tensor_is_asked_for_a_numpy_array():
    import tensorflow as tf

    result = check.softmax.check(lambda z: tf.nn.softmax(z), seed=SEED, quiet=True)
    assert "return a NumPy float array; got a TensorFlow tensor (float32)" in result.message


# --- cross_entropy -------------------------------------------------------------------


def test_cross_entropy_returning_an_array_is_asked_for_a_float():
    def one_element(p, y):
        return -np.mean(np.log(np.clip(p[np.arange(len(p)), y], 1e-7, 1)), keepdims=True)

    result = check.cross_entropy.check(one_element, seed=SEED, quiet=True)
    assert "return a float; got a NumPy float32 array" in result.message


def test_a_numpy_float32_scalar_counts_as_a_float():
    mine = lambda p, y: np.float32(-np.mean(np.log(np.clip(p[np.arange(len(p)), y], 1e-7, 1))))  # noqa: E731
    assert check.cross_entropy.check(mine, seed=SEED, quiet=True).passed


# --- backprop_step ----------------------------------------------------------------------


def test_the_reference_gradients_agree_with_finite_differences():
    rng = np.random.default_rng(0)
    params = {k: v.astype(np.float64) for k, v in check.init_params(6, 5, 3, rng).items()}
    params["b1"] += 0.3
    X, y = rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])

    def loss(p):
        _, _, P = ref.forward(p, X)
        return -np.mean(np.log(P[np.arange(4), y]))

    grads = ref.backprop_step(params, X, y)
    for name in params:
        numerical = np.zeros_like(params[name])
        for index in np.ndindex(params[name].shape):
            saved = params[name][index]
            params[name][index] = saved + 1e-6
            up = loss(params)
            params[name][index] = saved - 1e-6
            down = loss(params)
            params[name][index] = saved
            numerical[index] = (up - down) / 2e-6
        assert np.allclose(grads["d" + name], numerical, atol=1e-7), name


def _notebook_backprop(params, X, y):
    N = len(X)
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0)
    Z2 = H @ params["W2"] + params["b2"]
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.zeros_like(P)
    Y[np.arange(N), y] = 1.0
    dZ2 = (P - Y) / N
    dZ1 = dZ2 @ params["W2"].T * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(axis=0), "dW2": H.T @ dZ2, "db2": dZ2.sum(axis=0)}


def test_backprop_that_updates_params_in_place_fails_naming_the_parameter():
    def trains_too(params, X, y):
        grads = _notebook_backprop(params, X, y)
        params["W1"] -= 0.1 * grads["dW1"]
        return grads

    result = check.backprop_step.check(trains_too, seed=SEED, quiet=True)
    assert result.status == FAILED and "changed its argument params['W1'] in place; work on a copy" in result.message


def test_a_wrong_db2_is_not_said_to_leave_the_output_layer_fine():
    def zero_db2(params, X, y):
        return {**_notebook_backprop(params, X, y), "db2": np.zeros(params["b2"].shape)}

    result = check.backprop_step.check(zero_db2, seed=SEED, quiet=True)
    assert "db2 is wrong" in result.message and "output layer is fine" not in result.message
    assert "db2 = dZ2.sum(axis=0)" in result.message


def test_a_wrong_hidden_gradient_with_the_output_layer_right_says_so():
    def doubled_db1(params, X, y):
        grads = _notebook_backprop(params, X, y)
        return {**grads, "db1": 2 * grads["db1"]}

    result = check.backprop_step.check(doubled_db1, seed=SEED, quiet=True)
    assert "db1 is wrong" in result.message and "dW2 and db2 are right, so the output layer is fine" in result.message


def test_backprop_returning_a_missing_key_is_named():
    def missing(params, X, y):
        grads = _notebook_backprop(params, X, y)
        return {"dW1": grads["dW1"], "db1": grads["db1"], "dW2": grads["dW2"]}

    result = check.backprop_step.check(missing, seed=SEED, quiet=True)
    assert not result.passed and "no 'db2'" in result.message


def test_the_gradient_check_demo_is_wrong_only_in_the_hidden_layer():
    params, X, y = check.backprop_step.make_inputs(np.random.default_rng(0))[0]
    right, demo = ref.backprop_step(params, X, y), check.backprop_missing_relu_derivative(params, X, y)
    assert np.allclose(demo["dW2"], right["dW2"]) and np.allclose(demo["db2"], right["db2"])
    assert not np.allclose(demo["dW1"], right["dW1"])


# --- dropout -----------------------------------------------------------------------------


def _inverted_dropout(h, rate, rng, training):
    if not training:
        return h
    return np.where(rng.random(h.shape) >= rate, h / (1 - rate), 0.0)


def test_dropout_cases_give_twin_generators_in_one_state_and_a_third_in_another():
    cases = check.dropout.make_inputs(np.random.default_rng(0))
    first, twin, other = (rng.random(3) for _, _, rng, _ in cases[:3])
    assert np.array_equal(first, twin) and not np.array_equal(first, other)


def test_dropout_cases_include_rate_0_and_inference():
    cases = check.dropout.make_inputs(np.random.default_rng(0))
    assert any(rate == 0 and training for _, rate, _, training in cases)
    assert any(not training for _, _, _, training in cases)


def test_a_right_dropout_passes_on_fifty_fresh_sets_of_cases():
    """The kept shares are judged within 6 standard deviations: a right answer must not fail by bad luck."""
    verdicts = [check.dropout.check(_inverted_dropout, seed=seed, quiet=True).passed for seed in range(50)]
    assert all(verdicts)


def test_dropout_that_always_drops_one_unit_is_told_about_that_units_expected_value():
    def drops_the_last_unit(h, rate, rng, training):
        out = _inverted_dropout(h, rate, rng, training)
        if training:
            out[..., -1] = 0.0          # "the last unit is the bias" (it is not)
        return out

    result = check.dropout.check(drops_the_last_unit, seed=SEED, quiet=True)
    assert result.status == FAILED and "2000 copies of one example" in result.message
    assert "unit 7 was kept in 0.0% of the 2000 copies" in result.message and "its expected value is h" in result.message


def test_dropout_that_ignores_rng_for_a_fixed_seed_is_told_to_use_rng():
    def own_generator(h, rate, rng, training):
        return _inverted_dropout(h, rate, np.random.default_rng(0), training)

    result = check.dropout.check(own_generator, seed=SEED, quiet=True)
    assert result.status == FAILED and "another generator than in case 1 gave the same output" in result.message


def test_dropout_with_rate_0_that_drops_everything_is_told_nothing_is_dropped():
    def keeps_below_rate(h, rate, rng, training):
        if not training:
            return h
        return h * (rng.random(h.shape) < rate) / (1 - rate)

    result = check.dropout.check(keeps_below_rate, seed=SEED, quiet=True)
    assert result.status == FAILED and "probability of DROPPING" in result.message


def test_dropout_returning_a_list_is_asked_for_a_numpy_float_array():
    result = check.dropout.check(lambda h, rate, rng, training: _inverted_dropout(h, rate, rng, training).tolist(), seed=SEED, quiet=True)
    assert "return a NumPy float array the shape of h; got a list of" in result.message


# --- yours_or_reference -------------------------------------------------------------------


def test_yours_or_reference_uses_a_passing_answer(capsys):
    mine = lambda z: np.maximum(z, 0)  # noqa: E731
    assert check.yours_or_reference("relu", mine) is mine
    assert "Using your `relu`" in capsys.readouterr().out


def _stub(*args):
    raise NotImplementedError()


def test_yours_or_reference_falls_back_on_the_reference_for_a_stub(capsys):
    assert check.yours_or_reference("backprop_step", _stub) is ref.backprop_step
    assert "stands in" in capsys.readouterr().out


# --- keras_mlp: one stated budget, in every run size -------------------------------------------


def test_keras_mlp_is_judged_on_the_same_budget_in_every_run_size(monkeypatch):
    targets = set()
    for mode in ("full", "ci"):
        monkeypatch.setenv("COURSE_MODE", mode)
        targets.add(check.keras_mlp.min_score())
    assert targets == {check.KERAS_MLP_BUDGET.min_score}


def test_the_notebook_states_the_keras_mlp_budget_word_for_word():
    cells = json.loads((ROOT / "solutions" / "01_mlp.ipynb").read_text())["cells"]
    statement = next("".join(c["source"]) for c in cells if "".join(c["source"]).startswith("### Exercise 7"))
    assert check.KERAS_MLP_BUDGET.sentence() in " ".join(statement.split()).replace("The checker", "the checker")


def test_keras_mlp_stub_is_not_done():
    assert check.keras_mlp.check(_stub, quiet=True).status == NOT_DONE


@pytest.mark.slow
def test_keras_mlp_passes_a_model_that_clearly_meets_the_full_target():
    """The reference scores 0.883 after full training (10 epochs, 60,000 images), above the 0.87 the chapter names."""
    result = check.keras_mlp.check_reference()
    assert result.passed, result.line()


@pytest.mark.slow
def test_keras_mlp_fails_a_model_that_clearly_misses_the_full_target():
    """8 hidden units score 0.843 after full training, well under 0.87 (course.references.ch01_calibration)."""
    import keras

    def narrow():
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    result = check.keras_mlp.check(narrow, quiet=True)
    assert result.status == FAILED and "is below the target" in result.message
