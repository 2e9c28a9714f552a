"""Checkers of chapter 5 (attention, Transformers, residual networks), in notebook order.

In the notebook::

    from course.checks import ch05_transformer as check
    check.scaled_dot_product_attention(scaled_dot_product_attention)

Function exercises compare with a NumPy reference on fresh random cases and
name a known mistake when a wrong answer matches one (forgetting the
1/sqrt(d_k) scale, softmax over the wrong axis, the mask upside down,
averaging over padding...). ``residual_block`` builds the learner's block on
a small input and checks its output shape, parameter count and what it does
when its convolutions are switched off. ``build_classifier_head`` trains the
learner's head for a few seconds on separable synthetic "sentence features".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from course.checks.core import (
    HintedFunctionExercise,
    ERROR, NOT_DONE, Exercise, FunctionExercise, ModelExercise, Outcome, call_safely, compare_arrays, describe_value,
)
from course.config import sized

CHAPTER = "05_transformer"
NEG = -1e9


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


# --------------------------------------------------------------------------
# 1. Scaled dot-product attention
# --------------------------------------------------------------------------


def _scores(q, k, mask, scale=True):
    q, k = np.asarray(q, np.float64), np.asarray(k, np.float64)
    s = q @ np.swapaxes(k, -1, -2)
    if scale:
        s = s / np.sqrt(q.shape[-1])
    if mask is not None:
        s = np.where(np.asarray(mask) > 0, s, NEG)
    return s


def scaled_dot_product_attention_reference(q, k, v, mask=None):
    """softmax(Q K^T / sqrt(d_k) + M) V with M = 0 where mask is 1 and -1e9 where it is 0."""
    return _softmax(_scores(q, k, mask)) @ np.asarray(v, np.float64)


def _attention_cases(rng):
    cases = []
    for batch, nq, nk, dk, dv in ((2, 3, 3, 4, 4), (1, 5, 7, 8, 3), (3, 4, 6, 16, 5)):
        q, k, v = (rng.normal(size=(batch, n, d)).astype(np.float32) for n, d in ((nq, dk), (nk, dk), (nk, dv)))
        cases.append((q, k, v, None))
    q, k, v = (rng.normal(size=(2, 6, 8)).astype(np.float32) for _ in range(3))
    cases.append((q, k, v, np.tril(np.ones((6, 6), np.float32))))           # causal mask
    padding = np.ones((2, 1, 6), np.float32)
    padding[0, 0, 4:] = 0
    cases.append((q, k, v, padding))                                          # padding mask, broadcast over queries
    big = (30 * rng.normal(size=(1, 4, 8))).astype(np.float32)
    cases.append((big, big, rng.normal(size=(1, 4, 2)).astype(np.float32), None))  # large scores: overflow test
    return cases


scaled_dot_product_attention = HintedFunctionExercise(
    CHAPTER, "scaled_dot_product_attention", "scaled_dot_product_attention", 1.0,
    "softmax(QK^T / sqrt(d_k) + M) V in NumPy, with an optional 0/1 mask.",
    cases=_attention_cases, reference=scaled_dot_product_attention_reference, rtol=1e-4, atol=1e-5,
    mistakes=[
        (lambda q, k, v, m=None: _softmax(_scores(q, k, m, scale=False)) @ v, "divide the scores by sqrt(d_k), d_k = q.shape[-1]."),
        (lambda q, k, v, m=None: _softmax(_scores(q, k, m), axis=-2) @ v, "the softmax runs over the keys: the last axis of the scores."),
        (lambda q, k, v, m=None: _softmax(_scores(q, k, None if m is None else 1 - np.asarray(m))) @ v,
         "mask 1 means 'may attend', 0 means 'blocked': set the blocked scores to -1e9."),
        (lambda q, k, v, m=None: (_softmax(_scores(q, k, None)) * (1 if m is None else np.asarray(m))) @ v,
         "mask the scores before the softmax (so the weights still sum to 1), not the weights after it."),
    ],
)


# --------------------------------------------------------------------------
# 2. Causal mask
# --------------------------------------------------------------------------


def causal_mask_reference(n):
    return np.tril(np.ones((n, n), np.float32))


causal_mask = HintedFunctionExercise(
    CHAPTER, "causal_mask", "causal_mask", 1.0,
    "(n, n) mask, 1 where query i may look at key j (j <= i), 0 elsewhere.",
    cases=lambda rng: [(1,), (2,), (5,), (int(rng.integers(6, 20)),)],
    reference=causal_mask_reference, rtol=0.0, atol=1e-6,
    describe_case=lambda args: f"n = {args[0]}",
    mistakes=[
        (lambda n: np.triu(np.ones((n, n))), "row i is query i: it may see keys 0..i, the lower triangle (np.tril)."),
        (lambda n: np.tril(np.ones((n, n)), -1), "a position may attend to itself: keep the diagonal."),
        (lambda n: np.where(np.tril(np.ones((n, n))) > 0, 0.0, NEG), "return the 0/1 mask; the attention function turns 0 into -1e9."),
    ],
)


# --------------------------------------------------------------------------
# 3. Multi-head attention with Keras's weight layout
# --------------------------------------------------------------------------


def multi_head_attention_reference(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    """Keras MultiHeadAttention's forward pass (key = value) with its weight shapes."""
    query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[None, :, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[None, :, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[None, :, None, :]
    m = None if mask is None else np.asarray(mask)[:, None, :, :]
    heads = scaled_dot_product_attention_reference(q, k, v, m)
    return np.einsum("bhtk,hkd->btd", heads, wo) + bo


def _mha_cases(rng):
    cases = []
    for batch, nq, nk, d_model, heads, head_dim, masked in ((2, 4, 4, 8, 2, 4, False), (1, 3, 5, 6, 3, 2, False),
                                                            (2, 5, 5, 8, 4, 3, True)):
        f = lambda *shape: rng.normal(scale=0.5, size=shape).astype(np.float32)
        mask = np.tril(np.ones((batch, nq, nk), np.float32)) if masked else None
        cases.append((f(batch, nq, d_model), f(batch, nk, d_model), f(d_model, heads, head_dim), f(heads, head_dim),
                      f(d_model, heads, head_dim), f(heads, head_dim), f(d_model, heads, head_dim), f(heads, head_dim),
                      f(heads, head_dim, d_model), f(d_model), mask))
    return cases


multi_head_attention = HintedFunctionExercise(
    CHAPTER, "multi_head_attention", "multi_head_attention", 2.0,
    "Multi-head attention with keras.layers.MultiHeadAttention's weights (d_model, heads, head_dim).",
    cases=_mha_cases, reference=multi_head_attention_reference, rtol=1e-3, atol=1e-4,
    describe_case=lambda args: f"case with query {args[0].shape}, value {args[1].shape}, {args[2].shape[1]} heads"
                               + (", causal mask" if args[-1] is not None else ""),
    mistakes=[
        (lambda qu, va, wq, bq, wk, bk, wv, bv, wo, bo, mask=None: multi_head_attention_reference(qu, va, wq, bq, wk, bk, wv, bv, wo, bo, mask) - bo,
         "add the output bias bo."),
    ],
)


# --------------------------------------------------------------------------
# 4. Sinusoidal positional encoding
# --------------------------------------------------------------------------


def positional_encoding_reference(length, d_model):
    from course.models import sinusoidal_positional_encoding

    return sinusoidal_positional_encoding(length, d_model)


def _pe_blocks(length, d_model):
    pos = np.arange(length)[:, None]
    i = np.arange(d_model)[None, :]
    angles = pos / np.power(10000.0, (2 * (i // 2)) / d_model)
    return np.concatenate([np.sin(angles[:, 0::2]), np.cos(angles[:, 1::2])], axis=1)


positional_encoding = HintedFunctionExercise(
    CHAPTER, "positional_encoding", "positional_encoding", 1.0,
    "PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)).",
    cases=lambda rng: [(1, 4), (10, 8), (50, 16), (int(rng.integers(5, 40)), 2 * int(rng.integers(2, 33)))],
    reference=positional_encoding_reference, rtol=1e-4, atol=1e-4,
    describe_case=lambda args: f"length={args[0]}, d_model={args[1]}",
    mistakes=[
        (_pe_blocks, "interleave: sine in the even columns 0, 2, 4..., cosine in the odd columns 1, 3, 5..."),
        (lambda n, d: np.where(np.arange(d) % 2 == 0, np.sin(np.arange(n)[:, None] / np.power(10000.0, np.arange(d) / d)),
                               np.cos(np.arange(n)[:, None] / np.power(10000.0, np.arange(d) / d))),
         "columns 2i and 2i+1 share one frequency: the exponent is 2i/d_model with i = column // 2."),
    ],
)


# --------------------------------------------------------------------------
# 5. WordPiece pieces back to words
# --------------------------------------------------------------------------


def pieces_to_words_reference(pieces):
    words: list[str] = []
    for piece in pieces:
        if piece in ("[CLS]", "[SEP]", "[PAD]"):
            continue
        if piece.startswith("##") and words:
            words[-1] += piece[2:]
        else:
            words.append(piece)
    return words


@dataclass
class ListOfStringsExercise(FunctionExercise):
    """A function exercise whose answers are lists of strings, compared exactly."""

    def run(self, answer, inputs):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        outcomes = []
        for args in inputs:
            outcome = call_safely(answer, *[list(a) if isinstance(a, list) else a for a in args])
            if outcome.ok:
                value = outcome.value
                outcome.value = [str(w) for w in value] if isinstance(value, (list, tuple)) else repr(value)[:200]
            outcomes.append(outcome)
        return outcomes

    def judge(self, inputs, outcomes):
        for args, outcome in zip(inputs, outcomes):
            case = f" on pieces {args[0][:8]}{'...' if len(args[0]) > 8 else ''}"
            if not outcome.ok:
                return self.error_result(outcome, case)
            expected = self.reference(*args)
            if not isinstance(outcome.value, list):
                return self.result(False, f"expected a list of str{case}; got {outcome.value}.")
            if outcome.value != expected:
                if len(outcome.value) != len(expected):
                    hint = " Pieces starting with '##' continue the previous word; [CLS], [SEP] and [PAD] are dropped."
                    return self.result(False, f"expected {len(expected)} words{case}, got {len(outcome.value)}.{hint}")
                i = next(i for i, (a, b) in enumerate(zip(outcome.value, expected)) if a != b)
                return self.result(False, f"word {i} is {outcome.value[i]!r}{case}; expected {expected[i]!r} (drop the '##' when gluing).")
        return self.result(True, f"correct on all {len(inputs)} token lists.")


def _pieces_cases(rng):
    cases = [
        (["[CLS]", "an", "un", "##for", "##get", "##table", "film", "[SEP]"],),
        (["the", "acting", "is", "super", "##b", "."],),
        (["[CLS]", "[SEP]", "[PAD]", "[PAD]"],),
        (["heart", "##war", "##ming", ",", "if", "over", "##long"],),
    ]
    vocab = ["good", "bad", "movie", "bore", "##dom", "##s", "##ly", "great", "plot", "##less", "!"]
    for _ in range(2):
        pieces = [str(p) for p in rng.choice(vocab, size=int(rng.integers(3, 12)))]
        if pieces[0].startswith("##"):
            pieces[0] = "film"
        cases.append((["[CLS]", *pieces, "[SEP]"],))
    return cases


pieces_to_words = ListOfStringsExercise(
    CHAPTER, "pieces_to_words", "pieces_to_words", 1.0,
    "Glue WordPiece pieces back into words: '##' pieces continue the previous word; special tokens go.",
    cases=_pieces_cases, reference=pieces_to_words_reference,
)


# --------------------------------------------------------------------------
# 6. Mean pooling over real tokens
# --------------------------------------------------------------------------


def mean_pool_reference(sequence_output, padding_mask):
    from course.pretrained import mean_pool as _mean_pool

    return _mean_pool(sequence_output, padding_mask)


def _pool_cases(rng):
    cases = []
    for batch, length, width in ((2, 5, 4), (3, 8, 6), (1, 3, 2)):
        h = rng.normal(size=(batch, length, width)).astype(np.float32)
        lengths = rng.integers(1, length + 1, size=batch)
        mask = (np.arange(length)[None, :] < lengths[:, None]).astype(np.int32)
        cases.append((h, mask))
    h = rng.normal(size=(2, 6, 3)).astype(np.float32)
    cases.append((h, np.array([[1, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1]], np.int32)))  # one real token; no padding
    return cases


mean_pool = HintedFunctionExercise(
    CHAPTER, "mean_pool", "mean_pool", 1.0,
    "Average the token vectors over the real tokens only (mask 1), one vector per sentence.",
    cases=_pool_cases, reference=mean_pool_reference, rtol=1e-4, atol=1e-5,
    mistakes=[
        (lambda h, m: np.asarray(h).mean(axis=1), "average over the real tokens only: multiply by the mask and divide by the mask's sum."),
        (lambda h, m: (np.asarray(h) * np.asarray(m)[..., None]).mean(axis=1), "divide by the number of real tokens (mask.sum), not by the padded length."),
    ],
)


# --------------------------------------------------------------------------
# 7. A residual block (Keras)
# --------------------------------------------------------------------------


def _residual_param_count(c_in, filters, stride):
    count = 9 * c_in * filters + 9 * filters * filters + 2 * 4 * filters
    if stride != 1 or c_in != filters:
        count += c_in * filters + 4 * filters
    return count


@dataclass
class ResidualBlockExercise(Exercise):
    """Builds ``answer(x, filters, stride)`` on a small input; checks shape, parameters and the shortcut.

    The shortcut test: with the kernels of the 3x3 convolutions (and any
    biases) set to zero, the residual branch outputs 0 at initialisation, so
    an identity block must return ``ReLU(x)`` and a projection block
    ``ReLU(BN(Conv1x1(x)))`` (BN at initialisation is almost the identity).
    """

    def make_inputs(self, rng):
        cases = []
        for c_in, filters, stride in ((8, 8, 1), (4, 8, 2), (6, 12, 1)):
            x = rng.normal(size=(2, 8, 8, c_in)).astype(np.float32)
            cases.append((x, filters, stride))
        return cases

    def run(self, answer, inputs):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        return [self._run_one(answer, *case) for case in inputs]

    @staticmethod
    def _run_one(answer, x, filters, stride):
        import keras

        def build():
            inputs = keras.Input(shape=x.shape[1:])
            out = answer(inputs, filters, stride)
            return keras.Model(inputs, out)

        built = call_safely(build)
        if not built.ok:
            return built
        model = built.value
        try:
            convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
            one_by_one = []
            for layer in convs:
                if tuple(layer.kernel_size) == (1, 1):
                    one_by_one.append(layer.get_weights()[0])
                    continue
                layer.set_weights([np.zeros_like(w) for w in layer.get_weights()])
            zeroed = np.asarray(model(x, training=False), np.float32)
        except Exception as error:
            return Outcome(error=type(error).__name__, detail=f"could not run the block: {error}")
        return Outcome(value={"params": int(model.count_params()), "shape": list(zeroed.shape), "n_conv3": len(convs) - len(one_by_one),
                              "zeroed": zeroed, "projection": one_by_one[0] if len(one_by_one) == 1 else None})

    def judge(self, inputs, outcomes):
        for (x, filters, stride), outcome in zip(inputs, outcomes):
            case = f" (input {x.shape[1:]}, filters={filters}, stride={stride})"
            if not outcome.ok:
                return self.error_result(outcome, case)
            value = outcome.value
            expected_shape = [x.shape[0], x.shape[1] // stride, x.shape[2] // stride, filters]
            if value["shape"] != expected_shape:
                return self.result(False, f"output shape {tuple(value['shape'][1:])}{case}; expected {tuple(expected_shape[1:])}.")
            if value["n_conv3"] != 2:
                return self.result(False, f"the block has {value['n_conv3']} convolutions with a 3x3 kernel{case}; expected 2.")
            expected_params = _residual_param_count(x.shape[-1], filters, stride)
            if value["params"] != expected_params:
                return self.result(False, f"the block has {value['params']:,} parameters{case}; expected {expected_params:,} "
                                          "(3x3 convolutions without bias, each followed by BatchNormalization; a 1x1 projection "
                                          "+ BatchNormalization only when the shape changes).")
            projection = stride != 1 or x.shape[-1] != filters
            if projection:
                if value["projection"] is None:
                    return self.result(False, f"the shape changes{case}, so the shortcut needs one 1x1 convolution with strides={stride}.")
                kernel = np.asarray(value["projection"], np.float64)[0, 0]
                shortcut = x[:, ::stride, ::stride, :].astype(np.float64) @ kernel / np.sqrt(1 + 1e-3)
            else:
                if value["projection"] is not None:
                    return self.result(False, f"shapes match{case}: the shortcut is the identity, no 1x1 convolution needed.")
                shortcut = x.astype(np.float64)
            expected = np.maximum(shortcut, 0.0)
            if np.allclose(value["zeroed"], 0.0, atol=1e-6) and np.abs(expected).max() > 1e-3:
                return self.result(False, f"with its 3x3 convolutions zeroed the block outputs all zeros{case}: is the shortcut added before the final ReLU?")
            problem = compare_arrays(expected, value["zeroed"], rtol=2e-3, atol=1e-4)
            if problem:
                return self.result(False, f"with its 3x3 convolutions zeroed the block should output ReLU(shortcut(x)){case}: {problem}. "
                                          "Add the shortcut to the residual branch, then apply ReLU.")
        return self.result(True, f"shapes, parameter counts and shortcuts are right on all {len(inputs)} blocks.")


residual_block = ResidualBlockExercise(
    CHAPTER, "residual_block", "residual_block", 2.0,
    "A basic residual block: two 3x3 conv + BN, identity or 1x1 projection shortcut, ReLU after the sum.",
)


# --------------------------------------------------------------------------
# 8. A classifier head on frozen sentence features
# --------------------------------------------------------------------------

HEAD_FEATURES = 384
HEAD_MAX_PARAMS = 227_000  # 1% of MiniLM-L6's 22.7 million parameters


def _synthetic_features(seed: int = 5, n: int = 1200):
    """Two overlapping Gaussian clouds in 384-d: a stand-in for sentence features, fast to learn."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=HEAD_FEATURES)
    direction /= np.linalg.norm(direction)
    y = rng.integers(0, 2, size=n)
    x = rng.normal(scale=0.3, size=(n, HEAD_FEATURES)) + np.outer(2 * y - 1, direction) * 0.6
    return x.astype(np.float32), y.astype(np.int64)


def _head_train(model):
    x, y = _synthetic_features()
    model.fit(x[:1000], y[:1000], epochs=sized(full=20, ci=10), batch_size=64, verbose=0)


def _head_evaluate(model):
    x, y = _synthetic_features()
    p = np.asarray(model.predict(x[1000:], verbose=0)).reshape(len(x) - 1000, -1)
    predicted = (p[:, 0] > 0.5).astype(int) if p.shape[1] == 1 else p.argmax(axis=1)
    return float((predicted == y[1000:]).mean())


build_classifier_head = ModelExercise(
    CHAPTER, "build_classifier_head", "build_classifier_head", 1.0,
    "A small compiled Keras head: 384 features in, one sigmoid probability out, < 1% of MiniLM's parameters.",
    build_args=(HEAD_FEATURES,), train=_head_train, evaluate=_head_evaluate, min_score=lambda: 0.9,
    output_shape=(1,), output_activation="sigmoid", max_params=HEAD_MAX_PARAMS,
    score_name="accuracy on held-out synthetic features",
)


EXERCISES = [
    scaled_dot_product_attention,
    causal_mask,
    multi_head_attention,
    positional_encoding,
    residual_block,
    pieces_to_words,
    mean_pool,
    build_classifier_head,
]
