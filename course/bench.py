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
    callbacks: tuple = (),
) -> dict[str, Any]:
    """Train a compiled model, scoring the test set after each epoch; return its record.

    ``callbacks`` run before the scoring callback at each epoch's end (e.g.
    ``keras.callbacks.SwapEMAWeights``, so that the averaged weights are scored).
    When the optimizer keeps an EMA of the weights, that callback is added.

    Returns:
        ``{"name", "test_accuracy", "epochs", "seconds_per_epoch", "train_seconds",
        "seconds_to": {str(threshold): seconds or None}, "accuracy_per_epoch", "params"}``.
    """
    from course.training import set_seed

    from course.training import ema_callbacks

    set_seed(seed)
    tracker = accuracy_tracker(*test, thresholds=thresholds)
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
    return record


def warm_up(x: np.ndarray, y: np.ndarray) -> None:
    """Train a throwaway model briefly, so no timed run pays TensorFlow's one-time start-up costs.

    Whichever model trains first in a process would otherwise be charged for
    initialising TensorFlow's thread pools and kernels.
    """
    import keras

    model = keras.Sequential([keras.Input(x.shape[1:]), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x[:2048], y[:2048], batch_size=256, epochs=1, verbose=0)
    model.evaluate(x[:2048], y[:2048], verbose=0)


# --------------------------------------------------------------------------
# Chapter 1 -- MLP on Fashion-MNIST
# --------------------------------------------------------------------------

CH01_TARGET_ACCURACY = 0.89
CH01_SPEED_THRESHOLD = 0.865
CH01_TARGET_SPEEDUP = 3.0


def course_mlp(x_train: np.ndarray, epochs: int, batch_size: int = 128):
    """The course's chapter-1 recipe, compiled: standardised inputs, Dense 256-128.

    * a ``Normalization`` layer standardises each pixel (mean 0, variance 1),
      so the first gradient steps are well scaled;
    * Adam with a cosine-decayed learning rate (2e-3 down to 0 over the run);
    * an exponential moving average (EMA) of the weights, ``ema_momentum=0.99``:
      the averaged weights are the ones scored after each epoch (see
      :func:`course.training.fit`) and kept at the end; they are smoother
      than the last step's weights, so accuracy is higher early on;
    * batch 128 and 64 steps per execution, which cut TensorFlow's per-step
      overhead. (XLA, ``jit_compile=True``, makes later epochs faster but
      its compilation makes the first one slower, and with the EMA the target
      is reached in the first epoch; XLA also compiles Dropout's random
      numbers into slow CPU code.)

    About 90% test accuracy after 20 epochs. Shared by the chapter-1 notebook
    and ``course bench 01``.
    """
    import keras

    from course.models import build_mlp
    from course.training import compile_classifier

    steps = int(np.ceil(len(x_train) / batch_size)) * epochs
    model = build_mlp(x_train.shape[1], hidden=(256, 128), normalization_data=x_train, name="course_mlp")
    schedule = keras.optimizers.schedules.CosineDecay(2e-3, decay_steps=steps)
    optimizer = keras.optimizers.Adam(schedule, use_ema=True, ema_momentum=0.99)
    return compile_classifier(model, optimizer, jit_compile=False, steps_per_execution=64)


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
    from course.training import set_seed

    course_epochs, seed_epochs = sized(full=20, ci=1), sized(full=5, ci=1)
    threshold = (CH01_SPEED_THRESHOLD,)
    warm_up(x, y)
    set_seed(0)  # before building: the initial weights come from the seeded generators
    seed = time_training("seed MLP 128-64 (batch 32)", seed_mlp(), (x, y), (x_test, y_test), seed_epochs, 32, threshold)
    set_seed(0)
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


# --------------------------------------------------------------------------
# Chapter 4 -- DCGAN on Fashion-MNIST
# --------------------------------------------------------------------------

CH04_TARGET_CLASSES = 9
CH04_TARGET_CONFIDENCE = 0.75
CH04_SAMPLES = 1000


def bench_04() -> dict[str, Any]:
    """Chapter 4: train the course DCGAN; score its samples with the Fashion-MNIST classifier.

    Records the judge classifier's test accuracy, the GAN's seconds per epoch
    (scoring excluded), the losses per epoch, and after every epoch the
    sample quality of 1,000 generated images: mean top-class confidence,
    classes present (share >= 3%) and per-class shares.
    """
    import time as _time

    from course.data import FASHION_MNIST_CLASSES, load_fashion_mnist
    from course.gan import QualityTracker, fashion_classifier, make_gan, scale_images

    (x, _), (x_test, y_test) = load_fashion_mnist(n_train=sized(full=None, ci=1024), n_test=sized(full=None, ci=500))
    started = _time.perf_counter()
    classifier = fashion_classifier()
    classifier_seconds = round(_time.perf_counter() - started, 1)
    classifier_accuracy = float(classifier.evaluate(x_test[..., None], y_test, batch_size=1000, verbose=0, return_dict=True)["accuracy"])
    print(f"  judge classifier: test accuracy {classifier_accuracy:.4f} ({classifier_seconds} s to train or load)", flush=True)

    epochs, batch_size = sized(full=15, ci=1), 128
    gan = make_gan(latent_dim=64, jit_compile=False)
    tracker = QualityTracker(classifier, every=1, n=sized(full=CH04_SAMPLES, ci=200))
    history = gan.fit(scale_images(x), epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[tracker])
    final = tracker.scores[-1]
    for epoch, score, seconds in zip(tracker.epochs, tracker.scores, tracker.train_seconds):
        print(f"  epoch {epoch:2d}: {seconds:7.1f} s  classes present {score['classes_present']:2d}  "
              f"mean confidence {score['mean_confidence']:.3f}", flush=True)
    model = {
        "name": "course DCGAN (generator 64-32, discriminator 32-64, batch 128)",
        "epochs": epochs,
        "batch_size": batch_size,
        "train_images": int(len(x)),
        "seconds_per_epoch": round(tracker.train_seconds[-1] / epochs, 2),
        "train_seconds": round(tracker.train_seconds[-1], 1),
        "params": {"generator": int(gan.generator.count_params()), "discriminator": int(gan.discriminator.count_params())},
        "d_loss_per_epoch": [round(float(v), 4) for v in history.history["d_loss"]],
        "g_loss_per_epoch": [round(float(v), 4) for v in history.history["g_loss"]],
        "classes_present_per_epoch": [s["classes_present"] for s in tracker.scores],
        "mean_confidence_per_epoch": [round(s["mean_confidence"], 4) for s in tracker.scores],
        "classes_present": final["classes_present"],
        "mean_confidence": round(final["mean_confidence"], 4),
        "class_shares": dict(zip(FASHION_MNIST_CLASSES, final["class_shares"])),
    }
    targets = None
    if not is_ci():
        targets = {
            f"classes present (share >= 3% of {CH04_SAMPLES} samples) >= {CH04_TARGET_CLASSES}": final["classes_present"] >= CH04_TARGET_CLASSES,
            f"mean top-class confidence >= {CH04_TARGET_CONFIDENCE}": final["mean_confidence"] >= CH04_TARGET_CONFIDENCE,
        }
    return {
        "models": [model],
        "judge_classifier": {"test_accuracy": round(classifier_accuracy, 4), "seconds": classifier_seconds},
        "quality_definition": "the chapter-2 LeNet labels generated images (mapped to [0, 1]); mean_confidence is the mean top-class probability, classes_present counts classes whose share of top labels is >= 3%",
        "targets": targets,
    }


BENCHES["04"] = bench_04
