"""What an executed notebook holds after `course run`: no TensorFlow C++ logs, the GPU hint once, the live curves' final figure.

One small notebook (the setup cell, a 5-epoch fit, a headline) is written by
the test and executed once through `course run` (the CLI), exactly the path a
learner's `course run` takes; each test checks one thing in the result.
"""

import re

import nbformat
import pytest

from course.cli import main

#: TensorFlow's C++ log prefixes, written down here independently of course.setup:
TF_LOG_PREFIXES = (
    re.compile(r"All log messages before absl::InitializeLog"),              # absl's notice
    re.compile(r"^[IWEF]\d{4} \d\d:\d\d:[\d.]+\s+\d+ \S+:\d+\]", re.M),       # absl: I0000 00:00:17.. 1251 cudart_stub.cc:31]
    re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWEF] \S+:\d+\]", re.M),  # TSL: 2026-01-05 10:00:00.12: I tensorflow/...]
    re.compile(r"cudart_stub|cuda_dnn|cuda_blas|cuda_fft|cuInit|oneDNN custom operations|cpu_feature_guard"),
)

SETUP = "from course.setup import setup_notebook\nsetup_notebook();"
TRAIN = """import numpy as np
import keras
from course.training import compile_classifier, fit

rng = np.random.default_rng(0)
x = rng.random((256, 8)).astype("float32")
y = (x[:, 0] + x[:, 1] > 1).astype("int32")
model = compile_classifier(keras.Sequential([keras.Input((8,)), keras.layers.Dense(2, activation="softmax")]))
history = fit(model, x[:200], y[:200], epochs=5, batch_size=50, validation_data=(x[200:], y[200:]), verbose=2)
fit(model, x[:200], y[:200], epochs=1, verbose=0);"""
HEADLINE = "from course.results import headline\nheadline('validation accuracy', history.history['val_accuracy'][-1])"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The small notebook, executed by `course run` with TF_CPP_MIN_LOG_LEVEL unset, as in a fresh shell."""
    root = tmp_path_factory.mktemp("course")
    (root / "solutions").mkdir()
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in (SETUP, TRAIN, HEADLINE)]
    nbformat.write(notebook, root / "solutions" / "07_small.ipynb")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
        patch.delenv("COURSE_MODE", raising=False)
        # ipykernel forwards what C++ code writes to file descriptor 2 into the cell's
        # stderr, except under pytest (it checks PYTEST_CURRENT_TEST, which the kernel
        # would inherit): without this, TensorFlow's lines would never reach the notebook.
        patch.delenv("PYTEST_CURRENT_TEST", raising=False)
        code = main(["run", "07_small", "--out", str(root / "build")])
    assert code == 0, "the small notebook must run to its end"
    return nbformat.read(root / "build" / "07_small.ipynb", as_version=4)


def _stderr(notebook) -> str:
    return "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code"
                   for o in c.outputs if o.output_type == "stream" and o.name == "stderr")


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


@pytest.mark.slow
def test_no_tensorflow_log_line_reaches_any_cell(executed):
    stderr = _stderr(executed)
    found = [pattern.pattern for pattern in TF_LOG_PREFIXES if pattern.search(stderr)]
    assert found == [], f"TensorFlow C++ log lines in the executed notebook's stderr:\n{stderr}"


@pytest.mark.slow
def test_the_gpu_hint_is_printed_once_in_the_setup_cell(executed):
    hint = "pip install \"tensorflow[and-cuda]"
    counts = [_stdout(cell).count(hint) for cell in executed.cells]
    assert counts == [1, 0, 0]


@pytest.mark.slow
def test_each_fit_still_says_where_it_trains(executed):
    assert _stdout(executed.cells[1]).count("Training on CPU") == 2


@pytest.mark.slow
def test_the_live_curves_leave_one_final_figure_in_the_training_cell(executed):
    figures = [o for o in executed.cells[1].outputs if "image/png" in o.get("data", {})]
    assert len(figures) == 1, "one figure, updated in place, not one per epoch"
    assert figures[0].data["text/plain"].startswith("Training curves: epoch 5/5")
    assert "validation" in figures[0].data["text/plain"]


@pytest.mark.slow
def test_keras_epoch_lines_stay_beside_the_live_figure(executed):
    assert _stdout(executed.cells[1]).count("Epoch ") == 5
