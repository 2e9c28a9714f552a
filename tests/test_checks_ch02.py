"""Chapter 2 checkers: the hints a learner gets for typical mistakes (stubs and crashes: test_checks_every_chapter.py)."""

import numpy as np

from course.checks import ch02_cnn as check
from course.checks import chapter_exercises
from course.checks.core import ERROR, FAILED, PASSED

SEED = 2


def test_the_chapter_lists_six_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("02_cnn")]
    assert names == ["conv2d_single", "conv_output_shape", "conv2d_forward", "conv_param_count", "max_pool2d", "small_cnn"]


# --- conv2d_single -------------------------------------------------------------


def test_the_reference_matches_keras_conv2d_on_random_input():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 9, 9, 1)).astype("float32")
    kernel = rng.normal(size=(3, 3)).astype("float32")
    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    layer.build(x.shape)
    layer.set_weights([kernel[:, :, None, None]])
    ours = check.conv2d_single_reference(x[0, :, :, 0], kernel, stride=2, padding=1)
    assert np.allclose(ours, layer(x).numpy()[0, :, :, 0], atol=1e-5)


def test_a_flipped_kernel_is_named_as_true_convolution():
    flipped = lambda x, k, s=1, p=0: check.conv2d_single_reference(x, k[::-1, ::-1], s, p)  # noqa: E731
    result = check.conv2d_single.check(flipped, seed=SEED, quiet=True)
    assert result.status == FAILED and "flipped" in result.message and "cross-correlation" in result.message


def test_an_ignored_stride_is_named():
    no_stride = lambda x, k, s=1, p=0: check.conv2d_single_reference(x, k, 1, p)  # noqa: E731
    result = check.conv2d_single.check(no_stride, seed=SEED, quiet=True)
    assert result.status == FAILED and "stride is ignored" in result.message


def test_ignored_padding_is_named():
    no_padding = lambda x, k, s=1, p=0: check.conv2d_single_reference(x, k, s, 0)  # noqa: E731
    result = check.conv2d_single.check(no_padding, seed=SEED, quiet=True)
    assert result.status == FAILED and "padding is ignored" in result.message


def test_the_checker_does_not_print_the_whole_expected_output():
    zeros = lambda x, k, s=1, p=0: np.zeros_like(check.conv2d_single_reference(x, k, s, p))  # noqa: E731
    result = check.conv2d_single.check(zeros, seed=SEED, quiet=True)
    assert result.status == FAILED and "wrong value at index" in result.message and "\n" not in result.message


# --- conv_output_shape and conv_param_count ------------------------------------


def test_output_shape_with_ceil_instead_of_floor_is_named():
    ceil = lambda n, k, s=1, p=0: int(np.ceil((n + 2 * p - k) / s)) + 1  # noqa: E731
    result = check.conv_output_shape.check(ceil, seed=SEED, quiet=True)
    assert result.status == FAILED and "floor" in result.message


def test_output_shape_without_the_plus_one_is_named():
    result = check.conv_output_shape.check(lambda n, k, s=1, p=0: (n + 2 * p - k) // s, seed=SEED, quiet=True)
    assert result.status == FAILED and "add 1" in result.message


def test_output_shape_with_one_sided_padding_is_named():
    result = check.conv_output_shape.check(lambda n, k, s=1, p=0: (n + p - k) // s + 1, seed=SEED, quiet=True)
    assert result.status == FAILED and "2p" in result.message


def test_param_count_without_bias_is_named():
    result = check.conv_param_count.check(lambda kh, kw, ci, co: kh * kw * ci * co, seed=SEED, quiet=True)
    assert result.status == FAILED and "bias" in result.message


def test_param_count_ignoring_input_channels_is_named():
    result = check.conv_param_count.check(lambda kh, kw, ci, co: (kh * kw + 1) * co, seed=SEED, quiet=True)
    assert result.status == FAILED and "c_in" in result.message


def test_param_count_formula_matches_keras_count_params():
    import keras

    layer = keras.layers.Conv2D(7, (3, 5))
    layer.build((None, 12, 12, 4))
    assert layer.count_params() == check.conv_param_count_reference(3, 5, 4, 7)


# --- conv2d_forward --------------------------------------------------------------


def test_forward_without_bias_is_named():
    no_bias = lambda x, W, b, s=1, p=0: check.conv2d_forward_reference(x, W, np.zeros_like(b), s, p)  # noqa: E731
    result = check.conv2d_forward.check(no_bias, seed=SEED, quiet=True)
    assert result.status == FAILED and "bias is missing" in result.message


def test_forward_padding_the_channel_axis_too_fails_on_shape():
    def pads_everything(x, W, b, s=1, p=0):
        x = np.pad(x, p)  # pads batch and channels as well
        return check.conv2d_forward_reference(x, W[:, :, :1].repeat(x.shape[-1], axis=2), b, s, 0)

    result = check.conv2d_forward.check(pads_everything, seed=SEED, quiet=True)
    assert result.status == FAILED and "wrong shape" in result.message


# --- max_pool2d -----------------------------------------------------------------


def test_average_pooling_is_named():
    result = check.max_pool2d.check(check._average_pool, seed=SEED, quiet=True)
    assert result.status == FAILED and "average pooling" in result.message


def test_pooling_that_starts_from_zero_fails_on_negative_inputs():
    clipped = lambda x, size=2, stride=2: np.maximum(check.max_pool2d_reference(x, size, stride), 0)  # noqa: E731
    result = check.max_pool2d.check(clipped, seed=SEED, quiet=True)
    assert result.status == FAILED and "negative" in result.message


def test_the_reference_pooling_matches_keras():
    import keras

    x = np.random.default_rng(3).normal(size=(2, 7, 7, 3)).astype("float32")
    assert np.allclose(check.max_pool2d_reference(x, 2, 2), keras.layers.MaxPooling2D(2)(x).numpy())


# --- small_cnn (trains in CI size: 2,000 images, 1 epoch) ------------------------


def _compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_the_reference_cnn_is_within_budget_and_passes(ci_mode):
    assert check.build_small_cnn_reference().count_params() <= check.SMALL_CNN_MAX_PARAMS
    result = check.small_cnn.check(check.build_small_cnn_reference, quiet=True)
    assert result.status == PASSED, result.message


def test_a_cnn_that_cannot_learn_fails_below_the_target(ci_mode):
    import keras

    def frozen():
        model = check.build_small_cnn_reference()
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
        return model

    result = check.small_cnn.check(frozen, quiet=True)
    assert result.status == FAILED and "below the target" in result.message


def test_a_cnn_over_the_parameter_budget_fails_without_training(ci_mode):
    from course.models import build_lenet

    result = check.small_cnn.check(lambda: _compiled(build_lenet()), quiet=True)
    assert result.status == FAILED and "budget is 100,000" in result.message


def test_an_uncompiled_cnn_is_told_to_compile(ci_mode):
    from course.models import build_cnn_bn

    result = check.small_cnn.check(lambda: build_cnn_bn(filters=(8, 16), dense=16), quiet=True)
    assert result.status == ERROR and "not compiled" in result.message


def _stub(*args):
    raise NotImplementedError()


def test_yours_or_reference_falls_back_to_the_reference_for_a_stub(capsys):
    assert check.yours_or_reference("max_pool2d", _stub) is check.max_pool2d_reference
    assert "stands in" in capsys.readouterr().out
