"""One ``fit()`` helper used by every chapter, and the callbacks and losses it relies on.

``fit`` is Keras's ``model.fit`` with the course's habits added: it seeds every
random generator so a rerun gives the same curves, says which device trains,
can turn on XLA compilation (``jit_compile``), records the seconds each epoch
took, and checks its arguments so mistakes read as plain sentences rather
than tracebacks from deep inside TensorFlow. Progress output is Keras's own.

The Keras classes here (:class:`EpochTimer`, :class:`SmoothedSparseCrossentropy`)
are defined at module level; the loss is registered with Keras (package
``course``), so a model compiled with it reloads once this module is imported.
"""

from __future__ import annotations

import time
from typing import Any, Sequence

import keras
import numpy as np

from course.arguments import (
    check, check_fraction, check_int, check_non_negative, check_one_of, check_positive_int, check_same_length,
    check_type,
)
from course.device import configure_gpus, describe_device


def set_seed(seed: int = 42) -> None:
    """Seed Python, NumPy and TensorFlow so that a rerun gives the same numbers.

    Call it before building a model: the initial weights come from these
    generators. (On a GPU a few operations stay non-deterministic.)

    Example:
        >>> set_seed(0)

    Taught in Chapter 1, section 8.
    """
    keras.utils.set_random_seed(check_int("seed", seed))


class EpochTimer(keras.callbacks.Callback):
    """A Keras callback that adds ``epoch_time`` (seconds the epoch took) to each epoch's logs, so to the History.

    Example:
        >>> model.fit(x, y, callbacks=[EpochTimer()]).history["epoch_time"]   # doctest: +SKIP
        [2.91, 1.07]

    Taught in Chapter 1, section 9 (through :func:`fit`, which always adds one).
    """

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs["epoch_time"] = time.perf_counter() - self._start


def epoch_timer() -> EpochTimer:
    """Return a new :class:`EpochTimer`: a callback that adds ``epoch_time`` (seconds) to the History.

    Example:
        >>> isinstance(epoch_timer(), keras.callbacks.Callback)
        True

    Taught in Chapter 1, section 9 (through :func:`fit`).
    """
    return EpochTimer()


def ema_callbacks(model: keras.Model) -> list[keras.callbacks.Callback]:
    """Callbacks that make validation and the final model use the optimizer's weight average.

    When the optimizer keeps an exponential moving average of the weights
    (``use_ema=True``), ``keras.callbacks.SwapEMAWeights(swap_on_epoch=True)``
    puts the averaged weights in the model at each epoch's end, so the scores
    logged for that epoch are those of the averaged model. Returns ``[]`` otherwise.

    Example:
        >>> ema_callbacks(model)              # doctest: +SKIP
        [<keras.src.callbacks.swap_ema_weights.SwapEMAWeights object at ...>]

    Taught in Chapter 1, section 9 (the course recipe's weight average, through :func:`fit`).
    """
    if getattr(getattr(model, "optimizer", None), "use_ema", False):
        return [keras.callbacks.SwapEMAWeights(swap_on_epoch=True)]
    return []


def _check_labels(name_x: str, x: Any, name_y: str, y: Any) -> None:
    """Check one label per example when both are arrays (``x`` may also be a ``tf.data.Dataset``, without ``y``)."""
    if y is None or not hasattr(x, "__len__") or not hasattr(y, "__len__"):
        return
    check_same_length(name_x, x, name_y, y, note="one label per example")


