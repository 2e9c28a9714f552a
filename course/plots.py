"""Plots for every chapter, drawn with matplotlib.

Every function returns the ``matplotlib.figure.Figure`` it drew, with a title,
labelled axes and a legend, so a notebook shows it and a test can inspect it.
Sections follow the chapters.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


def _figure(n_axes: int = 1, width: float = 6.0, height: float = 4.0, ncols: int | None = None):
    import matplotlib.pyplot as plt

    ncols = ncols or n_axes
    nrows = int(np.ceil(n_axes / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    return fig, axes.ravel()


# --------------------------------------------------------------------------
# Chapter 1 -- activations and training curves
# --------------------------------------------------------------------------

def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _gelu(z: np.ndarray) -> np.ndarray:
    from math import erf, sqrt

    return 0.5 * z * (1.0 + np.vectorize(erf)(z / sqrt(2.0)))


ACTIVATIONS = {
    # name: (function, derivative)
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "ReLU": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "leaky ReLU (0.1)": (lambda z: np.where(z > 0, z, 0.1 * z), lambda z: np.where(z > 0, 1.0, 0.1)),
    "ELU": (lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))), lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0)))),
    "GELU": (_gelu, lambda z: np.gradient(_gelu(z), z)),
}


def plot_activations(z_range: tuple[float, float] = (-4.0, 4.0), names: Sequence[str] | None = None):
    """Draw the common activation functions with their derivatives, plus softmax.

    One panel per activation (sigmoid, tanh, ReLU, leaky ReLU, ELU, GELU): the
    function as a solid line and its derivative dashed, so the learner sees
    where gradients vanish (flat derivative) or die (zero derivative). A last
    panel shows softmax turning three scores into probabilities as one score
    varies.

    Args:
        z_range: the interval of pre-activations ``z`` on the x axis.
        names: which activations to draw (default: all of ``ACTIVATIONS``).

    Returns:
        The Figure (7 axes by default).

    Example:
        >>> fig = plot_activations()
        >>> len(fig.axes)
        7
    """
    names = list(names or ACTIVATIONS)
    unknown = [n for n in names if n not in ACTIVATIONS]
    if unknown:
        raise ValueError(f"Unknown activation(s) {unknown}; choose from {list(ACTIVATIONS)}.")
    low, high = z_range
    if not low < high:
        raise ValueError(f"z_range must be (low, high) with low < high; got {z_range!r}.")
    z = np.linspace(low, high, 401)
    fig, axes = _figure(len(names) + 1, width=3.6, height=2.9, ncols=4)
    for ax, name in zip(axes, names):
        f, df = ACTIVATIONS[name]
        ax.plot(z, f(z), label=f"{name}(z)")
        ax.plot(z, df(z), "--", label="derivative")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set_title(name)
        ax.set_xlabel("z")
        ax.set_ylabel("output")
        ax.legend(fontsize=8)
    ax = axes[len(names)]
    scores = np.stack([z, np.ones_like(z), np.zeros_like(z)], axis=1)
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = exp / exp.sum(axis=1, keepdims=True)
    for k, label in enumerate(["p(class 0), score z", "p(class 1), score 1", "p(class 2), score 0"]):
        ax.plot(z, probs[:, k], label=label)
    ax.set_title("softmax of (z, 1, 0)")
    ax.set_xlabel("score z of class 0")
    ax.set_ylabel("probability")
    ax.legend(fontsize=8)
    for ax in axes[len(names) + 1 :]:
        fig.delaxes(ax)
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    fig.tight_layout()
    return fig


def _as_history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    if hasattr(history, "history"):
        history = history.history
    if not isinstance(history, Mapping):
        raise TypeError(f"Expected a keras History or a dict of metric lists; got {type(history).__name__}.")
    return history


def plot_history(
    histories: Any,
    metrics: Sequence[str] = ("loss", "accuracy"),
    title: str = "Training curves",
):
    """Draw loss and accuracy curves, training (solid) and validation (dashed).

    Args:
        histories: one Keras ``History`` (or its ``.history`` dict), or a dict
            ``{run name: History}`` to overlay several runs for comparison
            (optimizers, regularisation, architectures): one colour per run.
        metrics: which metrics to draw, one panel each; ``val_<metric>`` is
            drawn dashed when present.
        title: the figure's title.

    Returns:
        The Figure, one axis per metric.

    Example:
        >>> fig = plot_history({"adam": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7],
        ...                               "accuracy": [0.6, 0.8], "val_accuracy": [0.55, 0.75]}})
        >>> [ax.get_title() for ax in fig.axes]
        ['loss', 'accuracy']
    """
    if hasattr(histories, "history") or (isinstance(histories, Mapping) and histories and all(
        isinstance(v, (list, tuple, np.ndarray)) for v in histories.values()
    )):
        runs = {"": _as_history_dict(histories)}
    elif isinstance(histories, Mapping) and histories:
        runs = {name: _as_history_dict(h) for name, h in histories.items()}
    else:
        raise TypeError("histories must be a keras History, a dict of metric lists, or a non-empty dict {name: History}.")
    fig, axes = _figure(len(metrics), width=5.5, height=3.8)
    import matplotlib.pyplot as plt

    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, metric in zip(axes, metrics):
        drawn = False
        for i, (name, hist) in enumerate(runs.items()):
            colour = colours[i % len(colours)]
            prefix = f"{name} " if name else ""
            if metric in hist:
                epochs = np.arange(1, len(hist[metric]) + 1)
                ax.plot(epochs, hist[metric], color=colour, label=f"{prefix}train")
                drawn = True
            if f"val_{metric}" in hist:
                epochs = np.arange(1, len(hist[f"val_{metric}"]) + 1)
                ax.plot(epochs, hist[f"val_{metric}"], "--", color=colour, label=f"{prefix}validation")
                drawn = True
        if not drawn:
            available = sorted({k for h in runs.values() for k in h})
            raise ValueError(f"No run recorded metric {metric!r}; recorded: {available}.")
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
