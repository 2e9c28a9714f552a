"""What importing the course costs: the light modules load no TensorFlow; the Keras classes are plain module attributes."""

import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras")


def _heavy_modules_after(statement: str) -> list[str]:
    """Run ``statement`` in a fresh interpreter; return which of HEAVY it left in ``sys.modules``."""
    probe = f"import sys\n{statement}\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [m for m in done.stdout.strip().split(",") if m]


@pytest.mark.parametrize("module", ["course", "course.config", "course.arguments", "course.plots", "course.data"])
def test_importing_a_light_module_loads_no_tensorflow(module):
    assert _heavy_modules_after(f"import {module}") == []


def test_importing_course_plots_loads_no_matplotlib_until_a_plot_is_drawn():
    probe = "import sys\nimport course.plots\nprint('matplotlib' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "False", done.stderr


@pytest.mark.parametrize("module, names", [
    ("course.models", ("PositionalEmbedding", "TransformerEncoderBlock")),
    ("course.training", ("EpochTimer", "SmoothedSparseCrossentropy")),
    ("course.gan", ("GAN", "SampleGrid", "QualityTracker")),
])
def test_keras_classes_are_defined_at_module_level(module, names):
    import importlib

    namespace = vars(importlib.import_module(module))
    assert "__getattr__" not in namespace, f"{module} should not create attributes lazily"
    for name in names:
        assert isinstance(namespace.get(name), type) and namespace[name].__module__ == module
