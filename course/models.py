"""Model builders for every chapter: plain Keras models a learner can ``summary()``.

Each builder returns an *uncompiled* ``keras.Model``; notebooks compile it in
view of the learner (``model.compile(optimizer=..., loss=..., metrics=...)``)
or call :func:`course.training.compile_classifier`.

Sections follow the chapters; a builder's docstring gives its input and
output shapes.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def _check_positive_int(name: str, value: object) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer; got {value!r}.")


def _check_fraction(name: str, value: object) -> None:
    if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1); got {value!r}.")


# --------------------------------------------------------------------------
# Chapter 1 -- multilayer perceptrons
# --------------------------------------------------------------------------


def build_mlp(
    input_dim: int,
    hidden: Sequence[int] = (128, 64),
    n_classes: int = 10,
    dropout: float = 0.0,
    l2: float = 0.0,
    activation: str = "relu",
    normalization_data: np.ndarray | None = None,
    name: str = "mlp",
):
    """Build a multilayer perceptron classifier: Dense layers, then softmax.

    Input shape ``(batch, input_dim)``; output ``(batch, n_classes)``
    probabilities that sum to 1.

    Args:
        input_dim: features per example (784 for a flattened 28x28 image).
        hidden: units of each hidden Dense layer, first to last.
        n_classes: number of classes (units of the softmax output).
        dropout: fraction of hidden units dropped during training after each
            hidden layer (0 turns Dropout off).
        l2: L2 weight-decay factor on every Dense kernel (0 turns it off).
        activation: activation of the hidden layers ("relu", "gelu", "tanh", ...).
        normalization_data: training inputs; when given, a
            ``keras.layers.Normalization`` layer adapted to them standardises
            each feature to mean 0 and variance 1 inside the model.

    Example:
        >>> model = build_mlp(784, hidden=(256, 128), dropout=0.2)
        >>> model.output.shape
        (None, 10)
    """
    import keras

    _check_positive_int("input_dim", input_dim)
    _check_positive_int("n_classes", n_classes)
    for units in hidden:
        _check_positive_int("each entry of hidden", units)
    _check_fraction("dropout", dropout)
    if not isinstance(l2, (int, float)) or l2 < 0:
        raise ValueError(f"l2 must be a number >= 0; got {l2!r}.")
    regularizer = keras.regularizers.L2(l2) if l2 else None

    inputs = keras.Input(shape=(input_dim,), name="pixels")
    h = inputs
    if normalization_data is not None:
        data = np.asarray(normalization_data, dtype="float32").reshape(-1, input_dim)
        normalizer = keras.layers.Normalization(name="standardize")
        normalizer.adapt(data)
        h = normalizer(h)
    for i, units in enumerate(hidden, start=1):
        h = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer, name=f"hidden_{i}")(h)
        if dropout:
            h = keras.layers.Dropout(dropout, name=f"dropout_{i}")(h)
    outputs = keras.layers.Dense(n_classes, activation="softmax", kernel_regularizer=regularizer, name="probabilities")(h)
    return keras.Model(inputs, outputs, name=name)


def build_seed_mlp(input_dim: int = 784, n_classes: int = 10):
    """Build the seed tutorial's MLP: Dense 128 (ReLU), Dense 64 (ReLU), softmax.

    The course's baseline in ``course bench 01``; trained there with Adam,
    batch 32, 5 epochs, as the seed tutorial did.
    """
    return build_mlp(input_dim, hidden=(128, 64), n_classes=n_classes, name="seed_mlp")
