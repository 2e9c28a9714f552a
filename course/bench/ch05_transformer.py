"""``course bench 05``: Transformers (from scratch, pretrained) on the polarity set; a ResNet and its plain twin.

Two parts, each runnable alone (``course bench 05 --part text``, ``--part
images``; the parts are registered in :mod:`course.chapters`):

* ``text``: the Transformer from scratch against chapter 3's LSTM, and a small
  head on frozen MiniLM features;
* ``images``: the ResNet against its plain twin of equal depth, on Fashion-MNIST.
"""

from __future__ import annotations

import os
import time
from typing import Any

from course.bench.harness import save_partial, time_training
from course.config import examples, is_ci, sized
from course.recipes import (
    CH05_HEAD,
    CH05_HEAD_BATCH,
    CH05_HEAD_EPOCHS,
    CH05_HEAD_LEARNING_RATE,
    CH05_LENGTH,
    CH05_LSTM_EPOCHS,
    CH05_LSTM_LEARNING_RATE,
    CH05_RESNET,
    CH05_RESNET_AUGMENT,
    CH05_RESNET_BATCH,
    CH05_RESNET_EPOCHS,
    CH05_RESNET_TRAINING,
    CH05_RESNET_VALIDATION,
    CH05_TEXT_BATCH,
    CH05_TRANSFORMER,
    CH05_TRANSFORMER_EPOCHS,
    CH05_TRANSFORMER_LEARNING_RATE,
    CH05_VOCAB,
    ch05_image_examples,
    ch05_resnet_depth,
    ch05_sentences_to_encode,
    compile_binary,
    compile_resnet,
)

TARGET_TRANSFORMER = 0.74
TARGET_PRETRAINED_GAIN = 0.04
TARGET_TRAINABLE_SHARE = 0.01
TARGET_RESNET = 0.935


def _best_on_validation(name: str, model: Any, train: tuple, val: tuple, test: tuple, epochs: int, batch_size: int) -> dict[str, Any]:
    """time_training, keeping the weights of the epoch with the best validation accuracy; rescored on test.

    As the notebook does: every epoch is trained (patience = ``epochs``), then the
    best validation epoch's weights are restored. The record adds that epoch's
    ``val_accuracy``, on which the notebook compares the models.
    """
    import keras

    stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=epochs, restore_best_weights=True)
    record = time_training(name, model, train, test, epochs, batch_size, fit_kwargs={"validation_data": val}, callbacks=(stop,))
    record["test_accuracy_last_epoch"] = record["test_accuracy"]
    record["test_accuracy"] = round(float(model.evaluate(*test, batch_size=512, verbose=0, return_dict=True)["accuracy"]), 4)
    record["best_epoch"] = int(stop.best_epoch) + 1
    record["val_accuracy"] = round(float(stop.best), 4)
    print(f"  {name:28s} best validation epoch {record['best_epoch']}: test acc {record['test_accuracy']:.4f}", flush=True)
    return record


# --------------------------------------------------------------------------
# Text: from scratch and pretrained
# --------------------------------------------------------------------------


def run_text() -> dict[str, Any]:
    """Transformer from scratch, the chapter-3 LSTM and frozen MiniLM features + head, on the polarity set."""
    import keras

    from course.data import load_movie_reviews
    from course.models import build_feature_head, build_rnn_classifier, build_text_vectorizer, build_transformer_classifier
    from course.pretrained import extract_features, load_encoder, load_tokenizer
    from course.training import set_seed

    # --- from scratch ---------------------------------------------------------
    (x, y), (x_val, y_val), (x_test, y_test) = load_movie_reviews(n_train=sized(full=None, ci=200))
    n_eval = sized(full=None, ci=200)  # CI-sized: score fewer sentences too
    (x_val, y_val), (x_test, y_test) = (x_val[:n_eval], y_val[:n_eval]), (x_test[:n_eval], y_test[:n_eval])
    vectorize = build_text_vectorizer(x, CH05_VOCAB, CH05_LENGTH)
    ids = [vectorize(t).numpy() for t in (x, x_val, x_test)]
    set_seed(0)
    transformer = compile_binary(build_transformer_classifier(CH05_VOCAB, CH05_LENGTH, **CH05_TRANSFORMER), CH05_TRANSFORMER_LEARNING_RATE)
    scratch = _best_on_validation("Transformer from scratch", transformer, (ids[0], y), (ids[1], y_val), (ids[2], y_test),
                                  sized(full=CH05_TRANSFORMER_EPOCHS, ci=1), CH05_TEXT_BATCH)
    set_seed(0)
    lstm = compile_binary(build_rnn_classifier("lstm", CH05_VOCAB), CH05_LSTM_LEARNING_RATE)
    lstm_record = _best_on_validation("LSTM (chapter 3)", lstm, (ids[0], y), (ids[1], y_val), (ids[2], y_test),
                                      sized(full=CH05_LSTM_EPOCHS, ci=1), CH05_TEXT_BATCH)

    # --- frozen pretrained encoder + small head -------------------------------
    started = time.perf_counter()
    tokenizer, encoder = load_tokenizer(), load_encoder()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    encoded = [ch05_sentences_to_encode(texts, labels) for texts, labels in ((x, y), (x_val, y_val), (x_test, y_test))]
    feats = [extract_features(encoder, tokenizer, texts, verbose=not is_ci()) for texts, _ in encoded]
    feature_seconds = time.perf_counter() - started
    n_sentences = sum(len(f) for f in feats)
    print(f"  MiniLM: loaded in {load_seconds:.1f} s; {n_sentences} sentences encoded in {feature_seconds:.1f} s", flush=True)
    set_seed(0)
    head = compile_binary(build_feature_head(encoder.hidden_dim, **CH05_HEAD), CH05_HEAD_LEARNING_RATE)
    pretrained = _best_on_validation("MiniLM features + head", head, (feats[0], encoded[0][1]), (feats[1], encoded[1][1]),
                                     (feats[2], encoded[2][1]), sized(full=CH05_HEAD_EPOCHS, ci=1), CH05_HEAD_BATCH)
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
        f"Transformer from scratch test accuracy >= {TARGET_TRANSFORMER}": scratch["test_accuracy"] >= TARGET_TRANSFORMER,
        f"pretrained encoder + head >= {TARGET_PRETRAINED_GAIN:.2f} above from scratch": gain >= TARGET_PRETRAINED_GAIN,
        f"pretrained: trainable share of parameters < {TARGET_TRAINABLE_SHARE:.0%}": trainable_share < TARGET_TRAINABLE_SHARE,
    }
    return {"models": [scratch, lstm_record, pretrained], "pretrained_gain_over_scratch": gain, "targets": targets}


