"""The exercise-checker framework shared by every chapter and by ``course grade``.

Writing a chapter's checkers? Read this docstring first: it is the contract
between the checkers, the notebooks, the reference answers and the grader.

The three steps
---------------
An :class:`Exercise` checks one thing a learner wrote (a function, a model
builder) in three steps, kept apart on purpose:

1. ``make_inputs(rng)``: fresh random test cases (trusted side).
2. ``run(answer, inputs)``: call the learner's code on them and collect plain
   data (numbers, strings, NumPy arrays, dicts and lists of them). This is the
   only step that executes learner code, and it never raises: an exception
   becomes an :class:`Outcome` with the error's type and message.
3. ``judge(inputs, outcomes)``: compare with the reference, with tolerances
   that fit float32, and return a :class:`CheckResult` (trusted side).

In a notebook, ``check.<exercise>(answer)`` does all three in the learner's
kernel and prints one line. ``course grade`` runs step 2 in a separate worker
process and steps 1 and 3 in its own, so ``run`` must return plain data only
and must not need the reference answers (see "Reference answers" below).

Rule 1: judge behaviour, not form
---------------------------------
A checker compares what the answer computes with what the reference computes,
on inputs that include the edge cases the statement implies (exact zeros, wide
spreads, float64 inputs, non-square shapes...), with float32 tolerances
(:func:`compare_arrays`). It never looks at names, classes or source text,
unless the exercise is about form and its statement says so in one sentence;
then it checks exactly that, in a way every idiomatic spelling passes (see
:func:`requires_layer`).

Rule 2: declared return types (``FunctionExercise(returns=...)``)
-----------------------------------------------------------------
Where the statement asks for a type, the exercise declares it with one of
:data:`FLOAT_ARRAY`, :data:`INT_ARRAY`, :data:`FLOAT`, :data:`INT`, and a wrong
type fails with a message naming both ("return a NumPy float array; got a
NumPy bool array"). Which types count as the same:

* a NumPy array of any float dtype (float16, float32, float64) is "a NumPy
  float array"; any signed or unsigned integer dtype is "a NumPy integer
  array"; a bool array is neither;
* "a float" is a Python float, a NumPy floating scalar (``np.float32(1)``,
  ``np.float64(1)``) or a 0-d float array; "an int" is a Python int, a NumPy
  integer scalar (``np.int64(3)``) or a 0-d integer array. A Python bool is
  not an int, a float is not an int (``12.0`` fails ``INT``), an int is not a
  float, and a 1-element array is not a scalar;
* a list, a tuple or a TensorFlow tensor is not a NumPy array, whatever its
  values.

Without a declaration, anything ``np.asarray`` turns into the right numbers
passes (lists, tensors, any dtype). The type is recorded by ``run`` as plain
data (:func:`describe_type`), next to the values, so it reaches the grader.

Rule 3: read-only arguments (``FunctionExercise(arg_names=..., read_only=...)``)
---------------------------------------------------------------------------------
The answer always gets its own deep copy of each case, so it can never change
a test case. Where the statement says an argument is read-only, the checker
also compares that copy afterwards with a saved one and fails an answer that
wrote into it, naming the argument: "`backprop_step` changed its argument
params['W1'] in place; work on a copy".

Rule 4: messages
----------------
One line, no ANSI colour codes, no tracebacks, at most
:data:`MAX_MESSAGE_CHARS` characters: :class:`CheckResult` enforces it on every
message, whoever wrote it (:func:`one_line`). A failure names the case
("case 3 (z of shape (3, 10), logits around +-1000)"), what was expected and
what came, then ``Hint: ...`` when the mistake is recognised (a hint survives
the length bound). Name cases ``case N (...)`` and write expected values as
``expected <value>``: the grader's ``hide_expected`` blanks exactly those in
hidden-case messages.

Rule 5: model exercises (:class:`ModelExercise`)
------------------------------------------------
Set ``probe`` and the model is judged by what it does: ``run`` calls the
learner's builder, calls the model on a probe batch of real inputs (so a
subclassed model whose output shape is unknown until called works too) and
computes the compiled loss on probe predictions. ``judge`` then checks

* the output shape and what the outputs are: ``output="probabilities"``
  (finite, non-negative, rows summing to 1 within float32 tolerance: a
  ``softmax`` string, ``tf.nn.softmax``, a ``Softmax`` layer all pass) or
  ``output="probability"`` (a sigmoid unit: every value in [0, 1]);
* the compiled loss, by its values on probe predictions
  (``loss="sparse_categorical_crossentropy"`` or ``"binary_crossentropy"``):
  ``from_logits=True`` on a probability output, or a mean squared error,
  fail with a hint; label smoothing passes;
* the parameter budget, and a ``requires`` hook where the exercise is about
  form (:func:`requires_layer` finds a layer type by ``isinstance`` over the
  model's layers recursively: nested models, ``Bidirectional``,
  ``TimeDistributed``, ``keras.layers.RNN(LSTMCell(...))``);
* the score of the trained model on test inputs: ``run`` trains the model
  with ``train(model)``, predicts ``test_inputs()`` and returns the
  predictions; ``judge`` turns them into a score with ``score(predictions)``
  (labels stay on the trusted side) and compares with the target.

Without ``probe`` the legacy path stays (chapters not yet moved): ``run``
returns the trained model itself, ``judge`` scores it with
``evaluate(model)`` and checks ``output_activation`` by name.

Rule 6: one stated training budget (``ModelExercise(budget=TrainingBudget(...))``)
-----------------------------------------------------------------------------------
A model exercise is judged on the same budget in every run size, in the
notebook and in ``course grade`` alike, and the statement tells it word for
word (:meth:`TrainingBudget.sentence`): "the checker trains your model for 1
epoch on the first 60,000 training images (batch 64) and expects at least
83.0% accuracy on 10,000 test images". The budget is small enough for CI
(seconds on a CPU), and its threshold is calibrated against the full-size
target the chapter talks about: reference models trained both ways, on both
sides of that target, with three seeds. The threshold passes every model that
clearly meets the full-size target and fails every model that clearly misses
it; the comment beside the constants names the models in between that go
either way (a short run favours fast learners), and the statement says so.
Each chapter measures this with a script under ``course/references/`` (for
chapter 1: ``python -m course.references.ch01_calibration``) and writes the
measured figures in a comment beside its budget constants.

Rule 7: reference answers (the contract ``course grade`` enforces)
------------------------------------------------------------------
* The reference answers live in ``course/references/chNN_name.py``, one module
  per chapter, never in the checks modules. An exercise names its reference
  lazily, as ``"course.references.ch01_mlp:softmax"``
  (:attr:`FunctionExercise.reference`). A checks module must not import
  ``course.references`` at import time, and ``run()`` never needs it: only
  ``make_inputs``/``judge`` and notebook-side helpers (``yours_or_reference``)
  import it, lazily. The grader's worker blocks imports of
  ``course.references`` while learner code runs.
* Each exercise names the course functions an answer must not be or call:
  ``forbidden``, a tuple of ``"module:qualname"`` (one function) or
  ``"module"`` (every function of that module); a lazily named reference is
  added automatically. While ``run()`` calls the answer a :class:`Guard`
  detects that it is one of them (identity, or the same ``__code__``), wraps
  one (``functools.partial``, ``__wrapped__``, a lambda, a class with
  ``__call__``) or calls one at any depth: a ``sys.setprofile`` /
  ``threading.setprofile`` hook flags any call whose code object belongs to a
  forbidden function, matched by file and qualified name, so nothing needs
  to be imported to be recognised. Such an answer scores 0 with "uses the
  course's reference implementation `X`; write your own". The hook adds
  about a millisecond to a function check and about 0.1 s to a model's
  build-and-probe (``python tests/corpus/measure_guard.py``); model exercises
  watch the builder, the probe call and the loss, not training. It is a
  guard against borrowing, not a sandbox: code that sets out to defeat it
  can, which is why the grader also blocks the imports (a worker that blocks
  them must still let ``make_inputs``/``judge`` import them: they run in the
  grader's own process).
* In a chapter, forbid the whole references module on every exercise
  (``forbidden=("course.references.chNN_x", ...)``: a helper of one exercise is
  another's answer) plus the course library functions that compute the same
  thing as the exercise (``course.models:build_mlp`` for a Keras MLP).
  ``tests/test_checks_every_chapter.py`` checks that every name exists.
* ``exercise.check_reference()`` checks the reference itself, unguarded
  (the tests use it: every reference must pass its own checker).
"""

from __future__ import annotations

import copy
import functools
import math
import os
import re
import sys
import threading
import traceback
from dataclasses import asdict, dataclass, field
from types import CodeType
from typing import Any, Callable, Sequence

import numpy as np

from course.translation import N_, tr

#: How a failure names its test case (translated: :func:`course.translation.tr`); "case 3 (z of shape (3, 10))".
CASE = N_("case {number} ({description})")
#: Status words of a CheckResult.
PASSED, FAILED, NOT_DONE, ERROR = "passed", "failed", "not done", "error"
#: Status of a model exercise checked inside a kernel that ``course grade`` runs: its outputs and loss were
#: judged there, its training is left to the grader's own check of the same answer (which gives the points).
LEFT_TO_GRADER = "left to the grader"
#: The status words, marked for the message catalogue (a learner reads them in ``yours_or_reference``).
_STATUS_WORDS = (N_("passed"), N_("failed"), N_("not done"), N_("error"), N_("left to the grader"))
#: Set (to "1") by ``course grade`` in the kernels it starts: check cells there skip training (see LEFT_TO_GRADER).
GRADER_KERNEL_VARIABLE = "COURSE_GRADER_KERNEL"
DEFAULT_SEED = 20261122
#: Longest message a CheckResult keeps (longer ones are cut, keeping a trailing hint).
MAX_MESSAGE_CHARS = 420
#: Longest error detail kept from learner code.
MAX_DETAIL_CHARS = 220
#: Outcome.error of an answer that is, wraps or calls a forbidden course function.
USES_REFERENCE = "UsesReference"
#: Outcome.error of an answer that wrote into a read-only argument.
CHANGED_ARGUMENT = "ChangedArgument"
#: Outcome.error of an answer that ran but gave something the exercise cannot accept (the detail says what).
NOT_ACCEPTED = "NotAccepted"


