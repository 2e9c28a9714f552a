"""Calibration of chapter 1's ``keras_mlp`` budget: does the checker's short run agree with full training?

The chapter's benchmark for an MLP is 87% test accuracy after full training
(10 epochs on all 60,000 training images, batch 64). The checker cannot train
that long in CI or in ``course grade``, so it trains every model on one short
stated budget instead (``course.checks.ch01_mlp.KERAS_MLP_BUDGET``). This
module measures, for models on both sides of the 87% line, their test
accuracy after full training and after the budget (three seeds), so that the
budget's threshold can be set between the models that meet 87% and those that
miss it::

    python -m course.references.ch01_calibration --out calibration.json

Each model is trained once at full size (seed 0) and, for each number of
training images in ``--subsets``, once per seed for ``--epochs`` epochs,
scoring all 10,000 test images after every epoch (defaults: the checker's own
budget). Results go to ``--out`` as they arrive; a rerun skips what is there.
The last table says, per model, whether it meets 87% at full size and whether
it passes the budget's threshold with each seed. About 40 minutes on a 2-core
CPU; the figures are copied beside ``KERAS_MLP_BUDGET``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

FULL_EPOCHS, FULL_BATCH, FULL_TARGET = 10, 64, 0.87


def _mlp(hidden, optimizer="adam", learning_rate=1e-3, activation="relu"):
    """A builder for a compiled Sequential MLP: ``hidden`` Dense layers, then 10 softmax units."""

    def build():
        import keras

        layers = [keras.Input(shape=(784,))] + [keras.layers.Dense(h, activation=activation) for h in hidden]
        model = keras.Sequential(layers + [keras.layers.Dense(10, activation="softmax")])
        opt = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[optimizer](learning_rate)
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    return build


#: name -> builder. Widths and learning rates chosen to straddle 87% after full training.
CANDIDATES = {
    "dense256-128 adam1e-3 (reference)": _mlp((256, 128)),
    "dense128-64 adam1e-3": _mlp((128, 64)),
    "dense512 adam1e-3": _mlp((512,)),
    "dense128 adam1e-3": _mlp((128,)),
    "dense96 adam1e-3": _mlp((96,)),
    "dense64 adam1e-3": _mlp((64,)),
    "dense32 adam1e-3": _mlp((32,)),
    "dense16 adam1e-3": _mlp((16,)),
    "dense8 adam1e-3": _mlp((8,)),
    "linear adam1e-3": _mlp(()),
    "dense128 sgd0.1": _mlp((128,), "sgd", 0.1),
    "dense128 sgd0.03": _mlp((128,), "sgd", 0.03),
    "dense128 sgd0.01": _mlp((128,), "sgd", 0.01),
    "dense256-128 adam1e-4": _mlp((256, 128), "adam", 1e-4),
    "dense128 adam3e-5": _mlp((128,), "adam", 3e-5),
    "dense128 sigmoid sgd0.1": _mlp((128,), "sgd", 0.1, activation="sigmoid"),
}


def _accuracy(model, x, y) -> float:
    return float(np.mean(np.asarray(model.predict(x, batch_size=1000, verbose=0)).argmax(axis=-1) == y))


def full_accuracy(build, data, seed=0) -> float:
    """Test accuracy after the old full-size recipe: 10 epochs on all 60,000 images, batch 64."""
    from course.training import set_seed

    (x, y), (x_test, y_test) = data
    set_seed(seed)
    model = build()
    set_seed(seed)
    model.fit(x, y, epochs=FULL_EPOCHS, batch_size=FULL_BATCH, verbose=0)
    return _accuracy(model, x_test, y_test)


def budget_curve(build, data, n_train, epochs, seed, batch_size=64) -> list[float]:
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
    from course.checks.ch01_mlp import KERAS_MLP_BUDGET as budget
    from course.data import load_fashion_mnist

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="calibration-ch01.json")
    parser.add_argument("--subsets", default=str(budget.train_examples), help="training-image counts to try, comma-separated")
    parser.add_argument("--epochs", type=int, default=budget.epochs)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    args = parser.parse_args(argv)
    data = load_fashion_mnist(flatten=True)
    names = [n for n in CANDIDATES if not args.only or n in args.only.split(",")]
    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {}
    for name in names:
        entry = record.setdefault(name, {})
        start = time.perf_counter()
        if "full" not in entry:
            entry["full"] = full_accuracy(CANDIDATES[name], data)
        for n_train in (int(s) for s in args.subsets.split(",")):
            for seed in (int(s) for s in args.seeds.split(",")):
                key = f"{n_train}/seed{seed}"
                if key not in entry or len(entry[key]) < args.epochs:
                    entry[key] = budget_curve(CANDIDATES[name], data, n_train, args.epochs, seed, budget.batch_size)
        entry["seconds"] = round(time.perf_counter() - start, 1)
        out.write_text(json.dumps(record, indent=1))
        print(f"{name:36s} full {entry['full']:.4f} ({entry['seconds']} s)", flush=True)
    key = f"{budget.train_examples}"
    print(f"\nbudget: {budget.sentence()}")
    print(f"{'model':36s} {'full':>6s} {'>=87%':>5s}   budget accuracy per seed -> passes {budget.min_score:.3f}?")
    for name in sorted(record, key=lambda n: -record[n]["full"]):
        scores = [curve[budget.epochs - 1] for k, curve in record[name].items() if k.startswith(key + "/") and len(curve) >= budget.epochs]
        verdicts = " ".join(f"{s:.4f} {'pass' if s >= budget.min_score else 'FAIL'}" for s in scores)
        print(f"{name:36s} {record[name]['full']:.4f} {'yes' if record[name]['full'] >= FULL_TARGET else 'no':>5s}   {verdicts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
