"""Plots for every chapter, drawn with matplotlib.

Every function returns the ``matplotlib.figure.Figure`` it drew, with a title,
labelled axes and a legend, so a notebook shows it and a test can inspect it.
One section per chapter, in chapter order (1 to 5); a plot sits in the
chapter that first uses it.

Importing this module loads neither matplotlib nor TensorFlow: each function
imports what it draws with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from course.arguments import (
    argument_error, check, check_array, check_image_batch, check_one_of, check_same_length, describe,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _figure(n_axes: int = 1, width: float = 6.0, height: float = 4.0, ncols: int | None = None):
    import matplotlib.pyplot as plt

    ncols = ncols or n_axes
    nrows = int(np.ceil(n_axes / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), squeeze=False)
    return fig, axes.ravel()


# --------------------------------------------------------------------------
# Chapter 1 -- images, activations and training curves
# --------------------------------------------------------------------------

def plot_image_grid(images: Any, title: str = "Generated images", ncols: int = 8,
                    labels: Sequence[str] | None = None) -> Figure:
    """Show images (N, 28, 28[, 1]) in [0, 1] as a grid, with optional labels under each image.

    Args:
        images: N grey images, (N, H, W) or (N, H, W, 1), pixels in [0, 1] (dark = 1).
        title: the figure's title.
        ncols: images per row.
        labels: one text per image, written under it (e.g. class names).

    Returns:
        The Figure, one axis per image.

    Example:
        >>> fig = plot_image_grid(np.zeros((3, 28, 28)), labels=["a", "b", "c"])
        >>> fig.axes[1].get_xlabel()
        'b'

    Taught in Chapter 1, section 1.
    """
    x = check_image_batch("images", images)
    ncols = min(ncols, len(x))
    fig, axes = _figure(len(x), width=1.2, height=1.35 if labels is not None else 1.2, ncols=ncols)
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(x):
            ax.set_axis_off()
            continue
        ax.imshow(x[i], cmap="gray_r", vmin=0, vmax=1)
        if labels is not None:
            ax.set_xlabel(str(labels[i]), fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


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


def plot_activations(z_range: tuple[float, float] = (-4.0, 4.0), names: Sequence[str] | None = None) -> Figure:
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

    Taught in Chapter 1, section 3.
    """
    names = list(names or ACTIVATIONS)
    for name in names:
        check_one_of("each entry of names", name, list(ACTIVATIONS))
    try:
        low, high = z_range
        ordered = bool(low < high)
    except (TypeError, ValueError):
        ordered = False
    check(ordered, "z_range", z_range, "(low, high) with low < high")
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


def _as_history_dict(history: Any, name: str = "history") -> Mapping[str, Sequence[float]]:
    """The ``{metric: values per epoch}`` dict of a Keras History (or the dict itself)."""
    if hasattr(history, "history"):
        history = history.history
    if not isinstance(history, Mapping):
        raise argument_error(name, "a keras History or a dict of metric lists",
                             f"{describe(history)} ({type(history).__name__})", error=TypeError)
    return history


def plot_history(
    histories: Any,
    metrics: Sequence[str] = ("loss", "accuracy"),
    title: str = "Training curves",
) -> Figure:
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

    Taught in Chapter 1, section 7.
    """
    if hasattr(histories, "history") or (isinstance(histories, Mapping) and histories and all(
        isinstance(v, (list, tuple, np.ndarray)) for v in histories.values()
    )):
        runs = {"": _as_history_dict(histories, "histories")}
    elif isinstance(histories, Mapping) and histories:
        runs = {name: _as_history_dict(h, f"histories[{name!r}]") for name, h in histories.items()}
    else:
        raise argument_error("histories", "a keras History, a dict of metric lists, or a non-empty dict {name: History}",
                             f"{describe(histories)} ({type(histories).__name__})", error=TypeError)
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
            raise argument_error("each entry of metrics", f"a metric some run recorded ({', '.join(available)})",
                                 describe(metric))
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Chapter 2 -- CNN filters, feature maps, confusion matrix, mistakes
# --------------------------------------------------------------------------


def _first_conv_kernel(model_or_kernel: Any) -> np.ndarray:
    """The kernel ``(k_h, k_w, c_in, c_out)`` of a model's first ``Conv2D`` layer, or the kernel given."""
    if hasattr(model_or_kernel, "layers"):
        import keras

        convs = [layer for layer in model_or_kernel._flatten_layers() if isinstance(layer, keras.layers.Conv2D)]
        if not convs:
            raise argument_error("model_or_kernel", "a model with a Conv2D layer whose filters can be drawn",
                                 f"the model {model_or_kernel.name!r}, which has no Conv2D layer")
        return np.asarray(convs[0].get_weights()[0])
    return check_array("model_or_kernel", model_or_kernel, ndim=4, shape="(k_h, k_w, c_in, c_out) like a Conv2D kernel",
                       non_empty=False, dtype=float)


