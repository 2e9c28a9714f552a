"""Calibration of chapter 2's ``small_cnn`` budget: does the checker's short run agree with full training?

The chapter asks for a CNN of at most 100,000 parameters that reaches 89% test
accuracy after full training (10 epochs on all 60,000 training images, batch
128). The checker cannot train that long in CI or in ``course grade``, so it
trains every model on one short stated budget instead
(``course.checks.ch02_cnn.SMALL_CNN_BUDGET``). This module measures, for CNNs
on both sides of the 89% line, their test accuracy after full training and
after short runs on the first ``--subsets`` training images (three seeds), so
that the budget's threshold can be set between the models that meet 89% and
those that miss it::

    python -m course.references.ch02_calibration --out calibration-ch02.json

Each model is trained once at full size (seed 0) and, for each number of
training images in ``--subsets``, once per seed for ``--epochs`` epochs,
scoring all 10,000 test images after every epoch (defaults: the checker's own
budget). Results go to ``--out`` as they arrive; a rerun skips what is there.
The last table says, per model, whether it meets 89% at full size and whether
it passes the budget's threshold with each seed. About 90 minutes on a 2-core
CPU with the options used for the figures beside ``SMALL_CNN_BUDGET``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

FULL_EPOCHS, FULL_BATCH, FULL_TARGET, MAX_PARAMS = 10, 128, 0.89, 100_000


def _cnn(blocks, dense=0, dropout=0.0, head="flatten", optimizer="adam", learning_rate=1e-3, batchnorm=False,
         padding="same", pool=2, stride=1):
    """A builder for a compiled Sequential CNN.

    ``blocks``: filters of each Conv(3x3, ReLU) -> MaxPool(``pool``) stage; then
    ``head`` ("flatten" or "gap"), an optional Dense(``dense``, ReLU) with
    Dropout, and 10 softmax units.
    """

    def build():
        import keras

        layers = [keras.Input(shape=(28, 28, 1))]
        for filters in blocks:
            if batchnorm:
                layers += [keras.layers.Conv2D(filters, 3, padding=padding, use_bias=False, strides=stride),
                           keras.layers.BatchNormalization(), keras.layers.ReLU()]
            else:
                layers.append(keras.layers.Conv2D(filters, 3, padding=padding, activation="relu", strides=stride))
            if pool:
                layers.append(keras.layers.MaxPooling2D(pool))
        layers.append(keras.layers.Flatten() if head == "flatten" else keras.layers.GlobalAveragePooling2D())
        if dense:
            layers.append(keras.layers.Dense(dense, activation="relu"))
            if dropout:
                layers.append(keras.layers.Dropout(dropout))
        model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
        opt = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[optimizer](learning_rate)
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    return build


#: name -> builder. Sizes and learning rates chosen to straddle 89% after full training, all under 100,000 parameters.
CANDIDATES = {
    "conv16-32 dense48 adam2e-3 (reference)": _cnn((16, 32), dense=48, dropout=0.2, learning_rate=2e-3),
    "conv32valid dense16 adam1e-3": _cnn((32,), dense=16, padding="valid"),
    "bn conv16-32-64 gap adam1e-3": _cnn((16, 32, 64), head="gap", batchnorm=True),
    "conv8-16 dense32 adam1e-3": _cnn((8, 16), dense=32),
    "conv8s2 dense32 adam1e-3": _cnn((8,), dense=32, pool=0, stride=2),
    "conv4 dense10 adam1e-3": _cnn((4,), dense=0),
    "conv32-64 gap dense64 adam1e-3": _cnn((32, 64), dense=64, head="gap"),
    "conv16-32 gap adam1e-3": _cnn((16, 32), head="gap"),
    "conv2 pool4 adam1e-3": _cnn((2,), pool=4),
    "conv16-32 dense48 adam1e-4": _cnn((16, 32), dense=48, dropout=0.2, learning_rate=1e-4),
    "conv16-32 dense48 sgd0.05": _cnn((16, 32), dense=48, dropout=0.2, optimizer="sgd", learning_rate=0.05),
    "conv16-32 dense48 sgd0.01": _cnn((16, 32), dense=48, dropout=0.2, optimizer="sgd", learning_rate=0.01),
}


def _data():
    from course.data import load_fashion_mnist

    (x, y), (x_test, y_test) = load_fashion_mnist()
    return (x[..., None], y), (x_test[..., None], y_test)


def _accuracy(model, x, y) -> float:
    return float(np.mean(np.asarray(model.predict(x, batch_size=1000, verbose=0)).argmax(axis=-1) == y))


def full_accuracy(build, data, seed=0) -> float:
    """Test accuracy after the full-size run: 10 epochs on all 60,000 images, batch 128."""
    from course.training import set_seed

    (x, y), (x_test, y_test) = data
    set_seed(seed)
    model = build()
    if model.count_params() > MAX_PARAMS:
        raise ValueError(f"a candidate has {model.count_params():,} parameters, over the exercise's {MAX_PARAMS:,}")
    set_seed(seed)
    model.fit(x, y, epochs=FULL_EPOCHS, batch_size=FULL_BATCH, verbose=0)
    return _accuracy(model, x_test, y_test)


def budget_curve(build, data, n_train, epochs, seed, batch_size) -> list[float]:
    """Test accuracy after each of ``epochs`` epochs on the first ``n_train`` images, as the checker trains."""
    import keras

    from course.training import set_seed

    (x, y), (x_test, y_test) = data
    scores = []

    class Score(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            scores.append(_accuracy(self.model, x_test, y_test))

    set_seed(seed)
    model = build()
    set_seed(seed)
    model.fit(x[:n_train], y[:n_train], epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[Score()])
    return scores


def main(argv=None) -> int:
    from course.checks.ch02_cnn import SMALL_CNN_BUDGET as budget

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="calibration-ch02.json")
    parser.add_argument("--subsets", default=str(budget.train_examples), help="training-image counts to try, comma-separated")
    parser.add_argument("--epochs", type=int, default=budget.epochs)
    parser.add_argument("--batch", type=int, default=budget.batch_size)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default="", help="comma-separated candidate names, run in that order (default: all)")
    args = parser.parse_args(argv)
    data = _data()
    names = args.only.split(",") if args.only else list(CANDIDATES)   # in the order given
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates {unknown}; the candidates are {list(CANDIDATES)}")
    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {}
    for name in names:
        entry = record.setdefault(name, {})
        start = time.perf_counter()
        if "full" not in entry:
            entry["full"] = full_accuracy(CANDIDATES[name], data)
            out.write_text(json.dumps(record, indent=1))
        for n_train in (int(s) for s in args.subsets.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                key = f"{n_train}/b{args.batch}/seed{seed}"
                if key not in entry or len(entry[key]) < args.epochs:
                    entry[key] = budget_curve(CANDIDATES[name], data, n_train, args.epochs, seed, args.batch)
                    out.write_text(json.dumps(record, indent=1))
        entry["seconds"] = round(time.perf_counter() - start, 1)
        out.write_text(json.dumps(record, indent=1))
        print(f"{name:40s} full {entry['full']:.4f} ({entry['seconds']} s)", flush=True)
    key = f"{budget.train_examples}/b{budget.batch_size}/"
    print(f"\nbudget: {budget.sentence()}")
    print(f"{'model':40s} {'full':>6s} {'>=89%':>5s}   budget accuracy per seed -> passes {budget.min_score:.3f}?")
    for name in sorted(record, key=lambda n: -record[n]["full"]):
        scores = [curve[budget.epochs - 1] for k, curve in record[name].items() if k.startswith(key) and len(curve) >= budget.epochs]
        verdicts = " ".join(f"{s:.4f} {'pass' if s >= budget.min_score else 'FAIL'}" for s in scores)
        print(f"{name:40s} {record[name]['full']:.4f} {'yes' if record[name]['full'] >= FULL_TARGET else 'no':>5s}   {verdicts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
