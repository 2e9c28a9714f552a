"""Chapter 1 plots return labelled figures."""

import numpy as np
import pytest

from course.plots import ACTIVATIONS, plot_activations, plot_history

HISTORY = {"loss": [1.0, 0.6, 0.4], "val_loss": [1.1, 0.8, 0.7], "accuracy": [0.6, 0.8, 0.85], "val_accuracy": [0.55, 0.75, 0.8]}


def test_activations_figure_has_one_panel_per_activation_plus_softmax():
    fig = plot_activations()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == list(ACTIVATIONS) + ["softmax of (z, 1, 0)"]


def test_activation_panels_show_the_function_and_its_derivative():
    fig = plot_activations(names=["ReLU"])
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "ReLU(z)" in labels and "derivative" in labels


def test_relu_derivative_is_zero_for_negative_inputs():
    _, derivative = ACTIVATIONS["ReLU"]
    assert np.all(derivative(np.array([-2.0, -0.1])) == 0)


def test_unknown_activation_is_named():
    with pytest.raises(ValueError, match=r"each entry of names must be one of 'sigmoid', .*; got 'swishy'\."):
        plot_activations(names=["swishy"])


def test_history_plot_draws_train_and_validation_per_metric():
    fig = plot_history(HISTORY)
    assert [ax.get_title() for ax in fig.axes] == ["loss", "accuracy"]
    assert all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    assert len(fig.axes[0].get_lines()) == 2


def test_history_plot_overlays_several_runs_with_their_names():
    fig = plot_history({"SGD": HISTORY, "Adam": HISTORY})
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["SGD train", "SGD validation", "Adam train", "Adam validation"]


def test_history_plot_names_a_missing_metric():
    with pytest.raises(ValueError, match=r"each entry of metrics must be a metric some run recorded "
                                         r"\(accuracy, loss, val_accuracy, val_loss\); got 'auc'\."):
        plot_history(HISTORY, metrics=("auc",))


def test_history_plot_rejects_something_that_is_not_a_history():
    with pytest.raises(TypeError, match="keras History"):
        plot_history([1, 2, 3])
