"""``course bench 04``: the course DCGAN, its samples scored by a Fashion-MNIST classifier.

Targets (full mode): classes present among ``CH04_SAMPLES`` samples, and the
judge's mean top-class confidence on them.
"""

from __future__ import annotations

import time
from typing import Any

from course.config import is_ci, sized
from course.recipes import CH04_BATCH, CH04_EPOCHS, CH04_LATENT_DIM, CH04_LEARNING_RATE, CH04_SAMPLES

TARGET_CLASSES = 9
TARGET_CONFIDENCE = 0.75


def run() -> dict[str, Any]:
    """Train the course DCGAN; score its samples with the Fashion-MNIST classifier.

    Records the judge classifier's test accuracy, the GAN's seconds per epoch
    (scoring excluded), the losses per epoch, and after every epoch the
    sample quality of 1,000 generated images: mean top-class confidence,
    classes present (share >= 3%) and per-class shares.
    """
    from course.data import FASHION_MNIST_CLASSES, load_fashion_mnist
    from course.gan import QualityTracker, fashion_classifier, make_gan, scale_images

    (x, _), (x_test, y_test) = load_fashion_mnist(n_train=sized(full=None, ci=1024), n_test=sized(full=None, ci=500))
    started = time.perf_counter()
    classifier = fashion_classifier()
    classifier_seconds = round(time.perf_counter() - started, 1)
    classifier_accuracy = float(classifier.evaluate(x_test[..., None], y_test, batch_size=1000, verbose=0, return_dict=True)["accuracy"])
    print(f"  judge classifier: test accuracy {classifier_accuracy:.4f} ({classifier_seconds} s to train or load)", flush=True)

    epochs, batch_size = sized(full=CH04_EPOCHS, ci=1), CH04_BATCH
    gan = make_gan(latent_dim=CH04_LATENT_DIM, learning_rate=CH04_LEARNING_RATE, jit_compile=False)
    tracker = QualityTracker(classifier, every=1, n=sized(full=CH04_SAMPLES, ci=200), verbose=True)
    history = gan.fit(scale_images(x), epochs=epochs, batch_size=batch_size, verbose=0, callbacks=[tracker])
    final = tracker.scores[-1]
    model = {
        "name": f"course DCGAN (generator 64-32, discriminator 32-64, batch {batch_size})",
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
            f"classes present (share >= 3% of {CH04_SAMPLES} samples) >= {TARGET_CLASSES}": final["classes_present"] >= TARGET_CLASSES,
            f"mean top-class confidence >= {TARGET_CONFIDENCE}": final["mean_confidence"] >= TARGET_CONFIDENCE,
        }
    return {
        "models": [model],
        "judge_classifier": {"test_accuracy": round(classifier_accuracy, 4), "seconds": classifier_seconds},
        "quality_definition": "a small Fashion-MNIST CNN (course.models.build_fashion_judge) labels generated images (mapped to [0, 1]); mean_confidence is the mean top-class probability, classes_present counts classes whose share of top labels is >= 3%",
        "targets": targets,
    }
