"""The fit() helper: seeds, epoch times and clear errors."""

import numpy as np
import pytest

from course.models import build_mlp
from course.training import compile_classifier, fit, set_seed


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
    with pytest.raises(ValueError, match="x has 64 examples but y has 10"):
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
    with pytest.raises(ValueError, match="seed must be an integer"):
        set_seed("42")


def test_fit_scores_the_weight_average_when_the_optimizer_keeps_one():
    import keras

    x, y = _data()
    set_seed(0)
    model = compile_classifier(build_mlp(8, hidden=(8,), n_classes=3), keras.optimizers.Adam(1e-2, use_ema=True, ema_momentum=0.9))
    history = fit(model, x, y, epochs=2, batch_size=16, validation_data=(x, y), verbose=0)
    # The logged validation loss is that of the averaged weights now in the model.
    assert np.isclose(history.history["val_loss"][-1], model.evaluate(x, y, verbose=0)[0], rtol=1e-4)