# --------------------------------------------------------------------------
# Messages: one line, no colours, no tracebacks, bounded
# --------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):.*?(?=^\S|\Z)", re.S | re.M)
#: TensorFlow's op decorations: "{{function_node __wrapped__Sub_device_/job:...}}" and "[Op:Sub] name: ".
_TF_NOISE = re.compile(r"\{\{function_node [^}]*\}\}\s*|\s*\[Op:\w+\](?: name: \S*)?")


def one_line(text: Any, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Make ``text`` one short plain line: no ANSI codes, no traceback, at most ``limit`` characters.

    Keras's "Arguments received by ..." tail is dropped; a trailing
    ``Hint: ...`` is kept whole when the text must be cut.

    Example:
        >>> one_line("Exception encountered.\\n\\n\\x1b[1mbad shape\\x1b[0m\\n\\nArguments received by X:\\n  • x=1")
        'Exception encountered. bad shape'
    """
    text = _ANSI.sub("", str(text))
    text = _TRACEBACK.sub(" ", text)
    text = _TF_NOISE.sub("", text)
    text = re.split(r"\bArguments received by\b", text)[0]
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head, marker, hint = max((text.rpartition(m) for m in _hint_markers()), key=lambda parts: len(parts[0]))
    if marker and len(hint) + len(marker) + 40 < limit:
        keep = limit - len(marker) - len(hint) - 3
        return head[:keep].rstrip() + "..." + marker + hint
    return text[: limit - 3].rstrip() + "..."


def _hint_markers() -> tuple[str, ...]:
    """What starts a hint in a message: " Hint: ", and its translation in the learner's language (e.g. "。提示：")."""
    translated = tr(HINT).split("{hint}")[0]
    return tuple(dict.fromkeys((" Hint: ", translated if translated.strip(" .") else " Hint: ")))


#: How a hint is appended to a message (translated: :func:`course.translation.tr`).
HINT = N_(". Hint: {hint}")


def with_hint(message: str, hint: str) -> str:
    """``message`` with ``Hint: ...`` appended, in the learner's language.

    Example (in English, the default):
        >>> with_hint("case 1 (x): wrong value.", "clip first")     # doctest: +SKIP
        'case 1 (x): wrong value. Hint: clip first'
    """
    return message.rstrip(".。") + tr(HINT, hint=tr(hint))


@dataclass
class CheckResult:
    """What one checker found: collected by the grader, printed in notebooks.

    Attributes:
        exercise: id ``"<chapter>:<name>"``, e.g. ``"01_mlp:softmax"``.
        passed: True when every test case passed.
        points: points earned (``max_points`` if passed, else 0).
        max_points: points the exercise is worth.
        status: "passed", "failed", "not done" (NotImplementedError), "error"
            (the learner's code raised) or "left to the grader" (a model exercise
            checked inside a graded notebook: see :data:`LEFT_TO_GRADER`).
        message: one line a learner can act on; made one plain bounded line
            here (:func:`one_line`), whoever wrote it.
    """

    exercise: str
    passed: bool
    points: float
    max_points: float
    status: str
    message: str

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "message":  # a hint appended later is cleaned too
            value = one_line(value)
        super().__setattr__(name, value)

    def line(self) -> str:
        """The one line shown to the learner."""
        mark = N_("PASSED") if self.passed else {NOT_DONE: N_("NOT DONE"), LEFT_TO_GRADER: N_("TO BE TRAINED BY THE GRADER")}.get(self.status, N_("FAILED"))
        return tr("[{mark}] {exercise} ({points}/{max_points} points): {message}", mark=tr(mark), exercise=self.exercise,
                  points=f"{self.points:g}", max_points=f"{self.max_points:g}", message=self.message)

    def __str__(self) -> str:
        return self.line()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython display
        printer.text(self.line())

    def _ipython_display_(self) -> None:
        """Show the line in a notebook, unless ``check`` has printed it already.

        A check cell ends with the call, so IPython would otherwise show the
        printed line and then the returned result: the same line twice.
        """
        if not getattr(self, "_printed", False):
            print(self.line())

    def to_dict(self) -> dict:
        """Plain-dict form, for JSON reports."""
        return asdict(self)


@dataclass
class Outcome:
    """What running the learner's code on one input gave: a value or an error.

    ``value`` holds plain data only (numbers, strings, numpy arrays, dicts and
    lists of them), so outcomes can cross from the grading worker to the grader
    without running code. ``error`` is the exception's class name (or
    :data:`USES_REFERENCE`, :data:`CHANGED_ARGUMENT`), ``detail`` its message.
    """

    value: Any = None
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def call_answer(function: Callable, *args: Any, **kwargs: Any) -> Outcome:
    """Call ``function(*args, **kwargs)`` as it is; turn any exception into an :class:`Outcome`.

    The detail is one line: the error's message and the line it was raised on.

    Example:
        >>> call_answer(lambda x: 1 / x, 0).error
        'ZeroDivisionError'
    """
    try:
        return Outcome(value=function(*args, **kwargs))
    except NotImplementedError:
        return Outcome(error="NotImplementedError", detail="not done yet")
    except Exception as error:  # the learner's code may raise anything; we report it
        frames = traceback.extract_tb(error.__traceback__)
        where = tr(" (line {line})", line=frames[-1].lineno) if frames else ""
        return Outcome(error=type(error).__name__, detail=one_line(error, MAX_DETAIL_CHARS) + where)


def call_safely(function: Callable, *args: Any, **kwargs: Any) -> Outcome:
    """:func:`call_answer` on copies of the array arguments (kept for chapters that call it directly).

    Arrays passed in are copied first, so a learner function that writes into
    its input cannot change the checker's test case. (FunctionExercise does
    more: it deep-copies every argument and can fail an answer that writes
    into a read-only one.)

    Example:
        >>> call_safely(lambda x: 1 / x, 0).error
        'ZeroDivisionError'
    """
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    return call_answer(function, *args, **kwargs)


# --------------------------------------------------------------------------
# Types of returned values (Rule 2)
# --------------------------------------------------------------------------


def describe_type(value: Any) -> dict:
    """The type of a learner's return value as plain data: ``{"kind", "dtype", "ndim", "items"}``.

    ``kind`` is one of "none", "bool", "int", "float", "str", "numpy scalar",
    "ndarray", "tensor", "list", "tuple", "dict" or the type's name; ``items``
    (lists and tuples) describes the first element.

    Example:
        >>> describe_type([[1, 2]])["kind"], describe_type([[1, 2]])["items"]["kind"]
        ('list', 'list')
    """
    if value is None:
        return {"kind": "none"}
    if isinstance(value, bool):
        return {"kind": "bool"}
    if isinstance(value, np.ndarray):
        return {"kind": "ndarray", "dtype": str(value.dtype), "ndim": int(value.ndim)}
    if isinstance(value, np.generic):
        return {"kind": "numpy scalar", "dtype": str(value.dtype)}
    if isinstance(value, int):
        return {"kind": "int"}
    if isinstance(value, float):
        return {"kind": "float"}
    if isinstance(value, str):
        return {"kind": "str"}
    if isinstance(value, (list, tuple)):
        described = {"kind": "list" if isinstance(value, list) else "tuple"}
        if len(value):
            described["items"] = {"kind": describe_type(value[0])["kind"]}
        return described
    if isinstance(value, dict):
        return {"kind": "dict"}
    if hasattr(value, "numpy") and hasattr(value, "dtype") and hasattr(value, "shape"):
        return {"kind": "tensor", "dtype": str(getattr(value.dtype, "name", value.dtype)), "ndim": len(value.shape)}
    return {"kind": type(value).__name__}


def type_phrase(described: dict) -> str:
    """Words for a :func:`describe_type` result: "a list of lists", "a NumPy bool array"...

    Example:
        >>> type_phrase({"kind": "ndarray", "dtype": "bool", "ndim": 2})
        'a NumPy bool array'
    """
    kind, dtype = described.get("kind"), described.get("dtype")
    if kind == "ndarray":
        return tr("a 0-d NumPy {dtype} array" if described.get("ndim") == 0 else "a NumPy {dtype} array", dtype=dtype)
    if kind == "numpy scalar":
        return tr("a NumPy {dtype} scalar", dtype=dtype)
    if kind in ("bool", "int", "float"):
        return tr("a Python {kind}", kind=kind)
    if kind == "none":
        return tr("None (is a `return` missing?)")
    if kind == "tensor":
        return tr("a TensorFlow tensor ({dtype})", dtype=dtype)
    if kind in ("list", "tuple"):
        items = described.get("items", {}).get("kind")
        plural = {"list": "lists", "tuple": "tuples", "float": "floats", "int": "ints", "bool": "bools", "ndarray": "arrays",
                  "numpy scalar": "NumPy scalars", "str": "strings", "tensor": "tensors"}
        # {item}: the element's kind in the singular, for languages without plurals
        return tr("a {kind} of {items}", kind=kind, items=plural.get(items, items), item=items) if items else tr("an empty {kind}", kind=kind)
    if kind == "str":
        return tr("a string")
    return tr("a {kind}", kind=kind)


def _dtype_kind(described: dict) -> str:
    try:
        return np.dtype(described.get("dtype")).kind
    except TypeError:
        return ""


@dataclass(frozen=True)
class ReturnType:
    """A type an exercise's statement asks for; ``accepts`` takes a :func:`describe_type` result.

    Attributes:
        phrase: how the statement names it, e.g. "a NumPy float array".
        accepts: ``accepts(described) -> bool``.
        convert: how to fix a wrong type, shown when the values are right.
    """

    phrase: str
    accepts: Callable[[dict], bool]
    convert: str = ""


#: A NumPy array of any float dtype (float16/32/64 alike).
FLOAT_ARRAY = ReturnType(
    N_("a NumPy float array"), lambda d: d.get("kind") == "ndarray" and _dtype_kind(d) == "f",
    N_("np.asarray(result, dtype=float) or .astype(float)"))
#: A NumPy array of any signed or unsigned integer dtype (not bool).
INT_ARRAY = ReturnType(
    N_("a NumPy integer array"), lambda d: d.get("kind") == "ndarray" and _dtype_kind(d) in "iu" and bool(_dtype_kind(d)),
    "np.array(result, dtype=np.int64)")
#: A Python float, a NumPy floating scalar or a 0-d float array.
FLOAT = ReturnType(
    N_("a float"), lambda d: d.get("kind") == "float" or (d.get("kind") in ("numpy scalar", "ndarray") and d.get("ndim", 0) == 0 and _dtype_kind(d) == "f"),
    "float(result)")
#: A Python int (not bool), a NumPy integer scalar or a 0-d integer array.
INT = ReturnType(
    N_("an int"), lambda d: d.get("kind") == "int" or (d.get("kind") in ("numpy scalar", "ndarray") and d.get("ndim", 0) == 0 and _dtype_kind(d) in "iu" and bool(_dtype_kind(d))),
    N_("int(result), or // for integer division"))


# --------------------------------------------------------------------------
# Comparing values
# --------------------------------------------------------------------------


def describe_value(value: Any) -> str:
    """Short description of a value for feedback: type, shape and dtype."""
    if isinstance(value, np.ndarray):
        return tr("array of shape {shape}, dtype {dtype}", shape=value.shape, dtype=value.dtype)
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return tr("{kind} of shape {shape}, dtype {dtype}", kind=type(value).__name__, shape=tuple(value.shape), dtype=value.dtype)
    return one_line(f"{type(value).__name__} {value!r}", 120)


def returned_value(value: Any) -> Any:
    """The values inside a packed ``{"value": ..., "type": ...}`` outcome (FunctionExercise with ``returns``), else ``value``."""
    if isinstance(value, dict) and set(value) == {"value", "type"}:
        return value["value"]
    return value


def as_float_array(value: Any) -> np.ndarray | None:
    """Convert a learner's output (ndarray, tensor, list, number) to a float64 array, or None."""
    value = returned_value(value)
    if hasattr(value, "numpy") and callable(value.numpy):
        value = value.numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def compare_arrays(expected: np.ndarray, actual: Any, rtol: float = 1e-4, atol: float = 1e-5) -> str | None:
    """Compare one learner output with the reference; return what is wrong, or None.

    Checks, in order: convertible to numbers, shape, NaN/inf, then values with
    ``np.isclose(actual, expected, rtol, atol)`` (defaults fit float32). The
    message names the first wrong position and both values there.
    """
    array = as_float_array(actual)
    if array is None:
        return tr("expected numbers, got {value}", value=describe_value(returned_value(actual)))
    expected = np.asarray(expected, dtype=np.float64)
    if array.shape != expected.shape:
        return tr("wrong shape: expected {expected}, got {got}", expected=expected.shape, got=array.shape)
    if not np.all(np.isfinite(array)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(array))[0]
        return tr("got NaN or inf at index {index} (is something overflowing, or dividing by zero?)", index=tuple(int(i) for i in bad))
    close = np.isclose(array, expected, rtol=rtol, atol=atol)
    if not np.all(close):
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        where = tr("wrong value at index {index}", index=index) if index else tr("wrong value")
        return tr("{where}: expected {expected}, got {got} ({count} of {size} values differ)", where=where,
                  expected=f"{expected[index]:.6g}", got=f"{array[index]:.6g}", count=int((~close).sum()), size=close.size)
    return None


def same_values(expected: Any, actual: Any, rtol: float, atol: float) -> bool:
    """True when ``actual`` equals ``expected`` within tolerance; NaN and inf match NaN and inf."""
    a, e = as_float_array(actual), as_float_array(expected)
    if a is None or e is None or a.shape != e.shape:
        return False
    return bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True))


