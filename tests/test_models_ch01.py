"""Chapter 1 model builders."""

import numpy as np
import pytest

from course.models import build_mlp, build_seed_mlp


def test_mlp_maps_784_pixels_to_10_probabilities():
    model = build_mlp(784)
    assert tuple(model.output.shape) == (None, 10)
    probabilities = model.predict(np.random.rand(3, 784).astype("float32"), verbose=0)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_mlp_parameter_count_follows_the_dense_formula():
    # (784*128 + 128) + (128*64 + 64) + (64*10 + 10)
    assert build_seed_mlp().count_params() == 109_386


def test_mlp_adds_one_dropout_per_hidden_layer():
    model = build_mlp(20, hidden=(8, 8, 8), dropout=0.3)
    assert sum(layer.__class__.__name__ == "Dropout" for layer in model.layers) == 3


def test_mlp_with_normalization_data_standardises_inputs():
    data = np.random.default_rng(0).normal(5.0, 3.0, size=(200, 6)).astype("float32")
    model = build_mlp(6, hidden=(4,), normalization_data=data)
    standardize = model.get_layer("standardize")
    out = standardize(data).numpy()
    assert np.allclose(out.mean(axis=0), 0, atol=1e-3) and np.allclose(out.std(axis=0), 1, atol=1e-2)


def test_mlp_l2_adds_a_regularisation_loss():
    model = build_mlp(4, hidden=(3,), l2=1e-3)
    model(np.ones((1, 4), "float32"))
    assert len(model.losses) == 2


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input_dim": 0}, "input_dim must be a positive integer"),
        ({"input_dim": 4, "hidden": (8, -1)}, "each entry of hidden must be a positive integer"),
        ({"input_dim": 4, "dropout": 1.5}, r"dropout must be a number in \[0, 1\)"),
        ({"input_dim": 4, "l2": -1}, "l2 must be a number >= 0"),
    ],
)
def test_mlp_rejects_bad_arguments_by_name(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_mlp(**kwargs)
