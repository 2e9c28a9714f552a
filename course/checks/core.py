"""The exercise-checker framework shared by every chapter and by ``course grade``.

An :class:`Exercise` checks one thing a learner wrote (a function, an array, a
model builder) in three steps, kept apart on purpose:

1. ``make_inputs(rng)``: fresh random test cases (trusted side).
2. ``run(answer, inputs)``: call the learner's code on them and collect plain
   outputs (arrays, numbers, strings, a saved model). This is the only step
   that executes learner code, and it never raises: an exception becomes an
   :class:`Outcome` with the error's type and message.
3. ``judge(inputs, outputs)``: compare with the reference, with tolerances
   that fit float32, and return a :class:`CheckResult` (trusted side).

In a notebook, ``exercise.check(answer)`` does all three in the learner's
kernel and prints one line. The auto-grader runs step 2 in a separate worker
process and steps 1 and 3 in its own, which learner code cannot reach: a
notebook that patches ``course`` or prints "passed" changes nothing there.

Reference solutions live in each chapter's module; checkers only ever print
what is wrong and where, never the expected values of a whole answer.
"""

from __future__ import annotations

import copy
import math
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

#: Status words of a CheckResult.
PASSED, FAILED, NOT_DONE, ERROR = "passed", "failed", "not done", "error"
DEFAULT_SEED = 20261122


@dataclass
class CheckResult:
    """What one checker found: collected by the grader, printed in notebooks.

    Attributes:
        exercise: id ``"<chapter>:<name>"``, e.g. ``"01_mlp:softmax"``.
        passed: True when every test case passed.
        points: points earned (``max_points`` if passed, else 0).
        max_points: points the exercise is worth.
        status: "passed", "failed", "not done" (NotImplementedError) or "error"
            (the learner's code raised).
        message: one line a learner can act on.
    """

    exercise: str
    passed: bool
    points: float
    max_points: float
    status: str
    message: str

    def line(self) -> str:
        """The one line shown to the learner."""
        mark = "PASSED" if self.passed else ("NOT DONE" if self.status == NOT_DONE else "FAILED")
        return f"[{mark}] {self.exercise} ({self.points:g}/{self.max_points:g} points): {self.message}"

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
    without running code. ``error`` is the exception's class name, ``detail``
    its message.
    """

    value: Any = None
    error: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None


def call_safely(function: Callable, *args: Any, **kwargs: Any) -> Outcome:
    """Call ``function(*args, **kwargs)``; turn any exception into an :class:`Outcome`.

    Arrays passed in are copied first, so a learner function that writes into
    its input cannot change the checker's test case.

    Example:
        >>> call_safely(lambda x: 1 / x, 0).error
        'ZeroDivisionError'
    """
    args = tuple(np.array(a, copy=True) if isinstance(a, np.ndarray) else a for a in args)
    try:
        return Outcome(value=function(*args, **kwargs))
    except NotImplementedError:
        return Outcome(error="NotImplementedError", detail="not done yet")
    except Exception as error:  # the learner's code may raise anything; we report it
        frames = traceback.extract_tb(error.__traceback__)
        where = f" (line {frames[-1].lineno})" if frames else ""
        return Outcome(error=type(error).__name__, detail=f"{error}{where}")


def describe_value(value: Any) -> str:
    """Short description of a value for feedback: type, shape and dtype."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, dtype {value.dtype}"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(value.shape)}, dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(value: Any) -> np.ndarray | None:
    """Convert a learner's output (ndarray, tensor, list, number) to a float64 array, or None."""
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
        return f"expected numbers, got {describe_value(actual)}"
    expected = np.asarray(expected, dtype=np.float64)
    if array.shape != expected.shape:
        return f"wrong shape: expected {expected.shape}, got {array.shape}"
    if not np.all(np.isfinite(array)) and np.all(np.isfinite(expected)):
        bad = np.argwhere(~np.isfinite(array))[0]
        return f"got NaN or inf at index {tuple(int(i) for i in bad)} (is something overflowing, or dividing by zero?)"
    close = np.isclose(array, expected, rtol=rtol, atol=atol)
    if not np.all(close):
        index = tuple(int(i) for i in np.argwhere(~close)[0])
        where = f"wrong value at index {index}" if index else "wrong value"
        return (
            f"{where}: expected {expected[index]:.6g}, got {array[index]:.6g} "
            f"({int((~close).sum())} of {close.size} values differ)"
        )
    return None


