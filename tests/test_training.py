"""The fit() helper: seeds, epoch times and clear errors."""

import numpy as np
import pytest

from course.models import build_mlp
from course.training import adamw, compile_classifier, fit, set_seed, smoothed_sparse_crossentropy


def _data(n=64, features=8):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, features)).astype("float32"), rng.integers(0, 3, size=n)


def _model():
    set_seed(0)
    return compile_classifier(build_mlp(8, hidden=(8,), n_classes=3))


def test_fit_returns_history_with_epoch_times():
    x, y = _data()
    history = fit(_model(), x, y, epochs=2, batch_size=16, verbose=0)
    assert len(history.history["loss"]) == 2
    assert all(t > 0 for t in history.history["epoch_time"])


def test_fit_with_the_same_seed_gives_the_same_losses():
    x, y = _data()
    first = fit(_model(), x, y, epochs=2, batch_size=16, verbose=0).history["loss"]
    second = fit(_model(), x, y, epochs=2, batch_size=16, verbose=0).history["loss"]
    assert np.allclose(first, second)


def test_fit_says_which_device_trains(capsys):
    x, y = _data()
    fit(_model(), x, y, epochs=1, verbose=0)
    assert "Training on " in capsys.readouterr().out


def test_fit_refuses_an_uncompiled_model():
    x, y = _data()
    with pytest.raises(ValueError, match="not compiled: call model.compile"):
        fit(build_mlp(8), x, y)


def test_fit_names_mismatched_lengths():
    x, y = _data()
    with pytest.raises(ValueError, match=r"x and y must be of equal length \(one label per example\); got 64 and 10"):
        fit(_model(), x, y[:10])


def test_fit_rejects_zero_epochs():
    x, y = _data()
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        fit(_model(), x, y, epochs=0)


def test_fit_rejects_something_that_is_not_a_model():
    with pytest.raises(TypeError, match="model must be a keras.Model"):
        fit("model", *_data())


def test_compile_classifier_names_an_unknown_optimizer():
    with pytest.raises(ValueError, match="optimizer must be one of"):
        compile_classifier(build_mlp(8), "adamw-ish")


def test_compile_classifier_momentum_is_sgd_with_momentum():
    model = compile_classifier(build_mlp(8), "momentum", 0.01)
    assert model.optimizer.__class__.__name__ == "SGD" and model.optimizer.momentum == 0.9


def test_set_seed_rejects_a_non_integer():
    with pytest.raises(TypeError, match=r"seed must be an integer; got '42' \(str\)"):
        set_seed("42")


def test_fit_scores_the_weight_average_when_the_optimizer_keeps_one():
    import keras

    x, y = _data()
    set_seed(0)
    model = compile_classifier(build_mlp(8, hidden=(8,), n_classes=3), keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9))
    history = fit(model, x, y, epochs=2, batch_size=16, validation_data=(x, y), verbose=0)
    # The logged validation loss is that of the averaged weights now in the model.
    assert np.isclose(history.history["val_loss"][-1], model.evaluate(x, y, verbose=0)[0], rtol=1e-4)


def test_smoothed_crossentropy_on_integer_labels_equals_keras_on_one_hot_labels():
    import keras

    labels = np.array([0, 2, 1])
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]], dtype="float32")
    ours = np.asarray(smoothed_sparse_crossentropy(labels, probs, 0.1))
    expected = np.asarray(keras.losses.categorical_crossentropy(np.eye(3)[labels], probs, label_smoothing=0.1))
    np.testing.assert_allclose(ours, expected, rtol=1e-5, err_msg="label smoothing should match Keras's categorical loss")


def test_smoothed_crossentropy_penalises_a_confident_right_answer():
    probs = np.array([[0.999, 0.0005, 0.0005], [0.9, 0.05, 0.05]], dtype="float32")
    losses = np.asarray(smoothed_sparse_crossentropy(np.array([0, 0]), probs, 0.1))
    assert losses[0] > losses[1], f"with smoothing, 99.9% confidence should cost more than 90%; losses {losses}"


def test_compile_classifier_with_label_smoothing_trains_and_reports_accuracy():
    x, y = _data()
    set_seed(0)
    model = compile_classifier(build_mlp(8, hidden=(8,), n_classes=3), label_smoothing=0.1)
    history = fit(model, x, y, epochs=1, batch_size=16, verbose=0)
    assert 0 <= history.history["accuracy"][0] <= 1 and np.isfinite(history.history["loss"][0])


def test_compile_classifier_rejects_label_smoothing_of_one():
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\)"):
        compile_classifier(build_mlp(8), label_smoothing=1.0)


def test_adamw_shrinks_kernels_but_not_biases_or_batchnorm_scales():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.BatchNormalization()])
    variables = model.trainable_variables   # dense kernel, dense bias, BN gamma, BN beta
    for v in variables:
        v.assign(np.ones(v.shape, "float32"))
    optimizer = adamw(0.1, weight_decay=0.5)
    optimizer.apply_gradients([(np.zeros(v.shape, "float32"), v) for v in variables])   # zero gradient: only decay moves
    after = {v.path: float(np.asarray(v).ravel()[0]) for v in variables}
    assert after[variables[0].path] == pytest.approx(1 - 0.1 * 0.5), f"the kernel should shrink by lr * wd; {after}"
    assert all(after[v.path] == 1.0 for v in variables[1:]), f"biases, gamma and beta should not decay; {after}"


def test_smoothed_loss_keeps_the_registered_name_that_saved_models_refer_to():
    import keras

    from course.training import SmoothedSparseCrossentropy

    assert keras.saving.get_registered_name(SmoothedSparseCrossentropy) == "course>SmoothedSparseCrossentropy"


def test_fit_rejects_a_validation_split_of_one():
    with pytest.raises(ValueError, match=r"validation_split must be a number in \[0, 1\); got 1"):
        fit(_model(), *_data(), validation_split=1)


def test_adamw_rejects_a_negative_weight_decay():
    with pytest.raises(ValueError, match="weight_decay must be a number >= 0"):
        adamw(1e-3, weight_decay=-0.1)


def test_a_model_compiled_with_label_smoothing_saves_and_reloads(tmp_path):
    import keras

    x, y = _data()
    set_seed(0)
    model = compile_classifier(build_mlp(8, hidden=(8,), n_classes=3), label_smoothing=0.1)
    fit(model, x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "smoothed.keras")
    reloaded = keras.models.load_model(tmp_path / "smoothed.keras")  # the loss is registered: no custom_objects
    assert reloaded.loss.label_smoothing == 0.1, "the reloaded model should keep its smoothed loss"
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)
