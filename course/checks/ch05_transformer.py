"""Checkers of chapter 5 (attention, Transformers, residual networks), in notebook order.

In the notebook::

    from course.checks import ch05_transformer as check
    check.scaled_dot_product_attention(scaled_dot_product_attention)

Function exercises compare the learner's NumPy code with the references in
:mod:`course.references.ch05_transformer` (imported only when judging) on
fresh random cases plus the edge cases each statement implies (query rows
whose keys are all blocked, scores in the hundreds, inputs without a batch
axis or with a head axis, the mask left at its default), check the type the
statement asks for and that the arguments are left unchanged, and name a
recognised mistake (no 1/sqrt(d_k) scale, softmax over the wrong axis, -inf
instead of -1e9, heads averaged instead of summed, averaging over padding...).

``build_classifier_head`` probes the learner's compiled head (one probability
per example, binary cross-entropy by its values), then trains it on the budget
its statement gives. ``residual_block`` builds the learner's block, copies the
checker's random weights into it (random BatchNormalization statistics
included) and compares its output with the reference block's on random
inputs, for identity and projection shortcuts, stride 1 and 2.

Every exercise refuses an answer that is, wraps or calls anything in
:mod:`course.references.ch05_transformer` or a course library function that
computes the same thing (``sinusoidal_positional_encoding``,
``course.pretrained.mean_pool``, ``residual_block``, ``build_feature_head``...).

:func:`yours_or_reference` lets the notebook's story run on the learner's
functions once they pass, and on the references until then.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from course.checks import core
from course.checks.core import (
    ERROR, FLOAT_ARRAY, NOT_ACCEPTED, NOT_DONE, Exercise, FunctionExercise, Guard, HintedFunctionExercise, ModelExercise,
    Outcome, TrainingBudget, call_answer, compare_arrays, describe_type, describe_value, one_line, same_values, type_phrase, upcast,
    with_hint,
)
from course.translation import N_, tr

CHAPTER = "05_transformer"
#: Where the references live; every exercise of the chapter forbids the whole module.
REFERENCES = "course.references.ch05_transformer"
NEG = -1e9


def _ref(name: str) -> Callable:
    """The reference ``name`` from course.references.ch05_transformer, imported now (trusted side only)."""
    return core.resolve_name(f"{REFERENCES}:{name}")


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


@dataclass
class ConsistentlyHintedExercise(HintedFunctionExercise):
    """A HintedFunctionExercise whose hint is the mistake that gives the learner's values on EVERY case.

    Several mistakes can give the same wrong values on one case (-inf scores and
    a softmax without its maximum subtracted both give NaN on a query whose
    keys are all blocked; np.triu(ones, 1) and np.tril(ones, -1) are both
    [[0]] for n = 1), so the first wrong case alone cannot tell them apart.
    The mistake that reproduces every value the answer returned is named;
    when none does, the first wrong case decides, as in HintedFunctionExercise.
    """

    #: Another reference whose values are right too (``course.references.ch05_transformer:<name>``), or None.
    also_right: str | None = None

    def judge(self, inputs, outcomes):
        outcomes = self._accept_also_right(inputs, outcomes)
        result = FunctionExercise.judge(self, inputs, outcomes)
        if result.passed or result.status in (ERROR, NOT_DONE) or len(outcomes) != len(inputs):
            return result
        for args, outcome in zip(inputs, outcomes):
            if outcome.ok and compare_arrays(self.expected(*args), outcome.value, self.rtol, self.atol) is None:
                if self.type_problem(self.expected(*args), outcome.value) is not None:
                    return result   # only the type is wrong: the message already says how to fix it
        answered = [(args, outcome.value) for args, outcome in zip(inputs, outcomes) if outcome.ok]
        for wrong, hint in self.mistakes:
            if all(self._gives(wrong, args, value) for args, value in answered):
                result.message = with_hint(result.message, hint)
                return result
        return HintedFunctionExercise.judge(self, inputs, outcomes)

    def _accept_also_right(self, inputs, outcomes):
        """Outcomes whose values match ``also_right`` (and not the reference) get the reference's values, their type kept."""
        if self.also_right is None or len(outcomes) != len(inputs):
            return outcomes
        accepted = []
        for args, outcome in zip(inputs, outcomes):
            if outcome.ok and isinstance(outcome.value, dict) and compare_arrays(self.expected(*args), outcome.value, self.rtol, self.atol):
                other = _ref(self.also_right)(*copy.deepcopy(args))
                if compare_arrays(other, outcome.value, self.rtol, self.atol) is None:
                    outcome = Outcome(value={**outcome.value, "value": np.asarray(self.expected(*args), np.float64)})
            accepted.append(outcome)
        return accepted

    def _gives(self, wrong, args, value) -> bool:
        for case in (args, upcast(args)):
            try:
                with np.errstate(all="ignore"):
                    if same_values(wrong(*copy.deepcopy(case)), value, self.rtol, self.atol):
                        return True
            except Exception:  # a mistake that does not apply to this case
                continue
        return False


# --------------------------------------------------------------------------
# 1. Scaled dot-product attention
# --------------------------------------------------------------------------


def _scores(q, k, mask, scale=None, blocked=NEG):
    """The masked scores in the dtype of q and k (float32 stays float32, as a learner's NumPy code keeps it)."""
    q, k = np.asarray(q), np.asarray(k)
    s = q @ np.swapaxes(k, -1, -2)
    s = s / np.sqrt(q.shape[-1] if scale is None else scale)
    if mask is not None:
        s = np.where(np.asarray(mask) > 0, s, blocked)
    return s