def plot_filters(model_or_kernel: Any, max_filters: int = 32, ncols: int = 8,
                 title: str = "Learned first-layer filters") -> Figure:
    """Draw the filters of a model's first ``Conv2D`` layer (or of a kernel ``(k_h, k_w, c_in, c_out)``).

    Each panel is one filter's weights for the first input channel, on a
    diverging colour scale centred at 0 (red positive, blue negative): a
    filter responds most to image patches that look like its red part.

    Example:
        >>> fig = plot_filters(np.random.default_rng(0).normal(size=(3, 3, 1, 4)))
        >>> fig.axes[0].get_title()
        'filter 1'

    Taught in Chapter 2, section 10.
    """
    kernel = _first_conv_kernel(model_or_kernel)
    n = min(kernel.shape[-1], max_filters)
    fig, axes = _figure(n, width=1.1, height=1.25, ncols=min(ncols, n))
    limit = float(np.abs(kernel[..., 0, :n]).max()) or 1.0
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.set_axis_off()
            continue
        image = ax.imshow(kernel[:, :, 0, i], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"filter {i + 1}", fontsize=7)
        ax.set_xlabel("x", fontsize=6)
        ax.set_ylabel("y", fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    fig.colorbar(image, ax=list(axes), fraction=0.02, label="weight")
    return fig


def plot_feature_maps(model: Any, image: Any, layer_names: Sequence[str] | None = None, max_maps: int = 8,
                      title: str = "Feature maps of one image through the network") -> Figure:
    """Show one image and, one row per layer, the first ``max_maps`` channels of that layer's output.

    Args:
        model: a functional Keras model (e.g. :func:`course.models.build_lenet`).
        image: one image ``(28, 28)`` or ``(28, 28, 1)`` in [0, 1].
        layer_names: layers to show; default: every layer whose output is a
            4-D feature map (convolutions, activations, pooling).
        max_maps: channels shown per layer.

    Example:
        >>> fig = plot_feature_maps(build_lenet(), np.zeros((28, 28)))   # doctest: +SKIP

    Taught in Chapter 2, section 10.
    """
    import keras

    x = check_array("image", image, ndim=(2, 3), shape="(H, W) or (H, W, C) (one image)", non_empty=False,
                    dtype=np.float32)
    if x.ndim == 2:
        x = x[..., None]
    if layer_names is None:
        layer_names = [layer.name for layer in model.layers
                       if not isinstance(layer, keras.layers.InputLayer) and len(layer.output.shape) == 4
                       and not isinstance(layer, keras.Model)]
    if not layer_names:
        raise argument_error("model", "a model with a layer whose output is a 4-D (batch, height, width, channels) map",
                             f"the model {model.name!r}, which has none")
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    probe = keras.Model(inputs, [model.get_layer(name).output for name in layer_names])
    maps = probe(x[None], training=False)
    maps = [np.asarray(m)[0] for m in (maps if isinstance(maps, (list, tuple)) else [maps])]
    cols = max_maps + 1
    fig, axes = _figure(len(layer_names) * cols, width=1.15, height=1.2, ncols=cols)
    axes = axes.reshape(len(layer_names), cols)
    for row, (name, fmap) in enumerate(zip(layer_names, maps)):
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            if col == 0:
                ax.imshow(x[..., 0], cmap="gray_r", vmin=0, vmax=1)
                ax.set_ylabel(f"{name}\n{fmap.shape[0]}x{fmap.shape[1]}x{fmap.shape[2]}", fontsize=7)
                ax.set_title("input" if row == 0 else "", fontsize=7)
                continue
            if col - 1 >= fmap.shape[-1]:
                ax.set_axis_off()
                continue
            ax.imshow(fmap[..., col - 1], cmap="viridis")
            if row == 0:
                ax.set_title(f"channel {col}", fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None, normalize: bool = True,
                          title: str = "Confusion matrix (test set)") -> Figure:
    """Draw the confusion matrix: row = true class, column = predicted class.

    With ``normalize`` each row is divided by the number of examples of that
    class, so the diagonal is each class's recall. Class names default to
    ``course.data.FASHION_MNIST_CLASSES``.

    Example:
        >>> fig = plot_confusion_matrix([0, 1, 1], [0, 1, 0], class_names=["a", "b"])
        >>> fig.axes[0].get_xlabel()
        'predicted class'

    Taught in Chapter 2, section 10.
    """
    from course.data import FASHION_MNIST_CLASSES

    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    check_same_length("y_true", y_true, "y_pred", y_pred, note="one label per example")
    names = list(class_names if class_names is not None else FASHION_MNIST_CLASSES)
    k = len(names)
    if y_true.size and max(y_true.max(), y_pred.max()) >= k:
        top = int(max(y_true.max(), y_pred.max()))
        raise argument_error("class_names", f"at least {top + 1} names, one per class (labels go up to {top})", f"{k} names")
    matrix = np.zeros((k, k))
    np.add.at(matrix, (y_true, y_pred), 1)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, axes = _figure(1, width=max(5.0, 0.6 * k + 2), height=max(4.0, 0.55 * k + 1.5))
    ax = axes[0]
    image = ax.imshow(matrix, cmap="Blues")
    for i in range(k):
        for j in range(k):
            text = f"{matrix[i, j]:.2f}" if normalize else f"{int(matrix[i, j])}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if matrix[i, j] > 0.5 * matrix.max() else "black")
    ax.set_xticks(range(k), names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(k), names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, fraction=0.046, label="share of the true class" if normalize else "examples")
    fig.tight_layout()
    return fig


def plot_misclassified(images: Any, y_true: Any, y_pred: Any, class_names: Sequence[str] | None = None, n: int = 16,
                       ncols: int = 8, title: str = "Misclassified test images (true -> predicted)") -> Figure:
    """Show the first ``n`` images whose prediction is wrong, each labelled "true -> predicted".

    Example:
        >>> fig = plot_misclassified(np.zeros((3, 28, 28)), [0, 1, 2], [0, 2, 1])
        >>> len([ax for ax in fig.axes if ax.get_images()])
        2

    Taught in Chapter 2, section 10.
    """
    from course.data import FASHION_MNIST_CLASSES

    x = check_array("images", images, ndim=(3, 4), shape="(N, H, W) or (N, H, W, 1)", non_empty=False, dtype=np.float32)
    if x.ndim == 4:
        x = x[..., 0]
    y_true = np.asarray(y_true).astype(int).ravel()
    y_pred = np.asarray(y_pred).astype(int).ravel()
    check_same_length("images", x, "y_true", y_true, note="one label per image")
    check_same_length("y_true", y_true, "y_pred", y_pred, note="one label per example")
    names = list(class_names if class_names is not None else FASHION_MNIST_CLASSES)
    wrong = np.flatnonzero(y_true != y_pred)[:n]
    shown = max(len(wrong), 1)
    fig, axes = _figure(shown, width=1.45, height=1.7, ncols=min(ncols, shown))
    for i, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= len(wrong):
            ax.set_axis_off()
            if not len(wrong):
                ax.set_title("no mistakes", fontsize=8)
            continue
        k = wrong[i]
        ax.imshow(x[k], cmap="gray_r", vmin=0, vmax=1)
        ax.set_xlabel(f"{names[y_true[k]]}\n-> {names[y_pred[k]]}", fontsize=7, color="firebrick")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Chapter 3 -- recurrent networks: sentence lengths, vanishing gradients
# --------------------------------------------------------------------------


def plot_sentence_lengths(lengths: Sequence[int], sequence_length: int | None = None,
                          title: str = "How long are the sentences?") -> Figure:
    """Histogram of sentence lengths in words, with the cut-off ``sequence_length`` marked.

    Sentences longer than the cut-off lose their last words; shorter ones are
    padded. The legend says which share of sentences is cut.

    Args:
        lengths: number of words of each sentence.
        sequence_length: the vectorizer's output length, drawn as a dashed line (None: not drawn).

    Returns:
        The Figure: one histogram, its legend giving the share of sentences cut.

    Example:
        >>> fig = plot_sentence_lengths([3, 5, 5, 9], sequence_length=6)
        >>> fig.axes[0].get_xlabel()
        'words per sentence'

    Taught in Chapter 3, section 5.
    """
    lengths = check_array("lengths", lengths, ndim=1, shape="(N,), one length per sentence,", dtype=int)
    fig, axes = _figure(1, width=7.0, height=3.6)
    ax = axes[0]
    ax.hist(lengths, bins=np.arange(0, lengths.max() + 2) - 0.5, color="C0", label=f"{lengths.size:,} sentences")
    if sequence_length is not None:
        cut = float(np.mean(lengths > sequence_length))
        ax.axvline(sequence_length + 0.5, color="C3", ls="--", label=f"sequence_length = {sequence_length} ({cut:.1%} are cut)")
    ax.set_title(title)
    ax.set_xlabel("words per sentence")
    ax.set_ylabel("number of sentences")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_gradient_norms(norms: Mapping[str, Sequence[float]], title: str = "Gradients vanish as they flow back in time",
                        xlabel: str = "time steps back, k",
                        ylabel: str = r"gradient norm $\|\partial h_T / \partial h_{T-k}\|$") -> Figure:
    """Draw gradient norms against the number of time steps they flowed back, log-scaled.

    Args:
        norms: ``{run name: norms}``, where ``norms[k]`` is the norm of the
            gradient that flowed back ``k`` steps (``k = 0, 1, ...``). One line per run.
        title, xlabel, ylabel: the axis texts.

    Example:
        >>> fig = plot_gradient_norms({"tanh RNN": [1.0, 0.5, 0.25]})
        >>> fig.axes[0].get_yscale()
        'log'

    Taught in Chapter 3, section 3.
    """
    if not isinstance(norms, Mapping) or not norms:
        raise argument_error("norms", "a non-empty dict {run name: sequence of gradient norms}",
                             f"{describe(norms)} ({type(norms).__name__})", error=TypeError)
    fig, axes = _figure(1, width=7.0, height=4.0)
    ax = axes[0]
    for name, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(len(values)), np.maximum(values, 1e-30), marker=".", label=name)
    ax.set_yscale("log")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Chapter 4 -- autoencoder reconstructions and codes; GAN losses, sample evolution, latent interpolation,
