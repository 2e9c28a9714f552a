"""``course bench 01``: the course MLP against the seed tutorial's MLP on Fashion-MNIST.

Targets (full mode): the course recipe's test accuracy, and how many times
faster than the seed recipe it reaches ``SPEED_THRESHOLD`` test accuracy.
"""

from __future__ import annotations

from typing import Any

from course.bench.harness import time_training, warm_up
from course.config import is_ci, sized
from course.recipes import CH01_BATCH, CH01_EPOCHS, CH01_HIDDEN, CH01_SEED, course_mlp, seed_mlp

TARGET_ACCURACY = 0.89
SPEED_THRESHOLD = 0.865
TARGET_SPEEDUP = 3.0


def run() -> dict[str, Any]:
    """Train the seed and the course MLP; return their records, the speed-up and the targets.

    The speed-up is the seed recipe's training seconds to the end of its first
    epoch with test accuracy >= ``SPEED_THRESHOLD``, divided by the same for
    the course recipe (None when either never gets there).
    """
    from course.data import load_fashion_mnist
    from course.training import set_seed

    (x, y), (x_test, y_test) = load_fashion_mnist(
        n_train=sized(full=None, ci=3000), n_test=sized(full=None, ci=1000), flatten=True
    )
    course_epochs, seed_epochs = sized(full=CH01_EPOCHS, ci=1), sized(full=CH01_SEED["epochs"], ci=1)
    threshold = (SPEED_THRESHOLD,)
    warm_up(x, y)
    set_seed(0)  # before building: the initial weights come from the seeded generators
    seed = time_training(f"seed MLP 128-64 (batch {CH01_SEED['batch_size']})", seed_mlp(), (x, y), (x_test, y_test),
                         seed_epochs, CH01_SEED["batch_size"], threshold)
    set_seed(0)
    course = time_training(
        f"course MLP {'-'.join(map(str, CH01_HIDDEN))} (batch {CH01_BATCH})", course_mlp(x, course_epochs), (x, y), (x_test, y_test), course_epochs,
        CH01_BATCH, threshold
    )
    key = f"{SPEED_THRESHOLD:.3f}"
    seed_time, course_time = seed["seconds_to"][key], course["seconds_to"][key]
    speedup = round(seed_time / course_time, 2) if seed_time and course_time else None
    targets = None
    if not is_ci():
        targets = {
            f"course test accuracy >= {TARGET_ACCURACY}": course["test_accuracy"] >= TARGET_ACCURACY,
            f"speedup_vs_seed >= {TARGET_SPEEDUP}": speedup is not None and speedup >= TARGET_SPEEDUP,
        }
    return {
        "models": [course, seed],
        "speedup_vs_seed": speedup,
        "speedup_definition": f"seed training seconds to the end of its first epoch with test accuracy >= {SPEED_THRESHOLD}, divided by the same for the course recipe",
        "targets": targets,
    }
