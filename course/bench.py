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


#: Where :func:`time_training` appends each finished model's record while a bench runs
#: (``<out>.partial.json``), so a run stopped halfway keeps what it measured. Set by run_bench.
_partial_path: Path | None = None


def _save_partial(record: dict[str, Any]) -> None:
    """Append one model's record to the running bench's partial file (no-op outside ``run_bench --out``)."""
    if _partial_path is None:
        return
    done = json.loads(_partial_path.read_text(encoding="utf-8")) if _partial_path.exists() else {"partial": True, "models": []}
    done["models"].append(record)
    tmp = _partial_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(done, indent=2) + "\n", encoding="utf-8")
    tmp.replace(_partial_path)


def accuracy_tracker(x_test: Any, y_test: Any, thresholds: tuple[float, ...], batch_size: int = 1024, label: str = ""):
    """Keras callback: after every epoch, score test accuracy and note when thresholds are first reached.

    Training time excludes this evaluation. After ``fit``, the callback holds
    ``train_seconds`` (list, cumulative per epoch), ``test_accuracy`` (list)
    and ``seconds_to`` (threshold -> seconds, or None if never reached).
    Each epoch prints one progress line (training and test accuracy), starting
    with ``label`` when one is given.
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

    Returns:
        ``{"name", "test_accuracy", "epochs", "seconds_per_epoch", "train_seconds",
        "seconds_to": {str(threshold): seconds or None}, "accuracy_per_epoch", "params"}``.
    """
    from course.training import set_seed

    from course.training import ema_callbacks

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
    _save_partial(record)
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


def run_bench(chapter: str, out: Path | None = None, part: str | None = None) -> dict[str, Any]:
    """Run one chapter's benchmark, print a summary, and write the JSON record to ``out``.

    Args:
        chapter: "01".."05" (or "01_mlp"-style names; the first two characters count).
        out: JSON file to write; None only prints. While the bench runs, each
            finished model's record is also appended to ``<out>.partial.json``,
            which is removed once ``out`` is written.
        part: run only this part of a chapter's bench (chapter 05: "text" or
            "images"); None runs all of it.

    Returns:
        The record: ``chapter``, environment facts, ``models`` (one dict per
        model), chapter-specific scores, ``targets`` (name -> met?) and
        ``targets_met`` (all met; None in CI-sized mode).
    """
    key = str(chapter)[:2]
    if key not in BENCHES:
        raise SystemExit(f"error: no benchmark for chapter {chapter!r}; available: {', '.join(sorted(BENCHES))}.")
    parts = BENCH_PARTS.get(key, ())
    if part is not None and part not in parts:
        offered = f"chapter {key}'s parts are {', '.join(parts)}" if parts else f"chapter {key}'s bench has no parts"
        raise SystemExit(f"error: no part {part!r} in bench {key}: {offered}.")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    print(f"course bench {key} ({mode()} mode)", flush=True)
    started = time.perf_counter()
    record = {"chapter": key, **environment_record()}
    global _partial_path
    partial = None if out is None else Path(out).with_suffix(".partial.json")
    if partial is not None:
        partial.parent.mkdir(parents=True, exist_ok=True)
        partial.unlink(missing_ok=True)
    _partial_path = partial
    try:
        record.update(BENCHES[key](part) if part is not None else BENCHES[key]())
    finally:
        _partial_path = None
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
        partial.unlink(missing_ok=True)
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
    tracker = QualityTracker(classifier, every=1, n=sized(full=CH04_SAMPLES, ci=200), verbose=True)
    history = gan.fit(scale_images(x), epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[tracker])
    final = tracker.scores[-1]
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
        "quality_definition": "a small Fashion-MNIST CNN (course.models.build_fashion_judge) labels generated images (mapped to [0, 1]); mean_confidence is the mean top-class probability, classes_present counts classes whose share of top labels is >= 3%",
        "targets": targets,
    }


BENCHES["04"] = bench_04


# --------------------------------------------------------------------------
# Chapter 5 -- Transformers (from scratch, pretrained) and residual networks
# --------------------------------------------------------------------------