def first_change(saved: Any, current: Any, path: str) -> str | None:
    """The path of the first place where ``current`` differs from ``saved`` (arrays, dicts, lists), or None.

    Example:
        >>> first_change({"W1": np.zeros(2)}, {"W1": np.ones(2)}, "params")
        "params['W1']"
    """
    if isinstance(saved, np.ndarray):
        if not isinstance(current, np.ndarray) or current.shape != saved.shape or current.dtype != saved.dtype:
            return path
        return None if np.array_equal(saved, current, equal_nan=saved.dtype.kind in "fc") else path
    if isinstance(saved, dict):
        if not isinstance(current, dict) or set(current) != set(saved):
            return path
        for key in saved:
            changed = first_change(saved[key], current[key], f"{path}[{key!r}]")
            if changed:
                return changed
        return None
    if isinstance(saved, (list, tuple)):
        if type(current) is not type(saved) or len(current) != len(saved):
            return path
        for i, (a, b) in enumerate(zip(saved, current)):
            changed = first_change(a, b, f"{path}[{i}]")
            if changed:
                return changed
        return None
    try:
        return None if bool(saved == current) else path
    except Exception:
        return None


# --------------------------------------------------------------------------
# The guard: answers that are, wrap or call a forbidden course function (Rule 7)
# --------------------------------------------------------------------------


def _module_files(module: str) -> list[str]:
    """Paths the code of ``module`` has as ``co_filename``, found without importing it (nor its packages)."""
    from importlib.machinery import PathFinder

    loaded = sys.modules.get(module)
    if loaded is not None and getattr(loaded, "__file__", None):
        return sorted({loaded.__file__, os.path.realpath(loaded.__file__)})
    top, *rest = module.split(".")
    package = sys.modules.get(top)
    paths: list[str] = []
    if package is not None:
        bases = list(getattr(package, "__path__", None) or [])
    else:
        spec = PathFinder.find_spec(top)
        bases = list(spec.submodule_search_locations or []) if spec is not None else []
        if spec is not None and not bases and spec.origin and not rest:
            paths.append(spec.origin)
    for base in bases:
        paths.append(os.path.join(base, *rest) + ".py")
        paths.append(os.path.join(base, *rest, "__init__.py"))
    return sorted({p for path in paths for p in (path, os.path.realpath(path))})


def _resolve(module: Any, qualname: str) -> Any:
    target = module
    for part in qualname.split("."):
        target = getattr(target, part, None)
        if target is None:
            return None
    return target


def _codes_of(obj: Any) -> list[CodeType]:
    """The code objects behind a function, method, partial, wrapper or callable object."""
    codes, seen = [], set()
    stack = [obj]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen or len(seen) > 50:
            continue
        seen.add(id(item))
        code = getattr(item, "__code__", None)
        if isinstance(code, CodeType):
            codes.append(code)
        if isinstance(item, functools.partial):
            stack.append(item.func)
        stack.append(getattr(item, "__func__", None))
        stack.append(getattr(item, "__wrapped__", None))
        if not isinstance(item, type) and not hasattr(item, "__code__"):
            call = getattr(type(item), "__call__", None)
            if isinstance(getattr(call, "__code__", None), CodeType):
                stack.append(call)
    return codes


