"""Architecture figures of the course, drawn with matplotlib and stored in ``figures/``.

Learners look at an architecture before they read its code. One function per
model family, in chapter order, each returning the ``matplotlib.figure.Figure``
it drew; :func:`write_figures` (``course figures``) saves every figure as SVG
(the vector original) and PNG (what the notebooks show) under ``figures/``.

Why notebooks show the PNG through a relative path: committed notebooks carry
no outputs, so a figure must come from Markdown. GitHub's notebook viewer shows
images a Markdown cell links by relative path, but repeatedly failed to show
SVG files that way, while PNG works; it does not show cell attachments, and
neither does nbviewer. Jupyter serves files only below the folder it was
started in, so the course is opened from its root folder (``jupyter lab``
there), not from ``notebooks/``. :func:`markdown_line` gives the line a
notebook uses; ``CONTRIBUTING.md`` lists them.

The output is deterministic, so a test can regenerate the files and fail when
a committed one is stale: fonts bundled with matplotlib (DejaVu Sans, also for
mathtext), text drawn as paths, a fixed ``svg.hashsalt``, no date or software
version in the metadata, and no raster images (pixel pictures are vector
quadrilaterals). All text is ASCII English, in every edition of the course, so
no missing-glyph box can appear.

Importing this module loads neither matplotlib nor TensorFlow.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

FIGURES_DIR = Path("figures")
PNG_DPI = 110

#: Everything that decides how the files come out; applied while drawing and while saving.
STYLE = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "mathtext.fontset": "dejavusans",
    "axes.unicode_minus": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "course-figures",
    "svg.image_inline": True,
    "path.simplify": False,
}

# Fill and edge colours (colour-blind safe pairs), one per kind of thing drawn.
COLORS = {
    "data": ("#f2f2f2", "#555555"),
    "layer": ("#dbe9f6", "#2b6cb0"),
    "gate": ("#fde2c8", "#c05621"),
    "norm": ("#e3f1df", "#2f855a"),
    "generator": ("#e9e0f5", "#6b46c1"),
    "discriminator": ("#dbe9f6", "#2b6cb0"),
    "loss": ("#fbd5d5", "#c53030"),
    "code": ("#fff3bf", "#b7791f"),
}
INK = "#222222"
MUTED = "#666666"


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Apply :data:`STYLE` to everything drawn or saved inside the ``with`` block.

    Example:
        >>> with figure_style():
        ...     fig = mlp()

    Not taught: the course's figure files are made with it.
    """
    import matplotlib

    with matplotlib.rc_context(STYLE):
        yield


# --------------------------------------------------------------------------
# Drawing helpers (coordinates in inches: 1 data unit = 1 inch)
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Box:
    """A drawn box: centre and size, with its edge midpoints as anchors for arrows."""

    x: float
    y: float
    w: float
    h: float

    @property
    def top(self) -> tuple[float, float]:
        return (self.x, self.y + self.h / 2)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.x, self.y - self.h / 2)

    @property
    def left(self) -> tuple[float, float]:
        return (self.x - self.w / 2, self.y)

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y)


def _canvas(width: float, height: float, title: str) -> tuple[Figure, Axes]:
    """A figure ``width`` x ``height`` inches with one axis-free Axes in inch coordinates, and a title."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.set_axis_off()
    ax.text(width / 2, height - 0.28, title, ha="center", va="center", fontsize=12.5, fontweight="bold", color=INK)
    return fig, ax


def _box(ax: Axes, x: float, y: float, w: float, h: float, text: str = "", kind: str = "layer",
         fontsize: float = 10, dashed: bool = False, **text_kw) -> _Box:
    """A rounded box centred at (x, y) with centred text."""
    from matplotlib.patches import FancyBboxPatch

    face, edge = COLORS[kind]
    ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0,rounding_size=0.07",
                                facecolor=face, edgecolor=edge, linewidth=1.3, linestyle="--" if dashed else "-"))
    if text:
        ax.text(x, y, text, ha="center", va="center", fontsize=fontsize, color=INK, linespacing=1.3, **text_kw)
    return _Box(x, y, w, h)


def _op(ax: Axes, x: float, y: float, symbol: str, r: float = 0.16, kind: str = "data") -> _Box:
    """A small circle holding an element-wise operation (a mathtext symbol such as ``r"$\\times$"``)."""
    from matplotlib.patches import Circle

    face, edge = COLORS[kind]
    ax.add_patch(Circle((x, y), r, facecolor="white" if kind == "data" else face, edgecolor=edge, linewidth=1.3))
    ax.text(x, y, symbol, ha="center", va="center", fontsize=12, color=INK)
    return _Box(x, y, 2 * r, 2 * r)


def _arrow(ax: Axes, *points: tuple[float, float], color: str = INK, lw: float = 1.3, dashed: bool = False,
           head: bool = True, rad: float = 0.0) -> None:
    """An arrow along straight segments through ``points`` (or one arc of curvature ``rad``), head at the last point."""
    from matplotlib.patches import FancyArrowPatch
    from matplotlib.path import Path as MplPath

    style = "-|>" if head else "-"
    common = dict(arrowstyle=style, mutation_scale=12, linewidth=lw, color=color, linestyle="--" if dashed else "-",
                  shrinkA=0, shrinkB=0, joinstyle="miter", capstyle="butt")
    if len(points) == 2:
        ax.add_patch(FancyArrowPatch(points[0], points[1], connectionstyle=f"arc3,rad={rad}", **common))
    else:
        codes = [MplPath.MOVETO] + [MplPath.LINETO] * (len(points) - 1)
        ax.add_patch(FancyArrowPatch(path=MplPath(points, codes), **common))


def _text(ax: Axes, x: float, y: float, text: str, size: float = 9.5, color: str = INK, **kw) -> None:
    kw.setdefault("ha", "center")
    kw.setdefault("va", "center")
    ax.text(x, y, text, fontsize=size, color=color, linespacing=1.3, **kw)


def _pixels(ax: Axes, image: np.ndarray, x0: float, y0: float, size: float) -> _Box:
    """Draw a grey image (rows top to bottom, 0 white .. 1 black) as vector squares; (x0, y0) is its lower left."""
    rows, cols = image.shape
    xs = np.linspace(x0, x0 + size, cols + 1)
    ys = np.linspace(y0 + size, y0, rows + 1)
    ax.pcolormesh(xs, ys, image, cmap="gray_r", vmin=0, vmax=1, shading="flat", edgecolors="none", antialiased=False)
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x0, y0), size, size, fill=False, edgecolor=MUTED, linewidth=0.8))
    return _Box(x0 + size / 2, y0 + size / 2, size, size)


_TSHIRT = (
    "..............",
    "...###..###...",
    "..####..####..",
    ".############.",
    ".############.",
    ".##.######.##.",
    "....######....",
    "....######....",
    "....######....",
    "....######....",
    "....######....",
    "....######....",
    "....######....",
    "..............",
)


def _tshirt() -> np.ndarray:
    """A 14x14 pixel-art T-shirt in [0, 1], drawn by hand (the figures need no dataset)."""
    return np.array([[0.75 if ch == "#" else 0.0 for ch in row] for row in _TSHIRT])


def _grid(ax: Axes, values: np.ndarray, x0: float, y0: float, cell: float, fills: np.ndarray | None = None,
          fontsize: float = 9) -> None:
    """A table of numbers (rows top to bottom), lower left corner at (x0, y0); ``fills`` gives each cell's colour."""
    from matplotlib.patches import Rectangle

    rows, cols = values.shape
    for r in range(rows):
        for c in range(cols):
            x, y = x0 + c * cell, y0 + (rows - 1 - r) * cell
            face = "white" if fills is None else fills[r][c]
            ax.add_patch(Rectangle((x, y), cell, cell, facecolor=face, edgecolor="#999999", linewidth=0.7))
            _text(ax, x + cell / 2, y + cell / 2, f"{values[r, c]:g}", size=fontsize)