def _attention_cases(rng):
    f32 = lambda *shape: rng.normal(size=shape).astype(np.float32)  # noqa: E731
    cases = [(f32(2, 3, 4), f32(2, 3, 4), f32(2, 3, 4))]                           # mask left at its default
    cases.append((f32(1, 5, 8), f32(1, 7, 8), f32(1, 7, 3), None))
    cases.append((f32(3, 4, 16), f32(3, 6, 16), f32(3, 6, 5)))
    cases.append((f32(4, 8), f32(6, 8), f32(6, 3)))                                  # no batch axis
    q, k, v = f32(2, 6, 8), f32(2, 6, 8), f32(2, 6, 8)
    cases.append((q, k, v, np.tril(np.ones((6, 6), np.float32))))                   # causal mask
    padding = np.ones((2, 1, 6), np.float32)
    padding[0, 0, 4:] = 0
    cases.append((q, k, v, padding))                                                 # padding mask, broadcast over queries
    cases.append((f32(2, 3, 5, 4), f32(2, 3, 5, 4), f32(2, 3, 5, 2), np.tril(np.ones((5, 5), np.float32))))  # heads axis
    blocked = np.ones((2, 4, 5), np.float32)
    blocked[0, 1] = 0                                                                # query 1 of example 0 may see no key
    blocked[1, :, 3:] = 0
    cases.append((f32(2, 4, 6), f32(2, 5, 6), f32(2, 5, 3), blocked))
    empty = np.ones((2, 1, 5), np.float32)
    empty[1] = 0                                                                     # example 1 is all padding
    cases.append((f32(2, 3, 4), f32(2, 5, 4), f32(2, 5, 2), empty))
    big = (30 * rng.normal(size=(1, 4, 8))).astype(np.float32)
    cases.append((big, big, f32(1, 4, 2), None))                                     # scores in the hundreds: exp overflows
    cases.append((rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 4, 4)), rng.normal(size=(2, 4, 3)),
                  np.tril(np.ones((3, 4)), -1)))                                     # float64; query 0 may see no key
    return cases


def _describe_attention(args):
    q, k, v = args[:3]
    mask = args[3] if len(args) > 3 else None
    text = tr("q {q}, k {k}, v {v}, {dtype}", q=np.shape(q), k=np.shape(k), v=np.shape(v), dtype=np.asarray(q).dtype)
    if len(args) == 3:
        text += tr(", mask left at its default")
    elif mask is None:
        text += tr(", mask=None")
    else:
        text += tr(", mask {shape}", shape=np.shape(mask))
        full = np.broadcast_to(np.asarray(mask), _scores(q, k, None).shape)
        if np.any(np.all(full == 0, axis=-1)):
            text += tr(" with query rows whose keys are all blocked")
    if np.abs(_scores(q, k, None)).max() > 100:
        text += tr(", scores in the hundreds")
    return text


def _attention_mistake(kind):
    def wrong(q, k, v, mask=None):
        if kind == "no scale":
            weights = _softmax(_scores(q, k, mask, scale=1))
        elif kind == "scale by d_v":
            if np.shape(v)[-1] == np.shape(q)[-1]:
                raise ValueError("does not apply")
            weights = _softmax(_scores(q, k, mask, scale=np.shape(v)[-1]))
        elif kind == "axis -2":
            weights = _softmax(_scores(q, k, mask), axis=-2)
        elif kind == "inverted":
            weights = _softmax(_scores(q, k, None if mask is None else 1 - np.asarray(mask)))
        elif kind == "weights masked":
            weights = _softmax(_scores(q, k, None)) * (1 if mask is None else np.asarray(mask))
        elif kind == "weights masked, renormalised":
            weights = _softmax(_scores(q, k, None)) * (1 if mask is None else np.asarray(mask))
            weights = weights / weights.sum(axis=-1, keepdims=True)
        elif kind == "-inf":
            weights = _softmax(_scores(q, k, mask, blocked=-np.inf))
        elif kind == "added":
            s = _scores(q, k, None)
            weights = _softmax(s if mask is None else s + (1 - np.asarray(mask, np.float64)) * NEG)
        elif kind == "no max":
            e = np.exp(_scores(q, k, mask))
            weights = e / e.sum(axis=-1, keepdims=True)
        return weights @ np.asarray(v)
    return wrong


#: -inf scores and weights masked after the softmax then renormalised both give 0/0 on exactly those rows.
_NAN_WHEN_ALL_BLOCKED = N_("a query whose keys are all blocked gets NaN here (0/0, from -inf scores or from weights masked after the "
                            "softmax and renormalised): replace the blocked scores by -1e9 BEFORE the softmax, as the statement says; "
                            "then such a query gets equal weights on every key, and its output is the mean of the rows of v.")

scaled_dot_product_attention = ConsistentlyHintedExercise(
    CHAPTER, "scaled_dot_product_attention", "scaled_dot_product_attention", 2.0,
    "softmax(QK^T / sqrt(d_k) + M) V in NumPy, with an optional 0/1 mask.",
    forbidden=(REFERENCES,), cases=_attention_cases, reference=f"{REFERENCES}:scaled_dot_product_attention",
    also_right="scaled_dot_product_attention_zeroing",   # Keras's way: a query that may see no key outputs 0
    rtol=1e-4, atol=1e-5, describe_case=_describe_attention, returns=FLOAT_ARRAY,
    arg_names=("q", "k", "v", "mask"), read_only=("q", "k", "v", "mask"),
    mistakes=[
        (_attention_mistake("no scale"), N_("divide the scores by sqrt(d_k), d_k = q.shape[-1].")),
        (_attention_mistake("scale by d_v"), N_("d_k is the width of the queries and keys, q.shape[-1], not of the values.")),
        (_attention_mistake("axis -2"), N_("the softmax runs over the keys: the last axis of the scores.")),
        (_attention_mistake("inverted"), N_("mask 1 means 'may attend', 0 means 'blocked': set the blocked scores to -1e9.")),
        (_attention_mistake("weights masked"), N_("mask the scores before the softmax (so the weights still sum to 1), not the weights after it.")),
        (_attention_mistake("-inf"), _NAN_WHEN_ALL_BLOCKED),
        (_attention_mistake("weights masked, renormalised"), _NAN_WHEN_ALL_BLOCKED),
        (_attention_mistake("added"), N_("replace the blocked scores by -1e9 (np.where(mask > 0, scores, -1e9)) rather than adding -1e9 to "
                                         "them: added in float64, the scores keep their differences, so a query whose keys are all "
                                         "blocked does not get equal weights.")),
        (_attention_mistake("no max"), N_("subtract each row's maximum from the scores before np.exp (chapter 1's stable softmax): "
                                          "exp of scores in the hundreds overflows.")),
    ],
)


# --------------------------------------------------------------------------
# 2. Causal mask
# --------------------------------------------------------------------------