class Guard:
    """Flags an answer that is, wraps or calls one of the ``forbidden`` course functions.

    ``forbidden``: ``"module:qualname"`` (one function or method) or
    ``"module"`` (every function of the module). Nothing is imported: code is
    recognised by its file and qualified name, and by identity when the
    module is already loaded.

    Use ``guard.identify(answer)`` before calling, and ``with guard:`` around
    the call; ``guard.hit`` then names what was used, or is None.

    Example:
        >>> guard = Guard(["course.checks.core:one_line"])
        >>> with guard:
        ...     _ = (lambda text: one_line(text))("a")
        >>> guard.hit
        'course.checks.core.one_line'
    """

    #: Shown when an answer switches the call watch off.
    TAMPERING = "sys.setprofile"

    def __init__(self, forbidden: Sequence[str] = ()):
        self.forbidden = tuple(forbidden)
        self.hit: str | None = None
        self._files: dict[str, dict[str | None, str]] = {}
        self._codes: dict[int, str] = {}      # id(code object) -> name, for functions of loaded modules
        self._kept: list[CodeType] = []       # keeps those code objects (and so their ids) alive
        self._active = False
        self._importing = False               # the hit so far is the import of a forbidden module
        for spec in self.forbidden:
            module, _, qualname = spec.partition(":")
            shown = f"{module}.{qualname}" if qualname else module
            for path in _module_files(module):
                self._files.setdefault(path, {})[qualname or None] = shown
            loaded = sys.modules.get(module)
            if loaded is not None and qualname:
                for code in _codes_of(_resolve(loaded, qualname)):
                    self._codes[id(code)] = shown
                    self._kept.append(code)

    def __bool__(self) -> bool:
        return bool(self.forbidden)

    def match(self, code: CodeType) -> str | None:
        """The forbidden name ``code`` belongs to, or None."""
        names = self._files.get(code.co_filename)
        if names:
            if code.co_qualname in names:
                return names[code.co_qualname]
            if None in names:
                return f"{names[None]}.{code.co_qualname}" if code.co_qualname != "<module>" else names[None]
        return self._codes.get(id(code))

    def identify(self, answer: Any) -> str | None:
        """The forbidden name ``answer`` is or wraps (partial, bound method, ``__wrapped__``), or None."""
        if not self.forbidden:
            return None
        for code in _codes_of(answer):
            found = self.match(code)
            if found:
                return found
        return None

    def _make_hook(self) -> Callable:
        """The profile function: a closure over local names, as it runs on every call while the answer runs."""
        files, codes, tampering = self._files, self._codes, (sys.setprofile, sys.settrace)
        guard = self

        def hook(frame: Any, event: str, arg: Any) -> None:
            if event == "call":
                code = frame.f_code
                if guard._active and (guard.hit is None or guard._importing) and (code.co_filename in files or id(code) in codes):
                    found = guard.match(code)
                    if found and (guard.hit is None or code.co_qualname != "<module>"):
                        # importing a forbidden module counts; a function called next names it better
                        guard.hit, guard._importing = found, code.co_qualname == "<module>"
            elif event == "c_call" and arg in tampering and guard._active:
                guard.hit = guard.hit or guard.TAMPERING

        return hook

    def __enter__(self) -> "Guard":
        if self.forbidden:
            self._previous = (sys.getprofile(), threading.getprofile())
            self._active = True
            hook = self._make_hook()
            threading.setprofile(hook)
            sys.setprofile(hook)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.forbidden:
            self._active = False
            sys.setprofile(self._previous[0])
            threading.setprofile(self._previous[1])

    def outcome(self) -> Outcome:
        """The Outcome of an answer that used ``self.hit``."""
        if self.hit == self.TAMPERING:
            return Outcome(error=USES_REFERENCE, detail=tr("calls sys.setprofile or sys.settrace, which switches off the checker's watch; remove that call"))
        return Outcome(error=USES_REFERENCE, detail=tr("uses the course's reference implementation `{name}`; write your own", name=self.hit))


#: A guard that watches nothing (used to check the references themselves).
NO_GUARD = Guard(())


def resolve_name(spec: str) -> Any:
    """Import ``"module:qualname"`` and return the object (trusted side only)."""
    import importlib

    module, _, qualname = spec.partition(":")
    loaded = importlib.import_module(module)
    found = _resolve(loaded, qualname) if qualname else loaded
    if found is None:
        raise AttributeError(f"{module} has no {qualname!r}")
    return found


# --------------------------------------------------------------------------
# Exercises
# --------------------------------------------------------------------------


@dataclass
class Exercise:
    """Base class: one graded exercise. Subclasses define run() and judge().

    Attributes:
        chapter: chapter id as in the notebook file name, e.g. ``"01_mlp"``.
        name: exercise id inside the chapter, e.g. ``"softmax"``.
        target: name of the notebook variable the learner defines (the grader reads it).
        points: points for a pass (a teacher's config may override).
        description: one sentence shown in feedback.
        forbidden: course functions an answer must not be, wrap or call
            (``"module:qualname"`` or ``"module"``); see :class:`Guard`.
    """

    chapter: str
    name: str
    target: str
    points: float = 1.0
    description: str = ""
    forbidden: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return f"{self.chapter}:{self.name}"

    def forbidden_names(self) -> tuple[str, ...]:
        """Everything the guard watches for: ``forbidden`` plus a lazily named reference."""
        return tuple(self.forbidden)

    def guard(self) -> Guard:
        """A fresh :class:`Guard` over :meth:`forbidden_names`."""
        return Guard(self.forbidden_names())

    def not_a_function(self, answer: Any, inputs: list) -> list[Outcome]:
        """The outcomes when ``answer`` is not callable: one TypeError per input, naming the target."""
        return [Outcome(error="TypeError", detail=tr("`{target}` must be a function; got {value}", target=self.target,
                                                     value=describe_value(answer)))] * len(inputs)

    # --- the three steps -------------------------------------------------
    def make_inputs(self, rng: np.random.Generator) -> list:
        """Return the test cases (default: one empty case)."""
        return [()]

    def run(self, answer: Any, inputs: list) -> list[Outcome]:
        """Call the learner's ``answer`` on each input; never raises."""
        return self._run(answer, inputs, self.guard())

    def _run(self, answer: Any, inputs: list, guard: Guard) -> list[Outcome]:
        """``run`` with an explicit guard (``NO_GUARD`` to run a reference)."""
        raise NotImplementedError

    def judge(self, inputs: list, outcomes: list[Outcome]) -> CheckResult:
        """Compare outcomes with the reference; return the CheckResult."""
        raise NotImplementedError

    def case_verdicts(self, inputs: list, outcomes: list[Outcome]) -> list[CheckResult]:
        """One verdict per test case, for partial credit (the grader's ``partial = true``).

        The default judges the whole set as one case: an exercise whose cases
        are not independent (a model, a training step) is all or nothing.
        """
        return [self.judge(inputs, outcomes)]

    # --- helpers shared by subclasses ---------------------------------------
    def result(self, passed: bool, message: str, status: str | None = None) -> CheckResult:
        status = status or (PASSED if passed else FAILED)
        return CheckResult(self.id, passed, self.points if passed else 0.0, self.points, status, message)

    def error_result(self, outcome: Outcome, case: str = "") -> CheckResult:
        """Turn a failed Outcome into feedback: not done, a forbidden use, a changed argument, or the exception."""
        if outcome.error == "NotImplementedError":
            return self.result(False, tr("not done yet: replace `raise NotImplementedError()` in `{target}` with your code.",
                                         target=self.target), NOT_DONE)
        if outcome.error == USES_REFERENCE:
            return self.result(False, tr("`{target}` {detail}.", target=self.target, detail=outcome.detail), FAILED)
        named = case.removeprefix(" on ")
        where = tr("{case}: ", case=named) if named else ""
        if outcome.error == CHANGED_ARGUMENT:
            return self.result(False, where + tr("`{target}` {detail}; work on a copy.", target=self.target, detail=outcome.detail), FAILED)
        if outcome.error == NOT_ACCEPTED:
            return self.result(False, where + tr("`{target}` {detail}.", target=self.target, detail=outcome.detail), FAILED)
        if case.startswith(" on "):
            return self.result(False, tr("`{target}` raised {error} on {case}: {detail}", target=self.target, error=outcome.error,
                                         case=named, detail=outcome.detail), ERROR)
        if case:  # a chapter's own wording, kept as it is
            return self.result(False, tr("`{target}` raised {error}{case}: {detail}", target=self.target, error=outcome.error, case=case,
                                         detail=outcome.detail), ERROR)
        return self.result(False, tr("`{target}` raised {error}: {detail}", target=self.target, error=outcome.error,
                                     detail=outcome.detail), ERROR)

    def check(self, answer: Any, seed: int | None = None, quiet: bool = False) -> CheckResult:
        """Check ``answer`` now, in this process, and print the one-line result.

        Uses fresh random inputs each call unless ``seed`` is given. Under nbgrader
        (``NBGRADER_EXECUTION`` set) a failed check also raises AssertionError with
        that line, so nbgrader's test cell scores 0 (see :mod:`course.nbgrader`).
        """
        return self._check(answer, seed, quiet, guarded=True)

    def check_reference(self, seed: int | None = None, quiet: bool = True) -> CheckResult:
        """Check the exercise's own reference, which the guard would otherwise refuse (for tests)."""
        return self._check(self.reference_function, seed, quiet, guarded=False)

    @property
    def reference_function(self) -> Callable:
        """The reference answer (subclasses that have one override this)."""
        reference = getattr(self, "reference", None)
        if reference is None:
            raise AttributeError(f"{self.id} has no reference")
        return resolve_name(reference) if isinstance(reference, str) else reference

    def _check(self, answer: Any, seed: int | None, quiet: bool, guarded: bool) -> CheckResult:
        rng = np.random.default_rng(seed)
        try:
            inputs = self.make_inputs(rng)
            if guarded or not _has_core_run(self):
                outcomes = self.run(answer, inputs)
            else:
                outcomes = self._run(answer, inputs, NO_GUARD)
            result = self.judge(inputs, outcomes)
        except Exception as error:  # a checker bug must not look like the learner's fault
            result = self.result(False, tr("the checker itself failed ({error}); please report this.",
                                           error=f"{type(error).__name__}: {error}"), ERROR)
        if not quiet:
            print(result.line())
            result._printed = True  # not a dataclass field: to_dict() and == ignore it
        if os.environ.get("NBGRADER_EXECUTION") and not result.passed:
            # nbgrader (autograde, validate) scores a test cell by whether it raises; the learner saw the line above
            raise AssertionError(result.line())
        return result

    __call__ = check


def _has_core_run(exercise: Exercise) -> bool:
    """True when ``exercise`` runs answers through core's ``_run`` (not a chapter's own ``run``)."""
    return type(exercise).run is Exercise.run


