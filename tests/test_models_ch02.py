"""Chapter 2 model builders (LeNet, seed CNN, BatchNorm CNN, augmentation) and plots."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course.checks.ch02_cnn import conv_param_count_reference  # noqa: E402
from course.models import build_augmentation, build_cnn_bn, build_lenet, build_seed_cnn  # noqa: E402
from course.plots import plot_confusion_matrix, plot_feature_maps, plot_filters, plot_misclassified  # noqa: E402

IMAGES = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")


def _conv_layers(model):
    import keras

    return [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]


# --- builders -------------------------------------------------------------------


def test_lenet_maps_28x28x1_images_to_10_probabilities():
    model = build_lenet()
    assert tuple(model.output.shape) == (None, 10)
    probabilities = model.predict(IMAGES, verbose=0)
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


def test_lenet_is_two_conv_pool_stages_then_dense_and_dropout():
    kinds = [layer.__class__.__name__ for layer in build_lenet().layers[1:]]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout", "Dense"]


def test_lenet_conv_parameters_follow_the_formula():
    convs = _conv_layers(build_lenet())
    assert [c.count_params() for c in convs] == [conv_param_count_reference(3, 3, 1, 32), conv_param_count_reference(3, 3, 32, 64)]


def test_lenet_total_parameter_count():
    # conv 320 + conv 18,496 + dense (7*7*64*256 + 256) + softmax (256*10 + 10)
    assert build_lenet().count_params() == 320 + 18_496 + 803_072 + 2_570


def test_lenet_without_dropout_has_no_dropout_layer():
    assert not any(layer.__class__.__name__ == "Dropout" for layer in build_lenet(dropout=0).layers)


def test_seed_cnn_matches_the_seed_tutorial():
    model = build_seed_cnn()
    shapes = [tuple(layer.output.shape[1:]) for layer in model.layers[1:]]
    assert shapes[:4] == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64)]
    assert model.get_layer("dense").units == 128 and model.get_layer("dropout").rate == 0.5
    assert model.count_params() == 225_034


def test_cnn_bn_blocks_are_conv_batchnorm_relu_pool_without_conv_bias():
    model = build_cnn_bn(filters=(8, 16))
    kinds = [layer.__class__.__name__ for layer in model.layers[1:9]]
    assert kinds == ["Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D"] * 2
    assert all(not conv.use_bias for conv in _conv_layers(model))
    assert tuple(model.output.shape) == (None, 10)


def test_cnn_bn_halves_the_size_in_each_block():
    model = build_cnn_bn(filters=(32, 64, 128))
    assert tuple(model.get_layer("pool_3").output.shape[1:]) == (3, 3, 128)


def test_cnn_bn_with_two_convs_per_block_stacks_conv_bn_relu_twice_before_each_pool():
    model = build_cnn_bn(filters=(8, 16), convs_per_block=2)
    kinds = [layer.__class__.__name__ for layer in model.layers[1:8]]
    assert kinds == ["Conv2D", "BatchNormalization", "ReLU"] * 2 + ["MaxPooling2D"]
    assert [conv.name for conv in _conv_layers(model)] == ["conv_1", "conv_1_2", "conv_2", "conv_2_2"]
    assert tuple(model.get_layer("pool_2").output.shape[1:]) == (7, 7, 16)


def test_augmentation_shifts_whole_pixels_without_blurring():
    images = np.zeros((4, 28, 28, 1), "float32")
    images[:, 10:18, 10:18] = 1.0                     # a white square: any blur would make grey pixels
    shifted = build_augmentation(translate=0.1, flip=False)(images, training=True).numpy()
    assert set(np.unique(shifted)) <= {0.0, 1.0}, "translation interpolated between pixels (blurred the images)"
    assert not np.array_equal(shifted, images)


def test_augmentation_changes_images_only_in_training():
    augment = build_augmentation(translate=0.2, flip=True, zoom=0.1)
    assert np.array_equal(augment(IMAGES, training=False).numpy(), IMAGES)
    assert not np.array_equal(augment(IMAGES, training=True).numpy(), IMAGES)


def test_cnn_bn_with_augmentation_predicts_deterministically():
    model = build_cnn_bn(filters=(8,), dense=8, augmentation=build_augmentation())
    first, second = model.predict(IMAGES, verbose=0), model.predict(IMAGES, verbose=0)
    assert np.allclose(first, second)


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (build_lenet, {"input_shape": (28, 28)}, r"input_shape must be \(height, width, channels\)"),
        (build_lenet, {"n_classes": 0}, "n_classes must be a positive integer"),
        (build_lenet, {"dropout": 1.0}, r"dropout must be a number in \[0, 1\)"),
        (build_cnn_bn, {"filters": ()}, r"filters must be a non-empty sequence of positive integers \(one per block\)"),
        (build_cnn_bn, {"filters": (8, -1)}, "each entry of filters must be a positive integer"),
        (build_cnn_bn, {"filters": (8,) * 6}, "filters must be a sequence of at most 4 entries for 28x28 images"),
        (build_cnn_bn, {"dense": 0}, "dense must be a positive integer"),
        (build_cnn_bn, {"convs_per_block": 0}, "convs_per_block must be a positive integer"),
        (build_augmentation, {"translate": 0.7}, r"translate must be a number in \[0, 0.5\); got 0.7"),
        (build_augmentation, {"zoom": -0.1}, r"zoom must be a number in \[0, 0.5\); got -0.1"),
    ],
)
def test_builders_reject_bad_arguments_by_name(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)


# --- plots ----------------------------------------------------------------------


def test_plot_filters_draws_one_panel_per_first_layer_filter():
    fig = plot_filters(build_lenet(), max_filters=32)
    panels = [ax for ax in fig.axes if ax.get_images() and ax.get_title().startswith("filter")]
    assert len(panels) == 32 and fig._suptitle.get_text() and panels[0].get_xlabel() == "x"


def test_plot_filters_names_a_model_without_convolutions():
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="no Conv2D layer"):
        plot_filters(model)


def test_plot_feature_maps_shows_one_row_per_feature_map_layer():
    fig = plot_feature_maps(build_lenet(), IMAGES[0], max_maps=4)
    assert len(fig.axes) == 4 * 5  # conv_1, pool_1, conv_2, pool_2; input + 4 channels each
    assert fig._suptitle.get_text() and "conv_1" in fig.axes[0].get_ylabel()


def test_plot_confusion_matrix_rows_are_true_classes_with_fashion_names():
    y_true = np.array([0, 0, 1, 6, 6, 6])
    y_pred = np.array([0, 6, 1, 6, 0, 6])
    fig = plot_confusion_matrix(y_true, y_pred)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class" and ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()][6] == "Shirt"
    matrix = ax.get_images()[0].get_array()
    assert np.isclose(matrix[0, 0], 0.5) and np.isclose(matrix[6, 6], 2 / 3)


def test_plot_confusion_matrix_rejects_labels_of_different_lengths():
    with pytest.raises(ValueError, match="one label per example"):
        plot_confusion_matrix([0, 1], [0])


def test_plot_misclassified_shows_only_wrong_predictions_with_both_labels():
    fig = plot_misclassified(IMAGES, [0, 1, 6], [0, 3, 0])
    shown = [ax for ax in fig.axes if ax.get_images()]
    assert len(shown) == 2 and fig._suptitle.get_text()
    assert shown[0].get_xlabel() == "Trouser\n-> Dress" and shown[1].get_xlabel() == "Shirt\n-> T-shirt/top"
