"""``course bench 03``: the course's four recurrent classifiers against the seed tutorial's two, same data.

Target (full mode): the test accuracy of the course model chosen by validation accuracy.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from course.bench.harness import time_training
from course.config import is_ci, sized
from course.recipes import (
    CH03_BATCH,
    CH03_COURSE,
    CH03_EMBEDDING_DIM,
    CH03_KINDS,
    CH03_MAX_EPOCHS,
    CH03_PATIENCE,
    CH03_SEED,
    CH03_SEQUENCE_LENGTH,
    CH03_UNITS,
    CH03_VOCAB_SIZE,
    course_rnn,
    seed_rnn,
)

TARGET_ACCURACY = 0.76


def pad_before(ids: np.ndarray) -> np.ndarray:
    """Move each row's padding (trailing 0s) before its words: ``(n, length)`` -> ``(n, length)``.

    Example:
        >>> pad_before(np.array([[5, 7, 0, 0]]))
        array([[0, 0, 5, 7]])
    """
    out = np.zeros_like(ids)
    for row, sequence in enumerate(ids):
        words = sequence[sequence != 0]
        if words.size:
            out[row, -words.size:] = words
    return out


def run() -> dict[str, Any]:
    """Train the course's recurrent classifiers and the seed recipe; return their records and the target.

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
    max_epochs = sized(full=CH03_MAX_EPOCHS, ci=1)
    models = []
    for name, kind in kinds.items():
        started = time.perf_counter()
        set_seed(0)
        model = course_rnn(kind)
        stop = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=CH03_PATIENCE, restore_best_weights=True)
        record = time_training(
            f"course {name} (emb {CH03_EMBEDDING_DIM}, {CH03_UNITS} units)", model, (ids, y), (ids_test, y_test), max_epochs,
            CH03_BATCH, fit_kwargs={"validation_data": (ids_val, y_val)}, callbacks=(stop,),
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
        train_ids, test_ids = (ids, ids_test) if padding == "post" else (pad_before(ids), pad_before(ids_test))
        for name, kind in seed_kinds.items():
            started = time.perf_counter()
            set_seed(0)
            record = time_training(
                f"seed {name} (emb 128, 64 units, {padding}-padded)", seed_rnn(kind), (train_ids, y), (test_ids, y_test),
                sized(full=CH03_SEED["epochs"], ci=1), CH03_SEED["batch_size"],
            )
            record.update(kind=f"seed_{kind}", padding=padding, wall_seconds=round(time.perf_counter() - started, 1))
            models.append(record)
    course_models = [m for m in models if not m["kind"].startswith("seed_")]
    chosen = max(course_models, key=lambda m: m["val_accuracy"])
    targets = None
    if not is_ci():
        targets = {
            f"test accuracy of the best course recurrent model (chosen by validation accuracy) >= {TARGET_ACCURACY}": chosen["test_accuracy"] >= TARGET_ACCURACY,
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