CH05_TARGET_TRANSFORMER = 0.74
CH05_TARGET_PRETRAINED_GAIN = 0.04
CH05_TARGET_TRAINABLE_SHARE = 0.01
CH05_TARGET_RESNET = 0.935
CH05_VOCAB, CH05_LENGTH = 10_000, 40
#: Chapter 5's ResNet and its plain twin: depth 32 (5 blocks per stage), stages at 14x14, 7x7 and 4x4.
CH05_RESNET = {"depth": 32, "widths": (16, 32, 64), "strides": (2, 2, 2)}
CH05_RESNET_EPOCHS = 20
#: Chapter 2's augmentation (whole-pixel shifts up to 5%, horizontal flips), for both image twins.
CH05_RESNET_AUGMENT = {"translate": 0.05, "flip": True}
#: The twins' optimiser and loss: AdamW from 2e-3 with cosine decay, weight decay 0.05 on kernels, label smoothing 0.1.
CH05_RESNET_TRAINING = {"learning_rate": 2e-3, "weight_decay": 0.05, "label_smoothing": 0.1}


def compile_binary(model: Any, learning_rate: float | Any = 1e-3, weight_decay: float = 0.0):
    """Compile a sigmoid sentence classifier: Adam (AdamW when ``weight_decay``), binary cross-entropy, accuracy."""
    import keras

    optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay) if weight_decay else keras.optimizers.Adam(learning_rate)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _best_on_validation(name: str, model: Any, train: tuple, val: tuple, test: tuple, epochs: int, batch_size: int) -> dict[str, Any]:
    """time_training, keeping the weights of the epoch with the best validation accuracy; rescored on test."""
    import keras

    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True)
    record = time_training(name, model, train, test, epochs, batch_size, fit_kwargs={"validation_data": val}, callbacks=(stop,))
    record["test_accuracy_last_epoch"] = record["test_accuracy"]
    record["test_accuracy"] = round(float(model.evaluate(*test, batch_size=512, verbose=0, return_dict=True)["accuracy"]), 4)
    record["best_epoch"] = int(stop.best_epoch) + 1
    print(f"  {name:28s} best validation epoch {record['best_epoch']}: test acc {record['test_accuracy']:.4f}", flush=True)
    return record


CH05_PARTS = ("text", "images")


def bench_05(part: str = "all") -> dict[str, Any]:
    """Chapter 5: ``part="text"`` (Transformer from scratch vs the chapter-3 LSTM vs
    frozen MiniLM features, polarity set), ``"images"`` (small ResNet vs its plain
    twin of equal depth, Fashion-MNIST), or ``"all"`` (both)."""
    if part not in ("all", *CH05_PARTS):
        raise ValueError(f"part must be one of {('all', *CH05_PARTS)}; got {part!r}.")
    record: dict[str, Any] = {"part": part, "models": [], "targets": None if is_ci() else {}}
    for name, run in (("text", _bench_05_text), ("images", _bench_05_images)):
        if part in ("all", name):
            result = run()
            record["models"] += result.pop("models")
            targets = result.pop("targets")
            if record["targets"] is not None:
                record["targets"].update(targets)
            record.update(result)
    return record