@dataclass
class FunctionExercise(Exercise):
    """A function exercise: the learner's function must match ``reference`` on random cases.

    Attributes:
        cases: ``cases(rng) -> list of argument tuples``; several per check.
        reference: the correct function, or its name ``"course.references.chNN_x:f"``
            (imported only when judging; the name is also forbidden to answers).
        rtol, atol: tolerances of :func:`compare_arrays` (float32-friendly).
        describe_case: ``describe_case(args) -> str`` describes a case in
            feedback; shown as ``case N (<description>)`` (default: the
            shapes of its arguments).
        returns: the :class:`ReturnType` the statement asks for, or None (any array-like).
        arg_names: the parameters' names, for messages.
        read_only: names (from ``arg_names``) of arguments the answer must not change.
    """

    cases: Callable[[np.random.Generator], list[tuple]] = field(default=lambda rng: [()])
    reference: Callable[..., Any] | str = field(default=lambda *args: None)
    rtol: float = 1e-4
    atol: float = 1e-5
    describe_case: Callable[[tuple], str] | None = None
    returns: ReturnType | None = None
    arg_names: tuple[str, ...] = ()
    read_only: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        unknown = [name for name in self.read_only if name not in self.arg_names]
        if unknown:
            raise ValueError(f"{self.id}: read_only names {unknown} that are not in arg_names {self.arg_names}")

    def forbidden_names(self) -> tuple[str, ...]:
        named = (self.reference,) if isinstance(self.reference, str) else ()
        return named + tuple(self.forbidden)

    def expected(self, *args: Any) -> Any:
        """The reference's result on one case (trusted side)."""
        return self.reference_function(*args)

    def make_inputs(self, rng: np.random.Generator) -> list[tuple]:
        return self.cases(rng)

    def _run(self, answer: Any, inputs: list[tuple], guard: Guard) -> list[Outcome]:
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        if guard.identify(answer):
            guard.hit = guard.identify(answer)
            return [guard.outcome()] * len(inputs)
        outcomes = []
        for args in inputs:
            outcome = self.call(answer, args, guard)
            if guard.hit:
                return [guard.outcome()] * len(inputs)
            outcomes.append(outcome)
        return outcomes

    def call(self, answer: Callable, args: tuple, guard: Guard = NO_GUARD) -> Outcome:
        """Call ``answer`` on its own deep copy of ``args``; check read-only arguments; collect the value."""
        theirs = copy.deepcopy(args)
        saved = copy.deepcopy(args) if self.read_only else None
        with guard:
            outcome = call_answer(answer, *theirs)
        if not outcome.ok:
            return outcome
        for i, name in enumerate(self.arg_names):
            if name in self.read_only and i < len(args):
                changed = first_change(saved[i], theirs[i], name)
                if changed:
                    return Outcome(error=CHANGED_ARGUMENT, detail=tr("changed its argument {name} in place", name=changed))
        outcome.value = self.collect(outcome.value)
        return outcome

    def collect(self, value: Any) -> Any:
        """Plain data for the judge: float64 values, and the type when ``returns`` is declared."""
        converted = as_float_array(value)
        plain = converted if converted is not None else one_line(repr(value), 200)
        if self.returns is None:
            return plain
        return {"value": plain, "type": describe_type(value)}

    def _case_name(self, i: int, args: tuple) -> str:
        if self.describe_case:
            described = self.describe_case(args)
            return described if _names_a_case(described) else tr(CASE, number=i + 1, description=described)
        shapes = ", ".join(str(np.shape(a)) if isinstance(a, np.ndarray) else repr(a) for a in args)
        return tr(CASE, number=i + 1, description=tr("arguments {shapes}", shapes=shapes))

    def type_problem(self, expected: Any, value: Any) -> str | None:
        """What is wrong with the returned type, or None (always None without ``returns``)."""
        if self.returns is None or not isinstance(value, dict) or "type" not in value:
            return None
        described = value["type"]
        if self.returns.accepts(described):
            return None
        problem = tr("return {expected}; got {got}", expected=tr(self.returns.phrase), got=type_phrase(described))
        if described.get("kind") != "none" and self._values_right(expected, value["value"]):
            problem += tr(" (the values are right: {convert})", convert=tr(self.returns.convert))
        return problem

    def _values_right(self, expected: Any, got: Any) -> bool:
        """True when ``got`` has the expected values, allowing a size-1 array for a scalar."""
        array = as_float_array(got)
        if array is None:
            return False
        if array.size == np.size(expected) and array.shape != np.shape(expected):
            array = array.reshape(np.shape(expected))
        return compare_arrays(expected, array, self.rtol, self.atol) is None

    def judge(self, inputs: list[tuple], outcomes: list[Outcome]) -> CheckResult:
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            if not outcome.ok:
                return self.error_result(outcome, f" on {self._case_name(i, args)}")
            expected = self.expected(*args)
            problem = self.type_problem(expected, outcome.value) or compare_arrays(expected, outcome.value, self.rtol, self.atol)
            if problem:
                return self.result(False, tr("{case}: {problem}.", case=self._case_name(i, args), problem=problem))
        return self.result(True, tr("correct on all {count} random test cases.", count=len(inputs)))


    def case_verdicts(self, inputs: list[tuple], outcomes: list[Outcome]) -> list[CheckResult]:
        """Each case judged alone (through :meth:`judge`, so a subclass's hints and rules apply), numbered as in the set.

        Example:
            >>> ex = FunctionExercise("00", "double", "double", reference=lambda x: 2 * x, cases=lambda rng: [(1.0,), (2.0,)])
            >>> [v.passed for v in ex.case_verdicts([(1.0,), (2.0,)], [Outcome(value=2.0), Outcome(value=3.0)])]
            [True, False]
        """
        if len(outcomes) != len(inputs):
            return [self.judge(inputs, outcomes)]
        verdicts = []
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            verdict = self.judge([args], [outcome])
            for first in dict.fromkeys(("case 1", tr(CASE, number=1, description="").split(" (")[0])):
                if re.match(re.escape(first) + r"\b", verdict.message):
                    verdict.message = first[:-1] + str(i + 1) + verdict.message[len(first):]
                    break
            verdicts.append(verdict)
        return verdicts


@dataclass
class RandomFunctionExercise(FunctionExercise):
    """A function exercise whose answer draws random numbers, judged by the statistics of what it returns.

    No output is compared with the reference's: each case plays a role (``roles``,
    one per case, in order) and :meth:`problem` judges case ``i``'s output, given
    the earlier cases' outputs (so "the same generator gives the same output"
    can be judged). The cases depend on each other, so partial credit treats
    them as one (:meth:`case_verdicts`). Subclasses: chapter 1's ``dropout``,
    chapter 4's ``add_noise``.

    Attributes:
        roles: what each case checks, e.g. ``("a batch, rate 0.5", "the same generator state again", ...)``.
        passed_message: the message of a pass; ``{n}`` is the number of cases.
    """

    roles: tuple[str, ...] = ()
    passed_message: str = N_("right on all {n} test cases.")

    def problem(self, i: int, args: tuple, value: Any, outputs: list) -> tuple[str | None, Any]:
        """``(what is wrong with case i's output or None, the output as an array)``; ``outputs``: the earlier cases'."""
        raise NotImplementedError

    def judge(self, inputs: list[tuple], outcomes: list[Outcome]) -> CheckResult:
        if len(outcomes) != len(inputs) or len(inputs) != len(self.roles):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        outputs: list = []
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            case = self._case_name(i, args)
            if not outcome.ok:
                return self.error_result(outcome, f" on {case}")
            problem, out = self.problem(i, args, outcome.value, outputs)
            if problem:
                return self.result(False, tr("{case}: {problem}", case=case, problem=problem))
            outputs.append(out)
        return self.result(True, tr(self.passed_message, n=len(inputs)))

    def case_verdicts(self, inputs: list[tuple], outcomes: list[Outcome]) -> list[CheckResult]:
        return [self.judge(inputs, outcomes)]


@dataclass
class HintedFunctionExercise(FunctionExercise):
    """A FunctionExercise that names a typical mistake when a wrong answer matches it.

    ``mistakes``: list of ``(function, hint)``; ``function`` takes a case's
    arguments and returns what that mistake would give. The first wrong case
    is compared with each mistake; a match adds ``Hint: ...`` to the message.
    """

    mistakes: list[tuple[Callable[..., Any], str]] = field(default_factory=list)

    def judge(self, inputs: list[tuple], outcomes: list[Outcome]) -> CheckResult:
        result = super().judge(inputs, outcomes)
        if result.passed or result.status in (ERROR, NOT_DONE) or len(outcomes) != len(inputs):
            return result
        for args, outcome in zip(inputs, outcomes):
            if not outcome.ok:
                break
            expected = self.expected(*args)
            if compare_arrays(expected, outcome.value, self.rtol, self.atol) is None:
                if self.type_problem(expected, outcome.value) is None:
                    continue
                break  # only the type is wrong: the message already says how to fix it
            hint = self.hint(args, outcome.value)
            if hint:
                result.message = with_hint(result.message, hint)
            break
        return result

    def hint(self, args: tuple, value: Any) -> str | None:
        """The hint of the first mistake that gives ``value`` on ``args``, or None.

        Each mistake is tried on the case as given and on its float arrays
        upcast to float64, so it is recognised whether the learner computed in
        float32 or in float64 (an overflow happens in one and not the other).
        """
        for wrong, hint in self.mistakes:
            for case in (args, upcast(args)):
                try:
                    with np.errstate(all="ignore"):
                        expected_wrong = wrong(*copy.deepcopy(case))
                    if same_values(expected_wrong, value, self.rtol, self.atol):
                        return hint
                except Exception:  # a hint that does not apply to this case
                    continue
        return None