# sample quality
# --------------------------------------------------------------------------


def plot_reconstructions(rows: Mapping[str, Any], title: str = "Noisy input, reconstruction and clean image") -> Figure:
    """Show the same images in several versions, one row per version (noisy, reconstructed, clean...).

    Args:
        rows: ``{row name: images}``, each (N, 28, 28[, 1]) in [0, 1], the same N in every row;
            image ``i`` of every row is the same garment.
        title: the figure's title.

    Returns:
        The Figure: one axis per row, titled with the row's name, its images side by side.

    Example:
        >>> fig = plot_reconstructions({"noisy": np.ones((3, 28, 28)), "clean": np.zeros((3, 28, 28))})
        >>> [ax.get_title() for ax in fig.axes]
        ['noisy', 'clean']

    Taught in Chapter 4, section 2.
    """
    from course.gan import tile_images

    check(len(rows) > 0, "rows", rows, "a dict {row name: images} with at least one row")
    images = {name: check_image_batch(f"rows[{name!r}]", batch) for name, batch in rows.items()}
    n = len(next(iter(images.values())))
    for name, batch in images.items():
        check(len(batch) == n, f"rows[{name!r}]", batch, f"{n} images, as many as in the first row")
    fig, axes = _figure(len(images), width=1.2 * n, height=1.55, ncols=1)
    for ax, (name, batch) in zip(axes, images.items()):
        ax.imshow(tile_images(batch, ncols=n), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(name, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_code_map(points: Any, labels: Any, class_names: Sequence[str] | None = None,
                  title: str = "The codes of the validation images, projected on two axes",
                  axis_labels: tuple[str, str] = ("first principal component", "second principal component")) -> Figure:
    """Scatter 2-D points (codes projected on two axes), one colour per class, with a legend.

    Args:
        points: (N, 2) coordinates, e.g. codes projected on their first two principal components.
        labels: (N,) integer class of each point, 0 to ``len(class_names) - 1``.
        class_names: names of the classes (default: Fashion-MNIST's).
        title: the figure's title.
        axis_labels: the x and y labels.

    Returns:
        The Figure, one scatter series per class present.

    Example:
        >>> fig = plot_code_map(np.zeros((4, 2)), [0, 1, 1, 0], class_names=["a", "b"])
        >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        ['a', 'b']

    Taught in Chapter 4, section 2.
    """
    import matplotlib

    from course.data import FASHION_MNIST_CLASSES

    xy = check_array("points", points, ndim=2, shape="(N, 2)", dtype=np.float64)
    check(xy.shape[1] == 2, "points", xy, "an (N, 2) array: two coordinates per point")
    y = np.asarray(labels)
    check_same_length("points", xy, "labels", y, note="one class label per point")
    names = list(class_names or FASHION_MNIST_CLASSES)
    check(np.issubdtype(y.dtype, np.integer) and y.min() >= 0 and y.max() < len(names), "labels", labels,
          f"integer class labels from 0 to {len(names) - 1}")
    fig, axes = _figure(1, width=7.5, height=5.5)
    ax = axes[0]
    cmap = matplotlib.colormaps["tab10"]
    for k, name in enumerate(names):
        mine = y == k
        if mine.any():
            ax.scatter(xy[mine, 0], xy[mine, 1], s=6, alpha=0.6, color=cmap(k % 10), label=name)
    ax.set_title(title)
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    ax.legend(fontsize=8, markerscale=3, loc="best")
    fig.tight_layout()
    return fig


def plot_gan_losses(history: Any, title: str = "GAN training: the two players' losses") -> Figure:
    """Draw the discriminator's and the generator's loss per epoch (left) and D's mean outputs (right).

    Args:
        history: the ``History`` of ``GAN.fit`` (or its ``.history`` dict) with
            ``d_loss`` and ``g_loss``; ``d_real``/``d_fake`` (the
            discriminator's mean probability "real" on real and on generated
            images) add a second panel when present.

    Returns:
        The Figure. The dotted lines mark the equilibrium of the game, where
        D outputs 1/2 everywhere: $L_D = 2\\ln 2 \\approx 1.386$, $L_G = \\ln 2 \\approx 0.693$.

    Example:
        >>> fig = plot_gan_losses({"d_loss": [1.3, 1.2], "g_loss": [0.8, 0.9]})
        >>> fig.axes[0].get_title()
        'losses'

    Taught in Chapter 4, section 8.
    """
    hist = _as_history_dict(history)
    missing = [k for k in ("d_loss", "g_loss") if k not in hist]
    if missing:
        raise argument_error("history", "the History of GAN.fit(), with d_loss and g_loss",
                             f"one without {', '.join(missing)} (recorded: {', '.join(sorted(hist)) or 'nothing'})")
    with_probs = "d_real" in hist and "d_fake" in hist
    from matplotlib.ticker import MaxNLocator

    fig, axes = _figure(2 if with_probs else 1, width=5.5, height=3.8)
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    epochs = np.arange(1, len(hist["d_loss"]) + 1)
    ax = axes[0]
    ax.plot(epochs, hist["d_loss"], marker="o", label="discriminator loss $L_D$")
    ax.plot(epochs, hist["g_loss"], marker="o", label="generator loss $L_G$")
    ax.axhline(2 * np.log(2), color="C0", ls=":", lw=1, label="$2\\ln 2$ (D guesses)")
    ax.axhline(np.log(2), color="C1", ls=":", lw=1, label="$\\ln 2$")
    ax.set_title("losses")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean loss over the epoch")
    ax.legend(fontsize=8)
    if with_probs:
        ax = axes[1]
        ax.plot(epochs, hist["d_real"], marker="o", label="D(real image)")
        ax.plot(epochs, hist["d_fake"], marker="o", label="D(generated image)")
        ax.axhline(0.5, color="grey", ls=":", lw=1, label="1/2 (cannot tell)")
        ax.set_ylim(0, 1)
        ax.set_title("discriminator's mean probability 'real'")
        ax.set_xlabel("epoch")
        ax.set_ylabel("probability")
        ax.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_sample_evolution(grids: Sequence[Any], epochs: Sequence[int], n_show: int = 16, max_panels: int = 6,
                          title: str = "The same noise vectors, epoch after epoch") -> Figure:
    """A grid of grids: the fixed-noise samples of several epochs side by side.

    Args:
        grids: one array (n, 28, 28) in [0, 1] per recorded epoch (``SampleGrid.grids``).
        epochs: the epoch number of each grid (``SampleGrid.epochs``; 0 = untrained).
        n_show: images per panel (a square number reads best).
        max_panels: at most this many epochs, evenly spaced, always with the first and the last.

    Returns:
        The Figure, one titled panel per epoch shown.

    Example:
        >>> fig = plot_sample_evolution([np.zeros((4, 28, 28))] * 3, [0, 1, 2])   # doctest: +SKIP
        >>> [ax.get_title() for ax in fig.axes]                                   # doctest: +SKIP
        ['epoch 0 (untrained)', 'epoch 1', 'epoch 2']

    Taught in Chapter 4, section 8.
    """
    from course.gan import tile_images

    check(len(grids) > 0, "grids", grids, "a non-empty list of sample grids (SampleGrid.grids)")
    check_same_length("grids", grids, "epochs", epochs, note="one epoch number per grid")
    picks = np.unique(np.linspace(0, len(grids) - 1, min(max_panels, len(grids))).round().astype(int))
    fig, axes = _figure(len(picks), width=2.6, height=2.9)
    for ax, i in zip(axes, picks):
        ax.imshow(tile_images(np.asarray(grids[i])[:n_show]), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(f"epoch {epochs[i]}" + (" (untrained)" if epochs[i] == 0 else ""))
        ax.set_xlabel("samples")
        ax.set_ylabel("")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_interpolation(rows: Mapping[str, Any], title: str = "Walking through latent space") -> Figure:
    """Show interpolations between two noise vectors: one row of images per method.

    Args:
        rows: ``{"linear": images, "spherical": images}``, each (steps, 28, 28[, 1]) in [0, 1].

    Returns:
        The Figure: one axis per row, the images from $t = 0$ (left) to $t = 1$ (right).

    Example:
        >>> fig = plot_interpolation({"linear": np.zeros((5, 28, 28))})   # doctest: +SKIP
        >>> fig.axes[0].get_title()                                      # doctest: +SKIP
        'linear'

    Taught in Chapter 4, section 10.
    """
    from course.gan import tile_images

    check(len(rows) > 0, "rows", rows, "a dict {method name: images} with at least one entry")
    fig, axes = _figure(len(rows), width=10.0, height=2.0, ncols=1)
    for ax, (name, images) in zip(axes, rows.items()):
        images = np.asarray(images)
        ax.imshow(tile_images(images, ncols=len(images)), cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(f"t from 0 (left) to 1 (right), {len(images)} steps")
        ax.set_ylabel("")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_class_shares(scores: Mapping[str, Mapping[str, Any]], class_names: Sequence[str] | None = None,
                      min_share: float = 0.03, title: str = "Which garments does the generator draw?") -> Figure:
    """Bar chart of the share of generated images the classifier puts in each class.

    Args:
        scores: ``{run name: sample_quality(...) dict}``; several runs are drawn side by side
            (e.g. real test images against the generator).
        class_names: names of the classes (default: Fashion-MNIST's).
        min_share: drawn as a dashed line: a class below it counts as missing.

    Returns:
        The Figure with one bar group per class.

    Example:
        >>> score = {"class_shares": [0.5, 0.5], "classes_present": 2, "mean_confidence": 0.9}
        >>> fig = plot_class_shares({"generator": score}, class_names=["a", "b"])
        >>> fig.axes[0].get_xlabel()
        'class given by the classifier'

    Taught in Chapter 4, section 9.
    """
    from course.data import FASHION_MNIST_CLASSES

    check(len(scores) > 0, "scores", scores, "a dict {run name: sample_quality(...) dict} with at least one run")
    names = list(class_names or FASHION_MNIST_CLASSES)
    fig, axes = _figure(1, width=9.0, height=3.8)
    ax = axes[0]
    width = 0.8 / len(scores)
    for i, (run, score) in enumerate(scores.items()):
        shares = np.asarray(score["class_shares"], dtype=float)
        label = f"{run}: {score['classes_present']} classes, confidence {score['mean_confidence']:.2f}"
        ax.bar(np.arange(len(shares)) + (i - (len(scores) - 1) / 2) * width, shares, width=width, label=label)
    ax.axhline(min_share, color="k", ls="--", lw=1, label=f"{min_share:.0%}: present")
    ax.set_xticks(np.arange(len(names)))
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_title(title)
    ax.set_xlabel("class given by the classifier")
    ax.set_ylabel("share of images")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------
# Chapter 5 -- positional encodings and attention maps
# --------------------------------------------------------------------------


def plot_positional_encoding(encoding: Any, title: str = "Sinusoidal positional encoding") -> Figure:
    """Draw a positional-encoding matrix ``(positions, d_model)`` as a heat map, plus a few of its columns.

    Left: the whole matrix (rows = positions, columns = encoding dimensions):
    fast sine/cosine clocks on the left, slow ones on the right. Right: four
    columns as curves against the position.

    Example:
        >>> from course.models import sinusoidal_positional_encoding
        >>> fig = plot_positional_encoding(sinusoidal_positional_encoding(50, 32))
        >>> len(fig.axes)
        3

    Taught in Chapter 5, section 3.
    """
    pe = check_array("encoding", encoding, ndim=2, shape="(positions, d_model)", non_empty=False, dtype=float)
    fig, (ax_map, ax_lines) = _figure(2, width=5.5, height=4.0)
    image = ax_map.imshow(pe, aspect="auto", cmap="RdBu", vmin=-1, vmax=1, origin="upper")
    ax_map.set_title("PE[position, dimension]")
    ax_map.set_xlabel("encoding dimension")
    ax_map.set_ylabel("position in the sentence")
    fig.colorbar(image, ax=ax_map, fraction=0.046)
    d = pe.shape[1]
    for column in sorted({0, 1, min(4, d - 1), d - 2 if d > 2 else d - 1}):
        ax_lines.plot(np.arange(len(pe)), pe[:, column], label=f"dimension {column}")
    ax_lines.set_title("a few columns")
    ax_lines.set_xlabel("position in the sentence")
    ax_lines.set_ylabel("encoding value")
    ax_lines.legend(fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_attention(weights: Any, query_tokens: Sequence[str], key_tokens: Sequence[str] | None = None,
                   title: str = "Attention weights", head_names: Sequence[str] | None = None) -> Figure:
    """Draw attention weights as heat maps: row = query token, column = key token it looks at.

    Args:
        weights: ``(queries, keys)`` for one head, or ``(heads, queries, keys)``
            for several (one panel each); each row sums to 1.
        query_tokens: labels of the rows; ``key_tokens`` of the columns (default: the same).
        head_names: panel titles (default "head 1", "head 2", ...).

    Example:
        >>> fig = plot_attention(np.full((3, 3), 1 / 3), ["a", "fine", "film"])
        >>> fig.axes[0].get_xlabel()
        'key (attended to)'

    Taught in Chapter 5, section 1.
    """
    w = check_array("weights", weights, ndim=(2, 3), shape="(queries, keys) or (heads, queries, keys)",
                    non_empty=False, dtype=float)
    if w.ndim == 2:
        w = w[None]
    key_tokens = list(query_tokens if key_tokens is None else key_tokens)
    query_tokens = list(query_tokens)
    if w.shape[1:] != (len(query_tokens), len(key_tokens)):
        raise argument_error("query_tokens and key_tokens", f"as many as the {w.shape[1]} queries and {w.shape[2]} keys "
                             "of weights", f"{len(query_tokens)} and {len(key_tokens)} tokens")
    heads = w.shape[0]
    names = list(head_names or [f"head {h + 1}" for h in range(heads)])
    fig, axes = _figure(heads, width=max(3.5, 0.38 * len(key_tokens) + 1.5), height=max(3.0, 0.36 * len(query_tokens) + 1.2),
                        ncols=min(heads, 4))
    for h, ax in enumerate(axes):
        image = ax.imshow(w[h], cmap="viridis", vmin=0, vmax=max(float(w.max()), 1e-9))
        ax.set_xticks(range(len(key_tokens)), key_tokens, rotation=90, fontsize=8)
        ax.set_yticks(range(len(query_tokens)), query_tokens, fontsize=8)
        ax.set_xlabel("key (attended to)")
        ax.set_ylabel("query (attending)")
        ax.set_title(names[h] if h < len(names) else f"head {h + 1}")
    fig.colorbar(image, ax=list(axes), fraction=0.03, label="attention weight")
    fig.suptitle(title)
    return fig