def _bench_05_text() -> dict[str, Any]:
    """Chapter 5, text: Transformer from scratch, the chapter-3 LSTM and frozen MiniLM features + head."""
    import keras

    from course.data import load_movie_reviews
    from course.models import build_feature_head, build_rnn_classifier, build_text_vectorizer, build_transformer_classifier
    from course.pretrained import extract_features, load_encoder, load_tokenizer
    from course.training import set_seed

    # --- text: from scratch ---------------------------------------------------
    (x, y), (x_val, y_val), (x_test, y_test) = load_movie_reviews(n_train=sized(full=None, ci=200))
    n_eval = sized(full=None, ci=200)  # CI-sized: score fewer sentences too
    (x_val, y_val), (x_test, y_test) = (x_val[:n_eval], y_val[:n_eval]), (x_test[:n_eval], y_test[:n_eval])
    vectorize = build_text_vectorizer(x, CH05_VOCAB, CH05_LENGTH)
    ids = [vectorize(t).numpy() for t in (x, x_val, x_test)]
    text_epochs = sized(full=10, ci=1)
    set_seed(0)
    transformer = compile_binary(build_transformer_classifier(CH05_VOCAB, CH05_LENGTH, d_model=64, heads=4, ff_dim=128, dropout=0.3), 5e-4)
    scratch = _best_on_validation("Transformer from scratch", transformer, (ids[0], y), (ids[1], y_val), (ids[2], y_test), text_epochs, 32)
    set_seed(0)
    lstm = compile_binary(build_rnn_classifier("lstm", CH05_VOCAB), 1e-3)
    lstm_record = _best_on_validation("LSTM (chapter 3)", lstm, (ids[0], y), (ids[1], y_val), (ids[2], y_test), sized(full=6, ci=1), 32)

    # --- text: frozen pretrained encoder + small head -------------------------
    n_feat = sized(full=None, ci=32)
    started = time.perf_counter()
    tokenizer, encoder = load_tokenizer(), load_encoder()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    feats = [extract_features(encoder, tokenizer, t[:n_feat], verbose=not is_ci()) for t in (x, x_val, x_test)]
    feature_seconds = time.perf_counter() - started
    n_sentences = sum(len(f) for f in feats)
    print(f"  MiniLM: loaded in {load_seconds:.1f} s; {n_sentences} sentences encoded in {feature_seconds:.1f} s", flush=True)
    set_seed(0)
    head = compile_binary(build_feature_head(encoder.hidden_dim, hidden=128, dropout=0.2), 1e-3)
    pretrained = _best_on_validation("MiniLM features + head", head, (feats[0], y[:n_feat]), (feats[1], y_val[:n_feat]),
                                     (feats[2], y_test[:n_feat]), sized(full=40, ci=1), 64)
    encoder_params = int(encoder.count_params())
    trainable_share = pretrained["params"] / (encoder_params + pretrained["params"])
    pretrained.update(encoder_params=encoder_params, trainable_params=pretrained["params"],
                      total_params=encoder_params + pretrained["params"], trainable_share=round(trainable_share, 5),
                      encoder_load_seconds=round(load_seconds, 1), feature_seconds=round(feature_seconds, 1),
                      sentences_encoded=n_sentences)
    del encoder
    keras.backend.clear_session()

    gain = round(pretrained["test_accuracy"] - scratch["test_accuracy"], 4)
    targets = {
        f"Transformer from scratch test accuracy >= {CH05_TARGET_TRANSFORMER}": scratch["test_accuracy"] >= CH05_TARGET_TRANSFORMER,
        f"pretrained encoder + head >= {CH05_TARGET_PRETRAINED_GAIN:.2f} above from scratch": gain >= CH05_TARGET_PRETRAINED_GAIN,
        f"pretrained: trainable share of parameters < {CH05_TARGET_TRAINABLE_SHARE:.0%}": trainable_share < CH05_TARGET_TRAINABLE_SHARE,
    }
    return {"models": [scratch, lstm_record, pretrained], "pretrained_gain_over_scratch": gain, "targets": targets}


def train_resnet_twin(skip: bool, threads: int = 0) -> dict[str, Any]:
    """Train chapter 5's ResNet (``skip=True``) or its plain twin on Fashion-MNIST; return its bench record.

    The recipe is the notebook's: ``CH05_RESNET`` architecture, chapter 2's
    augmentation, ``CH05_RESNET_TRAINING`` (AdamW 2e-3 with cosine decay, weight
    decay 0.05, label smoothing 0.1), batch 128, ``CH05_RESNET_EPOCHS``
    epochs (CI-sized: depth 8 on 256 images for one epoch). ``threads`` > 0
    limits TensorFlow to that many threads (set before any TensorFlow op runs,
    so call it first thing in a fresh process).
    """
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    from course.data import load_fashion_mnist
    from course.models import build_augmentation, build_resnet
    from course.training import adamw, compile_classifier, set_seed

    (x, y), (x_test, y_test) = load_fashion_mnist(n_train=sized(full=None, ci=256), n_test=sized(full=None, ci=256))
    x, x_test = x[..., None], x_test[..., None]
    epochs, batch = sized(full=CH05_RESNET_EPOCHS, ci=1), 128
    architecture = {**CH05_RESNET, "depth": sized(full=CH05_RESNET["depth"], ci=8)}
    steps = int(np.ceil(len(x) / batch)) * epochs
    set_seed(0)
    model = build_resnet(**architecture, skip=skip, augmentation=build_augmentation(**CH05_RESNET_AUGMENT))
    recipe = CH05_RESNET_TRAINING
    schedule = keras.optimizers.schedules.CosineDecay(recipe["learning_rate"], steps)
    compile_classifier(model, adamw(schedule, recipe["weight_decay"]), jit_compile=False,
                       label_smoothing=recipe["label_smoothing"])
    widths = "/".join(str(w) for w in architecture["widths"])
    label = f"{'ResNet' if skip else 'plain net'}-{architecture['depth']} ({widths})"
    record = time_training(label, model, (x, y), (x_test, y_test), epochs, batch)
    record.update(architecture=architecture, training=dict(recipe), skip=skip, threads=threads or None)
    keras.backend.clear_session()  # free this twin before the next one is built in the same process
    return record