def _names_a_case(described: str) -> bool:
    """True when a chapter's case description already names its case ("case 3 (...)", "the case ...", or the same in the learner's language)."""
    prefixes = ("case ", "the case", tr(CASE, number=1, description="").split("1")[0])
    return described.startswith(tuple(p for p in prefixes if p.strip()))


def upcast(args: Any) -> Any:
    """``args`` with every float array (also inside tuples, lists and dicts) converted to float64."""
    if isinstance(args, np.ndarray):
        return args.astype(np.float64) if args.dtype.kind == "f" else args
    if isinstance(args, tuple):
        return tuple(upcast(a) for a in args)
    if isinstance(args, list):
        return [upcast(a) for a in args]
    if isinstance(args, dict):
        return {k: upcast(v) for k, v in args.items()}
    return args


def yours_or_reference(exercise: Exercise, answer: Any, reference: Callable | None = None) -> Callable:
    """Return the learner's ``answer`` if it passes ``exercise``'s check, else the reference (and say which).

    A notebook's story uses it so that it runs on the learner's own code once
    it is right, and still runs before that. ``reference`` defaults to the
    exercise's own (imported only when it is needed).
    """
    result = exercise.check(answer, seed=0, quiet=True)
    if result.passed:
        print(tr("Using your `{target}` (it passes its check).", target=exercise.target))
        return answer
    print(tr("Your `{target}` does not pass its check yet ({status}): the course's version stands in, so the notebook runs on.",
             target=exercise.target, status=tr(result.status)))
    return reference if reference is not None else exercise.reference_function


def run_checks(results: Sequence[CheckResult]) -> dict:
    """Summarise several CheckResults: points earned, points possible, list of failures."""
    earned = sum(r.points for r in results)
    possible = sum(r.max_points for r in results)
    return {"points": earned, "max_points": possible, "failed": [r.exercise for r in results if not r.passed]}


def finite_or_none(x: float) -> float | None:
    """Return ``x`` if it is a finite float, else None (JSON-safe)."""
    return float(x) if isinstance(x, (int, float, np.floating)) and math.isfinite(x) else None


# --------------------------------------------------------------------------
# Model exercises
# --------------------------------------------------------------------------


def model_output_shape(model: Any) -> tuple | None:
    """Output shape of a Keras model per example (batch axis dropped), or None if unknown.

    Works for functional and Sequential models (``model.output`` fails on a
    Sequential model that was never called; ``model.outputs`` does not).
    A subclassed model has no known shape until it is called: the probe does that.
    """
    outputs = getattr(model, "outputs", None)
    if not outputs:
        return None
    return tuple(outputs[0].shape[1:])


def walk_layers(layer: Any, depth: int = 0):
    """Yield ``layer`` and every layer inside it: nested models, wrappers, RNN cells, sublayers.

    Covers ``model.layers`` (Sequential, functional, subclassed), wrappers
    (``Bidirectional``'s forward and backward layers, ``TimeDistributed``'s
    layer), ``RNN(cell)`` and stacked cells, and layers a custom layer holds.
    """
    if layer is None or depth > 50:
        return
    yield layer
    children = []
    for name in ("layers", "cells"):
        children.extend(getattr(layer, name, None) or [])
    for name in ("layer", "forward_layer", "backward_layer", "cell"):
        children.append(getattr(layer, name, None))
    try:
        children.extend(layer._flatten_layers(include_self=False, recursive=False))
    except Exception:  # not a Keras layer, or an older Keras
        pass
    seen = set()
    for child in children:
        if child is not None and id(child) not in seen and child is not layer and hasattr(child, "__class__"):
            seen.add(id(child))
            if hasattr(child, "weights") or hasattr(child, "units") or hasattr(child, "call"):
                yield from walk_layers(child, depth + 1)


def requires_layer(*type_names: str, what: str) -> Callable[[Any], str | None]:
    """A ``requires`` hook: the model must contain a layer (or cell) of one of ``type_names``.

    Types are ``keras.layers`` names, looked up when the hook runs (no Keras
    import at module import). ``what`` names the requirement in the message.

    Example:
        >>> needs_lstm = requires_layer("LSTM", "LSTMCell", what="an LSTM (keras.layers.LSTM or RNN(LSTMCell))")
    """

    def requires(model: Any) -> str | None:
        import keras

        types = tuple(getattr(keras.layers, name) for name in type_names)
        if any(isinstance(layer, types) for layer in walk_layers(model)):
            return None
        return tr("the model has no {what}; this exercise asks for one", what=tr(what))

    requires.__doc__ = f"The model must contain {what}."
    return requires


@dataclass(frozen=True)
class TrainingBudget:
    """The one training budget a model exercise is judged on, in every run size (Rule 6).

    Attributes:
        epochs: epochs the checker trains for.
        train_examples: the first ``train_examples`` training examples are used.
        batch_size: batch size of the checker's ``fit``.
        test_examples: examples the score is measured on.
        min_score: the score to reach (a fraction, e.g. 0.85).
        examples: what an example is called ("images", "sentences").
        score_name: what the score is ("accuracy").
    """

    epochs: int
    train_examples: int
    batch_size: int
    test_examples: int
    min_score: float
    examples: str = N_("images")
    score_name: str = N_("accuracy")

    def sentence(self) -> str:
        """The budget as the statement and the checker say it."""
        message = (N_("the checker trains your model for {epochs} epoch on the first {train:,} training {examples} (batch {batch}) "
                      "and expects at least {score:.1%} {score_name} on {test:,} test {examples}") if self.epochs == 1 else
                   N_("the checker trains your model for {epochs} epochs on the first {train:,} training {examples} (batch {batch}) "
                      "and expects at least {score:.1%} {score_name} on {test:,} test {examples}"))
        return tr(message, epochs=self.epochs, train=self.train_examples, examples=tr(self.examples), batch=self.batch_size,
                  score=self.min_score, score_name=tr(self.score_name), test=self.test_examples)


#: Probabilities are clipped to [EPS, 1 - EPS] in Keras's cross-entropies.
_KERAS_EPS = 1e-7


