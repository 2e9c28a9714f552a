"""``course bench 02``: LeNet-style CNN, the BatchNorm CNN without and with augmentation, and the seed CNN.

Targets (full mode): the LeNet-style CNN's and the augmented BatchNorm CNN's test accuracy.
"""

from __future__ import annotations

from typing import Any

from course.bench.harness import time_training, warm_up
from course.config import is_ci, sized
from course.recipes import (
    CH02_AUGMENT,
    CH02_BATCH,
    CH02_BN,
    CH02_BN_EPOCHS,
    CH02_BN_LEARNING_RATE,
    CH02_LENET_EPOCHS,
    CH02_LENET_LEARNING_RATE,
    CH02_SEED,
    compile_cnn,
    seed_cnn,
)

TARGET_LENET = 0.92
TARGET_BN_AUG = 0.93


def run() -> dict[str, Any]:
    """Train the seed CNN, LeNet, the BatchNorm CNN and the BatchNorm CNN with augmentation; return their records."""
    from course.data import load_fashion_mnist
    from course.models import build_augmentation, build_cnn_bn, build_lenet
    from course.training import set_seed

    (x, y), (x_test, y_test) = load_fashion_mnist(n_train=sized(full=None, ci=2000), n_test=sized(full=None, ci=500))
    x, x_test = x[..., None], x_test[..., None]
    data = ((x, y), (x_test, y_test))
    lenet_epochs, bn_epochs = sized(full=CH02_LENET_EPOCHS, ci=1), sized(full=CH02_BN_EPOCHS, ci=1)
    seed_epochs = sized(full=CH02_SEED["epochs"], ci=1)
    thresholds = (0.90, TARGET_LENET, TARGET_BN_AUG)
    warm_up(x, y)
    set_seed(0)
    seed = time_training(f"seed CNN (Adam, batch {CH02_SEED['batch_size']})", seed_cnn(), *data, seed_epochs,
                         CH02_SEED["batch_size"], thresholds)
    set_seed(0)
    lenet = time_training(f"LeNet-style CNN (batch {CH02_BATCH})",
                          compile_cnn(build_lenet(), len(x), lenet_epochs, learning_rate=CH02_LENET_LEARNING_RATE),
                          *data, lenet_epochs, CH02_BATCH, thresholds)
    set_seed(0)
    bn = time_training(f"BN CNN, no augmentation (batch {CH02_BATCH})",
                       compile_cnn(build_cnn_bn(**CH02_BN), len(x), bn_epochs, learning_rate=CH02_BN_LEARNING_RATE),
                       *data, bn_epochs, CH02_BATCH, thresholds)
    set_seed(0)
    bn_aug = time_training(f"BN CNN + augmentation (batch {CH02_BATCH})",
                           compile_cnn(build_cnn_bn(**CH02_BN, augmentation=build_augmentation(**CH02_AUGMENT)), len(x), bn_epochs,
                                       learning_rate=CH02_BN_LEARNING_RATE),
                           *data, bn_epochs, CH02_BATCH, thresholds)
    targets = None
    if not is_ci():
        targets = {
            f"LeNet-style CNN test accuracy >= {TARGET_LENET}": lenet["test_accuracy"] >= TARGET_LENET,
            f"BatchNorm + augmentation CNN test accuracy >= {TARGET_BN_AUG}": bn_aug["test_accuracy"] >= TARGET_BN_AUG,
        }
    return {"models": [lenet, bn, bn_aug, seed], "targets": targets}
