"""Live training curves: drawn in place in Jupyter, nothing outside it, the History untouched."""

import types

import numpy as np
import pytest

from course import live, training
from course.live import LiveCurves, curves_summary, in_jupyter, render_curves
from course.models import build_mlp
from course.training import compile_classifier, fit, live_callbacks, set_seed


def _data(n=64):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 8)).astype("float32"), rng.integers(0, 3, size=n)


def _model():
    set_seed(0)
    return compile_classifier(build_mlp(8, hidden=(8,), n_classes=3))


class FakeHandle:
    """Stands in for IPython's DisplayHandle: records what was shown and each update."""

    def __init__(self, shown):
        self.shown = shown

    def update(self, bundle, raw=False):
        self.shown.append(("update", bundle))


@pytest.fixture
def fake_jupyter(monkeypatch):
    """Pretend to be inside a Jupyter kernel; return the list of (display|update, bundle) calls."""
    import IPython.display

    shown = []

    def display(bundle, raw=False, display_id=None):
        shown.append(("display", bundle))
        return FakeHandle(shown)

    monkeypatch.setattr(IPython.display, "display", display)
    monkeypatch.setattr(live, "in_jupyter", lambda: True)
    monkeypatch.setattr(training, "in_jupyter", lambda: True)
    return shown


def test_outside_jupyter_nothing_is_displayed():
    assert in_jupyter() is False
    callback = LiveCurves()
    x, y = _data()
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[callback])
    assert callback._handle is None and len(callback.history["loss"]) == 2


def test_in_jupyter_one_display_is_replaced_at_each_epoch(fake_jupyter):
    x, y = _data()
    _model().fit(x, y, epochs=3, validation_data=(x, y), verbose=0, callbacks=[LiveCurves(min_interval=0, max_draw_share=1.0)])
    kinds = [kind for kind, _ in fake_jupyter]
    assert kinds == ["display", "update", "update", "update"]
    final = fake_jupyter[-1][1]
    assert final["text/plain"].startswith("Training curves: epoch 3/3") and "image/png" in final


def test_redraws_are_spaced_by_min_interval_but_the_last_epoch_is_drawn(fake_jupyter):
    x, y = _data()
    _model().fit(x, y, epochs=4, verbose=0, callbacks=[LiveCurves(min_interval=3600, max_draw_share=1.0)])
    texts = [bundle["text/plain"] for _, bundle in fake_jupyter]
    assert len(texts) == 3 and "epoch 1/4" in texts[1] and "epoch 4/4" in texts[2]


def test_fit_adds_live_curves_in_jupyter_for_more_than_a_few_epochs(fake_jupyter):
    assert [type(c) for c in live_callbacks(None, epochs=4)] == [LiveCurves]
    assert live_callbacks(None, epochs=3) == []


def test_a_silent_fit_stays_silent_in_jupyter(fake_jupyter):
    assert live_callbacks(None, epochs=20, verbose=0) == []


def test_live_false_turns_the_curves_off_in_jupyter(fake_jupyter):
    assert live_callbacks(False, epochs=20) == []


def test_outside_jupyter_fit_adds_no_curves_by_default():
    assert live_callbacks(None, epochs=20) == []


def test_fit_rejects_a_live_setting_other_than_none_true_or_false():
    x, y = _data()
    with pytest.raises(ValueError, match=r"live must be one of None, True or False; got 'yes'\."):
        fit(_model(), x, y, epochs=1, verbose=0, live="yes")


def test_live_curves_leave_the_history_unchanged(fake_jupyter):
    x, y = _data()
    with_curves = fit(_model(), x, y, epochs=4, batch_size=16, verbose=0, live=True).history
    without = fit(_model(), x, y, epochs=4, batch_size=16, verbose=0, live=False).history
    assert sorted(with_curves) == sorted(without)
    np.testing.assert_allclose(with_curves["loss"], without["loss"], rtol=1e-6)


def test_the_figure_is_a_png_with_one_panel_per_metric():
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()  # other tests may have left figures open
    png = render_curves({"loss": [0.9, 0.5], "val_loss": [1.0, 0.6], "accuracy": [0.6, 0.8]})
    assert png[:4] == b"\x89PNG" and plt.get_fignums() == open_before


def test_the_summary_line_gives_the_last_values():
    assert curves_summary({"loss": [0.9, 0.5], "val_loss": [1.0, 0.6], "accuracy": [0.7, 0.8]}) == (
        "loss 0.5000 (validation 0.6000) | accuracy 0.8000")