def _cross_entropy(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p / p.sum(axis=-1, keepdims=True), _KERAS_EPS, 1 - _KERAS_EPS)
    return float(-np.mean(np.log(p[np.arange(len(y)), y])))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def _binary_cross_entropy(y: np.ndarray, p: np.ndarray) -> float:
    p = np.clip(p.reshape(-1), _KERAS_EPS, 1 - _KERAS_EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _loss_candidates(kind: str, y: np.ndarray, p: np.ndarray) -> tuple[float, dict[str, float]]:
    """The right loss value on one probe batch, and what recognised wrong losses give there."""
    p = p.astype(np.float64)
    if kind == "sparse_categorical_crossentropy":
        return _cross_entropy(y, p), {
            "from_logits": float(-np.mean(_log_softmax(p)[np.arange(len(y)), y])),
            "mse": float(np.mean((y[:, None] - p) ** 2)),
            "mae": float(np.mean(np.abs(y[:, None] - p))),
        }
    q = p.reshape(-1)
    return _binary_cross_entropy(y, p), {
        "from_logits": float(np.mean(np.maximum(q, 0) - q * y + np.log1p(np.exp(-np.abs(q))))),
        "mse": float(np.mean((y - q) ** 2)),
        "mae": float(np.mean(np.abs(y - q))),
    }


_LOSS_HINTS = {
    "from_logits": N_("the loss was compiled with from_logits=True, but the model already outputs probabilities: drop from_logits=True "
                      "(from_logits=True is for a model whose last layer has no activation)."),
    "mse": N_("that is a mean squared error: for class probabilities use a cross-entropy loss, which punishes confident mistakes hard."),
    "mae": N_("that is a mean absolute error: for class probabilities use a cross-entropy loss."),
}

#: Hints for a loss that fails on integer labels, by what it computes on one-hot labels.
_ONE_HOT_HINTS = {
    "categorical": N_("categorical_crossentropy wants one-hot labels; the checker's labels are integers (as load_fashion_mnist "
                      "gives them), so use loss='sparse_categorical_crossentropy'."),
    "from_logits": N_("with one-hot labels and from_logits=True on probabilities this is doubly off: use "
                      "loss='sparse_categorical_crossentropy' without from_logits."),
    "mse": N_("on one-hot labels this loss is a mean squared error; for class probabilities use a cross-entropy, "
              "loss='sparse_categorical_crossentropy', which also takes the integer labels."),
    "mae": N_("on one-hot labels this loss is a mean absolute error; for class probabilities use "
              "loss='sparse_categorical_crossentropy'."),
}

_LOSS_NAMES = {"sparse_categorical_crossentropy": N_("sparse categorical cross-entropy"), "binary_crossentropy": N_("binary cross-entropy")}


def _label_smoothing(right: list[float], uniform: list[float], got: list[float]) -> bool:
    """True when ``got`` is cross-entropy with one label-smoothing factor in (0, 0.5] on every probe batch."""
    factors = [(g - r) / (u - r) for r, u, g in zip(right, uniform, got) if abs(u - r) > 1e-3]
    return len(factors) >= 2 and all(0 < f <= 0.5 for f in factors) and max(factors) - min(factors) < 1e-3


@dataclass
class ModelExercise(Exercise):
    """A model exercise: the learner writes a builder; the model is probed, trained and scored.

    The behaviour-judged path (Rules 5 and 6) is on when ``probe`` is set:

    Attributes:
        build_args: arguments passed to the learner's builder.
        probe: ``probe(rng) -> (x, y)``: a small batch of real inputs and labels
            (trusted side, part of ``make_inputs``).
        output: ``"probabilities"`` (rows of non-negative numbers summing to 1)
            or ``"probability"`` (one value in [0, 1] per example), or None.
        loss: ``"sparse_categorical_crossentropy"`` or ``"binary_crossentropy"``:
            the compiled loss must compute it (label smoothing allowed), or None.
        output_shape: expected output shape without the batch axis.
        max_params: parameter budget, or None.
        requires: ``requires(model) -> problem or None``, for exercises about
            form (e.g. :func:`requires_layer`); the statement says so.
        train: ``train(model) -> None``, trains in place on the budget (run side).
        test_inputs: ``test_inputs() -> array`` the trained model predicts (run side).
        score: ``score(predictions) -> float`` (judge side: the labels stay here).
        budget: the :class:`TrainingBudget` stated to the learner; its
            ``min_score`` is the target.
        seed: seeds Keras before the builder is called and before training.
        reference: the reference builder, or its name (then also forbidden to answers).

    Legacy path (``probe`` is None; chapters not yet moved): ``run`` trains and
    returns the model, ``judge`` checks ``output_shape`` from ``model.outputs``,
    ``output_activation`` by name, and scores with ``evaluate(model)`` against
    ``min_score()``.
    """

    build_args: tuple = ()
    train: Callable[[Any], None] | None = None
    evaluate: Callable[[Any], float] | None = None
    min_score: Callable[[], float] = field(default=lambda: 0.0)
    output_shape: tuple | None = None
    output_activation: str | None = None
    max_params: int | None = None
    score_name: str = N_("test accuracy")
    probe: Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]] | None = None
    output: str | None = None
    loss: str | None = None
    requires: Callable[[Any], str | None] | None = None
    test_inputs: Callable[[], Any] | None = None
    score: Callable[[np.ndarray], float] | None = None
    budget: TrainingBudget | None = None
    seed: int = 0
    reference: Callable[..., Any] | str | None = None

    def __post_init__(self) -> None:
        if self.probe is not None:
            if self.output not in (None, "probabilities", "probability"):
                raise ValueError(f"{self.id}: output must be 'probabilities', 'probability' or None; got {self.output!r}")
            if self.loss not in (None, *_LOSS_NAMES):
                raise ValueError(f"{self.id}: loss must be one of {sorted(_LOSS_NAMES)} or None; got {self.loss!r}")
            if self.train is not None and (self.test_inputs is None or self.score is None):
                raise ValueError(f"{self.id}: a probed exercise that trains needs test_inputs and score")
            if self.budget is not None:
                self.min_score = lambda budget=self.budget: budget.min_score

    def forbidden_names(self) -> tuple[str, ...]:
        named = (self.reference,) if isinstance(self.reference, str) else ()
        return named + tuple(self.forbidden)

    def make_inputs(self, rng: np.random.Generator) -> list:
        if self.probe is None:
            return [()]
        x, y = self.probe(rng)
        case = {"x": x, "y": y}
        if self.loss is not None:
            case["loss_probes"] = _loss_probes(rng, self.loss, self.output_shape)
        return [case]

    # --- run: learner side ------------------------------------------------
    def _run(self, answer: Any, inputs: list, guard: Guard) -> list[Outcome]:
        import keras

        if not callable(answer):
            return [Outcome(error="TypeError", detail=tr("`{target}` must be a function that returns a model; got {value}", target=self.target,
                                                         value=describe_value(answer)))]
        if guard.identify(answer):
            guard.hit = guard.identify(answer)
            return [guard.outcome()]
        if self.probe is not None:
            keras.utils.set_random_seed(self.seed)
        with guard:
            built = call_answer(answer, *self.build_args)
        if guard.hit:
            return [guard.outcome()]
        if not built.ok:
            return [built]
        model = built.value
        compile_it = tr("call model.compile(optimizer=..., loss=..., metrics=[...]) before returning it")
        if self.probe is None:  # legacy path: the messages and statuses chapters 2-5 test
            if not isinstance(model, keras.Model):
                return [Outcome(error="TypeError", detail=tr("`{target}` must return a keras.Model; it returned {value}", target=self.target,
                                                             value=describe_value(model)))]
            if not model.compiled:
                return [Outcome(error="ValueError", detail=tr("the model is not compiled: {fix}", fix=compile_it))]
            return self._run_legacy(model)
        if not isinstance(model, keras.Model):
            return [Outcome(error=NOT_ACCEPTED, detail=tr("must return a keras.Model; it returned {value}", value=describe_value(model)))]
        if not model.compiled:
            return [Outcome(error=NOT_ACCEPTED, detail=tr("returns a model that is not compiled: {fix}", fix=compile_it))]
        return [self._run_probed(model, inputs[0], guard)]

    def _run_legacy(self, model: Any) -> list[Outcome]:
        problem = self.structure_problem(model)
        if problem:  # do not spend minutes training a model that cannot pass
            return [Outcome(value={"model": model, "structure": problem})]
        if self.train is not None:
            trained = call_answer(self.train, model)
            if not trained.ok:
                return [Outcome(error=trained.error, detail=tr("training failed: {detail}", detail=trained.detail))]
        return [Outcome(value={"model": model})]

    def _run_probed(self, model: Any, case: dict, guard: Guard) -> Outcome:
        import keras

        x = case["x"]
        with guard:
            probed = call_answer(lambda: np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), dtype=np.float32))
        if guard.hit:
            return guard.outcome()
        if not probed.ok:
            return Outcome(error=probed.error, detail=tr("calling the model on a batch of shape {shape} failed: {detail}", shape=x.shape,
                                                         detail=probed.detail))
        value: dict[str, Any] = {"outputs": probed.value, "params": int(model.count_params())}
        if "loss_probes" in case:
            with guard:
                value["loss"] = _loss_values(model, case["loss_probes"], self.loss)
            if guard.hit:
                return guard.outcome()
        if self.requires is not None:
            required = call_answer(self.requires, model)
            value["requires"] = required.value if required.ok else tr("could not inspect the model's layers ({error}: {detail})",
                                                                      error=required.error, detail=required.detail)
        if self.structure_verdict(case, value) or self.train is None:
            return Outcome(value=value)  # do not train a model that cannot pass
        if guard is not NO_GUARD and os.environ.get(GRADER_KERNEL_VARIABLE) == "1":
            return Outcome(value={**value, "left_to_grader": True})  # the grader trains this answer once, in its worker
        keras.utils.set_random_seed(self.seed)
        trained = call_answer(self.train, model)
        if not trained.ok:
            return Outcome(error=trained.error, detail=tr("training failed: {detail}", detail=trained.detail))
        predicted = call_answer(lambda: np.asarray(model.predict(self.test_inputs(), batch_size=1000, verbose=0), dtype=np.float32))
        if not predicted.ok:
            return Outcome(error=predicted.error, detail=tr("predicting the test {examples} failed: {detail}",
                                                            examples=tr(self.budget.examples if self.budget else N_("inputs")), detail=predicted.detail))
        value["predictions"] = predicted.value
        return Outcome(value=value)

    def structure_problem(self, model: Any) -> str | None:
        """Legacy path: what is wrong with the model's structure, or None."""
        shape = model_output_shape(model)
        if self.output_shape is not None and shape != tuple(self.output_shape):
            return tr("the model's output shape is {shape} per example; expected {expected}", shape=shape, expected=tuple(self.output_shape))
        if self.output_activation is not None:
            activation = getattr(model.layers[-1], "activation", None)
            name = getattr(activation, "__name__", str(activation))
            if name != self.output_activation:
                return tr("the last layer's activation is {name}; expected {expected}", name=repr(name), expected=repr(self.output_activation))
        if self.max_params is not None and model.count_params() > self.max_params:
            return tr("the model has {params:,} parameters; the budget is {budget:,}", params=model.count_params(), budget=self.max_params)
        if self.requires is not None:
            return self.requires(model)
        return None

    # --- judge: trusted side ------------------------------------------------
    def structure_verdict(self, case: dict, value: dict) -> str | None:
        """Probed path: what is wrong with the model's outputs, loss, size or form (plain data in), or None."""
        outputs = np.asarray(value.get("outputs"), dtype=np.float64)
        batch = len(case["x"])
        if self.output_shape is not None and outputs.shape[1:] != tuple(self.output_shape):
            return tr("on a batch of {batch} inputs the model's outputs have shape {shape} per example; expected {expected}", batch=batch,
                      shape=outputs.shape[1:], expected=tuple(self.output_shape))
        problem = _output_problem(self.output, outputs)
        if problem:
            integer = (value.get("loss") or {}).get("integer")
            if self.loss and isinstance(integer, list) and _matches(self.loss, case, integer) == "from_logits":
                return with_hint(problem, N_("your loss has from_logits=True, which fits a last layer without activation, but this exercise "
                                             "asks for probabilities: add the activation and drop from_logits=True."))
            return tr("{problem}.", problem=problem)
        if self.loss is not None:
            problem = _loss_problem(self.loss, case, value.get("loss"))
            if problem:
                return problem
        if self.max_params is not None and value.get("params", 0) > self.max_params:
            return tr("the model has {params:,} parameters; the budget is {budget:,}", params=value["params"], budget=self.max_params)
        if value.get("requires"):
            return str(value["requires"])
        return None

    def judge(self, inputs: list, outcomes: list[Outcome]) -> CheckResult:
        outcome = outcomes[0] if outcomes else Outcome(error="RuntimeError", detail="no result came back")
        if not outcome.ok:
            return self.error_result(outcome)
        value = outcome.value if isinstance(outcome.value, dict) else {}
        if self.probe is None:
            return self._judge_legacy(value)
        if "outputs" not in value:
            return self.result(False, tr("no model outputs came back from the builder."), ERROR)
        problem = self.structure_verdict(inputs[0], value)
        if problem:
            return self.result(False, problem)
        if self.train is None:
            return self.result(True, tr("the model has the expected outputs and loss."))
        if value.get("left_to_grader"):
            return self.result(False, tr("the model's outputs and loss are right; training it on the budget and scoring it are left to the "
                                         "grader's own check of this answer, which gives the points."), LEFT_TO_GRADER)
        if "predictions" not in value:
            return self.result(False, tr("no predictions came back from the trained model."), ERROR)
        scored = call_answer(self.score, value["predictions"])
        if not scored.ok:
            return self.result(False, tr("scoring the predictions failed: {error}: {detail}", error=scored.error, detail=scored.detail), ERROR)
        return self._verdict(float(scored.value), value.get("params", 0))

    def _verdict(self, score: float, params: int) -> CheckResult:
        target = float(self.min_score())
        budget = tr(" ({budget})", budget=self.budget.sentence()) if self.budget else ""
        name = tr(self.score_name)
        if not math.isfinite(score):
            return self.result(False, tr("{name} is {score} (did training diverge? try a smaller learning rate).", name=name, score=score))
        if score < target:
            return self.result(False, tr("{name} {score:.4f} is below the target {target:.4f}{budget}: widen the layers, "
                                         "tune the learning rate or change the optimizer.", name=name, score=score, target=target, budget=budget))
        return self.result(True, tr("{name} {score:.4f} reaches the target {target:.4f} with {params:,} parameters{budget}.", name=name,
                                    score=score, target=target, params=params, budget=budget))

    def _judge_legacy(self, value: dict) -> CheckResult:
        model = value.get("model")
        if model is None:
            return self.result(False, tr("no model came back from the builder."), ERROR)
        problem = value.get("structure") or self.structure_problem(model)
        if problem:
            return self.result(False, tr("{problem}.", problem=problem))
        if self.evaluate is None:
            return self.result(True, tr("the model has the expected structure."))
        scored = call_answer(self.evaluate, model)
        if not scored.ok:
            return self.result(False, tr("scoring the model failed: {error}: {detail}", error=scored.error, detail=scored.detail), ERROR)
        return self._verdict(float(scored.value), model.count_params())


