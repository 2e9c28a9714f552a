"""The first cell of every notebook: check versions, report the device, seed.

Modelled on handson-ml3's opening cells: it never fails for want of a GPU.
It says what it found and, where something is off, what to do about it.

It also keeps TensorFlow's C++ start-up lines out of the notebook. Setting
``TF_CPP_MIN_LOG_LEVEL=3`` silences TensorFlow's own logging, but not the lines
that libraries inside TensorFlow write through absl before absl's logging is
initialised: on a CPU machine (TensorFlow 2.21) ``import tensorflow`` writes, twice,

    WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
    I0000 00:00:1796287442.629293    1251 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.

and GPU builds have written cuDNN/cuFFT/cuBLAS "Unable to register ... factory"
lines the same way. So the import runs inside :func:`filtered_native_stderr`,
which drops the lines matching :data:`TF_LOG_PATTERNS` and passes on the rest.
"""

from __future__ import annotations

import contextlib
import os
import platform
import re
import sys
import tempfile
from typing import Iterator

from course.config import mode, short_run_note

EXPECTED_TENSORFLOW = (2, 21)
#: Oldest and newest Python (major, minor) the course is tested on; pyproject.toml says the same.
SUPPORTED_PYTHON = ((3, 11), (3, 13))

#: TensorFlow's C++ log lines, as written to file descriptor 2.
TF_LOG_PATTERNS = (
    # absl's notice before its first line:
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR\s*$"),
    # absl's line format, e.g. "I0000 00:00:1796287442.629293    1251 cudart_stub.cc:31] Could not find cuda drivers ..."
    # or "E0000 00:00:1716 ... cuda_dnn.cc:8310] Unable to register cuDNN factory ...":
    re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d+(\.\d+)?\s+\d+ [\w./-]+:\d+\] "),
    # TensorFlow's own format, e.g. "2026-01-05 10:00:00.123456: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on ...":
    re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] [\w./-]+:\d+\] "),
    # the second line of the CPU-instructions notice (cpu_feature_guard.cc):
    re.compile(r"^To enable the following instructions: .* rebuild TensorFlow with the appropriate compiler flags\.\s*$"),
)


def is_tensorflow_log_line(line: str) -> bool:
    """Return True when ``line`` is one of TensorFlow's C++ log lines (:data:`TF_LOG_PATTERNS`).

    Example:
        >>> is_tensorflow_log_line("I0000 00:00:1796287442.629293    1251 cudart_stub.cc:31] Could not find cuda drivers")
        True
        >>> is_tensorflow_log_line("Epoch 1/20")
        False

    Not taught: :func:`filtered_native_stderr` uses it.
    """
    return any(pattern.match(line) for pattern in TF_LOG_PATTERNS)


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Run a block with file descriptor 2 captured; then write back every line but TensorFlow's C++ log lines.

    C++ code writes to the process's file descriptor 2, below Python's
    ``sys.stderr``; in a Jupyter kernel ipykernel forwards that descriptor to
    the cell's stderr. Python's own ``sys.stderr`` (warnings, tracebacks) is
    not affected, and any other line written meanwhile is passed on after the block.

    Example:
        >>> with filtered_native_stderr():
        ...     import tensorflow                                     # doctest: +SKIP

    Not taught: :func:`setup_notebook` imports TensorFlow inside it.
    """
    with contextlib.suppress(Exception):
        sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as capture:
            os.dup2(capture.fileno(), 2)
            try:
                yield
            finally:
                with contextlib.suppress(Exception):
                    sys.stderr.flush()
                os.dup2(saved, 2)
                capture.seek(0)
                text = capture.read().decode("utf-8", errors="replace")
                kept = "".join(line for line in text.splitlines(keepends=True) if not is_tensorflow_log_line(line))
                if kept:
                    sys.stderr.write(kept)
                    sys.stderr.flush()
    finally:
        os.close(saved)


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split(".")
    return int(parts[0]), int(parts[1])


def setup_notebook(seed: int = 42, quiet_tensorflow: bool = True) -> dict[str, str]:
    """Prepare a chapter notebook: versions, device, run size and seeds.

    Prints one line per fact and a hint where something is unusual (an old
    TensorFlow, an untested Python, no GPU: the GPU hint is printed here, once
    per notebook, and not at every ``fit``; the CI-sized run). Silences
    TensorFlow's C++ start-up log lines, which would otherwise clutter every notebook.

    Args:
        seed: seed for Python, NumPy and TensorFlow (see ``course.training.set_seed``).
        quiet_tensorflow: hide TensorFlow's C++ log lines (``TF_CPP_MIN_LOG_LEVEL=3``
            unless already set, and the import run inside :func:`filtered_native_stderr`).

    Returns:
        The facts printed, as a dict (``python``, ``tensorflow``, ``keras``, ``device``, ``mode``).

    Example:
        >>> from course.setup import setup_notebook
        >>> facts = setup_notebook()     # doctest: +SKIP

    Taught in every chapter's first cell.
    """
    if quiet_tensorflow:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    with filtered_native_stderr() if quiet_tensorflow else contextlib.nullcontext():
        import keras
        import tensorflow as tf

        from course import __version__
        from course.device import configure_gpus, describe_device
        from course.training import set_seed

        configure_gpus()
        set_seed(seed)
        tf.zeros(())  # starts TensorFlow's runtime and its devices now, inside the filter
        device = describe_device()
    facts = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "course": __version__,
        "device": device,
        "mode": mode(),
    }
    print(f"Python {facts['python']} | TensorFlow {facts['tensorflow']} | Keras {facts['keras']} | course {facts['course']}")
    (low, high) = SUPPORTED_PYTHON
    if not low <= sys.version_info[:2] <= high:
        print(f"Warning: this course is tested on Python {low[0]}.{low[1]} to {high[0]}.{high[1]}; "
              f"you have {facts['python']}. If something breaks, use a Python {high[0]}.{high[1]} virtual environment "
              "or conda with environment.yml (see the README's quick start).")
    if _major_minor(tf.__version__) != EXPECTED_TENSORFLOW:
        print(
            f"Warning: this course is tested with TensorFlow {EXPECTED_TENSORFLOW[0]}.{EXPECTED_TENSORFLOW[1]}; "
            f"you have {tf.__version__}. If something breaks: pip install -e . (from the course folder)."
        )
    print(f"Device: {facts['device']}")
    if short_run_note():  # said once, and only when the run is not full size
        print(short_run_note())
    return facts
