"""The first cell of every notebook."""

from course.device import GPU_HINT, describe_device, enable_mixed_precision
from course.setup import setup_notebook


def test_setup_reports_versions_device_and_mode(capsys, ci_mode):
    facts = setup_notebook()
    out = capsys.readouterr().out
    assert facts["tensorflow"].startswith("2.21") and facts["mode"] == "ci"
    assert "TensorFlow 2.21" in out and "Device:" in out and "CI-sized" in out


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
