"""Reference answers of chapter 5 (attention, Transformers, residual networks), in notebook order.

Trusted side only: see :mod:`course.references` for who may import this.
The NumPy functions compute in float64 whatever they are given, so they are
the yardstick the checkers compare learners' float32 or float64 answers with.
``residual_block`` and ``build_classifier_head`` are Keras builders, as the
exercises ask; :func:`residual_block_numpy` is the same block in NumPy, which
the checker runs with the weights it copied into the learner's block.
"""

from __future__ import annotations

import numpy as np

#: The score a blocked (query, key) pair gets instead of its dot product.
BLOCKED = -1e9
#: Keras BatchNormalization's default epsilon.
BN_EPSILON = 1e-3


def _softmax(z, axis=-1):
    z = z - z.max(axis=axis, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=axis, keepdims=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(Q K^T / sqrt(d_k) with blocked scores replaced by -1e9) V, float64.

    ``mask`` broadcasts to the scores ``(..., n_q, n_k)``: 1 keeps a score, 0
    replaces it by -1e9. A query whose keys are all blocked gets equal weights
    on every key: its output is the mean of the rows of ``v``.
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(np.asarray(mask) > 0, scores, BLOCKED)
    return _softmax(scores) @ v


def scaled_dot_product_attention_zeroing(q, k, v, mask=None):
    """As :func:`scaled_dot_product_attention`, then the weights of blocked keys set to 0, as Keras's Softmax layer does.

    Equal to it except on a query whose keys are all blocked: there its
    weights are all 0 and its output is 0 (the exercise accepts either).
    """
    q, k, v = (np.asarray(a, np.float64) for a in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        return _softmax(scores) @ v
    keep = np.broadcast_to(np.asarray(mask) > 0, scores.shape)
    return np.where(keep, _softmax(np.where(keep, scores, BLOCKED)), 0.0) @ v


def causal_mask(n):
    """(n, n) float32: 1 where query i may look at key j (j <= i), else 0."""
    return np.tril(np.ones((n, n), np.float32))


def multi_head_attention(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None, attention=None):
    """Keras MultiHeadAttention's forward pass (key = value) with its weight shapes, float64.

    ``attention``: the per-head attention (default :func:`scaled_dot_product_attention`).
    """
    attention = attention or scaled_dot_product_attention
    query, value = np.asarray(query, np.float64), np.asarray(value, np.float64)
    bq, bk, bv = (np.asarray(b, np.float64) for b in (bq, bk, bv))
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[None, :, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[None, :, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[None, :, None, :]
    m = None if mask is None else np.asarray(mask)[:, None, :, :]
    heads = attention(q, k, v, m)
    return np.einsum("bhtk,hkd->btd", heads, np.asarray(wo, np.float64)) + np.asarray(bo, np.float64)


def multi_head_attention_zeroing(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    """Keras MultiHeadAttention exactly: a query whose keys are all blocked gets zero heads (its output is bo)."""
    return multi_head_attention(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask, attention=scaled_dot_product_attention_zeroing)


def positional_encoding(length, d_model):
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(pos / 10000^(2i/d)); (length, d_model), float64."""
    positions = np.arange(length, dtype=np.float64)[:, None]
    column = np.arange(d_model)[None, :]
    angles = positions / np.power(10000.0, (2 * (column // 2)) / d_model)
    return np.where(column % 2 == 0, np.sin(angles), np.cos(angles))


def residual_block(x, filters, stride=1):
    """ReLU(F(x) + shortcut(x)): F = Conv3x3(stride) -> BN -> ReLU -> Conv3x3 -> BN; shortcut = x or Conv1x1(stride) -> BN."""
    import keras

    layers = keras.layers
    h = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
    h = layers.BatchNormalization()(h)
    h = layers.ReLU()(h)
    h = layers.Conv2D(filters, 3, padding="same", use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x)
        shortcut = layers.BatchNormalization()(shortcut)
    return layers.ReLU()(layers.Add()([h, shortcut]))


def conv2d_same(x, kernel, stride=1):
    """Keras/TensorFlow ``Conv2D(padding="same", use_bias=False)`` in NumPy: (batch, H, W, C) -> (batch, ceil(H/s), ceil(W/s), F).

    TensorFlow pads ``max((out - 1) * s + k - n, 0)`` in all, the smaller half
    before (top, left) and the larger after (bottom, right).
    """
    x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
    kh, kw = kernel.shape[:2]
    _, height, width, _ = x.shape
    out_h, out_w = -(-height // stride), -(-width // stride)
    pad_h = max((out_h - 1) * stride + kh - height, 0)
    pad_w = max((out_w - 1) * stride + kw - width, 0)
    padded = np.pad(x, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)))
    out = np.zeros((x.shape[0], out_h, out_w, kernel.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            patch = padded[:, i: i + (out_h - 1) * stride + 1: stride, j: j + (out_w - 1) * stride + 1: stride, :]
            out += patch @ kernel[i, j]
    return out


def batch_norm(x, gamma, beta, mean, variance, epsilon=BN_EPSILON):
    """BatchNormalization in inference mode: gamma * (x - mean) / sqrt(variance + epsilon) + beta, per channel."""
    return np.asarray(gamma) * (np.asarray(x, np.float64) - mean) / np.sqrt(np.asarray(variance) + epsilon) + beta


def residual_block_numpy(x, weights, stride):
    """The reference block's output in inference mode, with the given weights.

    ``weights``: ``conv1``, ``conv2`` (3x3 kernels), ``project`` (a 1x1 kernel,
    or None for the identity shortcut) and ``bn1``, ``bn2``, ``bn_project``
    (each ``[gamma, beta, moving_mean, moving_variance]``).
    """
    relu = lambda z: np.maximum(z, 0.0)  # noqa: E731
    h = relu(batch_norm(conv2d_same(x, weights["conv1"], stride), *weights["bn1"]))
    h = batch_norm(conv2d_same(h, weights["conv2"]), *weights["bn2"])
    shortcut = np.asarray(x, np.float64)
    if weights.get("project") is not None:
        shortcut = batch_norm(conv2d_same(x, weights["project"], stride), *weights["bn_project"])
    return relu(h + shortcut)


def mean_pool(sequence_output, padding_mask):
    """sum_t m_t h_t / sum_t m_t over the real tokens: (batch, length, width), (batch, length) -> (batch, width), float64."""
    h = np.asarray(sequence_output, np.float64)
    m = np.asarray(padding_mask, np.float64)[..., None]
    return (h * m).sum(axis=1) / m.sum(axis=1)


def pieces_to_words(pieces):
    """WordPiece pieces back to words: [CLS], [SEP], [PAD] dropped; a '##' piece continues the previous word."""
    words: list[str] = []
    for piece in pieces:
        if piece in ("[CLS]", "[SEP]", "[PAD]"):
            continue
        if piece.startswith("##") and words:
            words[-1] += piece[2:]
        else:
            words.append(piece)
    return words


def build_classifier_head(feature_dim):
    """A compiled head on sentence features: Dense(128, ReLU) -> Dropout(0.2) -> Dense(1, sigmoid); Adam 1e-3, binary cross-entropy."""
    import keras

    inputs = keras.Input(shape=(feature_dim,))
    h = keras.layers.Dense(128, activation="relu")(inputs)
    h = keras.layers.Dropout(0.2)(h)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model
