"""The first cell of every notebook: check versions, report the device, seed.

Modelled on handson-ml3's opening cells: it never fails for want of a GPU.
It says what it found and, where something is off, what to do about it.
"""

from __future__ import annotations

import os
import platform
import sys

from course.config import mode

EXPECTED_TENSORFLOW = (2, 21)


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split(".")
    return int(parts[0]), int(parts[1])


def setup_notebook(seed: int = 42, quiet_tensorflow: bool = True) -> dict[str, str]:
    """Prepare a chapter notebook: versions, device, run size and seeds.

    Prints one line per fact and a hint where something is unusual (an old
    TensorFlow, no GPU, the CI-sized run). Silences TensorFlow's C++ start-up
    log lines, which would otherwise clutter every notebook.

    Args:
        seed: seed for Python, NumPy and TensorFlow (see ``course.training.set_seed``).
        quiet_tensorflow: hide TensorFlow's C++ log lines (``TF_CPP_MIN_LOG_LEVEL=3``).

    Returns:
        The facts printed, as a dict (``python``, ``tensorflow``, ``keras``, ``device``, ``mode``).

    Example:
        >>> from course.setup import setup_notebook
        >>> facts = setup_notebook()     # doctest: +SKIP

    Taught in every chapter's first cell.
    """
    if quiet_tensorflow:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    from course import __version__
    from course.device import configure_gpus, describe_device
    from course.training import set_seed

    configure_gpus()
    set_seed(seed)
    facts = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "course": __version__,
        "device": describe_device(),
        "mode": mode(),
    }
    print(f"Python {facts['python']} | TensorFlow {facts['tensorflow']} | Keras {facts['keras']} | course {facts['course']}")
    if sys.version_info < (3, 11):
        print("Warning: this course is tested on Python 3.11; older versions may fail.")
    if _major_minor(tf.__version__) != EXPECTED_TENSORFLOW:
        print(
            f"Warning: this course is tested with TensorFlow {EXPECTED_TENSORFLOW[0]}.{EXPECTED_TENSORFLOW[1]}; "
            f"you have {tf.__version__}. If something breaks: pip install -e . (from the course folder)."
        )
    print(f"Device: {facts['device']}")
    if facts["mode"] == "ci":
        print("Run size: CI-sized (COURSE_MODE=ci): small data, few epochs; accuracies will be low. Unset COURSE_MODE to learn.")
    else:
        print("Run size: full.")
    return facts