def _outline(ax: Axes, x0: float, y0: float, w: float, h: float, color: str, lw: float = 2.2) -> None:
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x0, y0), w, h, fill=False, edgecolor=color, linewidth=lw))


# --------------------------------------------------------------------------
# Chapter 1 -- the multilayer perceptron
# --------------------------------------------------------------------------

def mlp() -> Figure:
    """The course MLP: a 28x28 image flattened to 784 inputs, Dense 256 and 128 (ReLU), Dense 10 (softmax).

    Every unit of a layer sees every unit of the layer before (one unit's
    connections are highlighted); each layer computes ``H = f(X W + b)``.

    Returns:
        The Figure (9 x 4.6 inches).

    Example:
        >>> fig = mlp()

    Shown in Chapter 1, section 4 (forward propagation); the Keras version is built in sections 8 and 9.
    """
    fig, ax = _canvas(9.0, 5.0, "A multilayer perceptron (the course MLP)")
    layers = [  # x, units drawn, label
        (2.35, 6, "input\n784 pixels"),
        (4.15, 5, "hidden layer 1\nDense(256), ReLU"),
        (5.85, 4, "hidden layer 2\nDense(128), ReLU"),
        (7.55, 4, "output\nDense(10), softmax"),
    ]
    top, bottom = 3.85, 1.3
    positions = []
    for x, n, _ in layers:
        step = (top - bottom) / 6  # the same spacing in every layer, each centred; the last slot holds the dots
        ys = top - (6 - n) * step / 2 - step * np.arange(n + 1)
        positions.append([(x, y) for y in ys])
    for (a, b) in zip(positions[:-1], positions[1:]):
        for p in a[:-1]:
            for q in b[:-1]:
                ax.plot([p[0], q[0]], [p[1], q[1]], color="#b8b8b8", linewidth=0.6, zorder=1)
    highlight = positions[1][0]  # one hidden unit: all its incoming connections
    for p in positions[0][:-1]:
        ax.plot([p[0], highlight[0]], [p[1], highlight[1]], color=COLORS["layer"][1], linewidth=1.3, zorder=2)
    from matplotlib.patches import Circle

    kinds = ["data", "layer", "layer", "gate"]
    for (x, n, label), nodes, kind in zip(layers, positions, kinds):
        face, edge = COLORS[kind]
        for p in nodes[:-1]:
            ax.add_patch(Circle(p, 0.15, facecolor=face, edgecolor=edge, linewidth=1.3, zorder=3))
        _text(ax, x, nodes[-1][1] + 0.05, "...", size=12, rotation=90)
        _text(ax, x, 0.75, label, size=9.5)
    picture = _pixels(ax, _tshirt(), 0.3, 2.1, 0.95)
    _text(ax, picture.x, 1.82, "28x28 image", size=9)
    _arrow(ax, (1.32, picture.y), (2.1, picture.y))
    _text(ax, 1.71, picture.y + 0.22, "flatten", size=9)
    ax.annotate("one unit: $h = \\mathrm{ReLU}(\\mathbf{w} \\cdot \\mathbf{x} + b)$,\nwith 784 weights $\\mathbf{w}$, one per input", xy=highlight,
                xytext=(4.75, 4.3), fontsize=9, color=COLORS["layer"][1], ha="left", va="center",
                arrowprops=dict(arrowstyle="-|>", color=COLORS["layer"][1], linewidth=1.1, shrinkA=2, shrinkB=9))
    _text(ax, 8.45, 2.95, "10 class\nprobabilities\n(sum to 1)", size=9, ha="center")
    _text(ax, 4.95, 0.22, "each layer: $H = f(XW + b)$   "
          "X: (batch, inputs), W: (inputs, units), b: (units,), H: (batch, units)", size=8.5, color=MUTED)
    return fig