@dataclass
class Exercise:
    """Base class: one graded exercise. Subclasses define run() and judge().

    Attributes:
        chapter: chapter id as in the notebook file name, e.g. ``"01_mlp"``.
        name: exercise id inside the chapter, e.g. ``"softmax"``.
        target: name of the notebook variable the learner defines (the grader reads it).
        points: points for a pass (a teacher's config may override).
        description: one sentence shown in feedback.
    """

    chapter: str
    name: str
    target: str
    points: float = 1.0
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.chapter}:{self.name}"

    def not_a_function(self, answer: Any, inputs: list) -> list[Outcome]:
        """The outcomes when ``answer`` is not callable: one TypeError per input, naming the target."""
        return [Outcome(error="TypeError", detail=f"`{self.target}` must be a function; got {describe_value(answer)}")] * len(inputs)

    # --- the three steps -------------------------------------------------
    def make_inputs(self, rng: np.random.Generator) -> list:
        """Return the test cases (default: one empty case)."""
        return [()]

    def run(self, answer: Any, inputs: list) -> list[Outcome]:
        """Call the learner's ``answer`` on each input; never raises."""
        raise NotImplementedError

    def judge(self, inputs: list, outcomes: list[Outcome]) -> CheckResult:
        """Compare outcomes with the reference; return the CheckResult."""
        raise NotImplementedError

    # --- helpers shared by subclasses ---------------------------------------
    def result(self, passed: bool, message: str, status: str | None = None) -> CheckResult:
        status = status or (PASSED if passed else FAILED)
        return CheckResult(self.id, passed, self.points if passed else 0.0, self.points, status, message)

    def error_result(self, outcome: Outcome, case: str = "") -> CheckResult:
        """Turn a learner exception into feedback (NotImplementedError means not done)."""
        if outcome.error == "NotImplementedError":
            return self.result(False, f"not done yet: replace `raise NotImplementedError()` in `{self.target}` with your code.", NOT_DONE)
        return self.result(False, f"`{self.target}` raised {outcome.error}{case}: {outcome.detail}", ERROR)

    def check(self, answer: Any, seed: int | None = None, quiet: bool = False) -> CheckResult:
        """Check ``answer`` now, in this process, and print the one-line result.

        Uses fresh random inputs each call unless ``seed`` is given.
        """
        rng = np.random.default_rng(seed)
        inputs = self.make_inputs(rng)
        try:
            outcomes = self.run(answer, inputs)
            result = self.judge(inputs, outcomes)
        except Exception as error:  # a checker bug must not look like the learner's fault
            result = self.result(False, f"the checker itself failed ({type(error).__name__}: {error}); please report this.", ERROR)
        if not quiet:
            print(result.line())
            result._printed = True  # not a dataclass field: to_dict() and == ignore it
        return result

    __call__ = check


@dataclass
class FunctionExercise(Exercise):
    """A function exercise: the learner's function must match ``reference`` on random cases.

    Attributes:
        cases: ``cases(rng) -> list of argument tuples``; several per check.
        reference: the correct function, called with the same arguments.
        rtol, atol: tolerances of :func:`compare_arrays` (float32-friendly).
        describe_case: ``describe_case(args) -> str`` names a case in feedback
            (default: the shapes of its arguments).
    """

    cases: Callable[[np.random.Generator], list[tuple]] = field(default=lambda rng: [()])
    reference: Callable[..., Any] = field(default=lambda *args: None)
    rtol: float = 1e-4
    atol: float = 1e-5
    describe_case: Callable[[tuple], str] | None = None

    def make_inputs(self, rng: np.random.Generator) -> list[tuple]:
        return self.cases(rng)

    def run(self, answer: Any, inputs: list[tuple]) -> list[Outcome]:
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        outcomes = []
        for args in inputs:
            outcome = call_safely(answer, *args)
            if outcome.ok:
                converted = as_float_array(outcome.value)
                outcome.value = converted if converted is not None else repr(outcome.value)[:200]
            outcomes.append(outcome)
        return outcomes

    def _case_name(self, i: int, args: tuple) -> str:
        if self.describe_case:
            return self.describe_case(args)
        shapes = ", ".join(str(np.shape(a)) if isinstance(a, np.ndarray) else repr(a) for a in args)
        return f"case {i + 1} (arguments {shapes})"

    def judge(self, inputs: list[tuple], outcomes: list[Outcome]) -> CheckResult:
        if len(outcomes) != len(inputs):
            return self.result(False, "no result came back for some test cases.", ERROR)
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            if not outcome.ok:
                return self.error_result(outcome, f" on {self._case_name(i, args)}")
            problem = compare_arrays(self.reference(*args), outcome.value, self.rtol, self.atol)
            if problem:
                return self.result(False, f"{self._case_name(i, args)}: {problem}.")
        return self.result(True, f"correct on all {len(inputs)} random test cases.")


