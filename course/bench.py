"""``course bench CHAPTER``: accuracy and speed of a chapter's models, as a JSON record.

Each chapter's benchmark trains the course's recipe and the seed tutorial's
recipe side by side, in the same process, on the same data, and records per
model: test accuracy, seconds per epoch, and training seconds until the end
of the first epoch whose test accuracy reaches a threshold. Evaluation time is
not counted as training time.

Run it in full mode (the default) to measure the targets; under
``COURSE_MODE=ci`` it runs a tiny version that only shows the plumbing works
(its numbers mean nothing and ``targets_met`` is null).
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from course.config import is_ci, mode, sized


def environment_record() -> dict[str, Any]:
    """Machine, device and library versions, for the record."""
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


def accuracy_tracker(x_test: Any, y_test: Any, thresholds: tuple[float, ...], batch_size: int = 1024):
    """Keras callback: after every epoch, score test accuracy and note when thresholds are first reached.

    Training time excludes this evaluation. After ``fit``, the callback holds
    ``train_seconds`` (list, cumulative per epoch), ``test_accuracy`` (list)
    and ``seconds_to`` (threshold -> seconds, or None if never reached).
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
) -> dict[str, Any]:
    """Train a compiled model, scoring the test set after each epoch; return its record.

    Returns:
        ``{"name", "test_accuracy", "epochs", "seconds_per_epoch", "train_seconds",
        "seconds_to": {str(threshold): seconds or None}, "accuracy_per_epoch", "params"}``.
    """
    from course.training import set_seed

    set_seed(seed)
    tracker = accuracy_tracker(*test, thresholds=thresholds)
    model.fit(*train, epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[tracker], **(fit_kwargs or {}))
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
    return record


# --------------------------------------------------------------------------
# Chapter 1 -- MLP on Fashion-MNIST
# --------------------------------------------------------------------------

CH01_TARGET_ACCURACY = 0.89
CH01_SPEED_THRESHOLD = 0.865
CH01_TARGET_SPEEDUP = 3.0


def course_mlp(x_train: np.ndarray, epochs: int, batch_size: int = 128):
    """The course's chapter-1 recipe, compiled: standardised inputs, Dense 256-128, dropout 0.1.

    Adam with a cosine-decayed learning rate (2e-3 down to 0 over the run),
    batch 128, XLA compilation and 64 steps per execution. Shared by the
    chapter-1 notebook and ``course bench 01``.
    """
    import keras

    from course.models import build_mlp
    from course.training import compile_classifier

    steps = int(np.ceil(len(x_train) / batch_size)) * epochs
    model = build_mlp(x_train.shape[1], hidden=(256, 128), dropout=0.1, normalization_data=x_train, name="course_mlp")
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=steps)
    return compile_classifier(model, "adam", schedule, jit_compile=True, steps_per_execution=64)


def seed_mlp():
    """The seed tutorial's recipe, compiled: Dense 128-64-10, Adam 1e-3 (trained with batch 32)."""
    from course.models import build_seed_mlp
    from course.training import compile_classifier

    return compile_classifier(build_seed_mlp(), "adam", 1e-3, jit_compile=False)


def bench_01() -> dict[str, Any]:
    """Chapter 1: the course MLP against the seed recipe on Fashion-MNIST."""
    from course.data import load_fashion_mnist

    (x, y), (x_test, y_test) = load_fashion_mnist(
        n_train=sized(full=None, ci=3000), n_test=sized(full=None, ci=1000), flatten=True
    )
    course_epochs, seed_epochs = sized(full=20, ci=1), sized(full=5, ci=1)
    threshold = (CH01_SPEED_THRESHOLD,)
    seed = time_training("seed MLP 128-64 (batch 32)", seed_mlp(), (x, y), (x_test, y_test), seed_epochs, 32, threshold)
    course = time_training(
        "course MLP 256-128 (batch 128)", course_mlp(x, course_epochs), (x, y), (x_test, y_test), course_epochs, 128, threshold
    )
    key = f"{CH01_SPEED_THRESHOLD:.3f}"
    seed_time, course_time = seed["seconds_to"][key], course["seconds_to"][key]
    speedup = round(seed_time / course_time, 2) if seed_time and course_time else None
    targets = None
    if not is_ci():
        targets = {
            f"course test accuracy >= {CH01_TARGET_ACCURACY}": course["test_accuracy"] >= CH01_TARGET_ACCURACY,
            f"speedup_vs_seed >= {CH01_TARGET_SPEEDUP}": speedup is not None and speedup >= CH01_TARGET_SPEEDUP,
        }
    return {
        "models": [course, seed],
        "speedup_vs_seed": speedup,
        "speedup_definition": f"seed training seconds to the end of its first epoch with test accuracy >= {CH01_SPEED_THRESHOLD}, divided by the same for the course recipe",
        "targets": targets,
    }


BENCHES: dict[str, Callable[[], dict[str, Any]]] = {
    "01": bench_01,
}


def run_bench(chapter: str, out: Path | None = None) -> dict[str, Any]:
    """Run one chapter's benchmark, print a summary, and write the JSON record to ``out``.

    Args:
        chapter: "01".."05" (or "01_mlp"-style names; the first two characters count).
        out: JSON file to write; None only prints.

    Returns:
        The record: ``chapter``, environment facts, ``models`` (one dict per
        model), chapter-specific scores, ``targets`` (name -> met?) and
        ``targets_met`` (all met; None in CI-sized mode).
    """
    key = str(chapter)[:2]
    if key not in BENCHES:
        raise SystemExit(f"error: no benchmark for chapter {chapter!r}; available: {', '.join(sorted(BENCHES))}.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"course bench {key} ({mode()} mode)", flush=True)
    started = time.perf_counter()
    record = {"chapter": key, **environment_record()}
    record.update(BENCHES[key]())
    record["bench_seconds"] = round(time.perf_counter() - started, 1)
    targets = record.get("targets")
    record["targets_met"] = None if targets is None else all(targets.values())
    if targets:
        for name, met in targets.items():
            print(f"  target {name}: {'met' if met else 'NOT met'}")
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".tmp")
        tmp.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        tmp.replace(out)
        print(f"wrote {out}")
    return record