# --------------------------------------------------------------------------
# Chapter 2 -- convolution and pooling
# --------------------------------------------------------------------------

CONV_INPUT = np.array([
    [0, 0, 1, 2, 2, 2],
    [0, 0, 1, 2, 2, 2],
    [0, 1, 2, 2, 1, 0],
    [0, 1, 2, 2, 1, 0],
    [1, 2, 2, 1, 0, 0],
    [1, 2, 2, 1, 0, 0],
])
CONV_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])


def _cross_correlate(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """What ``keras.layers.Conv2D`` computes for one channel, stride 1, ``"valid"``: no kernel flip."""
    kh, kw = k.shape
    return np.array([[np.sum(x[i:i + kh, j:j + kw] * k) for j in range(x.shape[1] - kw + 1)]
                     for i in range(x.shape[0] - kh + 1)])


def _max_pool(x: np.ndarray, size: int = 2) -> np.ndarray:
    h, w = x.shape[0] // size, x.shape[1] // size
    return x[:h * size, :w * size].reshape(h, size, w, size).max(axis=(1, 3))


def convolution_and_pooling() -> Figure:
    """A 3x3 kernel slid over a 6x6 input gives a 4x4 feature map; 2x2 max pooling halves it to 2x2.

    The numbers are computed, not typed: the feature map is the
    cross-correlation of :data:`CONV_INPUT` with :data:`CONV_KERNEL` (a
    vertical-edge detector), as ``Conv2D`` computes it with ``padding="valid"``,
    and the pooled map is its 2x2 maximum. One window and its output are
    outlined; the pooling windows share colours with their maxima.

    Returns:
        The Figure (10 x 4.4 inches).

    Example:
        >>> fig = convolution_and_pooling()

    Shown in Chapter 2, sections 2 (convolution) and 6 (max pooling).
    """
    fig, ax = _canvas(10.0, 4.3, "Convolution, then max pooling")
    feature = _cross_correlate(CONV_INPUT, CONV_KERNEL)
    pooled = _max_pool(feature)
    cell, yc, title_y, caption_y = 0.36, 2.3, 3.72, 0.85
    red, pool_colors = "#c53030", ["#fde2c8", "#dbe9f6", "#e3f1df", "#e9e0f5"]
    wr, wc = 1, 2  # the outlined window: rows 1..3, columns 2..4 of the input
    # input X
    x_in, y_in = 0.35, yc - 3 * cell
    _grid(ax, CONV_INPUT, x_in, y_in, cell)
    _outline(ax, x_in + wc * cell, y_in + (6 - wr - 3) * cell, 3 * cell, 3 * cell, red)
    _text(ax, x_in + 3 * cell, title_y, "input X (6x6)", size=10)
    _text(ax, 2.87, yc, "$*$", size=16)
    # kernel K
    x_k, y_k = 3.2, yc - 1.5 * cell
    _grid(ax, CONV_KERNEL, x_k, y_k, cell, fills=[["#fff3bf"] * 3] * 3)
    _text(ax, x_k + 1.5 * cell, title_y, "kernel K (3x3)", size=10)
    _text(ax, x_k + 1.5 * cell, caption_y, "the same 9 weights\nat every position", size=8.5, color=MUTED)
    _text(ax, 4.66, yc, "$=$", size=16)
    # feature map Y, the output of the outlined window outlined too
    x_f, y_f = 5.0, yc - 2 * cell
    fills = [[pool_colors[(r // 2) * 2 + c // 2] for c in range(4)] for r in range(4)]
    _grid(ax, feature, x_f, y_f, cell, fills=fills)
    _outline(ax, x_f + wc * cell, y_f + (4 - wr - 1) * cell, cell, cell, red)
    _text(ax, x_f + 2 * cell, title_y, "feature map Y (4x4)", size=10)
    _text(ax, x_f + 2 * cell, caption_y + 0.05, r"$Y_{i,j} = \sum_{u,v} X_{i+u,\,j+v}\,K_{u,v}$", size=9.5)
    _text(ax, x_f + 2 * cell, caption_y - 0.38, "size 6 - 3 + 1 = 4", size=8.5, color=MUTED)
    window = CONV_INPUT[wr:wr + 3, wc:wc + 3]
    terms = " + ".join(f"({row[0]:g} - {row[2]:g})" for row in window)  # K's rows are (1, 0, -1)
    _text(ax, 3.4, 0.2, f"outlined: the window times K, summed: {terms} = {feature[wr, wc]:g}", size=9, color=red)
    # max pooling
    x_p, y_p = 8.35, yc - cell
    _arrow(ax, (x_f + 4 * cell + 0.15, yc), (x_p - 0.15, yc))
    _text(ax, (x_f + 4 * cell + x_p) / 2, yc + 0.42, "max pooling\n2x2, stride 2", size=9)
    _grid(ax, pooled, x_p, y_p, cell, fills=[[pool_colors[0], pool_colors[1]], [pool_colors[2], pool_colors[3]]])
    _text(ax, x_p + cell, title_y, "pooled (2x2)", size=10)
    _text(ax, x_p + cell, caption_y, "the largest value\nof each 2x2 window", size=8.5, color=MUTED)
    return fig


# --------------------------------------------------------------------------
# Chapter 3 -- the LSTM cell
# --------------------------------------------------------------------------

def lstm_cell() -> Figure:
    """One LSTM step: the forget, input and output gates, the candidate, the cell state path.

    The cell state runs along the top: multiplied by the forget gate, then the
    gated candidate is added (the additive path that keeps gradients alive);
    ``h_t`` is the output gate times ``tanh(c_t)``. Boxes are layers with
    weights, circles are element-wise operations. The equations on the right
    are the chapter's.

    Returns:
        The Figure (10.4 x 5.2 inches).

    Example:
        >>> fig = lstm_cell()

    Shown in Chapter 3, section 4.
    """
    fig, ax = _canvas(10.4, 5.2, "The LSTM cell")
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(FancyBboxPatch((0.95, 0.85), 4.9, 3.55, boxstyle="round,pad=0,rounding_size=0.15",
                                facecolor="#fafafa", edgecolor="#999999", linewidth=1.0))
    c_y, bus_y, gate_y, write_y = 3.85, 1.3, 2.15, 3.0
    gx = {"f": 1.75, "i": 2.7, "g": 3.65, "o": 4.55}
    gates = {
        "f": _box(ax, gx["f"], gate_y, 0.62, 0.42, r"$\sigma$", kind="gate", fontsize=12),
        "i": _box(ax, gx["i"], gate_y, 0.62, 0.42, r"$\sigma$", kind="gate", fontsize=12),
        "g": _box(ax, gx["g"], gate_y, 0.62, 0.42, r"$\tanh$", kind="layer", fontsize=11),
        "o": _box(ax, gx["o"], gate_y, 0.62, 0.42, r"$\sigma$", kind="gate", fontsize=12),
    }
    for key, label in (("f", r"$f_t$"), ("i", r"$i_t$"), ("g", r"$\tilde c_t$"), ("o", r"$o_t$")):
        _text(ax, gx[key] + 0.2, gate_y + 0.45, label, size=11, ha="left")
    # the gates' input: x_t from below joins h_{t-1} from the left
    _arrow(ax, (0.3, bus_y), (gx["o"], bus_y), head=False)
    _text(ax, 0.45, bus_y + 0.22, r"$h_{t-1}$", size=11)
    _arrow(ax, (1.2, 0.3), (1.2, bus_y), head=False)
    _text(ax, 1.45, 0.42, r"$x_t$", size=11)
    _text(ax, 2.3, bus_y - 0.22, r"$[x_t, h_{t-1}]$", size=9.5, color=MUTED)
    for key in gx:
        _arrow(ax, (gx[key], bus_y), gates[key].bottom)
    # the cell state: c_{t-1} times the forget gate, plus the gated candidate
    forget = _op(ax, gx["f"], c_y, r"$\times$")
    write = _op(ax, (gx["i"] + gx["g"]) / 2, write_y, r"$\times$")
    add = _op(ax, write.x, c_y, r"$+$")
    _arrow(ax, (0.3, c_y), forget.left)
    _text(ax, 0.45, c_y + 0.25, r"$c_{t-1}$", size=11)
    _arrow(ax, forget.right, add.left)
    _arrow(ax, add.right, (6.3, c_y))
    _text(ax, 6.1, c_y + 0.25, r"$c_t$", size=11)
    _arrow(ax, gates["f"].top, forget.bottom)
    _arrow(ax, gates["i"].top, (gx["i"], write_y), write.left)
    _arrow(ax, gates["g"].top, (gx["g"], write_y), write.right)
    _arrow(ax, write.top, add.bottom)
    # the output: h_t = o_t * tanh(c_t)
    squash = _box(ax, 5.25, write_y, 0.62, 0.36, r"$\tanh$", kind="data", fontsize=10)
    read = _op(ax, 5.25, gate_y, r"$\times$")
    _arrow(ax, (5.25, c_y), squash.top)
    _arrow(ax, squash.bottom, read.top)
    _arrow(ax, gates["o"].right, read.left)
    _arrow(ax, read.bottom, (5.25, 0.55), (6.3, 0.55))
    _text(ax, 6.1, 0.8, r"$h_t$", size=11)
    # the equations, as in the chapter
    eq_x = 6.75
    lines = [
        (r"$f_t = \sigma(x_t W_f + h_{t-1} U_f + b_f)$", "forget gate: how much of the old cell to keep"),
        (r"$i_t = \sigma(x_t W_i + h_{t-1} U_i + b_i)$", "input gate: how much of the candidate to write"),
        (r"$\tilde c_t = \tanh(x_t W_c + h_{t-1} U_c + b_c)$", "candidate: what could be written"),
        (r"$o_t = \sigma(x_t W_o + h_{t-1} U_o + b_o)$", "output gate: how much of the cell to show"),
        (r"$c_t = f_t \odot c_{t-1} + i_t \odot \tilde c_t$", "additive update of the cell"),
        (r"$h_t = o_t \odot \tanh(c_t)$", "the output and next hidden state"),
    ]
    for n, (formula, meaning) in enumerate(lines):
        y = 4.25 - n * 0.62
        _text(ax, eq_x, y, formula, size=10.5, ha="left")
        _text(ax, eq_x, y - 0.24, meaning, size=8.5, color=MUTED, ha="left")
    _text(ax, eq_x, 0.42, "boxes: layers with weights; circles: element-wise;\n"
          r"$c_t$ and $h_t$ go on to the next step", size=8.5, color=MUTED, ha="left")
    return fig


# --------------------------------------------------------------------------
# Chapter 4 -- the denoising autoencoder and the DCGAN
# --------------------------------------------------------------------------

def denoising_autoencoder() -> Figure:
    """A denoising autoencoder: noisy image -> encoder -> bottleneck code -> decoder -> clean reconstruction.

    The loss compares the reconstruction with the clean image, not with the
    noisy input, so the network must learn what clothes look like rather
    than copy pixels; the narrow code in the middle (the bottleneck) forces it
    to keep only what matters. The pictures are hand-made pixel art, not data.

    Returns:
        The Figure (10.4 x 3.9 inches).

    Example:
        >>> fig = denoising_autoencoder()

    Shown in Chapter 4, in the autoencoder section before the GAN.
    """
    fig, ax = _canvas(10.4, 3.9, "A denoising autoencoder")
    from matplotlib.patches import Polygon

    clean = _tshirt()
    noise = np.random.default_rng(4).normal(0.0, 0.2, clean.shape)
    noisy = np.clip(clean + noise, 0, 1)
    padded = np.pad(clean, 1, mode="edge")
    blurred = sum(padded[1 + dr:15 + dr, 1 + dc:15 + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)) / 9
    reconstruction = np.clip(0.35 * blurred + 0.65 * clean, 0, 1)
    size, y0 = 1.0, 1.1
    x_clean = _pixels(ax, clean, 0.3, y0, size)
    _text(ax, x_clean.x, y0 - 0.25, "clean image x", size=9.5)
    x_noisy = _pixels(ax, noisy, 1.95, y0, size)
    _text(ax, x_noisy.x, y0 - 0.25, "noisy input", size=9.5)
    _arrow(ax, x_clean.right, x_noisy.left)
    _text(ax, (x_clean.x + x_noisy.x) / 2, x_clean.y + 0.22, "+ noise", size=9)
    # encoder and decoder as trapezoids around the code
    mid = x_noisy.y
    enc = [(3.35, mid - 0.75), (4.85, mid - 0.3), (4.85, mid + 0.3), (3.35, mid + 0.75)]
    dec = [(5.75, mid - 0.3), (7.25, mid - 0.75), (7.25, mid + 0.75), (5.75, mid + 0.3)]
    for points, label in ((enc, "encoder"), (dec, "decoder")):
        face, edge = COLORS["layer"]
        ax.add_patch(Polygon(points, closed=True, facecolor=face, edgecolor=edge, linewidth=1.3))
        _text(ax, sum(p[0] for p in points) / 4, mid, label, size=10)
    code = _box(ax, 5.3, mid, 0.5, 0.6, "z", kind="code", fontsize=12, fontstyle="italic")
    _arrow(ax, x_noisy.right, (3.35, mid))
    _arrow(ax, (4.85, mid), code.left)
    _arrow(ax, code.right, (5.75, mid))
    _text(ax, 5.3, mid - 0.62, "code z:\nthe bottleneck", size=9)
    _text(ax, 5.3, y0 - 0.55, "a short vector: far fewer numbers than the\n784 pixels, so only what matters gets through",
          size=8.5, color=MUTED)
    out = _pixels(ax, reconstruction, 7.65, y0, size)
    _arrow(ax, (7.25, mid), out.left)
    _text(ax, out.x, y0 - 0.25, "reconstruction", size=9.5)
    loss = _box(ax, 9.62, mid, 1.3, 0.78, "loss: distance\nto x, pixel\nby pixel", kind="loss", fontsize=9)
    _arrow(ax, out.right, loss.left)
    _arrow(ax, x_clean.top, (x_clean.x, 2.95), (loss.x, 2.95), loss.top, color=COLORS["loss"][1], dashed=True)
    _text(ax, 5.3, 3.13, "the target is the CLEAN image, not the noisy input", size=9, color=COLORS["loss"][1])
    return fig


def dcgan_training() -> Figure:
    """One training step of the DCGAN, as ``course.gan.GAN.train_step`` runs it: first D, then G.

    Step 1 trains the discriminator D: real images should get label 1,
    generated ones 0, and only D's weights change. Step 2 draws fresh noise
    and trains the generator G to make D say "real" (the non-saturating
    loss); the gradient flows back through D, but only G's weights change.

    Returns:
        The Figure (10.4 x 5.6 inches).

    Example:
        >>> fig = dcgan_training()

    Shown in Chapter 4, section 6 (one round of the game), after the losses of section 5.
    """
    fig, ax = _canvas(10.4, 5.3, "Training a GAN: one step, two players")
    d_color, g_color = COLORS["discriminator"][1], COLORS["generator"][1]
    noise_text = "noise\n" r"$z \sim \mathcal{N}(0, I)$"
    # step 1: the discriminator
    y = 3.35
    _text(ax, 0.25, 4.62, "Step 1: train the discriminator D", size=10.5, ha="left", fontweight="bold", color=d_color)
    z1 = _box(ax, 0.85, y - 0.35, 1.15, 0.62, noise_text, kind="data", fontsize=9)
    g1 = _box(ax, 2.35, y - 0.35, 1.05, 0.6, "generator\nG", kind="generator", fontsize=9.5)
    fake1 = _box(ax, 3.95, y - 0.35, 1.3, 0.5, "fake images", kind="data", fontsize=9.5)
    real1 = _box(ax, 3.95, y + 0.5, 1.3, 0.6, "real images\n(Fashion-MNIST)", kind="data", fontsize=9)
    d1 = _box(ax, 5.6, y + 0.07, 1.2, 0.7, "discriminator\nD", kind="discriminator", fontsize=9.5)
    loss_d = _box(ax, 8.1, y + 0.07, 2.55, 0.78, "loss of D:\nreal -> label 1 (or 0.9)\nfake -> label 0",
                  kind="loss", fontsize=9)
    _arrow(ax, z1.right, g1.left)
    _arrow(ax, g1.right, fake1.left)
    _arrow(ax, fake1.right, (d1.left[0], d1.y - 0.18))
    _arrow(ax, real1.right, (d1.left[0], d1.y + 0.18))
    _arrow(ax, d1.right, loss_d.left)
    _text(ax, (d1.right[0] + loss_d.left[0]) / 2, d1.y + 0.22, "logits", size=8.5, color=MUTED)
    _arrow(ax, (loss_d.x, loss_d.bottom[1]), (loss_d.x, y - 0.62), (d1.x, y - 0.62), d1.bottom, color=d_color, dashed=True)
    _text(ax, 7.45, y - 0.82, "update D's weights only", size=9, color=d_color)
    # step 2: the generator
    y = 1.25
    _text(ax, 0.25, 2.2, "Step 2: train the generator G (with fresh noise)", size=10.5, ha="left", fontweight="bold",
          color=g_color)
    z2 = _box(ax, 0.85, y + 0.25, 1.15, 0.62, noise_text, kind="data", fontsize=9)
    g2 = _box(ax, 2.35, y + 0.25, 1.05, 0.6, "generator\nG", kind="generator", fontsize=9.5)
    fake2 = _box(ax, 3.95, y + 0.25, 1.3, 0.5, "fake images", kind="data", fontsize=9.5)
    d2 = _box(ax, 5.6, y + 0.25, 1.2, 0.7, "discriminator\nD (not updated)", kind="discriminator", fontsize=8.5,
              dashed=True)
    loss_g = _box(ax, 8.1, y + 0.25, 2.55, 0.78, "loss of G:\nfake -> label 1\n(\"make D say real\")", kind="loss",
                  fontsize=9)
    _arrow(ax, z2.right, g2.left)
    _arrow(ax, g2.right, fake2.left)
    _arrow(ax, fake2.right, d2.left)
    _arrow(ax, d2.right, loss_g.left)
    _arrow(ax, (loss_g.x, loss_g.bottom[1]), (loss_g.x, y - 0.42), (g2.x, y - 0.42), g2.bottom, color=g_color, dashed=True)
    _text(ax, 5.3, y - 0.62, "update G's weights only (the gradient flows back through D)", size=9, color=g_color)
    return fig


# --------------------------------------------------------------------------
# Chapter 5 -- the Transformer encoder block and the residual block
# --------------------------------------------------------------------------

def transformer_encoder_block() -> Figure:
    """The post-norm Transformer encoder block of ``course.models.TransformerEncoderBlock``.

    Bottom to top: self-attention (queries, keys and values all from the
    input, padding positions masked), dropout, add the input back, LayerNorm;
    then the position-wise feed-forward network (Dense ``ff_dim`` with ReLU,
    Dense ``d_model``), dropout, add, LayerNorm. The shape stays
    ``(batch, length, d_model)``.

    Returns:
        The Figure (8.4 x 7.6 inches).

    Example:
        >>> fig = transformer_encoder_block()

    Shown in Chapter 5, section 4.
    """
    fig, ax = _canvas(8.0, 7.6, "The Transformer encoder block (post-norm)")
    cx, w, right = 2.9, 2.7, 4.75
    x_in = _box(ax, cx, 0.5, w, 0.5, "token vectors x\n(embedding + position)", kind="data", fontsize=9)
    attention = _box(ax, cx, 1.85, w, 0.62, "multi-head self-attention", kind="layer", fontsize=10)
    drop1 = _box(ax, cx, 2.6, 1.5, 0.34, "dropout", kind="data", fontsize=9)
    add1 = _op(ax, cx, 3.15, r"$+$", kind="norm")
    norm1 = _box(ax, cx, 3.7, w, 0.42, "LayerNorm", kind="norm", fontsize=10)
    ffn = _box(ax, cx, 4.6, w, 0.62, "feed-forward network\nDense(ff_dim, ReLU), Dense(d_model)", kind="layer",
               fontsize=9)
    drop2 = _box(ax, cx, 5.35, 1.5, 0.34, "dropout", kind="data", fontsize=9)
    add2 = _op(ax, cx, 5.9, r"$+$", kind="norm")
    norm2 = _box(ax, cx, 6.45, w, 0.42, "LayerNorm", kind="norm", fontsize=10)
    # x feeds the attention three times: queries, keys, values
    split_y = 1.12
    _arrow(ax, x_in.top, (cx, split_y), head=False)
    for dx, name in ((-0.8, "Q"), (0.0, "K"), (0.8, "V")):
        _arrow(ax, (cx, split_y), (cx + dx, split_y), head=False)
        _arrow(ax, (cx + dx, split_y), (cx + dx, attention.bottom[1]))
        _text(ax, cx + dx + 0.18, split_y + 0.19, name, size=9)
    for a, b in ((attention.top, drop1.bottom), (drop1.top, add1.bottom), (add1.top, norm1.bottom),
                 (norm1.top, ffn.bottom), (ffn.top, drop2.bottom), (drop2.top, add2.bottom), (add2.top, norm2.bottom),
                 (norm2.top, (cx, 6.95))):
        _arrow(ax, a, b)
    _text(ax, cx + 0.15, 6.9, "output, the same shape as x:\n(batch, length, d_model)", size=8.5, color=MUTED, ha="left")
    # residual connections around each sub-layer
    res = COLORS["norm"][1]
    left = cx - w / 2 - 0.45
    _arrow(ax, (cx, split_y - 0.22), (left, split_y - 0.22), (left, add1.y), add1.left, color=res)
    _arrow(ax, (cx, norm1.top[1] + 0.12), (left, norm1.top[1] + 0.12), (left, add2.y), add2.left, color=res)
    _text(ax, left - 0.1, 2.15, "residual", size=8.5, color=res, ha="right")
    _text(ax, left - 0.1, 4.95, "residual", size=8.5, color=res, ha="right")
    # what each part does
    _arrow(ax, (right - 0.1, attention.y), attention.right)
    _text(ax, right, attention.y, "padding mask: no query\nattends to a padding token", size=8.5, color=MUTED, ha="left")
    _text(ax, right, 2.85, "post-norm: LayerNorm comes\nafter each residual addition", size=8.5, color=MUTED, ha="left")
    _text(ax, right, norm1.y, r"$h = \mathrm{LayerNorm}(x + \mathrm{Drop}(\mathrm{MHA}(x, x, x)))$", size=9.5,
          ha="left")
    _text(ax, right, ffn.y, "the same two Dense layers\nfor every position", size=8.5, color=MUTED, ha="left")
    _text(ax, right, norm2.y, r"$y = \mathrm{LayerNorm}(h + \mathrm{Drop}(\mathrm{FFN}(h)))$", size=9.5, ha="left")
    return fig


def residual_block() -> Figure:
    """The basic residual block of ``course.models.residual_block``, with its projection shortcut.

    Main path: Conv 3x3 (stride s, no bias), BatchNorm, ReLU, Conv 3x3 (no
    bias), BatchNorm. The shortcut is the identity when the shape is kept,
    else a projection (Conv 1x1 with stride s, no bias, then BatchNorm) when
    the stride is not 1 or the channels change. Both meet in an addition,
    then a ReLU. ``skip=False`` (the plain twin) has no shortcut.

    Returns:
        The Figure (8.4 x 7.4 inches).

    Example:
        >>> fig = residual_block()

    Shown in Chapter 5, section 6.
    """
    fig, ax = _canvas(8.4, 7.4, "The residual block")
    cx, w = 2.6, 2.9
    x_in = _box(ax, cx, 0.55, w, 0.5, "input x: (H, W, $C_{in}$)", kind="data", fontsize=9.5)
    conv1 = _box(ax, cx, 1.55, w, 0.5, "Conv 3x3, stride s, no bias", kind="layer", fontsize=9.5)
    bn1 = _box(ax, cx, 2.3, w, 0.4, "BatchNorm", kind="norm", fontsize=9.5)
    relu1 = _box(ax, cx, 2.95, w, 0.4, "ReLU", kind="gate", fontsize=9.5)
    conv2 = _box(ax, cx, 3.7, w, 0.5, "Conv 3x3, stride 1, no bias", kind="layer", fontsize=9.5)
    bn2 = _box(ax, cx, 4.45, w, 0.4, "BatchNorm", kind="norm", fontsize=9.5)
    add = _op(ax, cx, 5.25, r"$+$", r=0.19)
    relu2 = _box(ax, cx, 5.95, w, 0.4, "ReLU", kind="gate", fontsize=9.5)
    y_out = 6.75
    for a, b in ((x_in.top, conv1.bottom), (conv1.top, bn1.bottom), (bn1.top, relu1.bottom), (relu1.top, conv2.bottom),
                 (conv2.top, bn2.bottom), (bn2.top, add.bottom), (add.top, relu2.bottom), (relu2.top, (cx, y_out))):
        _arrow(ax, a, b)
    _text(ax, cx + 0.15, y_out - 0.05, "output: (H/s, W/s, filters)", size=9.5, ha="left")
    # F(x) bracket on the left
    bx = cx - w / 2 - 0.2
    ax.plot([bx, bx - 0.12, bx - 0.12, bx], [conv1.bottom[1], conv1.bottom[1], bn2.top[1], bn2.top[1]], color=MUTED,
            linewidth=1.1)
    _text(ax, bx - 0.3, (conv1.y + bn2.y) / 2, "F(x)", size=10, color=MUTED, ha="right")
    # the shortcut on the right: a projection when the shape changes, else x itself
    res, sx = COLORS["norm"][1], 6.15
    proj = _box(ax, sx, 2.75, 3.7, 2.5, kind="data", dashed=True)
    _text(ax, sx - 0.15, 3.55, "projection, only when\n"
          r"stride $s \neq 1$ or $C_{in} \neq$ filters;" "\notherwise the shortcut is x itself", size=9)
    p_conv = _box(ax, sx, 1.95, 2.6, 0.46, "Conv 1x1, stride s, no bias", kind="layer", fontsize=9.5)
    p_bn = _box(ax, sx, 2.72, 2.6, 0.4, "BatchNorm", kind="norm", fontsize=9.5)
    _arrow(ax, (cx, 1.05), (sx, 1.05), p_conv.bottom, color=res)
    _arrow(ax, p_conv.top, p_bn.bottom, color=res)
    _arrow(ax, p_bn.right, (sx + 1.6, p_bn.y), (sx + 1.6, add.y), add.right, color=res)
    _text(ax, 4.35, 0.87, "shortcut", size=9, color=res)
    _text(ax, 4.55, 6.35, r"$y = \mathrm{ReLU}(F(x) + \mathrm{shortcut}(x))$", size=10, ha="left")
    _text(ax, 4.55, 5.85, "the plain twin (skip=False) has no\nshortcut: y = ReLU(F(x))", size=8.5, color=MUTED,
          ha="left")
    return fig


# --------------------------------------------------------------------------
# The figure files
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class FigureSpec:
    """One figure file: its ``name`` (``figures/<name>.svg`` and ``.png``), the function that draws it,
    and the alt text a notebook's Markdown gives it."""

    name: str
    draw: Callable[[], Figure]
    alt: str


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec("01_mlp", mlp, "The course MLP: 784 pixel inputs, Dense layers of 256 and 128 ReLU units, "
               "10 softmax outputs"),
    FigureSpec("02_conv_pool", convolution_and_pooling, "A 3x3 kernel slid over a 6x6 input gives a 4x4 feature map; "
               "2x2 max pooling halves it"),
    FigureSpec("03_lstm_cell", lstm_cell, "The LSTM cell: forget, input and output gates, the candidate and "
               "the cell state"),
    FigureSpec("04_autoencoder", denoising_autoencoder, "A denoising autoencoder: noisy image, encoder, "
               "bottleneck code, decoder, reconstruction compared with the clean image"),
    FigureSpec("04_dcgan_training", dcgan_training, "One GAN training step: the discriminator learns real from "
               "fake, then the generator learns to fool it"),
    FigureSpec("05_transformer_block", transformer_encoder_block, "The post-norm Transformer encoder block: "
               "self-attention, add and LayerNorm, feed-forward, add and LayerNorm"),
    FigureSpec("05_residual_block", residual_block, "The residual block: two 3x3 convolutions with BatchNorm and "
               "a shortcut, projected by a 1x1 convolution when the shape changes"),
)


def figure_spec(name: str) -> FigureSpec:
    """The :class:`FigureSpec` called ``name`` (e.g. ``"01_mlp"``); a ValueError lists the names."""
    from course.arguments import check_one_of

    check_one_of("name", name, [spec.name for spec in FIGURES])
    return next(spec for spec in FIGURES if spec.name == name)


def render(name: str, fmt: str) -> bytes:
    """Draw figure ``name`` and return its file's bytes, ``fmt`` ``"svg"`` or ``"png"`` (deterministic).

    Example:
        >>> render("01_mlp", "svg")[:5]
        b'<?xml'

    Not taught: ``course figures`` writes these bytes to ``figures/``.
    """
    from course.arguments import check_one_of

    check_one_of("fmt", fmt, ("svg", "png"))
    spec = figure_spec(name)
    buffer = io.BytesIO()
    with figure_style():
        fig = spec.draw()
        metadata = {"Date": None, "Creator": None} if fmt == "svg" else {"Software": None}
        fig.savefig(buffer, format=fmt, dpi=PNG_DPI, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def figure_paths(folder: str | Path = FIGURES_DIR) -> list[Path]:
    """Every figure file, SVG then PNG for each figure in chapter order: ``folder/<name>.svg``, ``.png``."""
    folder = Path(folder)
    return [folder / f"{spec.name}.{fmt}" for spec in FIGURES for fmt in ("svg", "png")]


def stale_figures(folder: str | Path = FIGURES_DIR) -> list[Path]:
    """The figure files in ``folder`` that are missing or differ from what the code draws now.

    SVG files must be identical byte for byte. PNG files are compared pixel by
    pixel (their compressed bytes may differ between zlib versions).

    Example:
        >>> stale_figures()          # doctest: +SKIP
        []

    Not taught: ``course figures --check`` and the tests call it.
    """
    from matplotlib.image import imread

    stale = []
    for path in figure_paths(folder):
        name, fmt = path.stem, path.suffix[1:]
        if not path.is_file():
            stale.append(path)
        elif fmt == "svg":
            if path.read_bytes() != render(name, fmt):
                stale.append(path)
        else:
            now, committed = imread(io.BytesIO(render(name, fmt))), imread(path)
            if now.shape != committed.shape or not np.array_equal(now, committed):
                stale.append(path)
    return stale


def write_figures(folder: str | Path = FIGURES_DIR, names: Sequence[str] | None = None) -> list[Path]:
    """Write every figure (or those in ``names``) as ``folder/<name>.svg`` and ``.png``; return the paths written.

    Example:
        >>> write_figures("figures")          # doctest: +SKIP
        [PosixPath('figures/01_mlp.svg'), PosixPath('figures/01_mlp.png'), ...]

    Not taught: behind ``course figures``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [figure_spec(name) for name in names] if names else list(FIGURES)
    written = []
    for spec in chosen:
        for fmt in ("svg", "png"):
            path = folder / f"{spec.name}.{fmt}"
            path.write_bytes(render(spec.name, fmt))
            written.append(path)
    return written


def markdown_line(name: str, depth: int = 1) -> str:
    """The Markdown line that shows figure ``name`` in a notebook ``depth`` folders below the course root.

    ``depth=1`` for ``solutions/`` and ``notebooks/``, 2 for ``notebooks/zh/``.

    Example:
        >>> markdown_line("05_residual_block").split("](")[1]
        '../figures/05_residual_block.png)'

    Not taught: the notebooks carry these lines.
    """
    from course.arguments import check_int

    check_int("depth", depth, minimum=1)
    spec = figure_spec(name)
    return f"![{spec.alt}]({'../' * depth}{FIGURES_DIR.as_posix()}/{spec.name}.png)"
