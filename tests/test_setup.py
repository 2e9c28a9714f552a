"""The first cell of every notebook."""

from course.device import GPU_HINT, describe_device, enable_mixed_precision
from course.setup import setup_notebook


def test_setup_reports_versions_device_and_mode(capsys, ci_mode):
    facts = setup_notebook()
    out = capsys.readouterr().out
    assert facts["tensorflow"].startswith("2.21") and facts["mode"] == "ci"
    assert "TensorFlow 2.21" in out and "Device:" in out and "Run size: shortened" in out


def test_cpu_machine_gets_a_hint_not_an_error():
    # CI and the development machines have no GPU.
    assert describe_device().startswith("CPU") and GPU_HINT in describe_device()


def test_mixed_precision_rejects_a_setting_other_than_true_false_or_auto():
    import pytest

    with pytest.raises(ValueError, match=r"enabled must be one of True, False or 'auto'; got 'on'\."):
        enable_mixed_precision("on")


def test_mixed_precision_auto_stays_off_on_cpu():
    import keras

    assert enable_mixed_precision("auto") is False
    assert keras.mixed_precision.global_policy().name == "float32"


# --- TensorFlow's C++ log lines ------------------------------------------------

def test_tensorflow_log_lines_are_recognised():
    from course.setup import is_tensorflow_log_line

    lines = [  # as TensorFlow 2.21 writes them on a CPU machine, and as GPU builds have written them
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
        "I0000 00:00:1796287442.629293    1251 cudart_stub.cc:31] Could not find cuda drivers on your machine, GPU will not be used.",
        "E0000 00:00:1796287506.587992    1746 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error",
        "E0000 00:00:1716379224.123456    1234 cuda_dnn.cc:8310] Unable to register cuDNN factory: Attempting to register factory for plugin cuDNN when one has already been registered",
        "W0000 00:00:1716379224.123456    1234 computation_placer.cc:177] computation placer already registered.",
        "2026-01-05 10:00:00.123456: I tensorflow/core/util/port.cc:153] oneDNN custom operations are on.",
        "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the appropriate compiler flags.",
    ]
    assert [line for line in lines if not is_tensorflow_log_line(line)] == []


def test_other_stderr_lines_are_not_taken_for_tensorflow_logs():
    from course.setup import is_tensorflow_log_line

    lines = ["Epoch 1/20", "UserWarning: Do not pass an `input_shape`", "I0 said hello", "WARNING: a learner's own warning"]
    assert [line for line in lines if is_tensorflow_log_line(line)] == []


def test_the_filter_drops_tensorflow_lines_written_to_fd_2_and_keeps_the_others(capfd):
    import os

    from course.setup import filtered_native_stderr

    with filtered_native_stderr():
        os.write(2, b"I0000 00:00:1796287442.629293    1251 cudart_stub.cc:31] Could not find cuda drivers\n")
        os.write(2, b"a line of my own\n")
    err = capfd.readouterr().err
    assert err == "a line of my own\n"


def test_the_supported_pythons_match_pyproject():
    import tomllib
    from pathlib import Path

    from packaging.specifiers import SpecifierSet

    from course.setup import SUPPORTED_PYTHON

    spec = SpecifierSet(tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]["requires-python"])
    (low, high) = SUPPORTED_PYTHON
    assert f"{low[0]}.{low[1]}" in spec and f"{high[0]}.{high[1]}" in spec
    assert f"{low[0]}.{low[1] - 1}" not in spec and f"{high[0]}.{high[1] + 1}" not in spec


def test_setup_warns_on_an_untested_python(capsys, monkeypatch):
    import sys

    monkeypatch.setattr(sys, "version_info", (3, 14, 0, "final", 0))
    setup_notebook()
    assert "tested on Python 3.11 to 3.13" in capsys.readouterr().out