def same_values(expected: Any, actual: Any, rtol: float, atol: float) -> bool:
    """True when ``actual`` equals ``expected`` within tolerance; NaN and inf match NaN and inf."""
    a, e = as_float_array(actual), as_float_array(expected)
    if a is None or e is None or a.shape != e.shape:
        return False
    return bool(np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True))


@dataclass
class HintedFunctionExercise(FunctionExercise):
    """A FunctionExercise that names a typical mistake when a wrong answer matches it.

    ``mistakes``: list of ``(function, hint)``; ``function`` takes a case's
    arguments and returns what that mistake would give. The first wrong case
    is compared with each mistake; a match adds ``Hint: ...`` to the message.
    Arguments are deep-copied before the learner's function sees them, so a
    function that changes a list it was given cannot change the test case.
    """

    mistakes: list[tuple[Callable[..., Any], str]] = field(default_factory=list)

    def run(self, answer: Any, inputs: list[tuple]) -> list[Outcome]:
        return super().run(answer, [copy.deepcopy(args) for args in inputs])

    def judge(self, inputs: list[tuple], outcomes: list[Outcome]) -> CheckResult:
        result = super().judge(inputs, outcomes)
        if result.passed or result.status in (ERROR, NOT_DONE):
            return result
        for args, outcome in zip(inputs, outcomes):
            if not outcome.ok or compare_arrays(self.reference(*args), outcome.value, self.rtol, self.atol) is None:
                continue
            for wrong, hint in self.mistakes:
                try:
                    with np.errstate(all="ignore"):
                        expected_wrong = wrong(*args)
                    if same_values(expected_wrong, outcome.value, self.rtol, self.atol):
                        result.message = result.message.rstrip(".") + f". Hint: {hint}"
                        return result
                except Exception:  # a hint that does not apply to this case
                    continue
            break
        return result


def yours_or_reference(exercise: Exercise, answer: Any, reference: Callable) -> Callable:
    """Return the learner's ``answer`` if it passes ``exercise``'s check, else ``reference`` (and say which).

    A notebook's story uses it so that it runs on the learner's own code once
    it is right, and still runs before that.
    """
    result = exercise.check(answer, seed=0, quiet=True)
    if result.passed:
        print(f"Using your `{exercise.target}` (it passes its check).")
        return answer
    print(f"Your `{exercise.target}` does not pass its check yet ({result.status}): the course's version stands in, so the notebook runs on.")
    return reference


def run_checks(results: Sequence[CheckResult]) -> dict:
    """Summarise several CheckResults: points earned, points possible, list of failures."""
    earned = sum(r.points for r in results)
    possible = sum(r.max_points for r in results)
    return {"points": earned, "max_points": possible, "failed": [r.exercise for r in results if not r.passed]}


def finite_or_none(x: float) -> float | None:
    """Return ``x`` if it is a finite float, else None (JSON-safe)."""
    return float(x) if isinstance(x, (int, float, np.floating)) and math.isfinite(x) else None


def model_output_shape(model: Any) -> tuple | None:
    """Output shape of a Keras model per example (batch axis dropped), or None if unknown.

    Works for functional and Sequential models (``model.output`` fails on a
    Sequential model that was never called; ``model.outputs`` does not).
    """
    outputs = getattr(model, "outputs", None)
    if not outputs:
        return None
    return tuple(outputs[0].shape[1:])


