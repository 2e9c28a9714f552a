"""Live training curves in Jupyter: a Keras callback that redraws loss and accuracy in place each epoch.

:class:`LiveCurves` draws the curves with :func:`course.plots.plot_history`
(training solid, validation dashed) after every epoch and shows them through
one IPython display handle: the first epoch displays the figure, later epochs
replace that one output (``update_display_data``) and leave the cell's other
outputs, such as Keras's own per-epoch lines, alone. In an executed notebook
(``course run``, nbclient) the last figure is what stays. Outside Jupyter (a
script, a terminal, pytest) the callback does nothing, so Keras's text output
is all there is.

Why not livelossplot: it redraws with ``clear_output(wait=True)``, which wipes
every output of the cell at each epoch (the "Training on ..." line, Keras's
epoch lines, anything printed before), needs pyplot's inline backend, and
would add a dependency for some forty lines of our own on top of Keras's
callback API and IPython's display handles, both documented and kept.

:func:`course.training.fit` adds one when a model trains for more than
:data:`LIVE_MIN_EPOCHS` epochs in Jupyter (``fit(..., live=False)`` turns it off).
"""

from __future__ import annotations

import base64
import io
import sys
import time
from typing import Any, Sequence

import keras

from course.arguments import check_fraction, check_non_negative, check_type

#: ``fit`` shows live curves when a model trains for more epochs than this (and not silently).
LIVE_MIN_EPOCHS = 3
#: Default longest share of the training time spent redrawing: after a redraw that took t seconds the next waits 4 t.
MAX_DRAW_SHARE = 0.2
#: Metrics drawn, one panel each, when the logs have them (``val_<metric>`` dashed).
LIVE_METRICS = ("loss", "accuracy")


def in_jupyter() -> bool:
    """Return True when running inside a Jupyter kernel (JupyterLab, Notebook, VS Code, Colab, nbclient).

    A plain script or a terminal IPython returns False. IPython is not
    imported here: a process that never imported it is not a kernel.

    Example:
        >>> in_jupyter()
        False

    Not taught: :class:`LiveCurves` and :func:`course.training.fit` ask it.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return getattr(shell, "kernel", None) is not None


def curves_summary(history: dict[str, list[float]], metrics: Sequence[str] = LIVE_METRICS) -> str:
    """One line with the last epoch's value of each metric (and its validation value).

    Example:
        >>> curves_summary({"loss": [0.9, 0.5], "val_loss": [1.0, 0.6], "accuracy": [0.7, 0.8]})
        'loss 0.5000 (validation 0.6000) | accuracy 0.8000'
    """
    parts = []
    for metric in metrics:
        if metric in history and history[metric]:
            text = f"{metric} {history[metric][-1]:.4f}"
            if history.get(f"val_{metric}"):
                text += f" (validation {history[f'val_{metric}'][-1]:.4f})"
            parts.append(text)
    return " | ".join(parts)


def render_curves(history: dict[str, list[float]], metrics: Sequence[str] = LIVE_METRICS,
                  title: str = "Training curves", dpi: int = 80) -> bytes:
    """Draw ``history`` with :func:`course.plots.plot_history` and return the figure as PNG bytes.

    Args:
        history: metric name -> one value per epoch so far, as in ``History.history``.
        metrics: which panels to draw (those ``history`` lacks are left out).
        title: the figure's title.
        dpi: resolution of the PNG.

    Returns:
        The PNG file's bytes. The figure is closed, so pyplot's inline
        backend does not show it a second time at the end of the cell.

    Example:
        >>> render_curves({"loss": [0.9, 0.5]})[:4]
        b'\\x89PNG'
    """
    import matplotlib.pyplot as plt

    from course.plots import plot_history

    drawn = [m for m in metrics if m in history or f"val_{m}" in history] or ["loss"]
    fig = plot_history(history, metrics=drawn, title=title)
    try:
        if max(len(values) for values in history.values()) < 10:
            for ax in fig.axes:  # a single epoch is a point: a line alone would not show it
                for line in ax.lines:
                    line.set_marker("o")
                    line.set_markersize(3)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buffer.getvalue()


class LiveCurves(keras.callbacks.Callback):
    """A Keras callback that redraws loss and accuracy, training and validation, in place after each epoch (Jupyter only).

    In a Jupyter kernel, training starts by displaying one line that the
    first epoch's figure replaces; each later epoch replaces the figure through
    the same display handle, so one figure grows while the
    model trains and the final one stays in the notebook. Outside Jupyter it
    does nothing (Keras's own text output shows the progress). The model's
    ``History`` is not touched.

    Args:
        metrics: the metrics to draw, one panel each (``val_<metric>`` dashed).
        title: the figure's title; the epoch count and last values are added.
        min_interval: seconds to wait at least between two redraws.
        max_draw_share: redraws are also spaced so that drawing takes at most
            this share of the time (a redraw costs about 0.3 s on a laptop
            CPU): short epochs are drawn a few at a time. The last epoch is
            always drawn. 1.0 draws every epoch (with ``min_interval=0``).

    Example:
        >>> model.fit(x, y, epochs=20, validation_split=0.1, callbacks=[LiveCurves()])   # doctest: +SKIP

    Taught in Chapter 1, section 8 (through :func:`course.training.fit`, which adds one).
    """

    def __init__(self, metrics: Sequence[str] = LIVE_METRICS, title: str = "Training curves", min_interval: float = 1.0,
                 max_draw_share: float = MAX_DRAW_SHARE):
        super().__init__()
        self.metrics = tuple(check_type("metrics", metrics, (list, tuple), "a list of metric names"))
        self.title = check_type("title", title, str, "a string")
        self.min_interval = check_non_negative("min_interval", min_interval)
        self.max_draw_share = check_fraction("max_draw_share", max_draw_share, include_low=False, include_high=True)
        self.history: dict[str, list[float]] = {}
        self._handle: Any = None
        self._active = False
        self._last_draw = 0.0
        self._draw_seconds = 0.0
        self._pending = False

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.history, self._handle, self._pending, self._last_draw = {}, None, False, 0.0
        self._active = in_jupyter()
        if self._active:  # a line the figure will replace, so the curves sit above Keras's epoch lines
            from IPython.display import display

            self._handle = display({"text/plain": f"{self.title}: drawn after the first epoch."}, raw=True, display_id=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            try:
                self.history.setdefault(key, []).append(float(value))
            except (TypeError, ValueError):  # a non-numeric log entry: nothing to draw
                continue
        self._pending = True
        wait = max(self.min_interval, self._draw_seconds * (1 / self.max_draw_share - 1))
        if self._active and time.monotonic() - self._last_draw >= wait:
            self._draw(epoch + 1)

    def on_train_end(self, logs: dict | None = None) -> None:
        if self._active and self._pending and self.history:
            self._draw(len(self.history.get("loss", [])) or None)

    def _draw(self, epoch: int | None) -> None:
        """Show (first call) or replace (later calls) the figure in the cell's output."""
        from IPython.display import display

        start = time.monotonic()
        epochs = self.params.get("epochs") if self.params else None
        heading = f"{self.title}: epoch {epoch}/{epochs}" if epoch and epochs else self.title
        summary = curves_summary(self.history, self.metrics)
        png = render_curves(self.history, self.metrics, title=f"{heading}\n{summary}")
        bundle = {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": f"{heading}: {summary}"}
        if self._handle is None:
            self._handle = display(bundle, raw=True, display_id=True)
        else:
            self._handle.update(bundle, raw=True)
        self._last_draw, self._pending = time.monotonic(), False
        self._draw_seconds = self._last_draw - start
