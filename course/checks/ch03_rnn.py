"""Checkers of chapter 3 (recurrent networks), in notebook order.

In the notebook::

    from course.checks import ch03_rnn as check
    check.rnn_step(rnn_step)

Function exercises compare the learner's code with the references in
:mod:`course.references.ch03_rnn` (imported only when judging) on fresh
random cases plus the edge cases each statement implies (float32 and float64
inputs, inputs large enough to saturate tanh, a zero state, words of equal
count, empty and over-long sequences, the statement's default arguments).
Each one checks the type its statement asks for (NumPy float arrays, a list of
them, the pair ``(h_t, c_t)``, a list of strings, NumPy integer arrays) and that the
arguments are left unchanged, and names a recognised mistake (a missing bias,
a state that is never carried forward, gradients clipped one array at a time (Keras's
``clipnorm``) or value by value instead of by their global norm, Keras's gate order misread, ``(c, h)``
returned as ``(h, c)``, ties in the order words first appear, padding on the
wrong side...).

``lstm_classifier`` probes the learner's compiled Keras model (one
probability per sentence, the compiled loss, at least one LSTM), trains it
on the budget its statement gives and scores its test accuracy.

Every exercise refuses an answer that is, wraps or calls anything in
:mod:`course.references.ch03_rnn`; the text exercises also refuse the
course's ``build_text_vectorizer``, and ``lstm_classifier`` the course's
recurrent classifiers.

:func:`yours_or_reference` lets the notebook's story run on the learner's
functions once they pass, and on the references until then.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from course.checks import core
from course.checks.core import (
    ERROR, FLOAT_ARRAY, INT_ARRAY, FunctionExercise, HintedFunctionExercise, ModelExercise, ReturnType, TrainingBudget,
    compare_arrays, describe_type, one_line, requires_layer, type_phrase, with_hint,
)
from course.recipes import CH03_SEQUENCE_LENGTH, CH03_VOCAB_SIZE
from course.translation import N_, tr

CHAPTER = "03_rnn"
#: Where the references live; every exercise of the chapter forbids the whole module.
REFERENCES = "course.references.ch03_rnn"
#: The vocabulary size and sentence length of the chapter's models (from course.recipes).
VOCAB_SIZE, SEQUENCE_LENGTH = CH03_VOCAB_SIZE, CH03_SEQUENCE_LENGTH
PAD, OOV = "", "[UNK]"


def _ref(name: str) -> Callable:
    """The reference ``name`` from course.references.ch03_rnn, imported now (trusted side only)."""
    return core.resolve_name(f"{REFERENCES}:{name}")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def _describe_arrays(names: tuple[str, ...]) -> Callable[[tuple], str]:
    def describe(args: tuple) -> str:
        parts = [f"{n} {np.shape(a)}" for n, a in zip(names, args) if isinstance(a, np.ndarray)]
        big = tr(", inputs large enough to saturate tanh") if np.abs(args[0]).max() > 100 else ""
        return ", ".join(parts) + f", {args[0].dtype}{big}"

    return describe


# --------------------------------------------------------------------------
# 1. One step of a simple RNN
# --------------------------------------------------------------------------


def _rnn_weights(rng, d: int, n: int, dtype=np.float64, scale: float = 0.6):
    return (rng.normal(0, scale, (d, n)).astype(dtype), rng.normal(0, scale, (n, n)).astype(dtype),
            rng.normal(0, 0.3, n).astype(dtype))


def _step_cases(rng):
    cases = []
    for (batch, d, n), dtype in [((1, 3, 2), np.float64), ((4, 5, 3), np.float32), ((2, 2, 6), np.float64), ((3, 4, 4), np.float32)]:
        W_x, W_h, b = _rnn_weights(rng, d, n, dtype)
        cases.append((rng.normal(size=(batch, d)).astype(dtype), rng.normal(0, 0.5, (batch, n)).astype(dtype), W_x, W_h, b))
    # large inputs: tanh saturates at +-1 (an exp-based tanh overflows here)
    W_x, W_h, b = _rnn_weights(rng, 3, 3, np.float32)
    cases.append((rng.normal(0, 2000.0, (2, 3)).astype(np.float32), np.zeros((2, 3), np.float32), W_x, W_h, b))
    return cases


rnn_step = HintedFunctionExercise(
    CHAPTER, "rnn_step", "rnn_step", points=1,
    description="one step of a simple RNN, h_t = tanh(x_t W_x + h_{t-1} W_h + b), as a NumPy float array",
    forbidden=(REFERENCES,), cases=_step_cases, reference=f"{REFERENCES}:rnn_step", rtol=1e-4, atol=1e-6,
    describe_case=_describe_arrays(("x_t", "h_prev", "W_x", "W_h", "b")), returns=FLOAT_ARRAY,
    arg_names=("x_t", "h_prev", "W_x", "W_h", "b"), read_only=("x_t", "h_prev", "W_x", "W_h", "b"),
    mistakes=[
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh), N_("the bias b is missing.")),
        (lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b, N_("apply tanh to the sum.")),
        (lambda x, h, Wx, Wh, b: _sigmoid(x @ Wx + h @ Wh + b), N_("the activation is tanh, not the sigmoid.")),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh.T + b), N_("use W_h as it is (h_prev @ W_h), not its transpose.")),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + b), N_("the previous state h_prev @ W_h is missing.")),
        (lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh + b) + h, N_("h_t is the tanh of the sum only: do not add h_prev to it.")),
    ],
)


# --------------------------------------------------------------------------
# 2. Unrolling the RNN over a sequence
# --------------------------------------------------------------------------


def _forward_cases(rng):
    cases = []
    for (batch, T, d, n), dtype in [((1, 1, 2, 3), np.float64), ((2, 5, 3, 4), np.float32), ((3, 8, 4, 2), np.float64),
                                    ((1, 12, 2, 5), np.float32)]:
        W_x, W_h, b = _rnn_weights(rng, d, n, dtype)
        cases.append((rng.normal(size=(batch, T, d)).astype(dtype), rng.normal(0, 0.5, (batch, n)).astype(dtype), W_x, W_h, b))
    return cases


def _forward_mistake(kind):
    def wrong(x, h0, W_x, W_h, b):
        step, forward = _ref("rnn_step"), _ref("rnn_forward")
        if kind == "no carry":
            return np.stack([step(x[:, t], h0, W_x, W_h, b) for t in range(x.shape[1])], axis=1)
        if kind == "time first":
            return forward(x, h0, W_x, W_h, b).transpose(1, 0, 2)
        if kind == "backwards":
            return forward(x[:, ::-1], h0, W_x, W_h, b)
        if kind == "last only":
            return forward(x, h0, W_x, W_h, b)[:, -1]
        if kind == "h0 included":
            return np.concatenate([np.asarray(h0, np.float64)[:, None], forward(x, h0, W_x, W_h, b)[:, :-1]], axis=1)
        raise ValueError(kind)
    return wrong


rnn_forward = HintedFunctionExercise(
    CHAPTER, "rnn_forward", "rnn_forward", points=1,
    description="unroll the RNN over T time steps and return every hidden state, shape (batch, T, n)",
    forbidden=(REFERENCES,), cases=_forward_cases, reference=f"{REFERENCES}:rnn_forward", rtol=1e-4, atol=1e-6,
    describe_case=_describe_arrays(("x", "h0", "W_x", "W_h", "b")), returns=FLOAT_ARRAY,
    arg_names=("x", "h0", "W_x", "W_h", "b"), read_only=("x", "h0", "W_x", "W_h", "b"),
    mistakes=[
        (_forward_mistake("no carry"), N_("each step must start from the state the previous step returned, not from h0 every time.")),
        (_forward_mistake("time first"), N_("stack the states along axis 1 (batch, T, n), not axis 0.")),
        (_forward_mistake("backwards"), N_("read the sequence from t = 0 to t = T-1.")),
        (_forward_mistake("last only"), N_("return every state h_1 ... h_T, shape (batch, T, n), not only the last one.")),
        (_forward_mistake("h0 included"), N_("return h_1 ... h_T: the states AFTER each step, not h0 and the first T - 1 of them.")),
    ],
)


# --------------------------------------------------------------------------
# 3. Clipping gradients by their global norm
# --------------------------------------------------------------------------

#: What clip_by_global_norm returns: a list (or tuple) of NumPy float arrays, one per gradient, in order.
ARRAY_LIST = ReturnType(N_("a list of NumPy float arrays, one per gradient"),
                        lambda d: d.get("kind") == "array list" and all(FLOAT_ARRAY.accepts(item) for item in d.get("items", [])),
                        "[np.asarray(g) for g in result]")


def _gradients(rng, shapes, norms, dtype):
    """Random arrays of the given shapes, each rescaled to the given norm (so each case tests what it says)."""
    grads = []
    for shape, norm in zip(shapes, norms):
        g = rng.normal(size=shape)
        grads.append((g * norm / np.linalg.norm(g)).astype(dtype))
    return grads


#: The arrays of a small RNN's gradient: kernel, recurrent kernel, bias, and a Dense readout's kernel and bias.
_RNN_SHAPES = [(3, 4), (4, 4), (4,), (4, 1), (1,)]


def _clip_cases(rng):
    return [
        # an exploding gradient: global norm in the hundreds, entries far above max_norm
        (_gradients(rng, _RNN_SHAPES, rng.uniform(50, 300, 5), np.float32), 1.0),
        # already short: global norm 1.6 under max_norm 5, returned unchanged
        (_gradients(rng, _RNN_SHAPES, [1.0, 0.8, 0.5, 0.6, 0.3], np.float64), 5.0),
        # every array's own norm under max_norm (0.5 to 0.8), their global norm (1.32) above it
        (_gradients(rng, [(2, 3), (3,), (3, 3), (5,)], [0.6, 0.7, 0.5, 0.8], np.float64), 1.0),
        # one large array beside small ones: clipping each array alone would change the direction
        (_gradients(rng, [(6, 2), (2,), (2, 2)], [40.0, 0.05, 0.2], np.float32), 2),
        # a single array
        (_gradients(rng, [(5, 3)], [12.0], np.float64), 3.0),
        # zero gradients: nothing to clip, and no division by zero
        ([np.zeros((2, 2)), np.zeros(3)], 1.0),
    ]


def _describe_clip_case(args) -> str:
    grads, max_norm = args
    norm = float(np.sqrt(sum(np.sum(np.asarray(g, np.float64) ** 2) for g in grads)))
    dtype = np.asarray(grads[0]).dtype
    return tr("{count} arrays of shapes {shapes}, {dtype}, global norm {norm:.3g}, max_norm={max_norm}", count=len(grads),
              shapes=", ".join(str(np.shape(g)) for g in grads), dtype=dtype, norm=norm, max_norm=max_norm)


def _clip_mistake(kind):
    def wrong(grads, max_norm):
        arrays = [np.asarray(g, np.float64) for g in grads]
        norms = [float(np.linalg.norm(a)) for a in arrays]
        total = float(np.sqrt(sum(n * n for n in norms)))
        if kind == "per array":
            return [a * max_norm / max(max_norm, n) for a, n in zip(arrays, norms)]
        if kind == "always":
            return [a * max_norm / total for a in arrays]
        if kind == "min":
            return [a * max_norm / min(max_norm, total) for a in arrays]
        if kind == "values":
            return [np.clip(a, -max_norm, max_norm) for a in arrays]
        if kind == "sum of norms":
            return [a * max_norm / max(max_norm, sum(norms)) for a in arrays]
        if kind == "squared":
            return [a * max_norm / max(max_norm, total**2) for a in arrays]
        raise ValueError(kind)
    return wrong


@dataclass
class ArrayListExercise(HintedFunctionExercise):
    """A HintedFunctionExercise whose answer is a list of arrays of different shapes, compared one array after the other."""

    def collect(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            arrays = [core.as_float_array(item) for item in value]
            if all(a is not None for a in arrays):
                return {"value": arrays, "type": {"kind": "array list", "items": [describe_type(item) for item in value]}}
        converted = core.as_float_array(value)
        return {"value": converted if converted is not None else one_line(repr(value), 200), "type": describe_type(value)}

    @staticmethod
    def _difference(expected: list, got: Any, rtol: float, atol: float) -> str | None:
        """What differs between two lists of arrays (the count, then each array in order), or None."""
        if not isinstance(got, list):
            return tr("expected a list of arrays")
        if len(got) != len(expected):
            return tr("returned {count} array; expected {expected}, one per gradient, in order" if len(got) == 1 else
                      "returned {count} arrays; expected {expected}, one per gradient, in order", count=len(got), expected=len(expected))
        for i, (e, g) in enumerate(zip(expected, got)):
            if np.shape(g) != np.shape(e):
                return tr("array {i} has shape {shape}; expected {expected}, the shape of grads[{i}]", i=i, shape=np.shape(g),
                          expected=np.shape(e))
            problem = compare_arrays(e, g, rtol, atol)
            if problem:
                return tr("array {i}: {problem}", i=i, problem=problem)
        return None

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            case = self._case_name(i, args)
            if not outcome.ok:
                return self.error_result(outcome, f" on {case}")
            expected, got, described = self.expected(*args), outcome.value["value"], outcome.value["type"]
            if described.get("kind") != "array list":
                problem = tr("return {expected}; got {got}", expected=tr(ARRAY_LIST.phrase), got=type_phrase(described))
                return self.result(False, tr("{case}: {problem}.", case=case, problem=problem))
            problem = self._difference(expected, got, self.rtol, self.atol)
            if problem is None:
                if not ARRAY_LIST.accepts(described):
                    kinds = sorted({type_phrase(item) for item in described["items"] if not FLOAT_ARRAY.accepts(item)})
                    return self.result(False, tr("{case}: return {expected}; got a list holding {kinds} (the values are right: {convert}).",
                                                 case=case, expected=tr(ARRAY_LIST.phrase), kinds=tr(" and ").join(kinds),
                                                 convert=ARRAY_LIST.convert))
                continue
            hint = self.hint(args, got)
            message = tr("{case}: {problem}.", case=case, problem=problem)
            return self.result(False, with_hint(message, hint) if hint else message)
        return self.result(True, tr("correct on all {count} random test cases.", count=len(inputs)))

    def hint(self, args, value):
        for wrong, hint in self.mistakes:
            try:
                with np.errstate(all="ignore"):
                    expected_wrong = wrong(*copy.deepcopy(args))
            except Exception:  # a hint that does not apply to this case
                continue
            if self._difference([np.asarray(a, np.float64) for a in expected_wrong], value, self.rtol, self.atol) is None:
                return hint
        return None


clip_by_global_norm = ArrayListExercise(
    CHAPTER, "clip_by_global_norm", "clip_by_global_norm", points=2,
    description="scale a list of gradient arrays by max_norm / max(max_norm, their global norm); a list of NumPy float arrays",
    forbidden=(REFERENCES,), cases=_clip_cases, reference=f"{REFERENCES}:clip_by_global_norm", rtol=1e-4, atol=1e-6,
    describe_case=_describe_clip_case, returns=ARRAY_LIST, arg_names=("grads", "max_norm"), read_only=("grads",),
    mistakes=[
        (_clip_mistake("per array"), N_("the global norm is the norm of all the arrays together, sqrt(sum of every entry squared); "
                                        "clipping each array by its own norm (Keras's clipnorm) changes the gradient's direction.")),
        (_clip_mistake("always"), N_("leave gradients whose global norm is at most max_norm unchanged: multiply by "
                                     "max_norm / max(max_norm, norm), a factor never above 1.")),
        (_clip_mistake("min"), N_("divide by max(max_norm, norm), not min: the factor max_norm / max(max_norm, norm) is never above 1.")),
        (_clip_mistake("values"), N_("scale every array by one factor, max_norm / max(max_norm, norm): clipping each value to "
                                     "[-max_norm, max_norm] (Keras's clipvalue) changes the gradient's direction.")),
        (_clip_mistake("sum of norms"), N_("the global norm is sqrt(sum of the squared norms of the arrays), not the sum of their norms.")),
        (_clip_mistake("squared"), N_("take the square root: the norm is sqrt(sum of every entry squared).")),
    ],
)


# --------------------------------------------------------------------------
# 4. One step of an LSTM, with Keras's weight layout
# --------------------------------------------------------------------------

#: What lstm_step returns: anything that unpacks as ``h_t, c_t = result`` into two NumPy float arrays.
PAIR = ReturnType(N_("the pair (h_t, c_t) of NumPy float arrays"),
                  lambda d: d.get("kind") == "pair" and all(FLOAT_ARRAY.accepts(item) for item in d.get("items", [])),
                  N_("return h_t, c_t as NumPy arrays (np.asarray)"))


def _lstm_variant(order: str = "ifco", tanh_on_c: bool = True, use_input_gate: bool = True, gate=_sigmoid, swap=False):
    def step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
        z = np.asarray(x_t, np.float64) @ kernel + np.asarray(h_prev, np.float64) @ recurrent_kernel + bias
        parts = dict(zip(order, np.split(z, 4, axis=-1)))
        i, f, g, o = gate(parts["i"]), gate(parts["f"]), np.tanh(parts["c"]), gate(parts["o"])
        c = f * c_prev + (i * g if use_input_gate else g)
        h = o * (np.tanh(c) if tanh_on_c else c)
        return (c, h) if swap else (h, c)

    return step


def _lstm_cases(rng):
    cases = []
    for (batch, d, n), dtype in [((1, 2, 1), np.float64), ((3, 4, 2), np.float32), ((2, 3, 5), np.float64), ((4, 6, 3), np.float32)]:
        cases.append(tuple(a.astype(dtype) for a in (
            rng.normal(size=(batch, d)),
            rng.normal(0, 0.5, (batch, n)),
            rng.normal(0, 1.0, (batch, n)),
            rng.normal(0, 0.6, (d, 4 * n)),
            rng.normal(0, 0.6, (n, 4 * n)),
            rng.normal(0, 0.5, 4 * n),
        )))
    # the first step of a sequence: zero state
    cases.append((rng.normal(size=(2, 3)), np.zeros((2, 2)), np.zeros((2, 2)),
                  rng.normal(0, 0.6, (3, 8)), rng.normal(0, 0.6, (2, 8)), rng.normal(0, 0.5, 8)))
    return cases


def _lstm_case_name(args: tuple) -> str:
    x_t, h_prev, c_prev = args[0], args[1], args[2]
    zero = tr(", zero state") if not np.any(h_prev) and not np.any(c_prev) else ""
    return tr("batch {batch}, {features} input features, units={units}, {dtype}{extra}", batch=x_t.shape[0], features=x_t.shape[1],
              units=h_prev.shape[1], dtype=x_t.dtype, extra=zero)


@dataclass
class PairExercise(HintedFunctionExercise):
    """A HintedFunctionExercise whose answer is the pair ``(h_t, c_t)``: two arrays, compared one after the other.

    Anything that unpacks as ``h_t, c_t = result`` into two NumPy float arrays
    is the pair (a tuple, a list, or a stacked array of shape (2, batch, n)).
    """

    pair_names: tuple[str, str] = ("h_t", "c_t")

    def collect(self, value: Any) -> Any:
        items = None
        if isinstance(value, (tuple, list)) and len(value) == 2:
            items = list(value)
        elif isinstance(value, np.ndarray) and value.ndim == 3 and len(value) == 2:
            items = [value[0], value[1]]
        if items is None:
            converted = core.as_float_array(value)
            return {"value": converted if converted is not None else one_line(repr(value), 200), "type": describe_type(value)}
        arrays = [core.as_float_array(item) for item in items]
        if any(a is None for a in arrays) or arrays[0].shape != arrays[1].shape:
            stacked = one_line(repr(value), 200)
        else:
            stacked = np.stack(arrays)
        return {"value": stacked, "type": {"kind": "pair", "items": [describe_type(item) for item in items]}}

    def type_problem(self, expected: Any, value: Any) -> str | None:
        described = value.get("type", {}) if isinstance(value, dict) else {}
        if PAIR.accepts(described):
            return None
        a, b = self.pair_names
        if described.get("kind") == "pair":
            got = tr(" and ").join(type_phrase(item) for item in described["items"])
            right = compare_arrays(expected, value["value"], self.rtol, self.atol) is None
            return (tr("return the pair ({a}, {b}) as two NumPy float arrays; got {got}", a=a, b=b, got=got)
                    + (tr(" (the values are right: {convert})", convert=tr(PAIR.convert)) if right else ""))
        got = type_phrase(described)
        if described.get("kind") == "ndarray" and np.shape(value.get("value")) == np.shape(expected)[1:]:
            got += tr(", one array")
        return tr("return the pair ({a}, {b}), two arrays of shape {shape}: `return {a}, {b}`; got {got}", a=a, b=b,
                  shape=np.shape(expected)[1:], got=got)

    def judge(self, inputs, outcomes):
        result = super().judge(inputs, outcomes)
        # core's "wrong value at index (k, i, j)" (in the learner's language) names the array: "wrong value in c_t at index (i, j)"
        at_index = tr("wrong value at index {index}").split("{index}")[0]
        for k, pair_name in enumerate(self.pair_names):
            marker = f"{at_index}({k}, "
            if not result.passed and marker in result.message:
                in_array = tr("wrong value in {name} at index {index}").split("{index}")[0].format(name=pair_name)
                result.message = result.message.replace(marker, f"{in_array}(")
        return result


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation lstm_step: `z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)` -> `z_i, z_f, z_c, z_o = np.split(z, 4, axis=1)`
#   is equivalent: z = x_t kernel + h_prev recurrent_kernel + bias is 2-D, (batch, 4n), as the statement's
#   (batch, n) shapes make it, so axis 1 is the last axis.
lstm_step = PairExercise(
    CHAPTER, "lstm_step", "lstm_step", points=2,
    description="one LSTM step with Keras's weight layout (gates i, f, c, o); returns the pair (h_t, c_t)",
    forbidden=(REFERENCES,), cases=_lstm_cases, reference=f"{REFERENCES}:lstm_step", rtol=1e-4, atol=1e-6,
    describe_case=_lstm_case_name, returns=PAIR,
    arg_names=("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"),
    read_only=("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"),
    mistakes=[
        (_lstm_variant(swap=True), N_("return the pair in the order (h_t, c_t): h_t first, then c_t.")),
        (_lstm_variant(order="ifoc"), N_("Keras stores the gates in the order i, f, c, o: the candidate c comes third, the output gate last.")),
        (_lstm_variant(order="fico"), N_("Keras stores the gates in the order i, f, c, o: the input gate comes first.")),
        (_lstm_variant(order="icfo"), N_("Keras stores the gates in the order i, f, c, o: the forget gate comes second.")),
        (_lstm_variant(tanh_on_c=False), N_("h_t = o * tanh(c_t): squash the cell state before the output gate.")),
        (_lstm_variant(use_input_gate=False), N_("c_t = f * c_prev + i * candidate: the input gate scales the candidate.")),
        (_lstm_variant(gate=np.tanh), N_("the gates use the sigmoid (values in [0, 1]); only the candidate and h_t use tanh.")),
    ],
)


# --------------------------------------------------------------------------
# 5. A vocabulary from sentences
# --------------------------------------------------------------------------

#: What build_vocabulary returns: a list of strings (NumPy strings count as strings).
WORD_LIST = ReturnType(N_("a list of strings"), lambda d: d.get("kind") == "word list", "list(result)")

_WORDS = ["film", "movie", "plot", "actor", "good", "bad", "dull", "witty", "the", "a", "is", "and",
          "not", "charming", "story", "ending", "director's", "it's", "funny", "slow"]


def _random_sentences(rng, n: int, words=_WORDS) -> list[str]:
    sentences = []
    for _ in range(n):
        chosen = [str(w) for w in rng.choice(words, size=int(rng.integers(1, 9)))]
        chosen = [w.capitalize() if rng.random() < 0.2 else w for w in chosen]
        sentence = " ".join(chosen)
        sentence += str(rng.choice([" .", "!", " , really .", "", "?", " -- wow"]))
        sentences.append(sentence)
    return sentences


def _vocabulary_cases(rng):
    return [
        (["The film is good.", "the FILM is bad !", "a good, good film"], 10),
        (["zebra zebra yak", "yak apple"], 10),                          # ties: yak before apple in the text, not in the alphabet
        (["It's a movie -- a movie!", "director's  cut"], 4),            # punctuation, two spaces in a row
        (["bad film", "good film", "dull plot", "witty plot"], 4),       # the cut falls among words of equal count
        (["one two three"], 2),                                          # only the two special tokens fit
        (_random_sentences(rng, 12), 8),
        (_random_sentences(rng, 30), 100),                               # more room than words
        (_random_sentences(rng, 20), 5),
    ]


def _counts(sentences, split=None) -> Counter:
    standardize = _ref("standardize")
    return Counter(word for sentence in sentences for word in (split(sentence) if split else standardize(sentence)))


def _vocab_mistakes(sentences, max_tokens):
    """(what a mistake gives, hint) for the common vocabulary mistakes, on one case."""
    import re
    import string

    counts = _counts(sentences)
    by_count = sorted(counts, key=lambda w: (-counts[w], w))
    keep = max(max_tokens - 2, 0)
    punctuation = "[" + re.escape(string.punctuation) + "]"
    first_seen = [w for w, _ in counts.most_common()]
    yield [PAD, OOV] + first_seen[:keep], N_("words with equal counts go in alphabetical order: Counter.most_common() keeps them in the "
                                             "order they first appear; sort with key=lambda w: (-count[w], w).")
    keras_order = sorted(sorted(counts, reverse=True), key=lambda w: -counts[w])   # ties in reverse order, as TextVectorization
    yield [PAD, OOV] + keras_order[:keep], N_("words with equal counts go in alphabetical order (TextVectorization puts them in "
                                              "reverse order).")
    yield by_count[:max_tokens], N_("start the list with the padding token '' and the out-of-vocabulary token '[UNK]'.")
    yield [PAD, OOV] + by_count[:max_tokens], N_("max_tokens counts the two special tokens: keep max_tokens - 2 words.")
    for split, hint in [
        (lambda s: str(s).split(), N_("standardize first: lower-case and delete punctuation before splitting.")),
        (lambda s: str(s).lower().split(), N_("delete the punctuation characters (string.punctuation) too, before splitting.")),
        (lambda s: re.sub(punctuation, "", str(s)).split(), N_("lower-case the sentences too: 'The' and 'the' are one word.")),
        (lambda s: re.sub(punctuation, "", str(s).lower()).split(" "),
         N_("split on any run of whitespace with .split() (no argument): .split(' ') makes empty words where two spaces meet.")),
        (lambda s: re.sub(punctuation, " ", str(s).lower()).split(),
         N_("delete punctuation, do not replace it by a space: \"it's\" becomes \"its\", one word.")),
    ]:
        raw = _counts(sentences, split)
        yield [PAD, OOV] + sorted(raw, key=lambda w: (-raw[w], w))[:keep], hint
    yield [PAD, OOV] + sorted(counts)[:keep], N_("order the words by count, most frequent first (ties alphabetically).")
    yield [PAD, OOV] + sorted(counts, key=lambda w: (counts[w], w))[:keep], N_("most frequent first: sort by minus the count.")


@dataclass
class VocabularyExercise(FunctionExercise):
    """The learner's function returns a list of words; compared entry by entry with the reference's list."""

    def collect(self, value: Any) -> Any:
        if isinstance(value, list) and all(isinstance(w, str) for w in value):
            return {"value": [str(w) for w in value], "type": {"kind": "word list"}}
        described = describe_type(value)
        if isinstance(value, (list, tuple, np.ndarray)) and len(value) and all(isinstance(w, str) for w in value):
            return {"value": [str(w) for w in value], "type": described}
        return {"value": one_line(repr(value), 120), "type": described}

    def _case_name(self, i, args):
        return tr(core.CASE, number=i + 1, description=tr("{count} sentences, max_tokens={max_tokens}", count=len(args[0]), max_tokens=args[1]))

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            case = self._case_name(i, args)
            if not outcome.ok:
                return self.error_result(outcome, f" on {case}")
            expected, got, described = self.expected(*args), outcome.value["value"], outcome.value["type"]
            if not WORD_LIST.accepts(described):
                right = tr(" (the words are right: return list(result))") if got == expected else ""
                return self.result(False, tr("{case}: return a list of strings; got {got}{right}.", case=case, got=type_phrase(described),
                                             right=right))
            if got == expected:
                continue
            hint = next((h for wrong, h in _vocab_mistakes(*args) if got == wrong), "")
            if len(got) != len(expected):
                problem = tr("the vocabulary has {count} entries; expected {expected}", count=len(got), expected=len(expected))
            else:
                k = next(j for j, (a, b) in enumerate(zip(expected, got)) if a != b)
                problem = tr("entry {k} is {got}; expected {expected}", k=k, got=repr(got[k]), expected=repr(expected[k]))
            message = tr("{case}: {problem}.", case=case, problem=problem)
            return self.result(False, with_hint(message, hint) if hint else message)
        return self.result(True, tr("correct on all {count} random test cases.", count=len(inputs)))


build_vocabulary = VocabularyExercise(
    CHAPTER, "build_vocabulary", "build_vocabulary", points=2,
    description="standardize, split and count words; return ['', '[UNK]'] + the most frequent words (ties alphabetical)",
    forbidden=(REFERENCES, "course.models:build_text_vectorizer"), cases=_vocabulary_cases,
    reference=f"{REFERENCES}:build_vocabulary", arg_names=("sentences", "max_tokens"), read_only=("sentences",),
)


# --------------------------------------------------------------------------
# 6. Padding and truncation
# --------------------------------------------------------------------------

PAD_DEFAULTS = ("post", "post", 0)   # padding, truncating, value


def _pad_cases(rng):
    cases = []
    for padding in ("post", "pre"):
        for truncating in ("post", "pre"):
            length = int(rng.integers(3, 7))
            seqs = [list(map(int, rng.integers(2, 50, size=int(k)))) for k in rng.integers(0, 10, size=5)]
            seqs.append(list(range(2, 2 + length)))          # exactly the right length
            seqs.append(list(range(2, 2 + length + 3)))      # too long
            seqs.append([7, 8])                              # shorter than the length
            cases.append((seqs, length, padding, truncating, 0))
    cases.append(([[5, 6], [7, 8, 9, 10, 11]], 4, "pre", "post", -1))    # a padding value other than 0
    cases.append(([[], [3]], 2, "post", "post", 0))                      # an empty sequence
    cases.append(([[3, 4, 5], [6]], 5, "post", "pre", 0))               # short ones, truncating in front: keep them whole
    cases.append(([[1, 2, 3, 4, 5, 6, 7], [9]], 3))                      # the defaults
    cases.append(([[4, 5, 6, 7, 8], [1, 2]], 4, "pre"))                  # padding given, truncating and value by default
    return cases


def _describe_pad_case(args) -> str:
    seqs, length, padding, truncating, value = tuple(args) + PAD_DEFAULTS[len(args) - 2:]
    given = "" if len(args) == 5 else tr(", defaults for the rest")
    return tr("{count} sequences, length={length}, padding={padding}, truncating={truncating}, value={value}{given}", count=len(seqs),
              length=length, padding=repr(padding), truncating=repr(truncating), value=value, given=given)


def _pad_mistake(kind):
    def wrong(sequences, length, padding="post", truncating="post", value=0):
        pad = _ref("pad_and_truncate")
        swap = {"post": "pre", "pre": "post"}
        if kind == "truncating swapped":
            return pad(sequences, length, padding, swap[truncating], value)
        if kind == "padding swapped":
            return pad(sequences, length, swap[padding], truncating, value)
        if kind == "value ignored":
            return pad(sequences, length, padding, truncating, 0)
        if kind == "negative start":
            kept = [s[len(s) - length:] if truncating == "pre" else s[:length] for s in sequences]
            return pad(kept, length, padding, truncating, value)
        raise ValueError(kind)
    return wrong


pad_and_truncate = HintedFunctionExercise(
    CHAPTER, "pad_and_truncate", "pad_and_truncate", points=2,
    description="pad or cut every integer sequence to the same length, on the side asked for; a NumPy integer array",
    forbidden=(REFERENCES,), cases=_pad_cases, reference=f"{REFERENCES}:pad_and_truncate", rtol=0.0, atol=0.0,
    describe_case=_describe_pad_case, returns=INT_ARRAY,
    arg_names=("sequences", "length", "padding", "truncating", "value"), read_only=("sequences",),
    mistakes=[
        (_pad_mistake("truncating swapped"),
         N_("truncating='post' drops tokens at the end (keeps the first `length`), 'pre' drops them at the start.")),
        (_pad_mistake("padding swapped"), N_("padding='post' adds the padding value after the tokens, 'pre' before them.")),
        (_pad_mistake("value ignored"), N_("fill with the `value` argument, not always 0.")),
        (_pad_mistake("negative start"),
         N_("a sequence shorter than `length` is kept whole: seq[len(seq) - length:] has a negative start there and keeps only its last tokens.")),
    ],
)


# --------------------------------------------------------------------------
# 7. Sentences to padded integer sequences
# --------------------------------------------------------------------------


def _vectorize_cases(rng):
    # First a fixed case whose unknown word sits between known ones, so that each usual mistake gives
    # its own output there (dropping an unknown word and giving it id 0 differ only in such a sentence).
    cases = [(["Witty, masterpiece and CHARMING!", "a masterpiece", ""], [PAD, OOV, "witty", "charming", "and"], 4)]
    build = _ref("build_vocabulary")
    for n_sent, max_tokens, length in [(3, 6, 5), (6, 12, 4), (5, 30, 10), (4, 8, 3)]:
        sentences = _random_sentences(rng, n_sent)
        vocabulary = build(_random_sentences(rng, 15), max_tokens)
        cases.append((sentences, vocabulary, length))
    return cases


def _vectorize_mistake(kind):
    def wrong(sentences, vocabulary, length):
        standardize, pad = _ref("standardize"), _ref("pad_and_truncate")
        index = {word: i for i, word in enumerate(vocabulary)}
        split = (lambda s: str(s).split()) if kind == "raw split" else standardize
        unknown = 0 if kind == "unknown is 0" else 1
        ids = [[index.get(w, unknown) for w in split(s)] for s in sentences]
        if kind == "unknown dropped":
            ids = [[index[w] for w in standardize(s) if w in index] for s in sentences]
        if kind == "off by one":
            ids = [[index[w] + 1 if w in index else 1 for w in standardize(s)] for s in sentences]
        side = "pre" if kind == "pre" else "post"
        return pad(ids, length, side, side, 0)
    return wrong


vectorize = HintedFunctionExercise(
    CHAPTER, "vectorize", "vectorize", points=1,
    description="turn sentences into word ids with a given vocabulary, padded/truncated at the end; a NumPy integer array",
    forbidden=(REFERENCES, "course.models:build_text_vectorizer"), cases=_vectorize_cases, reference=f"{REFERENCES}:vectorize",
    rtol=0.0, atol=0.0, returns=INT_ARRAY, arg_names=("sentences", "vocabulary", "length"), read_only=("sentences", "vocabulary"),
    describe_case=lambda args: tr("{count} sentences, a vocabulary of {size}, length={length}", count=len(args[0]), size=len(args[1]),
                                  length=args[2]),
    mistakes=[
        (_vectorize_mistake("unknown is 0"), N_("a word that is not in the vocabulary gets id 1 ('[UNK]'); id 0 means padding.")),
        (_vectorize_mistake("unknown dropped"), N_("a word that is not in the vocabulary stays, as id 1 ('[UNK]'): do not drop it.")),
        (_vectorize_mistake("raw split"), N_("standardize each sentence (lower-case, delete punctuation) before looking words up.")),
        (_vectorize_mistake("off by one"), N_("a word's id is its position in `vocabulary`, counting from 0 ('' is id 0, '[UNK]' id 1).")),
        (_vectorize_mistake("pre"), N_("pad and truncate at the end (padding='post', truncating='post'), as TextVectorization does.")),
    ],
)


# --------------------------------------------------------------------------
# 8. An LSTM sentiment classifier that reaches the target
# --------------------------------------------------------------------------

#: The full-size run the chapter talks about, and the accuracy a good answer reaches after it.
LSTM_FULL = {"epochs": 6, "train_examples": 8_530, "batch_size": 32, "patience": 1, "target": 0.74}
#: The one budget lstm_classifier is judged on, in the notebook and in `course grade`, in every run size: 2 epochs on
#: the 8,530 training sentences (batch 32), at least 70% on the 1,066 test sentences. Calibrated against the chapter's
#: target, 74% after full training (up to 6 epochs on the same sentences, batch 32, the epoch with the best validation
#: loss kept), with `python -m course.references.ch03_calibration --out calibration.json --subsets 4000,8530 --epochs 3`
#: (then the last three candidates with `--subsets 8530 --only ...`) on a 2-core CPU shared with other jobs,
#: TensorFlow 2.21, Keras 3.15, 2026-12-04. Test accuracy after full training (seed 0) | after the budget: seed 0 (the
#: checker's), and min..max over seeds 0-2:
#:   emb16 lstm8 drop0.5 adam1e-3                 0.7749 | 0.7523  0.7523..0.7627
#:   emb128 lstm64 no dropout adam1e-3            0.7655 | 0.7777  0.7448..0.7777
#:   emb64 lstm32 no mask adam1e-3                0.7655 | 0.7467  0.5629..0.7467   meets 74%, learns slowly: passes with seed 0 only
#:   emb64 bilstm32 drop0.5 adam1e-3              0.7589 | 0.7589  0.7589..0.7702
#:   emb64 lstm32 drop0.5 adam3e-4                0.7580 | 0.7402  0.7289..0.7402
#:   emb64 lstm32 drop0.5 adam1e-3 (reference)    0.7561 | 0.7561  0.7561..0.7711   (RNN(LSTMCell(32)): the same numbers)
#:   emb64 lstm32 drop0.5 rmsprop1e-3             0.7552 | 0.7411  0.7326..0.7411
#:   emb64 lstm32 avgpool drop0.5 adam1e-3        0.7542 | 0.7542  0.7542..0.7570
#:   emb8 lstm4 no dropout adam1e-3               0.7542 | 0.7542  0.7542..0.7711
#:   emb64 lstm32 drop0.5 adam1e-4                0.7514 | 0.6201  0.6191..0.6463   meets 74%, learns slowly: fails the budget
#:   emb64 lstm32 drop0.5 sgd0.1                  0.6023 | 0.5235  0.4859..0.5235
#:   emb64 lstm32 drop0.5 adam1e-5                0.5197 | 0.4916  0.4916..0.5300
#:   emb64 lstm32 drop0.5 adam1e-1                0.5150 | 0.5150  0.5047..0.5253
#:   emb64 lstm32 drop0.5 sgd0.01                 0.4944 | 0.4869  0.4859..0.5066
#: So 0.70 passes, with every seed, every model that meets 74% and learns at Adam's or RMSprop's default pace (lowest:
#: 0.7289), and fails, with every seed, every model that misses it (highest: 0.5300): 40 of the 45 (model, seed)
#: verdicts agree with the 74% line, and the 5 that do not are slow learners that reach 74% only after 3-6 epochs
#: (Adam at 1e-4; no mask over the padding, which takes an epoch or two to start learning). Every model tried, however
#: small, met 74% if it learned at all: only the optimizer settings put a model under it. Other budgets measured by
#: the same command: 3 epochs on 8,530 sentences agree on 42 of 45 (no mask passes with every seed, Adam at 1e-4 still
#: fails, at most 0.6979) at 1.5 times the cost, so 2 epochs were kept to keep CI and grading fast; 1-3 epochs on
#: the first 4,000 sentences spread wider over seeds (the reference: 0.7308..0.7364 after 2 epochs).
#: The cost: two epochs of 267 steps, 15-40 s on a 2-core CPU depending on its load.
LSTM_BUDGET = TrainingBudget(epochs=2, train_examples=8_530, batch_size=32, test_examples=1_066, min_score=0.70,
                             examples=N_("sentences"))


@lru_cache(maxsize=1)
def sentiment_data() -> dict[str, np.ndarray]:
    """The chapter's split as word ids, the vocabulary learned from all 8,530 training sentences (every run size)."""
    from course.data import load_movie_reviews
    from course.models import build_text_vectorizer

    (x, y), (x_val, y_val), (x_test, y_test) = load_movie_reviews()
    vectorizer = build_text_vectorizer(x, VOCAB_SIZE, SEQUENCE_LENGTH)
    ids = lambda texts: np.asarray(vectorizer(texts), dtype=np.int32)  # noqa: E731
    return {"x": ids(x), "y": y, "x_val": ids(x_val), "y_val": y_val, "x_test": ids(x_test), "y_test": y_test}