@dataclass
class ModelExercise(Exercise):
    """A model exercise: the learner writes a builder; the model is trained and scored.

    ``run`` calls the learner's builder (``answer(*build_args)``), checks it
    returned a compiled ``keras.Model``, trains it with ``train(model)`` and
    returns the model. ``judge`` checks the model's structure (output shape,
    output activation, parameter budget) and then scores it itself with
    ``evaluate(model)`` (test accuracy): the learner cannot report a score.

    Attributes:
        build_args: arguments passed to the learner's builder.
        train: ``train(model) -> None``; trains in place (CI-sized under ``COURSE_MODE=ci``).
        evaluate: ``evaluate(model) -> float``, the score (e.g. test accuracy).
        min_score: ``min_score() -> float``, the target for the current run size.
        output_shape: expected ``model.output.shape`` without the batch axis.
        output_activation: expected activation name of the last layer, or None.
        max_params: parameter budget, or None.
        score_name: how the score is named in feedback.
    """

    build_args: tuple = ()
    train: Callable[[Any], None] | None = None
    evaluate: Callable[[Any], float] | None = None
    min_score: Callable[[], float] = field(default=lambda: 0.0)
    output_shape: tuple | None = None
    output_activation: str | None = None
    max_params: int | None = None
    score_name: str = "test accuracy"

    def run(self, answer: Any, inputs: list) -> list[Outcome]:
        import keras

        if not callable(answer):
            return [Outcome(error="TypeError", detail=f"`{self.target}` must be a function that returns a model; got {describe_value(answer)}")]
        built = call_safely(answer, *self.build_args)
        if not built.ok:
            return [built]
        model = built.value
        if not isinstance(model, keras.Model):
            return [Outcome(error="TypeError", detail=f"`{self.target}` must return a keras.Model; it returned {describe_value(model)}")]
        if not model.compiled:
            return [Outcome(error="ValueError", detail="the model is not compiled: call model.compile(optimizer=..., loss=..., metrics=[...]) before returning it")]
        problem = self.structure_problem(model)
        if problem:  # do not spend minutes training a model that cannot pass
            return [Outcome(value={"model": model, "structure": problem})]
        if self.train is not None:
            trained = call_safely(self.train, model)
            if not trained.ok:
                return [Outcome(error=trained.error, detail=f"training failed: {trained.detail}")]
        return [Outcome(value={"model": model})]

    def structure_problem(self, model: Any) -> str | None:
        """Return what is wrong with the model's structure, or None."""
        shape = model_output_shape(model)
        if self.output_shape is not None and shape != tuple(self.output_shape):
            return f"the model's output shape is {shape} per example; expected {tuple(self.output_shape)}"
        if self.output_activation is not None:
            activation = getattr(model.layers[-1], "activation", None)
            name = getattr(activation, "__name__", str(activation))
            if name != self.output_activation:
                return f"the last layer's activation is {name!r}; expected {self.output_activation!r}"
        if self.max_params is not None and model.count_params() > self.max_params:
            return f"the model has {model.count_params():,} parameters; the budget is {self.max_params:,}"
        return None

    def judge(self, inputs: list, outcomes: list[Outcome]) -> CheckResult:
        outcome = outcomes[0] if outcomes else Outcome(error="RuntimeError", detail="no result came back")
        if not outcome.ok:
            return self.error_result(outcome)
        value = outcome.value if isinstance(outcome.value, dict) else {}
        model = value.get("model")
        if model is None:
            return self.result(False, "no model came back from the builder.", ERROR)
        problem = value.get("structure") or self.structure_problem(model)
        if problem:
            return self.result(False, problem + ".")
        if self.evaluate is None:
            return self.result(True, "the model has the expected structure.")
        scored = call_safely(self.evaluate, model)
        if not scored.ok:
            return self.result(False, f"scoring the model failed: {scored.error}: {scored.detail}", ERROR)
        score, target = float(scored.value), float(self.min_score())
        if not math.isfinite(score):
            return self.result(False, f"{self.score_name} is {score} (did training diverge? try a smaller learning rate).")
        if score < target:
            return self.result(False, f"{self.score_name} {score:.4f} is below the target {target:.4f}: train longer, widen the layers or tune the learning rate.")
        return self.result(True, f"{self.score_name} {score:.4f} reaches the target {target:.4f} with {model.count_params():,} parameters.")
