"""What every chapter's bench shares: the environment record, timing, the accuracy tracker, partial records.

A chapter's bench module (``course/bench/chNN_name.py``, named in
:mod:`course.chapters`) defines ``run()`` (or ``run(part)`` when the chapter
registers ``bench_parts``), which trains its models with :func:`time_training`
and returns ``{"models": [...], ..., "targets": {name: met} or None}``.
:func:`run_bench` finds that module through the registry, runs it, adds the
environment, the bench's duration and ``targets_met``, and writes the record.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from course import chapters
from course.config import mode
from course.files import atomic_write


class BenchError(Exception):
    """A bench that cannot run as asked (no such chapter, no such part); the message says what to run instead."""


def environment_record() -> dict[str, Any]:
    """Machine, device and library versions, for the record.

    Example:
        >>> environment_record()["mode"]
        'full'
    """
    import keras
    import tensorflow as tf

    from course import __version__
    from course.device import describe_device

    return {
        "device": describe_device().split(". ")[0],
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "course": __version__,
        "mode": mode(),
    }


# --------------------------------------------------------------------------
# Partial records: a stopped bench keeps what it measured
# --------------------------------------------------------------------------

#: Where :func:`save_partial` appends each finished model's record while a bench runs
#: (``<out>.partial.json``), so a run stopped halfway keeps what it measured. Set by run_bench.
_partial_path: Path | None = None


def save_partial(record: dict[str, Any]) -> None:
    """Append one model's record to the running bench's partial file (no-op outside ``run_bench(out=...)``).

    :func:`time_training` calls it for every model it trains; a bench that
    trains models in other processes calls it for their records.
    """
    if _partial_path is None:
        return
    done = json.loads(_partial_path.read_text(encoding="utf-8")) if _partial_path.exists() else {"partial": True, "models": []}
    done["models"].append(record)
    atomic_write(_partial_path, json.dumps(done, indent=2) + "\n")


# --------------------------------------------------------------------------
# Timing a model's training
# --------------------------------------------------------------------------


def accuracy_tracker(x_test: Any, y_test: Any, thresholds: tuple[float, ...], batch_size: int = 1024, label: str = ""):
    """Keras callback: after every epoch, score test accuracy and note when thresholds are first reached.

    Training time excludes this evaluation. After ``fit``, the callback holds
    ``train_seconds`` (list, cumulative per epoch), ``test_accuracy`` (list)
    and ``seconds_to`` (threshold -> seconds, or None if never reached).
    Each epoch prints one progress line (training and test accuracy), starting
    with ``label`` when one is given.

    Example:
        >>> tracker = accuracy_tracker(x_test, y_test, thresholds=(0.865,))
        >>> model.fit(x, y, epochs=5, callbacks=[tracker]); tracker.seconds_to[0.865]
        12.6
    """
    import keras

    class _Tracker(keras.callbacks.Callback):
        def on_train_begin(self, logs: dict | None = None) -> None:
            self.train_seconds: list[float] = []
            self.test_accuracy: list[float] = []
            self.seconds_to: dict[float, float | None] = {t: None for t in thresholds}
            self._total = 0.0

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            self._total += time.perf_counter() - self._start
            self.train_seconds.append(self._total)
            accuracy = float(self.model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0, return_dict=True)["accuracy"])
            self.test_accuracy.append(accuracy)
            for threshold in thresholds:
                if self.seconds_to[threshold] is None and accuracy >= threshold:
                    self.seconds_to[threshold] = self._total
            train = (logs or {}).get("accuracy", float("nan"))
            print(f"    {label + ' ' if label else ''}epoch {epoch + 1}: train acc {train:.4f}  test acc {accuracy:.4f}  ({self._total:.0f} s of training)", flush=True)

    return _Tracker()


def time_training(
    name: str,
    model: Any,
    train: tuple[Any, Any],
    test: tuple[Any, Any],
    epochs: int,
    batch_size: int,
    thresholds: tuple[float, ...] = (),
    seed: int = 0,
    fit_kwargs: dict | None = None,
    callbacks: tuple = (),
) -> dict[str, Any]:
    """Train a compiled model, scoring the test set after each epoch; return its record.

    ``callbacks`` run before the scoring callback at each epoch's end (e.g.
    ``keras.callbacks.SwapEMAWeights``, so that the averaged weights are scored).
    When the optimizer keeps an EMA of the weights, that callback is added.
    The record is also appended to the running bench's partial file.

    Returns:
        ``{"name", "test_accuracy", "epochs", "seconds_per_epoch", "train_seconds",
        "seconds_to": {str(threshold): seconds or None}, "accuracy_per_epoch", "params"}``.

    Example:
        >>> time_training("seed MLP", seed_mlp(), (x, y), (x_test, y_test), epochs=5, batch_size=32)["test_accuracy"]
        0.8707
    """
    from course.training import ema_callbacks, set_seed

    set_seed(seed)
    tracker = accuracy_tracker(*test, thresholds=thresholds, label=name)
    callbacks = [*ema_callbacks(model), *callbacks, tracker]
    model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=callbacks, **(fit_kwargs or {}))
    times = tracker.train_seconds
    record = {
        "name": name,
        "test_accuracy": round(tracker.test_accuracy[-1], 4),
        "epochs": epochs,
        "seconds_per_epoch": round(times[-1] / epochs, 3),
        "train_seconds": round(times[-1], 2),
        "seconds_to": {f"{t:.3f}": (None if s is None else round(s, 2)) for t, s in tracker.seconds_to.items()},
        "accuracy_per_epoch": [round(a, 4) for a in tracker.test_accuracy],
        "params": int(model.count_params()),
    }
    print(
        f"  {name:28s} test acc {record['test_accuracy']:.4f}  {record['seconds_per_epoch']:.2f} s/epoch  "
        f"{record['train_seconds']:.1f} s total  to-threshold {record['seconds_to']}",
        flush=True,
    )
    save_partial(record)
    return record


def warm_up(x: np.ndarray, y: np.ndarray) -> None:
    """Train a throwaway model briefly, so no timed run pays TensorFlow's one-time start-up costs.

    Whichever model trains first in a process would otherwise be charged for
    initialising TensorFlow's thread pools and kernels. ``x``: ``(n, ...)``
    inputs, ``y``: ``(n,)`` integer labels of 10 classes.
    """
    import keras

    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:2048], y[:2048], batch_size=256, epochs=1, verbose=0)
    model.evaluate(x[:2048], y[:2048], verbose=0)


# --------------------------------------------------------------------------
# Running a chapter's bench
# --------------------------------------------------------------------------


def bench_runner(chapter: str, part: str | None = None) -> tuple[str, Callable[[], dict[str, Any]]]:
    """Find a chapter's bench through :mod:`course.chapters`: return ``(number, run)``.

    Raises:
        BenchError: the chapter does not exist or has no bench, or ``part`` is
            not one of its bench's parts; the message lists what exists.

    Example:
        >>> bench_runner("5", part="images")[0]
        '05'
    """
    benched = [entry for entry in chapters.CHAPTERS if entry.bench]
    try:
        entry = chapters.chapter(chapter)
    except chapters.UnknownChapterError:
        entry = None
    if entry is None or entry.bench is None:
        offered = ", ".join(f"{e.number} ({e.id})" for e in benched)
        raise BenchError(f"no benchmark for chapter {chapter!r}; the chapters with one are {offered}.")
    if part is not None and part not in entry.bench_parts:
        offered = f"chapter {entry.number}'s parts are {', '.join(entry.bench_parts)}" if entry.bench_parts else f"chapter {entry.number}'s bench has no parts"
        raise BenchError(f"no part {part!r} in bench {entry.number}: {offered}.")
    module = importlib.import_module(entry.bench)
    return entry.number, (module.run if part is None else lambda: module.run(part))


def run_bench(chapter: str, out: Path | None = None, part: str | None = None) -> dict[str, Any]:
    """Run one chapter's benchmark, print a summary, and write the JSON record to ``out``.

    Args:
        chapter: a chapter as :func:`course.chapters.resolve` accepts it: "01", "1", "01_mlp".
        out: JSON file to write; None only prints. While the bench runs, each
            finished model's record is also appended to ``<out>.partial.json``,
            which is removed once ``out`` is written.
        part: run only this part of a chapter's bench (chapter 05: "text" or
            "images"); None runs all of it.

    Returns:
        The record: ``chapter``, environment facts, ``models`` (one dict per
        model), chapter-specific scores, ``targets`` (name -> met?) and
        ``targets_met`` (all met; None in CI-sized mode, whose numbers are not
        measurements).

    Raises:
        BenchError: no such chapter or part (see :func:`bench_runner`).

    Example:
        >>> run_bench("01", Path("r01.json"))["targets_met"]
        True
    """
    global _partial_path
    key, run = bench_runner(chapter, part)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"course bench {key} ({mode()} mode)", flush=True)
    started = time.perf_counter()
    record = {"chapter": key, **environment_record()}
    partial = None if out is None else Path(out).with_suffix(".partial.json")
    if partial is not None:
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
    _partial_path = partial
    try:
        record.update(run())
    finally:
        _partial_path = None
    record["bench_seconds"] = round(time.perf_counter() - started, 1)
    targets = record.get("targets")
    record["targets_met"] = None if targets is None else all(targets.values())
    for name, met in (targets or {}).items():
        print(f"  target {name}: {'met' if met else 'NOT met'}")
    if targets is None:
        print("  no targets: a CI-sized run only checks that the bench works (COURSE_MODE=ci)")
    if out is not None:
        atomic_write(out, json.dumps(record, indent=2) + "\n")
        partial.unlink(missing_ok=True)
        print(f"wrote {out}")
    return record
