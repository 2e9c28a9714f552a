"""Chapter 1 checkers: the hints a learner gets for typical mistakes (stubs and crashes: test_checks_every_chapter.py)."""

import numpy as np

from course.checks import ch01_mlp as check
from course.checks import chapter_exercises
from course.checks.core import ERROR, FAILED

SEED = 1


def test_the_chapter_lists_seven_exercises_in_notebook_order_relu_first():
    names = [e.name for e in chapter_exercises("01_mlp")]
    assert names == ["relu", "relu_derivative", "softmax", "dense_forward", "cross_entropy", "backprop_step", "keras_mlp"]


# --- relu and its derivative ---------------------------------------------------


def test_relu_as_absolute_value_fails_with_a_hint():
    result = check.relu.check(np.abs, seed=SEED, quiet=True)
    assert result.status == FAILED and "absolute value" in result.message


def test_relu_derivative_that_is_one_at_zero_is_named():
    result = check.relu_derivative.check(lambda z: (z >= 0).astype(float), seed=SEED, quiet=True)
    assert not result.passed and "exact 0" in result.message and "z > 0" in result.message


# --- softmax ---------------------------------------------------------------------


def naive_softmax(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_naive_softmax_overflows_on_large_logits_and_is_told_so():
    with np.errstate(all="ignore"):
        result = check.softmax.check(naive_softmax, seed=SEED, quiet=True)
    assert not result.passed
    assert "logits around +-1000" in result.message and "NaN or inf" in result.message and "overflow" in result.message


def test_softmax_over_columns_is_named():
    def columns(z):
        e = np.exp(z - z.max(axis=0, keepdims=True))
        return e / e.sum(axis=0, keepdims=True)

    result = check.softmax.check(columns, seed=SEED, quiet=True)
    assert not result.passed and "not each column" in result.message


def test_softmax_shifted_by_the_global_maximum_fails_on_rows_far_apart():
    def global_max(z):
        e = np.exp(z - z.max())
        return e / e.sum(axis=-1, keepdims=True)

    with np.errstate(all="ignore"):
        result = check.softmax.check(global_max, seed=SEED, quiet=True)
    assert not result.passed and "each row's own maximum" in result.message


def test_softmax_output_of_the_wrong_shape_is_reported():
    result = check.softmax.check(lambda z: check.softmax_reference(z).ravel(), seed=SEED, quiet=True)
    assert not result.passed and "wrong shape" in result.message


# --- dense_forward -----------------------------------------------------------------


def test_dense_forward_without_bias_is_named():
    wrong = lambda X, W, b, a: check.dense_forward_reference(X, W, np.zeros_like(b), a)  # noqa: E731
    result = check.dense_forward.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "bias b is missing" in result.message


def test_dense_forward_without_activation_is_named():
    result = check.dense_forward.check(lambda X, W, b, a: X @ W + b, seed=SEED, quiet=True)
    assert not result.passed and "activation is missing" in result.message and "activation='relu'" in result.message


def test_dense_forward_with_transposed_weights_reports_the_shape_error():
    result = check.dense_forward.check(lambda X, W, b, a: X @ W.T + b, seed=SEED, quiet=True)
    assert result.status == ERROR and "raised ValueError" in result.message


# --- cross_entropy ------------------------------------------------------------------


def test_cross_entropy_summed_instead_of_averaged_is_named():
    wrong = lambda p, y: check.cross_entropy_reference(p, y) * len(p)  # noqa: E731
    result = check.cross_entropy.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "average over the batch" in result.message


def test_cross_entropy_without_clipping_fails_on_a_zero_probability():
    def unclipped(p, y):
        with np.errstate(all="ignore"):
            return float(-np.mean(np.log(p[np.arange(len(p)), y])))

    result = check.cross_entropy.check(unclipped, seed=SEED, quiet=True)
    assert not result.passed and "probability exactly 0" in result.message and "clip" in result.message


def test_cross_entropy_over_all_classes_is_named():
    wrong = lambda p, y: float(-np.mean(np.log(np.clip(p, 1e-7, 1)).sum(axis=1)))  # noqa: E731
    result = check.cross_entropy.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "TRUE class" in result.message


# --- backprop_step ----------------------------------------------------------------------


def test_backprop_gradients_agree_with_finite_differences():
    rng = np.random.default_rng(0)
    params = {k: v.astype(np.float64) for k, v in check.init_params(6, 5, 3, rng).items()}
    params["b1"] += 0.3
    X, y = rng.normal(size=(4, 6)), np.array([0, 2, 1, 2])

    def loss(p):
        _, _, P = check.forward_reference(p, X)
        return -np.mean(np.log(P[np.arange(4), y]))

    grads = check.backprop_step_reference(params, X, y)
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


def test_backprop_with_summed_loss_names_dW2_and_the_missing_mean():
    def summed(params, X, y):
        return {k: v * len(X) for k, v in check.backprop_step_reference(params, X, y).items()}

    result = check.backprop_step.check(summed, seed=SEED, quiet=True)
    assert not result.passed and "dW2 is wrong" in result.message and "divide (P - Y) by N" in result.message


def test_backprop_without_relu_derivative_names_the_hidden_gradients():
    def no_mask(params, X, y):
        grads = check.backprop_step_reference(params, X, y)
        _, _, P = check.forward_reference(params, X)
        dZ2 = P.copy()
        dZ2[np.arange(len(X)), y] -= 1
        dH = dZ2 / len(X) @ params["W2"].T
        return {**grads, "dW1": X.T @ dH, "db1": dH.sum(axis=0)}

    result = check.backprop_step.check(no_mask, seed=SEED, quiet=True)
    assert not result.passed and "dW1 is wrong" in result.message and "ReLU derivative" in result.message


def test_backprop_with_a_wrong_output_bias_gradient_names_db2():
    def wrong_db2(params, X, y):
        grads = check.backprop_step_reference(params, X, y)
        return {**grads, "db2": grads["db2"] * 0}

    result = check.backprop_step.check(wrong_db2, seed=SEED, quiet=True)
    assert not result.passed and "db2 is wrong" in result.message


def test_backprop_returning_a_missing_key_is_named():
    def missing(params, X, y):
        grads = check.backprop_step_reference(params, X, y)
        return {"dW1": grads["dW1"], "db1": grads["db1"], "dW2": grads["dW2"]}

    result = check.backprop_step.check(missing, seed=SEED, quiet=True)
    assert not result.passed and "no 'db2'" in result.message


def test_backprop_returning_a_tuple_is_told_to_return_a_dict():
    result = check.backprop_step.check(lambda p, X, y: tuple(check.backprop_step_reference(p, X, y).values()), seed=SEED, quiet=True)
    assert not result.passed and "return a dict" in result.message


def test_backprop_that_updates_params_in_place_does_not_change_the_test_cases():
    def greedy(params, X, y):
        grads = check.backprop_step_reference(params, X, y)
        params["W1"] -= 1.0          # a learner who also "trains" inside the function
        return grads

    assert check.backprop_step.check(greedy, seed=SEED, quiet=True).passed


# --- yours_or_reference -------------------------------------------------------------------


def test_yours_or_reference_uses_a_passing_answer(capsys):
    mine = lambda z: np.maximum(z, 0)  # noqa: E731
    assert check.yours_or_reference("relu", mine) is mine
    assert "Using your `relu`" in capsys.readouterr().out


def _stub(*args):
    raise NotImplementedError()


def test_yours_or_reference_falls_back_for_a_stub(capsys):
    assert check.yours_or_reference("backprop_step", _stub) is check.backprop_step_reference
    assert "stands in" in capsys.readouterr().out


# --- keras_mlp (CI-sized: 3,000 images, 1 epoch) -------------------------------------------


def _model(hidden=(64,), output_activation="softmax", outputs=10, learning_rate=1e-3, compile=True):
    import keras

    layers = [keras.Input(shape=(784,))] + [keras.layers.Dense(h, activation="relu") for h in hidden]
    model = keras.Sequential(layers + [keras.layers.Dense(outputs, activation=output_activation)])
    if compile:
        model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_keras_mlp_reference_reaches_the_ci_target(ci_mode):
    result = check.keras_mlp.check(check.build_my_mlp_reference, quiet=True)
    assert result.passed, result.message
    assert "reaches the target 0.6500" in result.message


def test_keras_mlp_that_barely_learns_fails_on_accuracy(ci_mode):
    result = check.keras_mlp.check(lambda: _model(learning_rate=1e-6), quiet=True)
    assert not result.passed and "is below the target" in result.message


def test_keras_mlp_without_softmax_fails_before_training(ci_mode):
    result = check.keras_mlp.check(lambda: _model(output_activation="linear"), quiet=True)
    assert not result.passed and "activation is 'linear'; expected 'softmax'" in result.message


def test_keras_mlp_with_the_wrong_number_of_outputs_is_named(ci_mode):
    result = check.keras_mlp.check(lambda: _model(outputs=5), quiet=True)
    assert not result.passed and "output shape is (5,)" in result.message


def test_keras_mlp_uncompiled_model_is_told_to_compile(ci_mode):
    result = check.keras_mlp.check(lambda: _model(compile=False), quiet=True)
    assert not result.passed and "not compiled" in result.message


def test_keras_mlp_targets_follow_the_run_size(monkeypatch):
    monkeypatch.setenv("COURSE_MODE", "full")
    assert check.keras_mlp.min_score() == 0.87
    monkeypatch.setenv("COURSE_MODE", "ci")
    assert check.keras_mlp.min_score() == 0.65