def lstm_probe(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """32 test sentences as word ids (32, 40), and their labels: the batch the model is probed on."""
    data = sentiment_data()
    pick = rng.choice(len(data["x_test"]), size=32, replace=False)
    return data["x_test"][pick], data["y_test"][pick]


def lstm_train(model) -> None:
    """Train the learner's compiled model on the budget: the first training sentences as word ids."""
    data = sentiment_data()
    n = LSTM_BUDGET.train_examples
    model.fit(data["x"][:n], data["y"][:n], epochs=LSTM_BUDGET.epochs, batch_size=LSTM_BUDGET.batch_size, verbose=0)


def lstm_test_inputs() -> np.ndarray:
    """The test sentences' word ids the trained model predicts."""
    return sentiment_data()["x_test"][: LSTM_BUDGET.test_examples]


def lstm_score(predictions: np.ndarray) -> float:
    """Share of test sentences whose predicted probability falls on the right side of 0.5 (computed here)."""
    y_test = sentiment_data()["y_test"][: LSTM_BUDGET.test_examples]
    p = np.asarray(predictions, dtype=np.float64)
    if p.shape != (len(y_test), 1):
        raise ValueError(f"expected predictions of shape {(len(y_test), 1)}, got {p.shape}")
    return float(np.mean((p[:, 0] > 0.5) == (y_test == 1)))


@dataclass
class LSTMClassifierExercise(ModelExercise):
    """The model exercise of this chapter: one hint more, for two softmax outputs where one sigmoid is asked for."""

    def structure_verdict(self, case, value):
        problem = super().structure_verdict(case, value)
        if problem and np.shape(value.get("outputs"))[1:] == (2,):
            problem = with_hint(problem, N_("this exercise asks for one sigmoid unit, Dense(1, activation='sigmoid'), the probability that "
                                            "the sentence is positive, with loss='binary_crossentropy'."))
        return problem


lstm_classifier = LSTMClassifierExercise(
    CHAPTER, "lstm_classifier", "build_lstm_classifier", points=3,
    description="build and compile an LSTM sentiment classifier that reaches the target test accuracy",
    forbidden=(REFERENCES, "course.models:build_rnn_classifier", "course.models:build_seed_rnn", "course.recipes:course_rnn",
               "course.recipes:seed_rnn"),
    build_args=(VOCAB_SIZE, SEQUENCE_LENGTH), probe=lstm_probe, output_shape=(1,), output="probability",
    loss="binary_crossentropy", max_params=3_000_000,
    requires=requires_layer("LSTM", "LSTMCell", what=N_("LSTM (keras.layers.LSTM, or keras.layers.RNN(keras.layers.LSTMCell(...)), "
                                                        "alone or inside Bidirectional)")),
    train=lstm_train, test_inputs=lstm_test_inputs, score=lstm_score, budget=LSTM_BUDGET, score_name=N_("test accuracy"),
    reference=f"{REFERENCES}:build_lstm_classifier",
)


EXERCISES = [rnn_step, rnn_forward, clip_by_global_norm, lstm_step, build_vocabulary, pad_and_truncate, vectorize, lstm_classifier]


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (comparing the vocabulary with TextVectorization's)
    uses it so that it runs on the learner's own code once it is right, and
    still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer)
