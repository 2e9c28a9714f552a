"""Chapter 2 checkers: the references against Keras, edge cases, types, read-only arguments, hints and the small_cnn budget.

Stubs, crashes and the reference contract: test_checks_every_chapter.py. Answers
in many idioms, right and wrong: tests/corpus/ch02_cnn.py through test_corpus.py.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from course.checks import ch02_cnn as check
from course.checks import chapter_exercises
from course.checks.core import FAILED, NOT_DONE, PASSED
from course.references import ch02_cnn as ref

SEED = 2
ROOT = Path(__file__).resolve().parents[1]


def test_the_chapter_lists_six_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("02_cnn")]
    assert names == ["conv2d_single", "conv_output_shape", "conv2d_forward", "conv_param_count", "max_pool2d", "small_cnn"]


def test_every_exercise_forbids_the_chapters_references():
    for exercise in check.EXERCISES:
        assert "course.references.ch02_cnn" in exercise.forbidden_names(), exercise.id


def test_small_cnn_also_forbids_the_courses_own_cnn_builders():
    assert {"course.models:build_lenet", "course.models:build_cnn_bn", "course.models:build_seed_cnn"} <= set(check.small_cnn.forbidden_names())


# --- the references agree with Keras ----------------------------------------------


def test_the_single_channel_reference_matches_keras_conv2d_with_stride_and_padding():
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 9, 9, 1)).astype("float32")
    kernel = rng.normal(size=(3, 3)).astype("float32")
    layer = keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    layer.build(x.shape)
    layer.set_weights([kernel[:, :, None, None]])
    assert np.allclose(ref.conv2d_single(x[0, :, :, 0], kernel, stride=2, padding=1), layer(x).numpy()[0, :, :, 0], atol=1e-5)


def test_the_forward_reference_matches_keras_conv2d_with_a_non_square_kernel_and_stride_2():
    import keras

    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 8, 11, 3)).astype("float32")
    W, b = rng.normal(size=(3, 2, 3, 4)).astype("float32"), rng.normal(size=(4,)).astype("float32")
    layer = keras.layers.Conv2D(4, (3, 2), strides=2)
    layer.build(x.shape)
    layer.set_weights([W, b])
    assert np.allclose(ref.conv2d_forward(x, W, b, stride=2), layer(x).numpy(), atol=1e-4)


@pytest.mark.parametrize("size, stride", [(2, 2), (3, 2), (2, 3)])
def test_the_pooling_reference_matches_keras(size, stride):
    import keras

    x = np.random.default_rng(3).normal(size=(2, 9, 7, 3)).astype("float32")
    assert np.allclose(ref.max_pool2d(x, size, stride), keras.layers.MaxPooling2D(size, strides=stride)(x).numpy())


def test_the_param_count_formula_matches_keras_count_params():
    import keras

    layer = keras.layers.Conv2D(7, (3, 5))
    layer.build((None, 12, 12, 4))
    assert layer.count_params() == ref.conv_param_count(3, 5, 4, 7)


def test_the_output_size_formula_matches_keras_valid_convolutions_with_kernels_smaller_than_the_stride():
    import keras

    for n, k, s in [(4, 1, 3), (28, 5, 2), (9, 2, 4)]:
        layer = keras.layers.Conv2D(1, k, strides=s)
        assert layer.compute_output_shape((None, n, n, 1))[1] == ref.conv_output_shape(n, k, s)


# --- the cases cover what the statements imply ---------------------------------------


def test_the_convolution_cases_include_defaults_stride_2_padding_non_square_and_float64():
    for exercise, required in ((check.conv2d_single, 2), (check.conv2d_forward, 3)):
        cases = exercise.make_inputs(np.random.default_rng(0))
        full = [check._complete(args, required, check.CONV_DEFAULTS) for args in cases]
        assert any(len(args) == required for args in cases), exercise.id                  # called with the defaults
        assert any(args[-2] == 2 for args in full) and any(args[-1] > 0 for args in full)
        assert any(args[0].dtype == np.float64 for args in full)
        kernels = [args[1].shape[:2] for args in full]
        assert any(k_h != k_w for k_h, k_w in kernels), exercise.id
        images = [args[0].shape[1:3] if exercise is check.conv2d_forward else args[0].shape for args in full]
        assert any(h != w for h, w in images), exercise.id


def test_the_pooling_cases_include_overlapping_and_gapped_windows_and_an_all_negative_input():
    cases = [check._complete(args, 1, check.POOL_DEFAULTS) for args in check.max_pool2d.make_inputs(np.random.default_rng(0))]
    assert any(size > stride for _, size, stride in cases) and any(size < stride for _, size, stride in cases)
    assert any(np.all(x < 0) for x, _, _ in cases)


# --- conv2d_single ---------------------------------------------------------------------


def _my_single(image, kernel, stride=1, padding=0):
    image = np.pad(image, padding)
    k_h, k_w = kernel.shape
    out_h, out_w = (image.shape[0] - k_h) // stride + 1, (image.shape[1] - k_w) // stride + 1
    return np.array([[np.sum(image[i * stride:i * stride + k_h, j * stride:j * stride + k_w] * kernel) for j in range(out_w)]
                     for i in range(out_h)], dtype=float)



def _fails_with(exercise, answer, text):
    result = exercise.check(answer, seed=SEED, quiet=True)
    assert result.status == FAILED and text in result.message, result.line()
    return result


def test_a_flipped_kernel_is_named_as_true_convolution():
    flipped = lambda x, k, s=1, p=0: _my_single(x, k[::-1, ::-1], s, p)  # noqa: E731
    _fails_with(check.conv2d_single, flipped, "cross-correlation")


def test_an_ignored_stride_is_named():
    _fails_with(check.conv2d_single, lambda x, k, s=1, p=0: _my_single(x, k, 1, p), "stride is ignored")


def test_ignored_padding_is_named():
    _fails_with(check.conv2d_single, lambda x, k, s=1, p=0: _my_single(x, k, s, 0), "padding is ignored")


def test_a_kernel_used_transposed_fails_on_the_non_square_kernel():
    _fails_with(check.conv2d_single, lambda x, k, s=1, p=0: _my_single(x.T, k, s, p).T, "kernel is used transposed")


def test_conv2d_single_that_pads_the_image_in_place_is_told_to_work_on_a_copy():
    def normalises(image, kernel, stride=1, padding=0):
        mean = image.mean()
        image -= mean                     # "centre the image first": changes the caller's array
        return _my_single(image + mean, kernel, stride, padding)

    _fails_with(check.conv2d_single, normalises, "changed its argument image in place")


def test_the_checker_does_not_print_the_whole_expected_output():
    zeros = lambda x, k, s=1, p=0: np.zeros_like(_my_single(x, k, s, p))  # noqa: E731
    result = _fails_with(check.conv2d_single, zeros, "wrong value at index")
    assert "\n" not in result.message


# --- conv_output_shape and conv_param_count ----------------------------------------------


def test_output_shape_as_a_float_fails_even_where_the_value_is_right():
    result = _fails_with(check.conv_output_shape, lambda n, k, s=1, p=0: float((n + 2 * p - k) // s + 1), "return an int; got a Python float")
    assert "the values are right" in result.message


def test_output_shape_with_true_division_is_told_to_use_floor_division():
    _fails_with(check.conv_output_shape, lambda n, k, s=1, p=0: (n + 2 * p - k) / s + 1, "use floor division //")


def test_output_shape_with_ceil_instead_of_floor_is_named():
    import math

    _fails_with(check.conv_output_shape, lambda n, k, s=1, p=0: math.ceil((n + 2 * p - k) / s) + 1, "floor")


def test_output_shape_without_the_plus_one_is_named():
    _fails_with(check.conv_output_shape, lambda n, k, s=1, p=0: (n + 2 * p - k) // s, "add 1")


def test_output_shape_with_one_sided_padding_is_named():
    _fails_with(check.conv_output_shape, lambda n, k, s=1, p=0: (n + p - k) // s + 1, "2p")


def test_output_shape_with_wrong_defaults_fails_on_the_call_without_them():
    _fails_with(check.conv_output_shape, lambda n, k, s=2, p=0: (n + 2 * p - k) // s + 1, "defaults")


def test_param_count_without_bias_is_named():
    _fails_with(check.conv_param_count, lambda kh, kw, ci, co: kh * kw * ci * co, "bias")


def test_param_count_ignoring_input_channels_is_named():
    _fails_with(check.conv_param_count, lambda kh, kw, ci, co: (kh * kw + 1) * co, "c_in")


def test_param_count_assuming_a_square_kernel_is_named():
    _fails_with(check.conv_param_count, lambda kh, kw, ci, co: (kh * kh * ci + 1) * co, "need not be square")


# --- conv2d_forward ------------------------------------------------------------------------


def test_forward_without_bias_is_named():
    _fails_with(check.conv2d_forward, lambda x, W, b, s=1, p=0: _my_forward(x, W, np.zeros_like(b), s, p), "bias is missing")


def test_forward_padding_the_channel_axis_too_fails_on_shape():
    def pads_everything(x, W, b, s=1, p=0):
        x = np.pad(x, p)  # pads batch and channels as well
        return _my_forward(x, W[:, :, :1].repeat(x.shape[-1], axis=2), b, s, 0)

    _fails_with(check.conv2d_forward, pads_everything, "wrong shape")


def test_forward_returning_float32_passes():
    mine = lambda x, W, b, s=1, p=0: _my_forward(x, W, b, s, p).astype(np.float32)  # noqa: E731
    assert check.conv2d_forward.check(mine, seed=SEED, quiet=True).passed


def _my_forward(x, W, b, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    k_h, k_w = W.shape[:2]
    out_h, out_w = (x.shape[1] - k_h) // stride + 1, (x.shape[2] - k_w) // stride + 1
    patches = np.stack([[x[:, i * stride:i * stride + k_h, j * stride:j * stride + k_w] for j in range(out_w)] for i in range(out_h)])
    return np.einsum("ijnuvc,uvcd->nijd", patches, W) + b


# --- max_pool2d -----------------------------------------------------------------------------


def test_average_pooling_is_named():
    _fails_with(check.max_pool2d, check._average_pool, "average pooling")


def test_pooling_that_starts_from_zero_fails_on_negative_inputs():
    _fails_with(check.max_pool2d, lambda x, size=2, stride=2: np.maximum(_my_pool(x, size, stride), 0), "negative")


def test_pooling_that_ignores_the_stride_fails_on_gapped_windows():
    _fails_with(check.max_pool2d, lambda x, size=2, stride=2: _my_pool(x, size, size), "stride is ignored")


def _my_pool(x, size, stride):
    out_h, out_w = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    return np.array([[x[:, i * stride:i * stride + size, j * stride:j * stride + size].max(axis=(1, 2)) for j in range(out_w)]
                     for i in range(out_h)]).transpose(2, 0, 1, 3)


# --- yours_or_reference ---------------------------------------------------------------------


def _stub(*args):
    raise NotImplementedError()


def test_yours_or_reference_falls_back_to_the_reference_for_a_stub(capsys):
    assert check.yours_or_reference("max_pool2d", _stub) is ref.max_pool2d
    assert "stands in" in capsys.readouterr().out


def test_yours_or_reference_uses_a_passing_answer(capsys):
    mine = lambda x, size=2, stride=2: _my_pool(x, size, stride).astype(float)  # noqa: E731
    assert check.yours_or_reference("max_pool2d", mine) is mine
    assert "Using your `max_pool2d`" in capsys.readouterr().out


# --- small_cnn: one stated budget, in every run size -------------------------------------------


def test_small_cnn_is_judged_on_the_same_budget_in_every_run_size(monkeypatch):
    targets = set()
    for mode in ("full", "ci"):
        monkeypatch.setenv("COURSE_MODE", mode)
        targets.add(check.small_cnn.min_score())
    assert targets == {check.SMALL_CNN_BUDGET.min_score}


def test_the_notebook_states_the_small_cnn_budget_word_for_word():
    cells = json.loads((ROOT / "solutions" / "02_cnn.ipynb").read_text())["cells"]
    statement = next("".join(c["source"]) for c in cells if "Exercise 6" in "".join(c["source"]) and "build_small_cnn" in "".join(c["source"]))
    assert check.SMALL_CNN_BUDGET.sentence() in " ".join(statement.split()).replace("The checker", "the checker")


def test_small_cnn_stub_is_not_done():
    assert check.small_cnn.check(_stub, quiet=True).status == NOT_DONE


def _compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_a_cnn_without_a_convolution_fails_without_training():
    import keras

    def dense_only():
        return _compiled(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
                                           keras.layers.Dense(10, activation="softmax")]))

    _fails_with(check.small_cnn, dense_only, "the model has no convolution layer")


def test_a_cnn_over_the_parameter_budget_fails_without_training():
    import keras

    def lenet_like():
        return _compiled(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.Flatten(),
                                           keras.layers.Dense(10, activation="softmax")]))

    _fails_with(check.small_cnn, lenet_like, "budget is 100,000")


def test_the_courses_lenet_is_refused_as_the_courses_own():
    from course.models import build_lenet

    _fails_with(check.small_cnn, lambda: _compiled(build_lenet()), "`course.models.build_lenet`")


def test_an_uncompiled_cnn_is_told_to_compile():
    import keras

    result = check.small_cnn.check(lambda: keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3), keras.layers.Flatten(),
                                                             keras.layers.Dense(10, activation="softmax")]), quiet=True)
    assert not result.passed and "not compiled" in result.message


@pytest.mark.slow
def test_small_cnn_passes_a_model_that_clearly_meets_the_full_target():
    """The reference scores 0.90 after full training (10 epochs, 60,000 images), above the 0.89 the chapter names."""
    result = check.small_cnn.check_reference()
    assert result.status == PASSED, result.line()


@pytest.mark.slow
def test_small_cnn_fails_a_model_that_clearly_misses_the_full_target():
    """Two 3x3 filters and 4x4 pooling before the softmax score well under 0.89 after full training (course.references.ch02_calibration)."""
    import keras

    def tiny():
        return _compiled(keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3, padding="same", activation="relu"),
                                           keras.layers.MaxPooling2D(4), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]))

    _fails_with(check.small_cnn, tiny, "is below the target")