def fit(
    model: keras.Model,
    x: Any,
    y: Any = None,
    *,
    epochs: int = 1,
    batch_size: int | None = 32,
    validation_data: tuple | None = None,
    validation_split: float = 0.0,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int | None = 42,
    jit_compile: bool | None = None,
    verbose: str | int = "auto",
) -> keras.callbacks.History:
    """Train a compiled Keras model; return its ``keras.callbacks.History``.

    Args:
        model: a compiled ``keras.Model`` (call ``model.compile(...)`` first).
        x, y: training inputs and labels (arrays: ``x`` of shape ``(N, ...)``,
            ``y`` of shape ``(N,)``), or a ``tf.data.Dataset`` as ``x``.
        epochs: passes over the training data.
        batch_size: examples per gradient step (ignored for a Dataset).
        validation_data: ``(x_val, y_val)`` scored after every epoch.
        validation_split: fraction of ``x`` held out for validation instead.
        callbacks: extra Keras callbacks (early stopping, ...).
        seed: seeds shuffling and dropout; None leaves the generators alone.
            When the optimizer keeps a moving average of the weights
            (``use_ema=True``), validation scores use the averaged weights.
        jit_compile: True compiles each training step with XLA (often 1.5-3x
            faster for small dense models on a CPU), False turns it off, None
            keeps what ``compile`` chose.
        verbose: Keras's progress output: "auto", 0 (silent), 1 (bar), 2 (line per epoch).

    Returns:
        The History; ``history.history`` maps each metric (``loss``,
        ``accuracy``, ``val_loss``, ``val_accuracy``, ``epoch_time``) to a list
        with one value per epoch.

    Example:
        >>> model = compile_classifier(build_mlp(784))                          # doctest: +SKIP
        >>> history = fit(model, x, y, epochs=5, validation_data=(x_val, y_val))  # doctest: +SKIP
        >>> len(history.history["val_accuracy"])                                # doctest: +SKIP
        5

    Taught in Chapter 1, section 8.
    """
    check_type("model", model, keras.Model, "a keras.Model")
    if not model.compiled:
        raise ValueError("The model is not compiled: call model.compile(optimizer=..., loss=..., metrics=[...]) before fit().")
    epochs = check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size, allow_none=True)
    check_fraction("validation_split", validation_split)
    _check_labels("x", x, "y", y)
    if validation_data is not None:
        check(isinstance(validation_data, (tuple, list)) and len(validation_data) == 2, "validation_data",
              validation_data, "a pair (x_val, y_val)")
        _check_labels("x_val", validation_data[0], "y_val", validation_data[1])
    configure_gpus()
    if seed is not None:
        set_seed(seed)
    if jit_compile is not None:
        model.jit_compile = bool(jit_compile)
    print(f"Training on {describe_device()}")
    return model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=batch_size,
        validation_data=validation_data,
        validation_split=validation_split,
        callbacks=[epoch_timer(), *ema_callbacks(model), *callbacks],
        verbose=verbose,
    )


def compile_classifier(
    model: keras.Model,
    optimizer: str | keras.optimizers.Optimizer = "adam",
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3,
    jit_compile: bool | str = "auto",
    steps_per_execution: int = 1,
    label_smoothing: float = 0.0,
) -> keras.Model:
    """Compile a softmax classifier for integer labels: cross-entropy loss, accuracy metric.

    Args:
        model: a ``keras.Model`` whose output is class probabilities, ``(batch, K)``;
            it is then trained on integer labels ``(batch,)``.
        optimizer: "adam", "sgd", "momentum" (SGD with momentum 0.9), "rmsprop",
            or a ``keras.optimizers.Optimizer`` (then ``learning_rate`` is ignored).
        learning_rate: a float or a ``keras.optimizers.schedules`` schedule.
        jit_compile: passed to ``model.compile`` ("auto" lets Keras decide).
        steps_per_execution: training steps run per call into TensorFlow; 32-64
            cuts Python overhead a lot for small models (progress bars then
            update in jumps).
        label_smoothing: in [0, 1). With ``eps > 0`` the target for each image is
            ``1 - eps + eps / K`` on its class and ``eps / K`` on each of the other
            ``K - 1`` classes (:func:`smoothed_sparse_crossentropy`), so the model is
            not pushed towards ever more confident outputs. Labels stay integers.
            The loss is :class:`SmoothedSparseCrossentropy`, registered with Keras,
            so a saved model reloads once ``course.training`` is imported.

    Returns:
        The same model, compiled, so calls can be chained.

    Example:
        >>> model = compile_classifier(build_mlp(784), "adam", 1e-3)   # doctest: +SKIP
        >>> model.optimizer.name                                       # doctest: +SKIP
        'adam'

    Taught in Chapter 1, section 8; label smoothing in Chapter 5, section 6.
    """
    factories = {
        "adam": lambda: keras.optimizers.Adam(learning_rate),
        "sgd": lambda: keras.optimizers.SGD(learning_rate),
        "momentum": lambda: keras.optimizers.SGD(learning_rate, momentum=0.9),
        "rmsprop": lambda: keras.optimizers.RMSprop(learning_rate),
    }
    if isinstance(optimizer, str):
        optimizer = factories[check_one_of("optimizer", optimizer, sorted(factories), note="or a keras optimizer")]()
    check_fraction("label_smoothing", label_smoothing)
    check_positive_int("steps_per_execution", steps_per_execution)
    loss: Any = "sparse_categorical_crossentropy"
    if label_smoothing:
        loss = SmoothedSparseCrossentropy(label_smoothing=float(label_smoothing))

    model.compile(
        optimizer=optimizer,
        loss=loss,
        metrics=["accuracy"],
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
    )
    return model


