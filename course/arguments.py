"""Argument checks shared by the course's public functions.

Modelled on Keras's ``keras/src/utils/argument_validation.py``: small
functions that each check one kind of argument at a public boundary and
return the value they accepted (converted where that helps: an ``int``, a
``float``, a ``tuple``). Every check raises with one message form that names
the argument, the value received and what was expected::

    dropout must be a number in [0, 1); got 1.5.

``ValueError`` when the value has the right type but not an allowed value,
``TypeError`` when its type is wrong; then the message also names the type::

    epochs must be a positive integer; got 2.5 (float).

Checks that relate several arguments, or that only one function needs, use
:func:`check` (a condition, then the same message) or :func:`argument_error`
(when what was received is best described in words, e.g. an array's shape).

This module imports only NumPy, so every course module can use it without
loading TensorFlow. It is for the course's maintainers: no chapter teaches it.
"""

from __future__ import annotations

import numbers
import reprlib
from collections.abc import Iterable, Sequence, Sized
from typing import Any

import numpy as np

_REPR = reprlib.Repr()
_REPR.maxstring = 60
_REPR.maxother = 60
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6


def describe(value: Any) -> str:
    """Return a short ``repr`` of ``value`` for an error message (long strings and containers are cut).

    Example:
        >>> describe(tuple(range(20)))
        '(0, 1, 2, 3, 4, 5, ...)'
    """
    return _REPR.repr(value)


def argument_error(name: str, expected: str, got: str, *, error: type[Exception] = ValueError) -> Exception:
    """Return (not raise) the exception for a bad argument: ``"{name} must be {expected}; got {got}."``.

    ``got`` is already text: a value's :func:`describe`, or words such as
    ``"an array of shape (3, 4)"``.

    Example:
        >>> raise argument_error("images", "an array of shape (N, 28, 28)", "an array of shape (3, 4)")
        Traceback (most recent call last):
        ValueError: images must be an array of shape (N, 28, 28); got an array of shape (3, 4).
    """
    return error(f"{name} must be {expected}; got {got}.")


def _wrong_value(name: str, value: Any, expected: str) -> ValueError:
    return argument_error(name, expected, describe(value))  # type: ignore[return-value]


def _wrong_type(name: str, value: Any, expected: str) -> TypeError:
    return argument_error(name, expected, f"{describe(value)} ({type(value).__name__})", error=TypeError)  # type: ignore[return-value]


def _with_note(expected: str, note: str | None) -> str:
    return f"{expected} ({note})" if note else expected


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check(condition: bool, name: str, value: Any, expected: str) -> None:
    """Raise ``ValueError("{name} must be {expected}; got {value}.")`` unless ``condition`` holds.

    For checks that relate arguments, such as ``d_model`` divisible by ``heads``.

    Example:
        >>> check(30 % 4 == 0, "d_model", 30, "divisible by heads (4)")
        Traceback (most recent call last):
        ValueError: d_model must be divisible by heads (4); got 30.
    """
    if not condition:
        raise _wrong_value(name, value, expected)


def check_type(name: str, value: Any, types: type | tuple[type, ...], expected: str) -> Any:
    """Check that ``value`` is an instance of ``types`` (described as ``expected``); return it.

    Example:
        >>> check_type("model", "mlp", object, "a keras.Model") == "mlp"
        True
    """
    if not isinstance(value, types):
        raise _wrong_type(name, value, expected)
    return value


def check_int(name: str, value: Any, *, minimum: int | None = None, allow_none: bool = False,
              note: str | None = None) -> int | None:
    """Check that ``value`` is an integer (``bool`` is not), at least ``minimum`` when given; return it as ``int``.

    NumPy integers are accepted. ``allow_none`` lets ``None`` through
    (returned as is). ``note`` explains the rule in the message.

    Example:
        >>> check_int("vocab_size", 2, minimum=3, note="padding, [UNK] and one word")
        Traceback (most recent call last):
        ValueError: vocab_size must be an integer >= 3 (padding, [UNK] and one word); got 2.
    """
    if minimum is None:
        expected = "an integer"
    elif minimum == 1:
        expected = "a positive integer"
    else:
        expected = f"an integer >= {minimum}"
    if allow_none:
        expected += " or None"
    expected = _with_note(expected, note)
    if value is None and allow_none:
        return None
    if not _is_int(value):
        raise _wrong_type(name, value, expected)
    if minimum is not None and value < minimum:
        raise _wrong_value(name, value, expected)
    return int(value)


