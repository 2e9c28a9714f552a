"""The shared argument checks: what each accepts, what it returns, and the one message form of its errors."""

import doctest
import math

import numpy as np
import pytest

from course import arguments
from course.arguments import (
    argument_error, check, check_array, check_fraction, check_image_batch, check_image_shape, check_int,
    check_non_negative, check_one_of, check_positive_int, check_positive_ints, check_same_length, check_texts, check_type,
)


# --- the message form ---------------------------------------------------------------------


def test_a_wrong_value_names_the_argument_what_was_expected_and_the_value():
    with pytest.raises(ValueError) as error:
        check_fraction("dropout", 1.5)
    assert str(error.value) == "dropout must be a number in [0, 1); got 1.5."


def test_a_wrong_type_raises_type_error_and_names_the_type():
    with pytest.raises(TypeError) as error:
        check_positive_int("epochs", 2.5)
    assert str(error.value) == "epochs must be a positive integer; got 2.5 (float)."


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(TypeError) as error:
        check_positive_int("units", "x" * 500)
    assert len(str(error.value)) < 150 and "..." in str(error.value)


def test_argument_error_returns_the_exception_with_the_given_description():
    error = argument_error("images", "an array of shape (N, 28, 28)", "an array of shape (3,)", error=TypeError)
    assert isinstance(error, TypeError)
    assert str(error) == "images must be an array of shape (N, 28, 28); got an array of shape (3,)."


def test_check_raises_when_the_condition_fails():
    with pytest.raises(ValueError, match=r"^d_model must be divisible by heads \(4\); got 30\.$"):
        check(30 % 4 == 0, "d_model", 30, "divisible by heads (4)")


def test_check_passes_when_the_condition_holds():
    assert check(32 % 4 == 0, "d_model", 32, "divisible by heads (4)") is None


def test_check_type_returns_an_instance_of_the_type():
    assert check_type("history", {"loss": [1.0]}, dict, "a dict") == {"loss": [1.0]}


def test_check_type_names_the_type_received():
    with pytest.raises(TypeError, match=r"^model must be a keras.Model; got 'mlp' \(str\)\.$"):
        check_type("model", "mlp", int, "a keras.Model")


# --- integers -----------------------------------------------------------------------------


def test_check_positive_int_returns_a_python_int_for_a_numpy_integer():
    value = check_positive_int("units", np.int64(3))
    assert value == 3 and type(value) is int


@pytest.mark.parametrize("value", [0, -2])
def test_check_positive_int_rejects_zero_and_negatives(value):
    with pytest.raises(ValueError, match=rf"units must be a positive integer; got {value}\."):
        check_positive_int("units", value)


def test_check_positive_int_rejects_a_bool():
    with pytest.raises(TypeError, match=r"got True \(bool\)"):
        check_positive_int("units", True)


def test_check_positive_int_lets_none_through_only_when_allowed():
    assert check_positive_int("batch_size", None, allow_none=True) is None
    with pytest.raises(TypeError, match="batch_size must be a positive integer; got None"):
        check_positive_int("batch_size", None)


def test_check_positive_int_says_none_is_allowed_when_it_is():
    with pytest.raises(ValueError, match="batch_size must be a positive integer or None; got 0"):
        check_positive_int("batch_size", 0, allow_none=True)


def test_check_int_with_a_minimum_states_the_minimum_and_the_reason():
    with pytest.raises(ValueError, match=r"vocab_size must be an integer >= 3 \(padding, \[UNK\] and one word\); got 2\."):
        check_int("vocab_size", 2, minimum=3, note="padding, [UNK] and one word")


def test_check_int_without_a_minimum_accepts_negative_integers():
    assert check_int("seed", -7) == -7


def test_check_positive_ints_returns_a_tuple_of_ints():
    assert check_positive_ints("hidden", [np.int32(8), 4]) == (8, 4)


def test_check_positive_ints_names_a_bad_entry():
    with pytest.raises(ValueError, match="each entry of filters must be a positive integer; got -1"):
        check_positive_ints("filters", (8, -1))


def test_check_positive_ints_rejects_a_wrong_number_of_entries():
    with pytest.raises(ValueError, match=r"filters must be a sequence of exactly 2 positive integers \(two blocks\); got \(1, 2, 3\)"):
        check_positive_ints("filters", (1, 2, 3), length=2, note="two blocks")


def test_check_positive_ints_rejects_an_empty_sequence_when_one_entry_is_needed():
    with pytest.raises(ValueError, match=r"widths must be a non-empty sequence of positive integers; got \(\)"):
        check_positive_ints("widths", (), min_length=1)


def test_check_positive_ints_rejects_a_single_integer():
    with pytest.raises(TypeError, match=r"hidden must be a sequence of positive integers; got 128 \(int\)"):
        check_positive_ints("hidden", 128)


# --- real numbers -------------------------------------------------------------------------


def test_check_non_negative_accepts_zero_and_returns_a_float():
    value = check_non_negative("l2", 0)
    assert value == 0.0 and type(value) is float


@pytest.mark.parametrize("value", [-1e-9, math.nan])
def test_check_non_negative_rejects_negatives_and_nan(value):
    with pytest.raises(ValueError, match="l2 must be a number >= 0"):
        check_non_negative("l2", value)