def _twins_in_parallel() -> bool:
    """Whether bench 05 trains the ResNet twins side by side: full mode, on a CPU with 2 or more cores."""
    from course.device import gpu_names

    return not is_ci() and not gpu_names() and (os.cpu_count() or 1) >= 2


def _bench_05_images() -> dict[str, Any]:
    """Chapter 5, images: the ResNet and its plain twin of equal depth.

    On a CPU with 2 or more cores the twins train at the same time, each in its
    own process with half the cores: on 2 cores that is about twice as fast as
    one after the other, because TensorFlow's convolutions on 16-64 channels
    gain almost nothing from a second thread (measured: 241 s/epoch for
    ResNet-20 with 2 threads alone, 241 s with 1 thread while the twin ran).
    """
    if not _twins_in_parallel():
        resnet, plain = train_resnet_twin(True), train_resnet_twin(False)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        threads = max(1, (os.cpu_count() or 2) // 2)
        with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = [pool.submit(train_resnet_twin, skip, threads) for skip in (True, False)]
            resnet, plain = (future.result() for future in futures)
        for twin in (resnet, plain):
            _save_partial(twin)
    depth = resnet["architecture"]["depth"]
    targets = {
        f"ResNet-{depth} test accuracy >= {CH05_TARGET_RESNET}": resnet["test_accuracy"] >= CH05_TARGET_RESNET,
        f"ResNet-{depth} above its plain twin": resnet["test_accuracy"] > plain["test_accuracy"],
    }
    return {"models": [resnet, plain], "resnet_gain_over_plain": round(resnet["test_accuracy"] - plain["test_accuracy"], 4),
            "targets": targets}


BENCHES["05"] = bench_05
#: Benches that can run one part alone (``course bench 05 --part images``).
BENCH_PARTS: dict[str, tuple[str, ...]] = {"05": CH05_PARTS}


# --------------------------------------------------------------------------
# Chapter 3 -- recurrent networks on the movie-review polarity set
# --------------------------------------------------------------------------

CH03_TARGET_ACCURACY = 0.76
CH03_VOCAB_SIZE, CH03_SEQUENCE_LENGTH = 10_000, 40
#: The chapter-3 notebook's recipe: Embedding 64, 32 units, dropout 0.5, Adam 1e-3,
#: batch 32, up to 6 epochs, early stopping on validation accuracy (patience 2, best weights kept).
CH03_COURSE = {"embedding_dim": 64, "units": 32, "dropout": 0.5, "learning_rate": 1e-3, "batch_size": 32, "max_epochs": 6}
CH03_KINDS = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru", "BiLSTM": "bilstm"}


def course_rnn(kind: str, vocab_size: int = CH03_VOCAB_SIZE):
    """The chapter-3 notebook's recurrent classifier, compiled (see ``CH03_COURSE``)."""
    import keras

    from course.models import build_rnn_classifier

    model = build_rnn_classifier(
        kind, vocab_size, CH03_COURSE["embedding_dim"], CH03_COURSE["units"], CH03_COURSE["dropout"], name=f"course_{kind}"
    )
    model.compile(optimizer=keras.optimizers.Adam(CH03_COURSE["learning_rate"]), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def seed_rnn(kind: str, vocab_size: int = CH03_VOCAB_SIZE):
    """The seed tutorial's recipe, compiled: Embedding 128, SimpleRNN/LSTM 64, Dense 32, Dropout 0.2; Adam."""
    import keras

    from course.models import build_seed_rnn

    model = build_seed_rnn(kind, vocab_size)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _pad_before(ids: np.ndarray) -> np.ndarray:
    """Move each row's padding (trailing 0s) before its words: [5, 7, 0, 0] -> [0, 0, 5, 7]."""
    out = np.zeros_like(ids)
    for row, sequence in enumerate(ids):
        words = sequence[sequence != 0]
        if words.size:
            out[row, -words.size:] = words
    return out


def bench_03() -> dict[str, Any]:
    """Chapter 3: the course's four recurrent classifiers against the seed tutorial's two, same data.

    All models read the same word ids: a 10,000-word ``TextVectorization``
    vocabulary learned from the training sentences, 40 ids per sentence.
    Course models train with early stopping on the validation set (its
    scoring is inside their epoch time) and are scored with the best epoch's
    weights; seed models train 3 epochs, batch 32, as the tutorial did, and
    are scored after the last one, once on the same ids and once on the same
    ids padded before the words (the seed model has no mask, so the side of
    the padding matters to it). ``wall_seconds`` counts building, compiling
    and training.
    """
    import keras

    from course.data import load_movie_reviews
    from course.models import build_text_vectorizer
    from course.training import set_seed

    (x, y), (x_val, y_val), (x_test, y_test) = load_movie_reviews(n_train=sized(full=None, ci=500))
    vectorizer = build_text_vectorizer(x, CH03_VOCAB_SIZE, CH03_SEQUENCE_LENGTH)
    ids, ids_val, ids_test = (np.asarray(vectorizer(t), dtype=np.int32) for t in (x, x_val, x_test))
    kinds = sized(full=CH03_KINDS, ci={"LSTM": "lstm"})
    max_epochs = sized(full=CH03_COURSE["max_epochs"], ci=1)
    models = []
    for name, kind in kinds.items():
        started = time.perf_counter()
        set_seed(0)
        model = course_rnn(kind)
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2, restore_best_weights=True)
        record = time_training(
            f"course {name} (emb 64, {CH03_COURSE['units']} units)", model, (ids, y), (ids_test, y_test), max_epochs,
            CH03_COURSE["batch_size"], fit_kwargs={"validation_data": (ids_val, y_val)}, callbacks=(stop,),
        )
        epochs_run = len(record["accuracy_per_epoch"])
        history = model.history.history
        best = int(np.argmax(history["val_accuracy"]))
        record.update(
            kind=kind,
            epochs=epochs_run,
            seconds_per_epoch=round(record["train_seconds"] / epochs_run, 3),
            best_epoch=best + 1,
            val_accuracy=round(float(history["val_accuracy"][best]), 4),
            val_accuracy_per_epoch=[round(float(v), 4) for v in history["val_accuracy"]],
            test_accuracy=round(float(model.evaluate(ids_test, y_test, batch_size=512, verbose=0, return_dict=True)["accuracy"]), 4),
            wall_seconds=round(time.perf_counter() - started, 1),
        )
        print(f"    -> best epoch {best + 1} by validation ({record['val_accuracy']:.4f}): test accuracy {record['test_accuracy']:.4f}", flush=True)
        models.append(record)
    # The seed recipe has no mask: it reads the padding as words. We run it on the same ids (padding after
    # the words, as TextVectorization writes them) and on the same ids padded before the words (what
    # keras.utils.pad_sequences does by default, as the seed tutorial did), so the padding's effect shows.
    seed_kinds = sized(full={"SimpleRNN": "simple_rnn", "LSTM": "lstm"}, ci={"SimpleRNN": "simple_rnn"})
    paddings = sized(full=("post", "pre"), ci=("post",))
    for padding in paddings:
        train_ids, test_ids = (ids, ids_test) if padding == "post" else (_pad_before(ids), _pad_before(ids_test))
        for name, kind in seed_kinds.items():
            started = time.perf_counter()
            set_seed(0)
            record = time_training(
                f"seed {name} (emb 128, 64 units, {padding}-padded)", seed_rnn(kind), (train_ids, y), (test_ids, y_test),
                sized(full=3, ci=1), 32,
            )
            record.update(kind=f"seed_{kind}", padding=padding, wall_seconds=round(time.perf_counter() - started, 1))
            models.append(record)
    course_models = [m for m in models if not m["kind"].startswith("seed_")]
    chosen = max(course_models, key=lambda m: m["val_accuracy"])
    targets = None
    if not is_ci():
        targets = {
            f"test accuracy of the best course recurrent model (chosen by validation accuracy) >= {CH03_TARGET_ACCURACY}": chosen["test_accuracy"] >= CH03_TARGET_ACCURACY,
        }
    return {
        "models": models,
        "best_by_validation": {"name": chosen["name"], "test_accuracy": chosen["test_accuracy"]},
        "best_test_accuracy": max(m["test_accuracy"] for m in course_models),
        "data": {"train": int(len(x)), "validation": int(len(x_val)), "test": int(len(x_test)),
                 "vocab_size": CH03_VOCAB_SIZE, "sequence_length": CH03_SEQUENCE_LENGTH},
        "course_recipe": CH03_COURSE,
        "targets": targets,
    }


BENCHES["03"] = bench_03


# --------------------------------------------------------------------------
# Chapter 2 -- CNNs on Fashion-MNIST
# --------------------------------------------------------------------------

CH02_TARGET_LENET = 0.92
CH02_TARGET_BN_AUG = 0.93
CH02_EPOCHS = {"lenet": 15, "bn_aug": 20}
CH02_BATCH = 128
#: The chapter-2 BatchNorm + augmentation recipe, shared by the notebook and ``course bench 02``:
#: two Conv-BN-ReLU layers per block (32, 64, 128 filters), whole-pixel shifts of up to 5% and
#: horizontal flips, Adam 2e-3 with cosine decay, batch 128, 20 epochs.
CH02_BN = {"filters": (32, 64, 128), "convs_per_block": 2, "dense": 128, "dropout": 0.3}
CH02_AUGMENT = {"translate": 0.05, "flip": True}
CH02_BN_LEARNING_RATE = 2e-3


def compile_cnn(model: Any, n_train: int, epochs: int, batch_size: int = CH02_BATCH, learning_rate: float = 1e-3):
    """The course's chapter-2 training recipe, compiled.

    Adam with a cosine-decayed learning rate (``learning_rate`` down to 0 over
    ``epochs`` epochs of ``n_train`` examples in batches of ``batch_size``),
    and 32 training steps per call into TensorFlow. No XLA: on a 2-core CPU,
    ``jit_compile=True`` made a LeNet epoch over 10x slower (it compiles
    Dropout's random numbers into slow code). Shared by the notebook and
    ``course bench 02``.
    """
    import keras

    from course.training import compile_classifier

    steps = int(np.ceil(n_train / batch_size)) * epochs
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    return compile_classifier(model, keras.optimizers.Adam(schedule), jit_compile=False, steps_per_execution=32)


def bench_02() -> dict[str, Any]:
    """Chapter 2: LeNet-style CNN, the BatchNorm CNN without and with augmentation, and the seed recipe."""
    from course.data import load_fashion_mnist
    from course.models import build_augmentation, build_cnn_bn, build_lenet, build_seed_cnn
    from course.training import compile_classifier, set_seed

    (x, y), (x_test, y_test) = load_fashion_mnist(n_train=sized(full=None, ci=2000), n_test=sized(full=None, ci=500))
    x, x_test = x[..., None], x_test[..., None]
    data = ((x, y), (x_test, y_test))
    lenet_epochs, bn_epochs, seed_epochs = sized(full=CH02_EPOCHS["lenet"], ci=1), sized(full=CH02_EPOCHS["bn_aug"], ci=1), sized(full=5, ci=1)
    thresholds = (0.90, CH02_TARGET_LENET, CH02_TARGET_BN_AUG)
    warm_up(x, y)
    set_seed(0)
    seed = time_training("seed CNN (Adam, batch 32)", compile_classifier(build_seed_cnn(), "adam", 1e-3, jit_compile=False),
                         *data, seed_epochs, 32, thresholds)
    set_seed(0)
    lenet = time_training("LeNet-style CNN (batch 128)", compile_cnn(build_lenet(), len(x), lenet_epochs, learning_rate=1e-3),
                          *data, lenet_epochs, CH02_BATCH, thresholds)
    set_seed(0)
    bn = time_training("BN CNN, no augmentation (batch 128)",
                       compile_cnn(build_cnn_bn(**CH02_BN), len(x), bn_epochs, learning_rate=CH02_BN_LEARNING_RATE),
                       *data, bn_epochs, CH02_BATCH, thresholds)
    set_seed(0)
    bn_aug = time_training("BN CNN + augmentation (batch 128)",
                           compile_cnn(build_cnn_bn(**CH02_BN, augmentation=build_augmentation(**CH02_AUGMENT)), len(x), bn_epochs,
                                       learning_rate=CH02_BN_LEARNING_RATE),
                           *data, bn_epochs, CH02_BATCH, thresholds)
    targets = None
    if not is_ci():
        targets = {
            f"LeNet-style CNN test accuracy >= {CH02_TARGET_LENET}": lenet["test_accuracy"] >= CH02_TARGET_LENET,
            f"BatchNorm + augmentation CNN test accuracy >= {CH02_TARGET_BN_AUG}": bn_aug["test_accuracy"] >= CH02_TARGET_BN_AUG,
        }
    return {"models": [lenet, bn, bn_aug, seed], "targets": targets}


BENCHES["02"] = bench_02