causal_mask = ConsistentlyHintedExercise(
    CHAPTER, "causal_mask", "causal_mask", 1.0,
    "(n, n) float mask, 1 where query i may look at key j (j <= i), 0 elsewhere.",
    forbidden=(REFERENCES,), cases=lambda rng: [(1,), (2,), (5,), (int(rng.integers(6, 20)),)],
    reference=f"{REFERENCES}:causal_mask", rtol=0.0, atol=1e-6, returns=FLOAT_ARRAY, arg_names=("n",),
    describe_case=lambda args: f"n = {args[0]}",
    mistakes=[
        (lambda n: np.triu(np.ones((n, n))), N_("row i is query i: it may see keys 0..i, the lower triangle (np.tril).")),
        (lambda n: np.tril(np.ones((n, n)), -1), N_("a position may attend to itself: keep the diagonal.")),
        (lambda n: np.triu(np.ones((n, n)), 1), N_("that marks the future (j > i) with 1; the mask is 1 where query i MAY look: np.tril.")),
        (lambda n: np.where(np.tril(np.ones((n, n))) > 0, 0.0, NEG), N_("return the 0/1 mask; the attention function turns 0 into -1e9.")),
    ],
)


# --------------------------------------------------------------------------
# 3. Multi-head attention with Keras's weight layout
# --------------------------------------------------------------------------


def _mha_cases(rng):
    cases = []
    f = lambda *shape: rng.normal(scale=0.5, size=shape).astype(np.float32)  # noqa: E731
    for batch, nq, nk, d_model, heads, head_dim, mask in ((2, 4, 4, 8, 2, 4, "padding"), (1, 3, 5, 6, 3, 2, None),
                                                          (2, 5, 5, 8, 4, 3, "causal"), (2, 3, 6, 8, 2, 3, "padding"),
                                                          (3, 4, 4, 6, 2, 3, "default")):
        if mask == "causal":
            m = np.tril(np.ones((batch, nq, nk), np.float32))
        elif mask == "padding":
            m = np.ones((batch, nq, nk), np.float32)
            m[0, :, nk - 2:] = 0                             # example 0: its last two keys are padding
            m[1, 2] = 0                                      # example 1: query 2 may see no key
        else:
            m = None
        args = (f(batch, nq, d_model), f(batch, nk, d_model), f(d_model, heads, head_dim), f(heads, head_dim),
                f(d_model, heads, head_dim), f(heads, head_dim), f(d_model, heads, head_dim), f(heads, head_dim),
                f(heads, head_dim, d_model), f(d_model))
        cases.append(args if mask == "default" else args + (m,))
    return cases


def _describe_mha(args):
    mask = tr("mask left at its default") if len(args) == 10 else "mask=None" if args[10] is None else tr("mask {shape}", shape=args[10].shape)
    return tr("query {query}, value {value}, {heads} heads of width {width}, {mask}", query=args[0].shape, value=args[1].shape,
              heads=args[2].shape[1], width=args[2].shape[2], mask=mask)