def check_positive_int(name: str, value: Any, *, allow_none: bool = False) -> int | None:
    """Check that ``value`` is an integer >= 1 (or ``None`` when ``allow_none``); return it as ``int``.

    Example:
        >>> check_positive_int("epochs", 0)
        Traceback (most recent call last):
        ValueError: epochs must be a positive integer; got 0.
    """
    return check_int(name, value, minimum=1, allow_none=allow_none)


def check_positive_ints(name: str, values: Any, *, length: int | None = None, min_length: int = 0,
                        note: str | None = None) -> tuple[int, ...]:
    """Check a sequence of positive integers (layer widths, filter counts); return it as a tuple of ``int``.

    ``length`` asks for exactly that many entries, ``min_length`` for at
    least that many. A bad entry is named ``"each entry of {name}"``.

    Example:
        >>> check_positive_ints("filters", (32, -1))
        Traceback (most recent call last):
        ValueError: each entry of filters must be a positive integer; got -1.
    """
    if length is not None:
        expected = f"a sequence of exactly {length} positive integers"
    elif min_length == 1:
        expected = "a non-empty sequence of positive integers"
    elif min_length > 1:
        expected = f"a sequence of at least {min_length} positive integers"
    else:
        expected = "a sequence of positive integers"
    expected = _with_note(expected, note)
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise _wrong_type(name, values, expected)
    values = tuple(values)
    if (length is not None and len(values) != length) or len(values) < min_length:
        raise _wrong_value(name, values, expected)
    return tuple(check_positive_int(f"each entry of {name}", v) for v in values)  # type: ignore[misc]


def check_non_negative(name: str, value: Any, *, note: str | None = None) -> float:
    """Check that ``value`` is a real number >= 0 (a penalty factor, a weight decay); return it as ``float``.

    Example:
        >>> check_non_negative("l2", -1)
        Traceback (most recent call last):
        ValueError: l2 must be a number >= 0; got -1.
    """
    expected = _with_note("a number >= 0", note)
    if not _is_number(value):
        raise _wrong_type(name, value, expected)
    if not value >= 0:  # also rejects NaN
        raise _wrong_value(name, value, expected)
    return float(value)


def check_fraction(name: str, value: Any, *, low: float = 0.0, high: float = 1.0, include_low: bool = True,
                   include_high: bool = False) -> float:
    """Check that ``value`` is a real number in an interval, by default ``[0, 1)``; return it as ``float``.

    The default fits rates that must leave something (dropout, label
    smoothing); ``low``, ``high``, ``include_low`` and ``include_high`` set
    another interval, e.g. ``(0.5, 1]`` for a GAN's real label.

    Example:
        >>> check_fraction("dropout", 1.5)
        Traceback (most recent call last):
        ValueError: dropout must be a number in [0, 1); got 1.5.
    """
    expected = f"a number in {'[' if include_low else '('}{low:g}, {high:g}{']' if include_high else ')'}"
    if not _is_number(value):
        raise _wrong_type(name, value, expected)
    above = low <= value if include_low else low < value
    below = value <= high if include_high else value < high
    if not (above and below):  # also rejects NaN
        raise _wrong_value(name, value, expected)
    return float(value)