def smoothed_sparse_crossentropy(y_true: Any, y_pred: Any, label_smoothing: float) -> Any:
    """Cross-entropy against smoothed one-hot targets, for integer labels.

    ``y_true`` holds class ids, shape ``(batch,)`` or ``(batch, 1)``; ``y_pred``
    holds probabilities, ``(batch, K)``. The target puts ``1 - eps + eps / K`` on
    the true class and ``eps / K`` elsewhere (``eps = label_smoothing``; Keras's
    sparse loss has no smoothing, so the labels are one-hot encoded first).
    Returns the ``(batch,)`` losses.

    Example:
        >>> tuple(smoothed_sparse_crossentropy(np.array([0]), np.array([[0.9, 0.1]]), 0.1).shape)
        (1,)

    Taught in Chapter 5, section 6 (through ``compile_classifier(label_smoothing=...)``).
    """
    ops = keras.ops
    ids = ops.cast(ops.reshape(y_true, (-1,)), "int32")
    targets = ops.one_hot(ids, ops.shape(y_pred)[-1], dtype=y_pred.dtype)
    return keras.losses.categorical_crossentropy(targets, y_pred, label_smoothing=label_smoothing)


@keras.saving.register_keras_serializable(package="course")
class SmoothedSparseCrossentropy(keras.losses.Loss):
    """:func:`smoothed_sparse_crossentropy` as a Keras loss that a saved model can store and reload.

    Example:
        >>> float(SmoothedSparseCrossentropy(0.1)(np.array([0]), np.array([[0.9, 0.1]])))   # doctest: +ELLIPSIS
        0.2...

    Taught in Chapter 5, section 6 (through ``compile_classifier(label_smoothing=...)``).
    """

    def __init__(self, label_smoothing: float = 0.1, name: str = "smoothed_sparse_crossentropy", **kwargs):
        super().__init__(name=name, **kwargs)
        self.label_smoothing = float(label_smoothing)

    def call(self, y_true, y_pred):
        return smoothed_sparse_crossentropy(y_true, y_pred, self.label_smoothing)

    def get_config(self):
        return {**super().get_config(), "label_smoothing": self.label_smoothing}


def adamw(learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 1e-3,
          weight_decay: float = 0.05) -> keras.optimizers.AdamW:
    """AdamW: Adam with decoupled weight decay on kernels, not on biases or normalisation scales and shifts.

    Each step also shrinks every kernel by ``learning_rate * weight_decay`` of
    itself (Loshchilov & Hutter, 2019), which keeps the weights small without
    the clash with Adam's per-weight step sizes that an L2 penalty in the loss
    has. Biases and the ``gamma``/``beta`` of BatchNormalization and
    LayerNormalization are left alone: shrinking them does not regularise the
    function, it only fights the normalisation.

    Example:
        >>> adamw(2e-3, weight_decay=0.05).weight_decay
        0.05

    Taught in Chapter 5, section 6.
    """
    check_non_negative("weight_decay", weight_decay, note="e.g. 0.05")
    optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=float(weight_decay))
    optimizer.exclude_from_weight_decay(var_names=["gamma", "beta", "bias"])
    return optimizer
