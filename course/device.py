"""Which device TensorFlow trains on, and the GPU settings that help it.

The course runs on a laptop CPU and uses a GPU whenever TensorFlow sees one.
Nothing here fails on a machine without a GPU: it reports the CPU and says in
one line how to get the GPU build.
"""

from __future__ import annotations

import os
import platform

from course.arguments import check_one_of

GPU_HINT = (
    "No GPU visible to TensorFlow: training runs on the CPU (fine for this course, slower for "
    "chapters 2, 4 and 5). On Linux with an NVIDIA GPU: pip install \"tensorflow[and-cuda]~=2.21.0\"."
)


def gpu_names() -> list[str]:
    """Return the names of the GPUs TensorFlow can use (empty list on a CPU machine).

    Example:
        >>> gpu_names()                  # doctest: +SKIP
        ['NVIDIA H200']

    Not taught: :func:`describe_device` reports them in every notebook's first cell.
    """
    import tensorflow as tf

    names = []
    for gpu in tf.config.list_physical_devices("GPU"):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(details.get("device_name", gpu.name))
    return names


def configure_gpus() -> None:
    """Let TensorFlow grow GPU memory as needed instead of taking it all at start.

    Must run before the first tensor is placed on a GPU; calling it later (or on
    a CPU machine) does nothing.

    Example:
        >>> configure_gpus()

    Not taught: every notebook's first cell (:func:`course.setup.setup_notebook`) and
    :func:`course.training.fit` call it.
    """
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # GPUs already initialised: the setting is fixed now.
            pass


def describe_device() -> str:
    """Return one line saying where TensorFlow trains: GPU name(s), or CPU plus a hint.

    Example:
        >>> describe_device()            # doctest: +SKIP
        'CPU (x86_64, 2 cores). No GPU visible to TensorFlow: ...'

    Not taught: printed by every notebook's first cell and by :func:`course.training.fit`.
    """
    names = gpu_names()
    if names:
        return "GPU: " + ", ".join(names)
    return f"CPU ({platform.machine()}, {os.cpu_count()} cores). {GPU_HINT}"


def supports_mixed_precision() -> bool:
    """Return True when a visible GPU has tensor cores (compute capability 7.0 or newer).

    Mixed precision (float16 maths, float32 weights) speeds those GPUs up by 2-3x;
    on a CPU it is slower, so the course only turns it on where it helps.

    Example:
        >>> supports_mixed_precision()   # doctest: +SKIP
        False

    Not taught: :func:`enable_mixed_precision` asks it.
    """
    import tensorflow as tf

    for gpu in tf.config.list_physical_devices("GPU"):
        capability = tf.config.experimental.get_device_details(gpu).get("compute_capability")
        if capability and capability >= (7, 0):
            return True
    return False


def enable_mixed_precision(enabled: bool | str = "auto") -> bool:
    """Set Keras's global dtype policy to ``mixed_float16`` where it helps.

    Args:
        enabled: True forces it on, False sets plain ``float32``, ``"auto"``
            turns it on only on a GPU with tensor cores.

    Returns:
        Whether mixed precision is now on. Call it before building models:
        the policy applies to layers created afterwards.

    Example:
        >>> enable_mixed_precision("auto")   # doctest: +SKIP
        False

    Not taught: call it before building a model, to train faster on a recent GPU.
    """
    import keras

    check_one_of("enabled", enabled, (True, False, "auto"))
    on = supports_mixed_precision() if enabled == "auto" else bool(enabled)
    keras.mixed_precision.set_global_policy("mixed_float16" if on else "float32")
    return on