# --------------------------------------------------------------------------
# Images: a ResNet and its plain twin
# --------------------------------------------------------------------------


def train_resnet_twin(skip: bool, threads: int = 0) -> dict[str, Any]:
    """Train chapter 5's ResNet (``skip=True``) or its plain twin on Fashion-MNIST; return its bench record.

    The recipe is the notebook's: ``CH05_RESNET`` architecture, chapter 2's
    augmentation, :func:`course.recipes.compile_resnet` (AdamW 2e-3 with cosine
    decay, weight decay 0.05, label smoothing 0.1), batch 128,
    ``CH05_RESNET_EPOCHS`` epochs, on the notebook's split: the last
    ``CH05_RESNET_VALIDATION`` training images validate, the rest train (CI-sized:
    depth 8 on 256 + 100 images for one epoch). The record adds the final
    weights' ``val_accuracy``. ``threads`` > 0 limits TensorFlow to that many threads (set before
    any TensorFlow op runs, so call it first thing in a fresh process).
    """
    import tensorflow as tf

    if threads:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    import keras

    from course.data import load_fashion_mnist
    from course.models import build_augmentation, build_resnet
    from course.training import set_seed

    (x_all, y_all), (x_test, y_test) = load_fashion_mnist(n_train=ch05_image_examples(60_000), n_test=sized(full=None, ci=256))
    x_all, x_test = x_all[..., None], x_test[..., None]
    n_val = examples(CH05_RESNET_VALIDATION)
    (x, y), (x_val, y_val) = (x_all[:-n_val], y_all[:-n_val]), (x_all[-n_val:], y_all[-n_val:])
    epochs, batch = sized(full=CH05_RESNET_EPOCHS, ci=1), CH05_RESNET_BATCH
    architecture = {**CH05_RESNET, "depth": ch05_resnet_depth()}
    set_seed(0)
    model = build_resnet(**architecture, skip=skip, augmentation=build_augmentation(**CH05_RESNET_AUGMENT))
    compile_resnet(model, len(x), epochs, batch)
    widths = "/".join(str(w) for w in architecture["widths"])
    label = f"{'ResNet' if skip else 'plain net'}-{architecture['depth']} ({widths})"
    record = time_training(label, model, (x, y), (x_test, y_test), epochs, batch, fit_kwargs={"validation_data": (x_val, y_val)})
    record["val_accuracy"] = round(float(model.evaluate(x_val, y_val, batch_size=512, verbose=0, return_dict=True)["accuracy"]), 4)
    record.update(architecture=architecture, training=dict(CH05_RESNET_TRAINING), skip=skip, threads=threads or None)
    keras.backend.clear_session()  # free this twin before the next one is built in the same process
    return record


def _twins_in_parallel() -> bool:
    """Whether the ResNet twins train side by side: full mode, on a CPU with 2 or more cores."""
    from course.device import gpu_names

    return not is_ci() and not gpu_names() and (os.cpu_count() or 1) >= 2


def run_images() -> dict[str, Any]:
    """The ResNet and its plain twin of equal depth, on Fashion-MNIST.

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
            save_partial(twin)
    depth = resnet["architecture"]["depth"]
    targets = {
        f"ResNet-{depth} test accuracy >= {TARGET_RESNET}": resnet["test_accuracy"] >= TARGET_RESNET,
        f"ResNet-{depth} above its plain twin": resnet["test_accuracy"] > plain["test_accuracy"],
    }
    return {"models": [resnet, plain], "resnet_gain_over_plain": round(resnet["test_accuracy"] - plain["test_accuracy"], 4),
            "targets": targets}


# --------------------------------------------------------------------------
# Both parts
# --------------------------------------------------------------------------

#: The bench's parts, in the order ``run()`` runs them (the registry's ``bench_parts`` name the same).
PARTS = {"text": run_text, "images": run_images}


def run(part: str = "all") -> dict[str, Any]:
    """Run ``part="text"``, ``"images"`` or ``"all"`` (both); return the models, scores and targets.

    Raises:
        ValueError: ``part`` is none of those.
    """
    if part not in ("all", *PARTS):
        raise ValueError(f"part must be one of {('all', *PARTS)}; got {part!r}.")
    record: dict[str, Any] = {"part": part, "models": [], "targets": None if is_ci() else {}}
    for name, run_part in PARTS.items():
        if part in ("all", name):
            result = run_part()
            record["models"] += result.pop("models")
            targets = result.pop("targets")
            if record["targets"] is not None:
                record["targets"].update(targets)
            record.update(result)
    return record