def check_one_of(name: str, value: Any, choices: Sequence[Any], *, note: str | None = None) -> Any:
    """Check that ``value`` is one of ``choices`` (compared with ``==``); return it.

    Example:
        >>> check_one_of("kind", "transformer", ("lstm", "gru"))
        Traceback (most recent call last):
        ValueError: kind must be one of 'lstm' or 'gru'; got 'transformer'.
    """
    choices = tuple(choices)
    try:  # True is not 1 here: a flag is no stride
        found = any(value is choice or (value == choice and isinstance(value, bool) == isinstance(choice, bool))
                    for choice in choices)
    except (TypeError, ValueError):  # e.g. an array, whose == is elementwise
        found = False
    if not found:
        listed = ", ".join(map(repr, choices[:-1])) + " or " + repr(choices[-1]) if len(choices) > 1 else repr(choices[0])
        raise _wrong_value(name, value, _with_note(f"one of {listed}", note))
    return value


def check_image_shape(name: str, value: Any) -> tuple[int, int, int]:
    """Check the shape of one image, ``(height, width, channels)`` of positive integers; return it as a tuple.

    Example:
        >>> check_image_shape("input_shape", [28, 28, 1])
        (28, 28, 1)
    """
    expected = "(height, width, channels) of positive integers"
    if not isinstance(value, (tuple, list)):
        raise _wrong_type(name, value, expected)
    if len(value) != 3 or not all(_is_int(d) and d >= 1 for d in value):
        raise _wrong_value(name, tuple(value), expected)
    return tuple(int(d) for d in value)  # type: ignore[return-value]


def check_array(name: str, value: Any, *, ndim: int | Sequence[int], shape: str, non_empty: bool = True,
                dtype: Any = None) -> np.ndarray:
    """Convert ``value`` to a NumPy array and check its number of axes (and that it has rows); return the array.

    ``shape`` describes the expected shape in words for the message, e.g.
    ``"(N, H, W) or (N, H, W, 1)"``; ``non_empty`` asks for ``N >= 1``.

    Example:
        >>> check_array("probabilities", np.ones(5), ndim=2, shape="(N, n_classes)")
        Traceback (most recent call last):
        ValueError: probabilities must be an array of shape (N, n_classes) with N >= 1; got an array of shape (5,).
    """
    array = np.asarray(value, dtype=dtype)
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if array.ndim not in allowed or (non_empty and len(array) == 0):
        expected = f"an array of shape {shape}" + (" with N >= 1" if non_empty else "")
        raise argument_error(name, expected, f"an array of shape {array.shape}")
    return array


def check_image_batch(name: str, value: Any) -> np.ndarray:
    """Check a batch of grey images ``(N, H, W)`` or ``(N, H, W, 1)``, N >= 1; return float32 ``(N, H, W)``.

    Example:
        >>> check_image_batch("images", np.zeros((2, 28, 28, 1))).shape
        (2, 28, 28)
    """
    images = check_array(name, value, ndim=(3, 4), shape="(N, H, W) or (N, H, W, 1)", dtype=np.float32)
    return images[..., 0] if images.ndim == 4 else images


def check_same_length(name_a: str, a: Sized, name_b: str, b: Sized, *, note: str | None = None) -> None:
    """Check that two arguments hold the same number of items (examples and their labels).

    Example:
        >>> check_same_length("x", [1, 2, 3], "y", [0], note="one label per example")
        Traceback (most recent call last):
        ValueError: x and y must be of equal length (one label per example); got 3 and 1.
    """
    if len(a) != len(b):
        raise argument_error(f"{name_a} and {name_b}", _with_note("of equal length", note), f"{len(a)} and {len(b)}")


def check_texts(name: str, texts: Any, *, non_empty: bool = True) -> list[str]:
    """Check a list (or array) of sentences, not a single string; return them as a list of ``str``.

    Example:
        >>> check_texts("texts", "one sentence")
        Traceback (most recent call last):
        TypeError: texts must be a list or array of sentences, not a single string; got 'one sentence' (str).
    """
    expected = "a list or array of sentences"
    if isinstance(texts, (str, bytes)) or not isinstance(texts, Iterable):
        raise _wrong_type(name, texts, expected + (", not a single string" if isinstance(texts, (str, bytes)) else ""))
    sentences = [str(t) for t in texts]
    if non_empty and not sentences:
        raise _wrong_value(name, texts, "a list or array of at least one sentence")
    return sentences