def _mha_mistake(kind):
    def wrong(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
        query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
        if kind == "no output bias":
            return _ref("multi_head_attention")(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask) - bo
        keys_from = query if kind == "keys from query" else value
        q = np.einsum("btd,dhk->bhtk", query, wq) + bq[None, :, None, :]
        k = np.einsum("bsd,dhk->bhsk", keys_from, wk) + bk[None, :, None, :]
        v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[None, :, None, :]
        if kind == "mask without head axis":
            if mask is None or mask.shape[0] == 1:
                raise ValueError("does not apply")
            m = np.asarray(mask)
        else:
            m = None if mask is None else np.asarray(mask)[:, None]
        if kind == "scale by d_model":
            s = _scores(q, k, m, scale=query.shape[-1])
            heads = _softmax(s) @ v
        else:
            heads = _ref("scaled_dot_product_attention")(q, k, v, m)
        if kind == "heads averaged":
            return np.einsum("bhtk,hkd->btd", heads, wo) / wq.shape[1] + bo
        if kind == "mean of heads projected":
            return np.einsum("btk,hkd->btd", heads.mean(axis=1), wo) + bo
        return np.einsum("bhtk,hkd->btd", heads, wo) + bo
    return wrong


_AVERAGED = N_("the heads are combined by concatenation, Concat(head_1, ..., head_h) W^O, which with Keras's weights is the SUM "
               "over heads of head_i W^O_i (einsum 'bhtk,hkd->btd'), not their average.")

# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation multi_head_attention: `k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[None, :, None, :]`
#   -> `k = np.einsum("bsd,dhk->bhsk", value, wk) - bk[None, :, None, :]` is equivalent: the key bias adds
#   q . bk to every score of a query, the same for all its keys, and softmax ignores a shift common to a row
#   (blocked keys get -1e9 either way): the key bias never changes Keras's MultiHeadAttention output.
multi_head_attention = ConsistentlyHintedExercise(
    CHAPTER, "multi_head_attention", "multi_head_attention", 2.0,
    "Multi-head attention with keras.layers.MultiHeadAttention's weights (d_model, heads, head_dim).",
    forbidden=(REFERENCES,), cases=_mha_cases, reference=f"{REFERENCES}:multi_head_attention", rtol=1e-3, atol=1e-4,
    also_right="multi_head_attention_zeroing",         # Keras's way: a query that may see no key gets zero heads
    describe_case=_describe_mha, returns=FLOAT_ARRAY,
    arg_names=("query", "value", "wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "mask"),
    read_only=("query", "value", "wq", "bq", "wk", "bk", "wv", "bv", "wo", "bo", "mask"),
    mistakes=[
        (_mha_mistake("no output bias"), N_("add the output bias bo.")),
        (_mha_mistake("heads averaged"), _AVERAGED),
        (_mha_mistake("mean of heads projected"), _AVERAGED),
        (_mha_mistake("keys from query"), N_("the keys come from `value` (as in Keras when no separate key is given), not from `query`.")),
        (_mha_mistake("mask without head axis"), N_("insert a head axis into the mask, mask[:, None], so that each example's mask "
                                                    "applies to all of its heads.")),
        (_mha_mistake("scale by d_model"), N_("each head's scores are divided by sqrt(head_dim), the width of its queries, not sqrt(d_model).")),
    ],
)


# --------------------------------------------------------------------------
# 4. Sinusoidal positional encoding
# --------------------------------------------------------------------------


def _pe_mistake(kind):
    def wrong(length, d_model):
        positions = np.arange(1, length + 1) if kind == "from 1" else np.arange(length)
        column = np.arange(d_model)[None, :]
        exponent = {"column": column / d_model, "2 column": 2 * column / d_model}.get(kind, 2 * (column // 2) / d_model)
        angles = positions[:, None] / np.power(10000.0, exponent)
        if kind == "blocks":
            return np.concatenate([np.sin(angles[:, 0::2]), np.cos(angles[:, 1::2])], axis=1)
        if kind == "swapped":
            return np.where(column % 2 == 0, np.cos(angles), np.sin(angles))
        return np.where(column % 2 == 0, np.sin(angles), np.cos(angles))
    return wrong


_SHARED_FREQUENCY = N_("columns 2i and 2i+1 share one frequency: the exponent is 2i/d_model with i = column // 2.")

positional_encoding = ConsistentlyHintedExercise(
    CHAPTER, "positional_encoding", "positional_encoding", 1.0,
    "PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).",
    # (not the class PositionalEmbedding: the guard would take its class body, run when course.models is first imported,
    # for a call; calls through it reach sinusoidal_positional_encoding anyway)
    forbidden=(REFERENCES, "course.models:sinusoidal_positional_encoding"),
    cases=lambda rng: [(1, 4), (3, 2), (10, 8), (50, 16), (int(rng.integers(5, 40)), 2 * int(rng.integers(2, 33)))],
    reference=f"{REFERENCES}:positional_encoding", rtol=1e-4, atol=1e-4, returns=FLOAT_ARRAY, arg_names=("length", "d_model"),
    describe_case=lambda args: tr("length={length}, d_model={d_model}", length=args[0], d_model=args[1]),
    mistakes=[
        (_pe_mistake("blocks"), N_("interleave: sine in the even columns 0, 2, 4..., cosine in the odd columns 1, 3, 5...")),
        (_pe_mistake("column"), _SHARED_FREQUENCY),
        (_pe_mistake("2 column"), _SHARED_FREQUENCY),
        (_pe_mistake("swapped"), N_("sine goes in the even columns (0, 2, ...), cosine in the odd ones: row 0 is [0, 1, 0, 1, ...].")),
        (_pe_mistake("from 1"), N_("positions start at 0: the first row is pos = 0, [0, 1, 0, 1, ...].")),
    ],
)


# --------------------------------------------------------------------------
# 5. WordPiece pieces back to words
# --------------------------------------------------------------------------


@dataclass
class WordsExercise(HintedFunctionExercise):
    """A function exercise whose answer is a list of strings, compared exactly (a tuple of strings passes too)."""

    def collect(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value):
            return {"words": list(value)}
        return {"returned": type_phrase(describe_type(value)) if not hasattr(value, "__next__") else tr("a generator")}

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (args, outcome) in enumerate(zip(inputs, outcomes)):
            pieces = args[0]
            case = tr(core.CASE, number=i + 1, description=tr("pieces {pieces}{more}", pieces=pieces[:8], more="..." if len(pieces) > 8 else ""))
            if not outcome.ok:
                return self.error_result(outcome, f" on {case}")
            if "words" not in outcome.value:
                return self.result(False, tr("{case}: return a list of strings; got {got}.", case=case, got=outcome.value.get("returned")))
            got, expected = outcome.value["words"], self.expected(*args)
            if got == expected:
                continue
            if len(got) != len(expected):
                problem = tr("{case}: expected {expected} words, got {count}: {words}", case=case, expected=len(expected), count=len(got),
                             words=one_line(repr(got), 120))
            else:
                j = next(j for j, (a, b) in enumerate(zip(got, expected)) if a != b)
                problem = tr("{case}: word {index} is {got}; expected {expected}", case=case, index=j, got=repr(got[j]), expected=repr(expected[j]))
            hint = self.hint(args, got)
            # (not with_hint: a word list cut to "..." keeps its dots before the hint)
            return self.result(False, problem + tr(core.HINT, hint=tr(hint)) if hint else tr("{problem}.", problem=problem))
        return self.result(True, tr("correct on all {count} token lists.", count=len(inputs)))

    def hint(self, args, value):
        for wrong, hint in self.mistakes:
            try:
                if wrong(list(args[0])) == value:
                    return hint
            except Exception:
                continue
        return None


def _pieces_cases(rng):
    cases = [
        (["[CLS]", "an", "un", "##for", "##get", "##table", "film", "[SEP]"],),
        (["the", "acting", "is", "super", "##b", "."],),
        (["[CLS]", "[SEP]", "[PAD]", "[PAD]"],),
        (["heart", "##war", "##ming", ",", "if", "over", "##long"],),
        (["[CLS]", "a", "mess", "##y", ",", "over", "##wrought", "drama", "[SEP]", "[PAD]", "[PAD]"],),
    ]
    vocab = ["good", "bad", "movie", "bore", "##dom", "##s", "##ly", "great", "plot", "##less", "!"]
    for _ in range(2):
        pieces = [str(p) for p in rng.choice(vocab, size=int(rng.integers(3, 12)))]
        if pieces[0].startswith("##"):
            pieces[0] = "film"
        cases.append((["[CLS]", *pieces, "[SEP]"],))
    return cases


def _words_mistake(kind):
    def wrong(pieces):
        words = []
        for piece in pieces:
            if piece in ("[CLS]", "[SEP]", "[PAD]") and kind != "specials kept":
                continue
            if piece.startswith("##") and words and kind != "pieces as words":
                words[-1] += piece if kind == "hashes kept" else (" " + piece[2:] if kind == "space" else piece[2:])
            else:
                words.append(piece[2:] if kind == "pieces as words" and piece.startswith("##") else piece)
        return words
    return wrong


pieces_to_words = WordsExercise(
    CHAPTER, "pieces_to_words", "pieces_to_words", 1.0,
    "Glue WordPiece pieces back into words: '##' pieces continue the previous word; special tokens go.",
    forbidden=(REFERENCES,), cases=_pieces_cases, reference=f"{REFERENCES}:pieces_to_words",
    arg_names=("pieces",), read_only=("pieces",),
    mistakes=[
        (_words_mistake("specials kept"), N_("drop the special tokens [CLS], [SEP] and [PAD].")),
        (_words_mistake("hashes kept"), N_("drop the '##' when gluing a piece to the previous word.")),
        (_words_mistake("pieces as words"), N_("a piece starting with '##' continues the previous word: glue it on, do not start a new word.")),
        (_words_mistake("space"), N_("glue the piece to the previous word without a space.")),
    ],
)


# --------------------------------------------------------------------------
# 6. Mean pooling over real tokens
# --------------------------------------------------------------------------


def _pool_cases(rng):
    cases = []
    for batch, length, width, dtype in ((2, 5, 4, np.int32), (3, 8, 6, np.int64), (1, 3, 2, np.float32)):
        h = rng.normal(size=(batch, length, width)).astype(np.float32)
        lengths = rng.integers(1, length + 1, size=batch)
        mask = (np.arange(length)[None, :] < lengths[:, None]).astype(dtype)
        cases.append((h, mask))
    h = rng.normal(size=(2, 6, 3)).astype(np.float32)
    cases.append((h, np.array([[1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], np.int32)))  # one real token; no padding
    h = rng.normal(2.0, 1.0, size=(3, 7, 5))                                           # float64, away from 0
    cases.append((h, np.array([[1] * 7, [1, 1, 1, 0, 0, 0, 0], [1, 1, 0, 0, 0, 0, 0]], np.int32)))
    return cases


def _describe_pool(args):
    h, m = args
    return tr("sequence_output {h_shape}, {h_dtype}, padding_mask {m_shape}, {m_dtype}, real tokens per sentence {counts}", h_shape=h.shape,
              h_dtype=h.dtype, m_shape=m.shape, m_dtype=m.dtype, counts=m.sum(axis=1).astype(int).tolist())


mean_pool = ConsistentlyHintedExercise(
    CHAPTER, "mean_pool", "mean_pool", 1.0,
    "Average the token vectors over the real tokens only (mask 1), one vector per sentence.",
    forbidden=(REFERENCES, "course.pretrained:mean_pool", "course.pretrained:extract_features"),
    cases=_pool_cases, reference=f"{REFERENCES}:mean_pool", rtol=1e-4, atol=1e-5, describe_case=_describe_pool,
    returns=FLOAT_ARRAY, arg_names=("sequence_output", "padding_mask"), read_only=("sequence_output", "padding_mask"),
    mistakes=[
        (lambda h, m: np.asarray(h, np.float64).mean(axis=1), N_("average over the real tokens only: multiply by the mask and divide by the mask's sum.")),
        (lambda h, m: (np.asarray(h, np.float64) * np.asarray(m)[..., None]).mean(axis=1),
         N_("divide by the number of real tokens (mask.sum), not by the padded length.")),
        (lambda h, m: (np.asarray(h, np.float64) * np.asarray(m)[..., None]).sum(axis=1), N_("divide the sum by the number of real tokens of each sentence.")),
        (lambda h, m: (np.asarray(h, np.float64) * np.asarray(m)[..., None]).sum(axis=1) / np.asarray(m).sum(),
         N_("divide each sentence's sum by ITS number of real tokens (mask.sum(axis=1)), not by the whole batch's.")),
    ],
)


# --------------------------------------------------------------------------
# 7. A classifier head on frozen sentence features
# --------------------------------------------------------------------------

HEAD_FEATURES = 384
HEAD_MAX_PARAMS = 227_000  # 1% of MiniLM-L6's 22.7 million parameters
#: Synthetic "sentence features": two overlapping Gaussian clouds in 384-d (see _synthetic_features).
HEAD_SEPARATION, HEAD_NOISE = 0.6, 0.3
#: The one budget build_classifier_head is judged on, in the notebook and in `course grade`, in every run size: 40 epochs
#: (the chapter's recipe has 40) on 2,000 synthetic feature vectors, batch 64 (1,280 steps), at least 85% on 500 held-out
#: ones. Calibrated against the chapter's head on the real MiniLM features of the polarity set, 79.1% test accuracy after
#: the chapter's recipe (40 epochs on the 8,530 training sentences, batch 64, best validation epoch kept), with
#: `python -m course.references.ch05_calibration --features minilm-polarity.npz --out calibration-ch05.json` on a shared
#: 2-core AMD EPYC CPU, TensorFlow 2.21, Keras 3.15, 2026-12-03. Test accuracy on the real features after the chapter's
#: recipe (seed 0) | held-out accuracy after the budget, seeds 0, 1, 2:
#:   dense128 drop0.2 adam1e-3 (reference)  0.7908 | 0.974 0.978 0.974
#:   dense128 drop0.2 sgd1e-1               0.7871 | 0.978 0.982 0.968
#:   dense128 drop0.2 adam1e-4              0.7842 | 0.970 0.984 0.980
#:   logistic regression adam1e-3           0.7824 | 0.972 0.980 0.970
#:   dense128 drop0.2 adam3e-5              0.7824 | 0.966 0.976 0.964
#:   dense512 drop0.2 adam1e-3              0.7805 | 0.980 0.980 0.978
#:   dense8 drop0.2 adam1e-3                0.7795 | 0.978 0.976 0.984
#:   dense128 drop0.2 sgd1e-2               0.7758 | 0.976 0.968 0.964
#:   dense2 drop0.5 adam1e-3                0.7749 | 0.972 0.982 0.978
#:   dense32 drop0.2 adam1e-3               0.7739 | 0.976 0.976 0.980
#:   dense128-64 drop0.2 adam1e-3           0.7720 | 0.978 0.976 0.976
#:   dense128 drop0.2 adam1e-5              0.7674 | 0.876 0.866 0.874   between: passes
#:   dense128 sigmoid drop0.2 sgd1e-2       0.7664 | 0.956 0.950 0.922   between: passes
#:   dense128 drop0.2 sgd1e-3               0.7289 | 0.688 0.680 0.660
#:   logistic regression sgd1e-3            0.7176 | 0.688 0.662 0.754
#: On the real features every head that learns at all lands within 2 points of the chapter's 79%, so the line is drawn
#: there: 0.85 passes, with every seed, every head at 77% or more (lowest: 0.964) and fails, with every seed, the heads
#: that clearly miss it, SGD at 1e-3 (72.9% and 71.8%; highest: 0.754); the two heads between 75% and 77% pass. The
#: shorter budget first tried, 10 epochs on 1,000 vectors (160 steps) and >= 90%, failed slow learners that reach 78%
#: at full size (Adam 1e-4: 0.870-0.895, Adam 3e-5: 0.62-0.71, SGD 1e-2: 0.70-0.72), hence the chapter's 40 epochs.
#: The cost: 1,280 steps of a small Dense model, a few seconds on a CPU (longer on a loaded one).
HEAD_BUDGET = TrainingBudget(epochs=40, train_examples=2000, batch_size=64, test_examples=500, min_score=0.85,
                             examples=N_("feature vectors"))


@lru_cache(maxsize=1)
def _synthetic_features(seed: int = 5, n: int = HEAD_BUDGET.train_examples + HEAD_BUDGET.test_examples):
    """Two overlapping Gaussian clouds in 384-d, labels 0/1: a stand-in for sentence features, fast to learn."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=HEAD_FEATURES)
    direction /= np.linalg.norm(direction)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(scale=HEAD_NOISE, size=(n, HEAD_FEATURES)) + np.outer(2 * y - 1, direction) * HEAD_SEPARATION
    return x.astype(np.float32), y.astype(np.int64)


def head_probe(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """32 held-out feature vectors and their labels: the batch the head is probed on."""
    x, y = _synthetic_features()
    test = np.arange(HEAD_BUDGET.train_examples, len(x))
    pick = rng.choice(test, size=32, replace=False)
    return x[pick], y[pick]


def head_train(model) -> None:
    """Train the learner's compiled head on the budget: the first training feature vectors."""
    x, y = _synthetic_features()
    n = HEAD_BUDGET.train_examples
    model.fit(x[:n], y[:n], epochs=HEAD_BUDGET.epochs, batch_size=HEAD_BUDGET.batch_size, verbose=0)


def head_test_inputs() -> np.ndarray:
    """The held-out feature vectors the trained head predicts."""
    return _synthetic_features()[0][HEAD_BUDGET.train_examples:]


def head_score(predictions: np.ndarray) -> float:
    """Held-out accuracy, computed here from the predicted probabilities (threshold 0.5)."""
    y = _synthetic_features()[1][HEAD_BUDGET.train_examples:]
    p = np.asarray(predictions)
    if p.shape != (len(y), 1):
        raise ValueError(tr("expected predictions of shape {expected}, got {got}", expected=(len(y), 1), got=p.shape))
    return float(np.mean((p[:, 0] > 0.5).astype(int) == y))


def _binary_label_smoothing(case: dict, got: Any) -> bool:
    """True when ``got`` is binary cross-entropy with one label-smoothing factor in (0, 0.5] on every probe batch.

    Keras smooths binary targets to y (1 - e) + e / 2, so the loss is linear in e: from the plain cross-entropy
    (e = 0) to the cross-entropy against targets of 1/2 (e = 1). (core's loss check knows this for the sparse
    categorical loss only.)
    """
    if not isinstance(got, list) or len(got) != len(case.get("loss_probes", ())):
        return False
    factors = []
    for probe, value in zip(case["loss_probes"], got):
        y = np.asarray(probe["y"], np.float64)
        q = np.clip(np.asarray(probe["p"], np.float64).reshape(-1), 1e-7, 1 - 1e-7)
        plain = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
        half = -np.mean(0.5 * np.log(q) + 0.5 * np.log(1 - q))
        if abs(half - plain) > 1e-3:
            factors.append((value - plain) / (half - plain))
    return bool(len(factors) >= 2 and all(0 < f <= 0.5 for f in factors) and max(factors) - min(factors) < 1e-3)


@dataclass
class HeadExercise(ModelExercise):
    """A ModelExercise for a sigmoid head that also accepts binary cross-entropy with label smoothing."""

    def structure_verdict(self, case: dict, value: dict) -> str | None:
        problem = super().structure_verdict(case, value)
        # the loss is the problem (compared as text in the learner's language, which both messages are in)
        loss_problem = problem and self.loss is not None and problem == core._loss_problem(self.loss, case, value.get("loss"))
        if loss_problem and _binary_label_smoothing(case, (value.get("loss") or {}).get("integer")):
            if self.max_params is not None and value.get("params", 0) > self.max_params:
                return tr("the model has {params:,} parameters; the budget is {budget:,}", params=value["params"], budget=self.max_params)
            return None
        return problem


build_classifier_head = HeadExercise(
    CHAPTER, "build_classifier_head", "build_classifier_head", points=3,
    description="a small compiled Keras head: 384 features in, one sigmoid probability out, < 1% of MiniLM's parameters",
    forbidden=(REFERENCES, "course.models:build_feature_head"),
    build_args=(HEAD_FEATURES,), probe=head_probe, output_shape=(1,), output="probability", loss="binary_crossentropy",
    max_params=HEAD_MAX_PARAMS, train=head_train, test_inputs=head_test_inputs, score=head_score, budget=HEAD_BUDGET,
    score_name=N_("held-out accuracy"), reference=f"{REFERENCES}:build_classifier_head",
)


# --------------------------------------------------------------------------
# 8. A residual block (Keras)
# --------------------------------------------------------------------------

#: (input height, width, channels, filters, stride) of the blocks the checker builds: identity and projection
#: shortcuts, stride 2 with unchanged channels, non-square and odd sizes (TensorFlow pads 'same' unevenly there).
#: The identity block's height and width differ from its channels, so reading the channels from x.shape[1] or
#: x.shape[2] (a channels-first habit) gives a projection where none belongs.
RESIDUAL_CASES = ((6, 7, 8, 8, 1), (8, 8, 4, 8, 2), (8, 6, 6, 12, 1), (8, 8, 8, 8, 2), (7, 7, 6, 6, 2))
BN_ROLES = ("bn1", "bn2", "bn_project")


def _residual_param_count(c_in, filters, stride):
    count = 9 * c_in * filters + 9 * filters * filters + 2 * 4 * filters
    if stride != 1 or c_in != filters:
        count += c_in * filters + 4 * filters
    return count


def _random_block_weights(rng, c_in, filters, stride):
    """Random kernels (He-scaled) and random BatchNormalization parameters and statistics, plain data."""

    def kernel(size, fan_in):
        return rng.normal(0, np.sqrt(2.0 / (size * size * fan_in)), size=(size, size, fan_in, filters)).astype(np.float32)

    def bn():
        return [rng.uniform(0.5, 1.5, filters).astype(np.float32), rng.normal(0, 0.5, filters).astype(np.float32),
                rng.normal(0, 0.3, filters).astype(np.float32), rng.uniform(0.5, 2.0, filters).astype(np.float32)]

    weights = {"conv1": kernel(3, c_in), "conv2": kernel(3, filters), "bn1": bn(), "bn2": bn(), "project": None}
    if stride != 1 or c_in != filters:
        weights["project"], weights["bn_project"] = kernel(1, c_in), bn()
    return weights


def _block_layers(model) -> tuple[list, list]:
    """The Conv2D and BatchNormalization layers inside ``model`` (nested ones too), each once, in order."""
    import keras

    convs, norms, seen = [], [], set()
    for layer in core.walk_layers(model):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(layer, keras.layers.Conv2DTranspose):
            convs.append(layer)
        elif isinstance(layer, keras.layers.BatchNormalization):
            norms.append(layer)
    return convs, norms


def _set_kernel(layer, kernel) -> None:
    values = [kernel] + [np.zeros_like(w) for w in layer.get_weights()[1:]]   # a bias, if any, stays 0
    layer.set_weights(values)


def _assignments(convs, norms, weights) -> list[tuple[dict, dict]]:
    """Every way to give the learner's layers the checker's weights by role: kernels by shape, statistics by permutation."""
    roles = ["conv1", "conv2"] + (["project"] if weights.get("project") is not None else [])
    conv_options = []
    for order in itertools.permutations(convs, len(roles)):
        if len(convs) == len(roles) and all(tuple(layer.kernel.shape) == np.shape(weights[role]) for layer, role in zip(order, roles)):
            conv_options.append(dict(zip(roles, order)))
    bn_roles = [r for r in BN_ROLES if r in weights]
    bn_options = [dict(zip(bn_roles, order)) for order in itertools.permutations(norms, len(bn_roles))] if len(norms) == len(bn_roles) else []
    return [(c, b) for c in conv_options for b in bn_options]


@dataclass
class ResidualBlockExercise(Exercise):
    """Builds ``answer(x, filters, stride)`` on small inputs; judges its shape, size and what it computes.

    For each case of :data:`RESIDUAL_CASES` the learner's block is built on a
    ``keras.Input``; the checker's random weights (kernels, and
    BatchNormalization's gamma, beta and moving statistics) are copied into
    its layers by role: kernels by shape (the two 3x3 kernels have the same
    shape when the channels do not change, so both orders are tried),
    normalisation layers in every order. The block's output in inference
    mode must equal the reference block's, computed in NumPy with the same
    weights (:func:`course.references.ch05_transformer.residual_block_numpy`),
    for at least one of those orders: a block with ReLU before the addition,
    the stride on the second convolution or Conv -> ReLU -> BN gives other
    numbers, whatever the order.

    Attributes:
        reference: the reference builder's name (forbidden to answers, like ``forbidden``).
    """

    reference: str = f"{REFERENCES}:residual_block"

    def forbidden_names(self) -> tuple[str, ...]:
        return (self.reference, *self.forbidden)

    def make_inputs(self, rng):
        cases = []
        for height, width, c_in, filters, stride in RESIDUAL_CASES:
            x = rng.normal(size=(2, height, width, c_in)).astype(np.float32)
            cases.append({"x": x, "filters": filters, "stride": stride, "weights": _random_block_weights(rng, c_in, filters, stride)})
        return cases

    def _run(self, answer, inputs, guard):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        if guard.identify(answer):
            guard.hit = guard.identify(answer)
            return [guard.outcome()] * len(inputs)
        outcomes = []
        for case in inputs:
            outcome = self._run_one(answer, case, guard)
            if not outcome.ok and outcome.error == core.USES_REFERENCE:
                return [outcome] * len(inputs)
            outcomes.append(outcome)
        return outcomes

    @staticmethod
    def _run_one(answer, case, guard: Guard) -> Outcome:
        import keras

        x, filters, stride = case["x"], case["filters"], case["stride"]
        inputs = keras.Input(shape=x.shape[1:])
        with guard:
            built = call_answer(answer, inputs, filters, stride)
        if guard.hit:
            return guard.outcome()
        if not built.ok:
            return built
        if not isinstance(built.value, keras.KerasTensor):
            return Outcome(error=NOT_ACCEPTED, detail=tr("must return the block's output, a Keras tensor; it returned {value}",
                                                         value=describe_value(built.value)))
        model = call_answer(keras.Model, inputs, built.value)
        if not model.ok:
            return Outcome(error=model.error, detail=tr("could not make a model from the block's input to its output: {detail}",
                                                        detail=model.detail))
        model = model.value
        convs, norms = _block_layers(model)
        value = {"params": int(model.count_params()), "shape": list(model.outputs[0].shape[1:]),
                 "kernels": [list(layer.kernel.shape) for layer in convs], "n_norms": len(norms), "outputs": []}
        if any(len(layer.get_weights()) != 4 for layer in norms):
            return Outcome(value=value)   # judged by the parameter count
        for conv_roles, bn_roles in _assignments(convs, norms, case["weights"]):
            for role, layer in conv_roles.items():
                _set_kernel(layer, case["weights"][role])
            for role, layer in bn_roles.items():
                layer.set_weights(case["weights"][role])
            with guard:
                out = call_answer(lambda: np.asarray(keras.ops.convert_to_numpy(model(x, training=False)), np.float32))
            if guard.hit:
                return guard.outcome()
            if not out.ok:
                return Outcome(error=out.error, detail=tr("running the block failed: {detail}", detail=out.detail))
            value["outputs"].append(out.value)
        return Outcome(value=value)

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (case, outcome) in enumerate(zip(inputs, outcomes), start=1):
            x, filters, stride = case["x"], case["filters"], case["stride"]
            c_in = x.shape[-1]
            where = tr(core.CASE, number=i, description=tr("input {shape}, filters={filters}, stride={stride}", shape=x.shape[1:],
                                                             filters=filters, stride=stride))
            if not outcome.ok:
                result = self.error_result(outcome, f" on {where}")
                if outcome.error not in (NOT_ACCEPTED, core.USES_REFERENCE, "NotImplementedError") and stride != 1 and c_in == filters \
                        and "shape" in outcome.detail.lower():
                    result.message += tr(" Hint: {hint}", hint=tr("with stride 2 the shortcut must shrink the image too: use the 1x1 "
                                                                  "projection whenever stride != 1 OR the channels change."))
                return result
            problem = self._problem(case, outcome.value, where)
            if problem:
                return self.result(False, problem)
        return self.result(True, tr("shapes, parameter counts and outputs with the checker's weights match the reference on all {count} blocks.",
                                    count=len(inputs)))

    def _problem(self, case, value, where) -> str | None:
        x, filters, stride = case["x"], case["filters"], case["stride"]
        c_in = x.shape[-1]
        expected_shape = [-(-x.shape[1] // stride), -(-x.shape[2] // stride), filters]
        if value["shape"] != expected_shape:
            return tr("{case}: the block's output has shape {shape} per example; expected {expected}.", case=where, shape=tuple(value["shape"]),
                      expected=tuple(expected_shape))
        kernels = [tuple(k[:2]) for k in value["kernels"]]
        if kernels.count((3, 3)) != 2:
            return tr("{case}: the block has {count} Conv2D layers with a 3x3 kernel; expected 2.", case=where, count=kernels.count((3, 3)))
        projection = case["weights"]["project"] is not None
        if kernels.count((1, 1)) != int(projection):
            if projection:
                return tr("{case}: the shape changes, so the shortcut needs one 1x1 Conv2D with strides={stride}, then BatchNormalization.",
                          case=where, stride=stride)
            message = tr("{case}: input and output shapes match, so the shortcut is x itself: no 1x1 convolution.", case=where)
            if x.shape[1] != filters or x.shape[2] != filters:
                return with_hint(message, N_("Keras images are channels-last: the channels are x.shape[-1], not x.shape[1]."))
            return message
        expected_params = _residual_param_count(c_in, filters, stride)
        if value["params"] != expected_params:
            return tr("{case}: the block has {params:,} parameters; expected {expected:,} (3x3 convolutions without bias, each followed by "
                      "BatchNormalization; a 1x1 projection without bias + BatchNormalization only when the shape changes).",
                      case=where, params=value["params"], expected=expected_params)
        if not value["outputs"]:
            return tr("{case}: the checker could not copy its weights into the block's layers (expected {count} BatchNormalization layers).",
                      case=where, count=3 if projection else 2)
        expected = _ref("residual_block_numpy")(x, case["weights"], stride)
        problems = [compare_arrays(expected, out, rtol=2e-3, atol=1e-4) for out in value["outputs"]]
        if any(p is None for p in problems):
            return None
        message = tr("{case}: with the checker's random weights copied into your block, its output differs from the reference block's: "
                     "{problem}.", case=where, problem=problems[0])
        hint = self._hint(case, value["outputs"])
        return with_hint(message, hint) if hint else message

    @staticmethod
    def _hint(case, outputs) -> str | None:
        """The hint of the mistake that gives the block's outputs, or None."""
        for mistake, hint in _BLOCK_MISTAKES.items():
            wrong = _block_mistake(case["x"], case["weights"], case["stride"], mistake)
            if wrong is not None and any(compare_arrays(wrong, out, rtol=2e-3, atol=1e-4) is None for out in outputs):
                return hint
        if all(np.all(np.asarray(out) >= 0) for out in outputs):
            return None
        return N_("the block must end with ReLU(F(x) + shortcut(x)): its outputs cannot be negative.")


_BLOCK_MISTAKES = {
    "relu before add": N_("apply the last ReLU after adding the shortcut: ReLU(BN(conv2(h)) + shortcut), not ReLU(BN(conv2(h))) + shortcut."),
    "relu before add only": N_("apply the ReLU after adding the shortcut: ReLU(BN(conv2(h)) + shortcut), not ReLU(BN(conv2(h))) + shortcut."),
    "stride on conv2": N_("the stride belongs to the FIRST 3x3 convolution (and to the 1x1 projection); the second one has stride 1."),
    "conv relu bn": N_("the order inside F is Conv -> BatchNormalization -> ReLU, not Conv -> ReLU -> BatchNormalization."),
    "no final relu": N_("the block ends with a ReLU after the addition: ReLU(F(x) + shortcut(x))."),
    "bn after add": N_("BatchNormalization comes right after the second convolution, before the shortcut is added."),
    "no shortcut": N_("add the shortcut to F(x) before the final ReLU: ReLU(F(x) + shortcut(x))."),
    "no middle relu": N_("F has a ReLU between its two convolutions: Conv -> BN -> ReLU -> Conv -> BN."),
    "projection without stride": N_("the 1x1 projection needs strides=stride too, so the shortcut shrinks like the main branch."),
}


def _block_mistake(x, weights, stride, kind):
    """What a block with the mistake ``kind`` outputs with the checker's weights, or None where it cannot be built."""
    conv, bn = _ref("conv2d_same"), _ref("batch_norm")
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    first = 1 if kind == "stride on conv2" else stride
    h = conv(x, weights["conv1"], first)
    if kind == "conv relu bn":
        h = bn(relu(h), *weights["bn1"])
    else:
        h = bn(h, *weights["bn1"])
        h = h if kind == "no middle relu" else relu(h)
    h = conv(h, weights["conv2"], stride if kind == "stride on conv2" else 1)
    if kind == "conv relu bn":
        h = bn(relu(h), *weights["bn2"])
    elif kind != "bn after add":
        h = bn(h, *weights["bn2"])
    shortcut = np.asarray(x, np.float64)
    if weights.get("project") is not None:
        shortcut = bn(conv(x, weights["project"], 1 if kind == "projection without stride" else stride), *weights["bn_project"])
    if shortcut.shape != h.shape:
        return None
    if kind == "no shortcut":
        return relu(h)
    if kind == "relu before add":
        return relu(relu(h) + shortcut)
    if kind == "relu before add only":
        return relu(h) + shortcut
    if kind == "bn after add":
        return relu(bn(h + shortcut, *weights["bn2"]))
    if kind == "no final relu":
        return h + shortcut
    if kind == "conv relu bn":
        return relu(h + shortcut)
    return relu(h + shortcut)


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation residual_block: `def residual_block(x, filters, stride=1):` -> `def residual_block(x, filters, stride=2):`
#   is equivalent for every call the statement makes: it asks for `residual_block(x, filters, stride)`, the
#   notebook gives the def line (its default is not the learner's to write), and neither the notebook nor the
#   checker calls the block without a stride (a learner who drops the default must still pass).
residual_block = ResidualBlockExercise(
    CHAPTER, "residual_block", "residual_block", 2.0,
    "A basic residual block: two 3x3 conv + BN, identity or 1x1 projection shortcut, ReLU after the sum.",
    forbidden=(REFERENCES, "course.models:residual_block", "course.models:build_resnet"),
)


EXERCISES = [
    scaled_dot_product_attention,
    causal_mask,
    multi_head_attention,
    positional_encoding,
    pieces_to_words,
    mean_pool,
    build_classifier_head,
    residual_block,
]


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (attention with a Keras layer's weights, the
    positional-encoding heat map) uses it so that it runs on the learner's
    own code once it is right, and still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer)