def _output_problem(output: str | None, outputs: np.ndarray) -> str | None:
    """What is wrong with the probe outputs for the declared ``output``, or None."""
    if output is None:
        return None
    if not np.all(np.isfinite(outputs)):
        return tr("the model's outputs on a probe batch contain NaN or inf")
    if output == "probabilities":
        sums = outputs.reshape(len(outputs), -1).sum(axis=1)
        bad = int(np.argmax(np.abs(sums - 1)))
        if outputs.min() < -1e-6 or abs(sums[bad] - 1) > 1e-3:
            return tr("the model's outputs are not probabilities: expected non-negative rows that sum to 1, got a row summing to "
                      "{total:.4g} with values from {low:.3g} to {high:.3g} (end with a softmax: "
                      "activation='softmax' or a keras.layers.Softmax())", total=sums[bad], low=outputs[bad].min(), high=outputs[bad].max())
    if output == "probability" and (outputs.min() < -1e-6 or outputs.max() > 1 + 1e-6):
        return tr("the model's outputs are not probabilities: expected values in [0, 1], got values from {low:.3g} "
                  "to {high:.3g} (end with one sigmoid unit)", low=outputs.min(), high=outputs.max())
    return None


def _loss_probes(rng: np.random.Generator, loss: str, output_shape: tuple | None) -> list[dict]:
    """Three batches of (labels, predicted probabilities) on which the compiled loss is evaluated.

    The probabilities are kept inside [1e-4, 1 - 1e-4], so Keras's clipping
    never decides the value, and mix confident right, confident wrong and
    unsure rows, so that different losses give clearly different values.
    """
    probes = []
    for sharpness in (0.5, 2.0, 4.0):
        if loss == "sparse_categorical_crossentropy":
            k = int(output_shape[-1]) if output_shape else 10
            z = rng.normal(0, sharpness, size=(16, k))
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p = np.clip(p / p.sum(axis=1, keepdims=True), 1e-4, None)
            p = (p / p.sum(axis=1, keepdims=True)).astype(np.float32)
            y = rng.integers(0, k, size=16)
        else:
            p = (1 / (1 + np.exp(-rng.normal(0, sharpness, size=(16, 1))))).clip(1e-4, 1 - 1e-4).astype(np.float32)
            y = rng.integers(0, 2, size=16)
        probes.append({"y": y, "p": p})
    return probes


def _compiled_loss_values(model: Any, probes: list[dict], one_hot: bool = False) -> list[float] | str:
    """The model's compiled loss on each probe batch of (labels, predictions), learner side; or what went wrong.

    Uses Keras's own ``model.compute_loss`` (the code ``fit`` runs, for loss
    objects, functions and strings alike) minus the model's regularisation
    losses, which do not depend on the predictions. ``one_hot``: labels as
    one-hot rows instead of integers.
    """
    import keras

    if getattr(model, "loss", None) is None:
        return tr("the model is compiled without a loss")
    try:
        values = []
        for probe in probes:
            y, p = np.asarray(probe["y"]), np.asarray(probe["p"])
            if one_hot:
                y = np.eye(p.shape[-1], dtype=np.float32)[y]
            total = model.compute_loss(y=keras.ops.convert_to_tensor(y), y_pred=keras.ops.convert_to_tensor(p))
            extra = sum(float(np.sum(keras.ops.convert_to_numpy(term))) for term in model.losses)
            values.append(float(np.mean(keras.ops.convert_to_numpy(total))) - extra)
        return values
    except Exception as error:
        return tr("the compiled loss {loss} fails on integer labels ({error}: {detail})", loss=one_line(repr(model.loss), 60),
                  error=type(error).__name__, detail=one_line(error, 100))


def _loss_values(model: Any, probes: list[dict], kind: str) -> dict:
    """Plain data for the judge: the loss on integer labels, and on one-hot labels when integers fail."""
    values = {"integer": _compiled_loss_values(model, probes)}
    if isinstance(values["integer"], str) and kind == "sparse_categorical_crossentropy":
        values["one_hot"] = _compiled_loss_values(model, probes, one_hot=True)
    return values


def _one_hot_candidates(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """What losses a learner may have compiled give on one-hot labels."""
    Y = np.eye(p.shape[-1])[y]
    return {
        "categorical": _cross_entropy(y, p),
        "from_logits": float(-np.mean(_log_softmax(p)[np.arange(len(y)), y])),
        "mse": float(np.mean((Y - p) ** 2)),
        "mae": float(np.mean(np.abs(Y - p))),
    }


def _matches(kind: str, case: dict, got: list[float]) -> str | None:
    """Which loss ``got`` is: "right", "smoothed", a recognised mistake's key, or None."""
    rights, uniforms, wrongs = [], [], {}
    for probe, value in zip(case["loss_probes"], got):
        y, p = np.asarray(probe["y"]), np.asarray(probe["p"], np.float64)
        right, mistakes = _loss_candidates(kind, y, p)
        rights.append(right)
        uniforms.append(float(-np.mean(np.log(np.clip(p, _KERAS_EPS, 1)))) if kind == "sparse_categorical_crossentropy" else right)
        for key, wrong in mistakes.items():
            wrongs.setdefault(key, []).append(wrong)
    if np.allclose(got, rights, rtol=2e-3, atol=1e-4):
        return "right"
    if kind == "sparse_categorical_crossentropy" and _label_smoothing(rights, uniforms, got):
        return "smoothed"
    for key, values in wrongs.items():
        if np.allclose(got, values, rtol=2e-3, atol=1e-4):
            return key
    return None


def _loss_problem(kind: str, case: dict, got: Any) -> str | None:
    """What is wrong with the compiled loss (its values on the probe batches), or None."""
    name = tr(_LOSS_NAMES[kind])
    integer = got.get("integer") if isinstance(got, dict) else None
    if isinstance(integer, str):
        one_hot = got.get("one_hot")
        problem = tr("{problem}: compile with loss='{kind}'.", problem=integer, kind=kind)
        if isinstance(one_hot, list):
            candidates = [_one_hot_candidates(np.asarray(p["y"]), np.asarray(p["p"], np.float64)) for p in case["loss_probes"]]
            for key, text in _ONE_HOT_HINTS.items():
                if np.allclose(one_hot, [c[key] for c in candidates], rtol=2e-3, atol=1e-4):
                    return with_hint(problem, text)
        return problem
    if not isinstance(integer, list):
        return tr("the compiled loss could not be evaluated: compile with loss='{kind}'", kind=kind)
    found = _matches(kind, case, integer)
    if found in ("right", "smoothed"):
        return None
    y, p = np.asarray(case["loss_probes"][0]["y"]), np.asarray(case["loss_probes"][0]["p"], np.float64)
    expected, _ = _loss_candidates(kind, y, p)
    message = tr("the compiled loss is not {name}: on a probe batch of predicted probabilities it gives {got:.4g}, "
                 "expected {expected:.4g} ({name}); compile with loss='{kind}'", name=name, got=integer[0], expected=expected, kind=kind)
    if found in _LOSS_HINTS:
        message = with_hint(message, _LOSS_HINTS[found])
    return message