def test_check_non_negative_rejects_a_string():
    with pytest.raises(TypeError, match=r"weight_decay must be a number >= 0; got '0.1' \(str\)"):
        check_non_negative("weight_decay", "0.1")


def test_check_fraction_accepts_the_closed_low_end_and_numpy_floats():
    assert check_fraction("dropout", 0) == 0.0
    assert check_fraction("dropout", np.float32(0.25)) == 0.25


def test_check_fraction_rejects_the_open_high_end():
    with pytest.raises(ValueError, match=r"dropout must be a number in \[0, 1\); got 1\."):
        check_fraction("dropout", 1)


def test_check_fraction_rejects_nan():
    with pytest.raises(ValueError, match="dropout"):
        check_fraction("dropout", math.nan)


def test_check_fraction_with_other_bounds_states_them():
    assert check_fraction("real_label", 1.0, low=0.5, include_low=False, include_high=True) == 1.0
    with pytest.raises(ValueError, match=r"real_label must be a number in \(0.5, 1\]; got 0.5\."):
        check_fraction("real_label", 0.5, low=0.5, include_low=False, include_high=True)


def test_check_fraction_rejects_a_bool():
    with pytest.raises(TypeError, match=r"got True \(bool\)"):
        check_fraction("dropout", True)


# --- choices ------------------------------------------------------------------------------


def test_check_one_of_returns_an_allowed_value():
    assert check_one_of("kind", "gru", ("lstm", "gru")) == "gru"


def test_check_one_of_lists_the_choices():
    with pytest.raises(ValueError, match=r"^kind must be one of 'simple_rnn', 'lstm' or 'gru'; got 'transformer'\.$"):
        check_one_of("kind", "transformer", ("simple_rnn", "lstm", "gru"))


def test_check_one_of_does_not_take_true_for_one():
    with pytest.raises(ValueError, match=r"stride must be one of 1 or 2; got True"):
        check_one_of("stride", True, (1, 2))


def test_check_one_of_refuses_an_array_without_crashing():
    with pytest.raises(ValueError, match="kind must be one of"):
        check_one_of("kind", np.array(["lstm", "gru"]), ("lstm", "gru"))


def test_check_one_of_adds_the_note():
    with pytest.raises(ValueError, match=r"one of 'adam' or 'sgd' \(or a keras optimizer\); got 'x'"):
        check_one_of("optimizer", "x", ("adam", "sgd"), note="or a keras optimizer")


# --- shapes and arrays --------------------------------------------------------------------


def test_check_image_shape_returns_a_tuple_of_ints():
    assert check_image_shape("input_shape", [28, np.int64(28), 1]) == (28, 28, 1)


@pytest.mark.parametrize("shape", [(28, 28), (28, 0, 1), (28, 28.0, 1)])
def test_check_image_shape_rejects_shapes_that_are_not_three_positive_integers(shape):
    with pytest.raises(ValueError, match=r"input_shape must be \(height, width, channels\) of positive integers"):
        check_image_shape("input_shape", shape)


def test_check_image_shape_rejects_a_single_number():
    with pytest.raises(TypeError, match="input_shape"):
        check_image_shape("input_shape", 28)


def test_check_array_rejects_a_wrong_number_of_axes_and_reports_the_shape():
    with pytest.raises(ValueError, match=r"^weights must be an array of shape \(queries, keys\); got an array of shape \(2, 3, 4\)\.$"):
        check_array("weights", np.zeros((2, 3, 4)), ndim=2, shape="(queries, keys)", non_empty=False)


def test_check_array_rejects_an_empty_batch():
    with pytest.raises(ValueError, match=r"with N >= 1; got an array of shape \(0, 10\)"):
        check_array("probabilities", np.zeros((0, 10)), ndim=2, shape="(N, n_classes)")


def test_check_image_batch_drops_the_channel_axis_and_returns_float32():
    images = check_image_batch("images", np.zeros((2, 5, 5, 1), dtype=np.uint8))
    assert images.shape == (2, 5, 5) and images.dtype == np.float32


def test_check_same_length_names_both_arguments_and_both_lengths():
    with pytest.raises(ValueError, match=r"^x and y must be of equal length \(one label per example\); got 64 and 10\.$"):
        check_same_length("x", np.zeros(64), "y", np.zeros(10), note="one label per example")


def test_check_same_length_passes_equal_lengths():
    assert check_same_length("x", [1, 2], "y", [0, 1]) is None


# --- sentences ----------------------------------------------------------------------------


def test_check_texts_returns_a_list_of_str():
    assert check_texts("texts", np.array(["a fine film", "dull"], dtype=object)) == ["a fine film", "dull"]


def test_check_texts_rejects_a_single_string():
    with pytest.raises(TypeError, match="texts must be a list or array of sentences, not a single string"):
        check_texts("texts", "a fine film")


def test_check_texts_rejects_no_sentences():
    with pytest.raises(ValueError, match="texts must be a list or array of at least one sentence; got"):
        check_texts("texts", [])


def test_check_texts_allows_no_sentences_when_asked():
    assert check_texts("texts", [], non_empty=False) == []


# --- the examples in the docstrings -------------------------------------------------------


def test_the_docstring_examples_hold():
    result = doctest.testmod(arguments)
    assert result.attempted > 10 and result.failed == 0
