"""Chapter 5 answers as learners write them: right ones in other idioms, wrong ones with real mistakes."""

from __future__ import annotations

import functools
import math

import numpy as np

from corpus import correct, wrong

CH = "05_transformer"


def _right(exercise, name, answer, slow=False):
    return correct(CH, exercise, name, answer, slow=slow)


def _wrong(exercise, name, answer, why, hint=None, slow=False):
    return wrong(CH, exercise, name, answer, why, hint, slow=slow)


def _stable_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------
# scaled_dot_product_attention
# --------------------------------------------------------------------------


def attention_einsum(q, k, v, mask=None):
    scores = np.einsum("...qd,...kd->...qk", q, k) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask == 0, -1e9, scores)
    return np.einsum("...qk,...kd->...qd", _stable_softmax(scores), v)


def attention_logsumexp(q, k, v, mask=None):
    scores = np.matmul(q, k.swapaxes(-1, -2)) * q.shape[-1] ** -0.5
    if mask is not None:
        scores = np.where(mask.astype(bool), scores, -1e9)
    top = scores.max(axis=-1, keepdims=True)
    log_weights = scores - top - np.log(np.exp(scores - top).sum(axis=-1, keepdims=True))
    return np.exp(log_weights) @ v


def attention_keras_ops(q, k, v, mask=None):
    import keras

    scores = keras.ops.matmul(q, keras.ops.swapaxes(k, -1, -2)) / np.sqrt(q.shape[-1]).astype(q.dtype)
    if mask is not None:
        scores = keras.ops.where(keras.ops.convert_to_tensor(mask) > 0, scores, -1e9)
    return keras.ops.convert_to_numpy(keras.ops.matmul(keras.ops.softmax(scores, axis=-1), v))


def attention_float64_copy(q, k, v, mask=None):
    q, k, v = (np.array(a, dtype=np.float64) for a in (q, k, v))
    scores = q @ np.moveaxis(k, -1, -2) / np.sqrt(k.shape[-1])
    if mask is not None:
        scores[np.broadcast_to(np.asarray(mask) == 0, scores.shape)] = -1e9
    return _stable_softmax(scores) @ v


def attention_keras_zeroing(q, k, v, mask=None):
    """Keras's Softmax layer: -1e9 where blocked, softmax, then blocked weights set to 0 (a query that may see nothing outputs 0)."""
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is None:
        return _stable_softmax(scores) @ v
    keep = np.broadcast_to(np.asarray(mask) > 0.5, scores.shape)
    return np.where(keep, _stable_softmax(np.where(keep, scores, -1e9)), 0.0) @ v


def _attention(q, k, v, mask=None, *, scale="d_k", axis=-1, blocked=-1e9, mask_where="scores", invert=False, add=False, stable=True):
    """The notebook's attention with switches for the mistakes below."""
    d = {"d_k": q.shape[-1], "d_v": v.shape[-1], "none": 1}[scale]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d)
    if mask is not None and invert:
        mask = 1 - mask
    if mask is not None and mask_where == "scores":
        scores = scores + (1 - np.asarray(mask, np.float64)) * blocked if add else np.where(mask > 0, scores, blocked)
    with np.errstate(all="ignore"):
        if stable:
            scores = scores - scores.max(axis=axis, keepdims=True)
        weights = np.exp(scores)
        weights = weights / weights.sum(axis=axis, keepdims=True)
        if mask is not None and mask_where.startswith("weights"):
            weights = weights * mask
            if mask_where == "weights, renormalised":
                weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v


def attention_scales_q_in_place(q, k, v, mask=None):
    q /= np.sqrt(q.shape[-1])
    return _attention(q, k, v, mask, scale="none")


def attention_k_transposed(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask > 0, scores, -1e9)
    return _stable_softmax(scores) @ v


def attention_tensor(q, k, v, mask=None):
    import tensorflow as tf

    scores = tf.matmul(q, k, transpose_b=True) / tf.sqrt(tf.cast(q.shape[-1], q.dtype))
    if mask is not None:
        scores = tf.where(mask > 0, scores, tf.cast(-1e9, q.dtype))
    return tf.matmul(tf.nn.softmax(scores, axis=-1), v)


# --------------------------------------------------------------------------
# causal_mask
# --------------------------------------------------------------------------


def causal_tri(n):
    return np.tri(n, dtype=np.float32)


def causal_compare(n):
    rows = np.arange(n)
    return (rows[:, None] >= rows[None, :]).astype(float)


def causal_loops(n):
    mask = np.zeros((n, n))
    for i in range(n):
        for j in range(i + 1):
            mask[i, j] = 1.0
    return mask


def causal_one_minus_triu(n):
    return 1.0 - np.triu(np.ones((n, n)), k=1)


def causal_triu(n):
    return np.triu(np.ones((n, n)))


def causal_no_diagonal(n):
    return np.tril(np.ones((n, n)), k=-1)


def causal_future(n):
    return np.triu(np.ones((n, n)), k=1)


def causal_additive(n):
    return np.where(np.tri(n) > 0, 0.0, -1e9)


def causal_bool(n):
    return np.tri(n, dtype=bool)


def causal_int(n):
    return np.tril(np.ones((n, n), dtype=int))


# --------------------------------------------------------------------------
# multi_head_attention
# --------------------------------------------------------------------------


def mha_notebook(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[:, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[:, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[:, None, :]
    heads = attention_einsum(q, k, v, None if mask is None else mask[:, None])
    return np.einsum("bhtk,hkd->btd", heads, wo) + bo


def mha_loop_over_heads(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    out = np.zeros(query.shape[:2] + (wo.shape[-1],))
    for h in range(wq.shape[1]):
        q = query @ wq[:, h, :] + bq[h]
        k = value @ wk[:, h, :] + bk[h]
        v = value @ wv[:, h, :] + bv[h]
        out += attention_logsumexp(q, k, v, mask) @ wo[h]
    return out + bo


def mha_concatenate(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    d_model, heads, head_dim = wq.shape
    batch, n_q, _ = query.shape

    def split(x, w, b):   # (batch, n, d_model) -> (batch, heads, n, head_dim)
        projected = x @ w.reshape(d_model, heads * head_dim) + b.reshape(-1)
        return projected.reshape(x.shape[0], x.shape[1], heads, head_dim).transpose(0, 2, 1, 3)

    q, k, v = split(query, wq, bq), split(value, wk, bk), split(value, wv, bv)
    per_head = attention_float64_copy(q, k, v, None if mask is None else np.expand_dims(mask, 1))
    concat = per_head.transpose(0, 2, 1, 3).reshape(batch, n_q, heads * head_dim)
    return concat @ wo.reshape(heads * head_dim, -1) + bo


def mha_keras_zeroing(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[:, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[:, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[:, None, :]
    heads = attention_keras_zeroing(q, k, v, None if mask is None else mask[:, None])
    return np.einsum("bhtk,hkd->btd", heads, wo) + bo


def mha_tensordot(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    q = np.moveaxis(np.tensordot(query, wq, axes=1), 2, 1) + bq[None, :, None, :]
    k = np.moveaxis(np.tensordot(value, wk, axes=1), 2, 1) + bk[None, :, None, :]
    v = np.moveaxis(np.tensordot(value, wv, axes=1), 2, 1) + bv[None, :, None, :]
    heads = _attention(q, k, v, None if mask is None else mask[:, np.newaxis, :, :])
    return np.tensordot(heads, wo, axes=([1, 3], [0, 1])) + bo


def _mha(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None, *, combine="sum", output_bias=True, keys_from="value",
         head_axis=True, scale=None):
    """The notebook's multi-head attention with switches for the mistakes below."""
    keys = query if keys_from == "query" else value
    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[:, None, :]
    k = np.einsum("bsd,dhk->bhsk", keys, wk) + bk[:, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[:, None, :]
    m = None if mask is None else (mask[:, None] if head_axis else mask)
    if scale is None:
        heads = attention_einsum(q, k, v, m)
    else:
        heads = attention_einsum(q * np.sqrt(q.shape[-1] / scale), k, v, m)
    if combine == "average":
        out = np.einsum("bhtk,hkd->btd", heads, wo) / wq.shape[1]
    elif combine == "mean first":
        out = np.einsum("btk,hkd->btd", heads.mean(axis=1), wo)
    else:
        out = np.einsum("bhtk,hkd->btd", heads, wo)
    return out + bo if output_bias else out


def mha_reference_attention(query, value, wq, bq, wk, bk, wv, bv, wo, bo, mask=None):
    from course.references.ch05_transformer import scaled_dot_product_attention

    q = np.einsum("btd,dhk->bhtk", query, wq) + bq[:, None, :]
    k = np.einsum("bsd,dhk->bhsk", value, wk) + bk[:, None, :]
    v = np.einsum("bsd,dhk->bhsk", value, wv) + bv[:, None, :]
    heads = scaled_dot_product_attention(q, k, v, None if mask is None else mask[:, None])
    return np.einsum("bhtk,hkd->btd", heads, wo) + bo


# --------------------------------------------------------------------------
# positional_encoding
# --------------------------------------------------------------------------


def pe_div_term(length, d_model):
    pe = np.zeros((length, d_model))
    position = np.arange(length)[:, None]
    div_term = np.exp(np.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
    pe[:, 0::2] = np.sin(position * div_term)
    pe[:, 1::2] = np.cos(position * div_term)
    return pe


def pe_loops(length, d_model):
    pe = np.empty((length, d_model), dtype=np.float32)
    for pos in range(length):
        for j in range(d_model):
            angle = pos / 10000 ** (2 * (j // 2) / d_model)
            pe[pos, j] = math.sin(angle) if j % 2 == 0 else math.cos(angle)
    return pe


def pe_stack_pairs(length, d_model):
    angles = np.outer(np.arange(length), 1.0 / 10000 ** (np.arange(0, d_model, 2) / d_model))
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(length, d_model)


def _pe(length, d_model, *, kind="right"):
    positions = np.arange(1, length + 1) if kind == "from 1" else np.arange(length)
    column = np.arange(d_model)
    exponent = {"column": column / d_model, "2 column": 2 * column / d_model}.get(kind, 2 * (column // 2) / d_model)
    angles = positions[:, None] / 10000 ** exponent
    if kind == "blocks":
        return np.concatenate([np.sin(angles[:, ::2]), np.cos(angles[:, 1::2])], axis=1)
    even, odd = (np.cos, np.sin) if kind == "swapped" else (np.sin, np.cos)
    pe = np.where(column % 2 == 0, even(angles), odd(angles))
    return pe.T if kind == "transposed" else pe


def pe_course(length, d_model):
    from course.models import sinusoidal_positional_encoding

    return sinusoidal_positional_encoding(length, d_model).astype(np.float64)


# --------------------------------------------------------------------------
# pieces_to_words
# --------------------------------------------------------------------------


SPECIALS = {"[CLS]", "[SEP]", "[PAD]"}


def words_join_replace_split(pieces):
    return " ".join(p for p in pieces if p not in SPECIALS).replace(" ##", "").split()


def words_index_loop(pieces):
    kept = [p for p in pieces if p not in SPECIALS]
    words, i = [], 0
    while i < len(kept):
        word = kept[i]
        i += 1
        while i < len(kept) and kept[i].startswith("##"):
            word += kept[i][2:]
            i += 1
        words.append(word)
    return words


def words_reduce(pieces):
    def step(words, piece):
        if piece in SPECIALS:
            return words
        if piece[:2] == "##" and words:
            return words[:-1] + [words[-1] + piece[2:]]
        return words + [piece]
    return functools.reduce(step, pieces, [])


def words_tuple(pieces):
    return tuple(words_index_loop(pieces))


def _words(pieces, *, specials=SPECIALS, glue="", keep_hashes=False, split_pieces=False):
    words = []
    for piece in pieces:
        if piece in specials:
            continue
        if piece.startswith("##") and words and not split_pieces:
            words[-1] += glue + (piece if keep_hashes else piece[2:])
        else:
            words.append(piece[2:] if split_pieces and piece.startswith("##") else piece)
    return words


def words_removes_specials_in_place(pieces):
    for special in SPECIALS:
        while special in pieces:
            pieces.remove(special)
    return _words(pieces)


def words_joined(pieces):
    return " ".join(_words(pieces))


def words_generator(pieces):
    word = None
    for piece in pieces:
        if piece in SPECIALS:
            continue
        if piece.startswith("##") and word is not None:
            word += piece[2:]
            continue
        if word is not None:
            yield word
        word = piece
    if word is not None:
        yield word


# --------------------------------------------------------------------------
# mean_pool
# --------------------------------------------------------------------------


def pool_einsum(sequence_output, padding_mask):
    m = padding_mask.astype(np.float64)
    return np.einsum("btw,bt->bw", sequence_output, m) / m.sum(axis=1, keepdims=True)


def pool_loop(sequence_output, padding_mask):
    return np.stack([h[m == 1].mean(axis=0) for h, m in zip(sequence_output, padding_mask)])


def pool_np_average(sequence_output, padding_mask):
    weights = np.broadcast_to(padding_mask[..., None], sequence_output.shape)
    return np.average(sequence_output, axis=1, weights=weights)


def pool_masked_array(sequence_output, padding_mask):
    hidden = np.broadcast_to(padding_mask[..., None] == 0, sequence_output.shape)
    return np.ma.masked_array(sequence_output, mask=hidden).mean(axis=1).filled(np.nan)


def pool_mean_all(sequence_output, padding_mask):
    return sequence_output.mean(axis=1)


def pool_padded_length(sequence_output, padding_mask):
    return (sequence_output * padding_mask[..., None]).mean(axis=1)


def pool_sum(sequence_output, padding_mask):
    return (sequence_output * padding_mask[:, :, None]).sum(axis=1)


def pool_batch_total(sequence_output, padding_mask):
    return (sequence_output * padding_mask[..., None]).sum(axis=1) / padding_mask.sum()


def pool_no_new_axis(sequence_output, padding_mask):
    return (sequence_output * padding_mask).sum(axis=1) / padding_mask.sum(axis=1)


def pool_in_place(sequence_output, padding_mask):
    sequence_output *= padding_mask[..., None]
    return sequence_output.sum(axis=1) / padding_mask.sum(axis=1, keepdims=True)


def pool_course(sequence_output, padding_mask):
    from course.pretrained import mean_pool

    return mean_pool(sequence_output, padding_mask).astype(np.float64)


# --------------------------------------------------------------------------
# build_classifier_head (each builds and compiles; the checker trains on its budget)
# --------------------------------------------------------------------------


def _compile(model, loss="binary_crossentropy", learning_rate=1e-3):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def head_sequential(feature_dim):
    import keras

    return _compile(keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(64, activation="relu"),
                                      keras.layers.Dropout(0.3), keras.layers.Dense(1, activation="sigmoid")]))


def head_activation_layer_loss_object(feature_dim):
    import keras

    inputs = keras.Input(shape=(feature_dim,))
    h = keras.layers.Dense(32)(inputs)
    h = keras.layers.Activation("relu")(h)
    logit = keras.layers.Dense(1)(h)
    model = keras.Model(inputs, keras.layers.Activation("sigmoid")(logit))
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(), metrics=[keras.metrics.BinaryAccuracy()])
    return model


def head_subclassed(feature_dim):
    import keras
    import tensorflow as tf

    class Head(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(128, activation="relu")
            self.drop = keras.layers.Dropout(0.2)
            self.out = keras.layers.Dense(1, activation=tf.nn.sigmoid)

        def call(self, x, training=False):
            return self.out(self.drop(self.hidden(x), training=training))

    return _compile(Head())


def head_label_smoothing(feature_dim):
    import keras

    model = head_sequential(feature_dim)
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(label_smoothing=0.1), metrics=["accuracy"])
    return model


def head_mse(feature_dim):
    return _compile(head_sequential(feature_dim), loss="mse")


def head_from_logits_on_sigmoid(feature_dim):
    import keras

    return _compile(head_sequential(feature_dim), loss=keras.losses.BinaryCrossentropy(from_logits=True))


def head_no_sigmoid(feature_dim):
    import keras

    return _compile(keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)]))


def head_logits_from_logits(feature_dim):
    import keras

    model = keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
    return _compile(model, loss=keras.losses.BinaryCrossentropy(from_logits=True))


def head_two_softmax_units(feature_dim):
    import keras

    model = keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    return _compile(model, loss="sparse_categorical_crossentropy")


def head_too_big(feature_dim):
    import keras

    return _compile(keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(1024, activation="relu"),
                                      keras.layers.Dense(1, activation="sigmoid")]))


def head_not_compiled(feature_dim):
    import keras

    return keras.Sequential([keras.Input((feature_dim,)), keras.layers.Dense(1, activation="sigmoid")])


def head_learning_rate_far_too_small(feature_dim):
    return _compile(head_sequential(feature_dim), learning_rate=1e-7)


def head_course(feature_dim):
    from course.models import build_feature_head

    return _compile(build_feature_head(feature_dim, hidden=128))


# --------------------------------------------------------------------------
# residual_block
# --------------------------------------------------------------------------


def _layers():
    import keras

    return keras.layers


def block_sequential_branch(x, filters, stride=1):
    import keras

    layers = keras.layers
    branch = keras.Sequential([
        layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.Conv2D(filters, 3, padding="same", use_bias=False),
        layers.BatchNormalization(),
    ])
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = keras.Sequential([layers.Conv2D(filters, 1, strides=stride, use_bias=False), layers.BatchNormalization()])(x)
    return layers.Activation("relu")(layers.add([branch(x), shortcut]))


def block_keras_ops(x, filters, stride=1):
    import keras

    layers = keras.layers
    shortcut = x
    if stride > 1 or x.shape[-1] != filters:                     # the shortcut first: its layers come first
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, (1, 1), strides=(stride, stride), use_bias=False)(x))
    h = layers.BatchNormalization()(layers.Conv2D(filters, (3, 3), strides=(stride, stride), padding="same", use_bias=False)(x))
    h = keras.ops.relu(h)
    h = layers.BatchNormalization()(layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(h))
    return keras.ops.relu(keras.ops.add(h, shortcut))


def block_subclassed_layer(x, filters, stride=1):
    import keras

    layers = keras.layers

    class Residual(keras.layers.Layer):
        def __init__(self, filters, stride, project, **kwargs):
            super().__init__(**kwargs)
            self.conv1 = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)
            self.bn1 = layers.BatchNormalization()
            self.conv2 = layers.Conv2D(filters, 3, padding="same", use_bias=False)
            self.bn2 = layers.BatchNormalization()
            self.project = layers.Conv2D(filters, 1, strides=stride, use_bias=False) if project else None
            self.bn3 = layers.BatchNormalization() if project else None

        def call(self, inputs, training=None):
            h = keras.ops.relu(self.bn1(self.conv1(inputs), training=training))
            h = self.bn2(self.conv2(h), training=training)
            shortcut = self.bn3(self.project(inputs), training=training) if self.project is not None else inputs
            return keras.ops.relu(h + shortcut)

    return Residual(filters, stride, stride != 1 or x.shape[-1] != filters)(x)


def _block(x, filters, stride=1, *, relu_before_add=False, stride_on_second=False, order="bn relu", shortcut_rule="stride or channels",
           skip=True, final_relu=True, bias=False):
    """The notebook's block with switches for the mistakes below."""
    layers = _layers()
    first, second = (1, stride) if stride_on_second else (stride, 1)
    h = layers.Conv2D(filters, 3, strides=first, padding="same", use_bias=bias)(x)
    h = layers.ReLU()(layers.BatchNormalization()(h)) if order == "bn relu" else layers.BatchNormalization()(layers.ReLU()(h))
    h = layers.Conv2D(filters, 3, strides=second, padding="same", use_bias=bias)(h)
    h = layers.BatchNormalization()(h) if order == "bn relu" else layers.BatchNormalization()(layers.ReLU()(h))
    if relu_before_add:
        h = layers.ReLU()(h)
    if not skip:
        return layers.ReLU()(h)
    shortcut = x
    channels = x.shape[1] if shortcut_rule == "channels first" else x.shape[-1]
    needs_projection = channels != filters if shortcut_rule == "channels" else (stride != 1 or channels != filters)
    if needs_projection:
        shortcut = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
    out = layers.Add()([h, shortcut])
    return layers.ReLU()(out) if final_relu else out


def block_returns_a_model(x, filters, stride=1):
    import keras

    return keras.Model(x, _block(x, filters, stride))


def block_course(x, filters, stride=1):
    from course.models import residual_block

    return residual_block(x, filters, stride)


# --------------------------------------------------------------------------

CASES = [
    # scaled_dot_product_attention
    _right("scaled_dot_product_attention", "einsum, np.where(mask == 0, -1e9, ...)", attention_einsum),
    _right("scaled_dot_product_attention", "log-sum-exp softmax, boolean mask", attention_logsumexp),
    _right("scaled_dot_product_attention", "keras.ops converted to NumPy", attention_keras_ops),
    _right("scaled_dot_product_attention", "float64 copies, boolean index assignment", attention_float64_copy),
    _right("scaled_dot_product_attention", "blocked weights zeroed after the softmax, as Keras", attention_keras_zeroing),
    _wrong("scaled_dot_product_attention", "no 1/sqrt(d_k)", functools.partial(_attention, scale="none"), "values", hint="sqrt(d_k)"),
    _wrong("scaled_dot_product_attention", "scaled by sqrt(d_v)", functools.partial(_attention, scale="d_v"), "values", hint="not of the values"),
    _wrong("scaled_dot_product_attention", "softmax over the queries", functools.partial(_attention, axis=-2), "values", hint="last axis"),
    _wrong("scaled_dot_product_attention", "mask upside down", functools.partial(_attention, invert=True), "values", hint="'may attend'"),
    _wrong("scaled_dot_product_attention", "mask applied to the weights", functools.partial(_attention, mask_where="weights"), "values",
           hint="not the weights after it"),
    _wrong("scaled_dot_product_attention", "-inf instead of -1e9", functools.partial(_attention, blocked=-np.inf), "values",
           hint="keys are all blocked gets NaN"),
    _wrong("scaled_dot_product_attention", "weights masked then renormalised", functools.partial(_attention, mask_where="weights, renormalised"),
           "values", hint="keys are all blocked gets NaN"),
    _wrong("scaled_dot_product_attention", "-1e9 added, in float64", functools.partial(_attention, add=True), "values", hint="rather than adding -1e9"),
    _wrong("scaled_dot_product_attention", "no max subtracted", functools.partial(_attention, stable=False), "values", hint="subtract each row's maximum"),
    _wrong("scaled_dot_product_attention", "k.T on batched keys", attention_k_transposed, "error", hint="raised ValueError"),
    _wrong("scaled_dot_product_attention", "scales q in place", attention_scales_q_in_place, "in place", hint="changed its argument q in place"),
    _wrong("scaled_dot_product_attention", "returns a TensorFlow tensor", attention_tensor, "type", hint="got a TensorFlow tensor"),
    # causal_mask
    _right("causal_mask", "np.tri in float32", causal_tri),
    _right("causal_mask", "rows >= columns", causal_compare),
    _right("causal_mask", "two loops", causal_loops),
    _right("causal_mask", "1 - np.triu(ones, 1)", causal_one_minus_triu),
    _wrong("causal_mask", "np.triu", causal_triu, "values", hint="np.tril"),
    _wrong("causal_mask", "no diagonal", causal_no_diagonal, "values", hint="keep the diagonal"),
    _wrong("causal_mask", "marks the future", causal_future, "values", hint="MAY look"),
    _wrong("causal_mask", "0 / -1e9 instead of 1 / 0", causal_additive, "values", hint="return the 0/1 mask"),
    _wrong("causal_mask", "booleans", causal_bool, "type", hint="got a NumPy bool array"),
    _wrong("causal_mask", "integers", causal_int, "type", hint="return a NumPy float array; got a NumPy int64 array"),
    # multi_head_attention
    _right("multi_head_attention", "the notebook's einsums", mha_notebook),
    _right("multi_head_attention", "a loop over heads", mha_loop_over_heads),
    _right("multi_head_attention", "reshape, concatenate the heads, one output matrix", mha_concatenate),
    _right("multi_head_attention", "np.tensordot", mha_tensordot),
    _right("multi_head_attention", "blocked weights zeroed, as Keras", mha_keras_zeroing),
    _wrong("multi_head_attention", "no output bias", functools.partial(_mha, output_bias=False), "values", hint="output bias bo"),
    _wrong("multi_head_attention", "heads averaged", functools.partial(_mha, combine="average"), "values", hint="not their average"),
    _wrong("multi_head_attention", "heads averaged before the output projection", functools.partial(_mha, combine="mean first"), "values",
           hint="not their average"),
    _wrong("multi_head_attention", "keys from the query", functools.partial(_mha, keys_from="query"), "values", hint="come from `value`"),
    _wrong("multi_head_attention", "mask without a head axis", functools.partial(_mha, head_axis=False), "values", hint="mask[:, None]"),
    _wrong("multi_head_attention", "scores scaled by sqrt(d_model)", lambda *a, **k: _mha(*a, **k, scale=a[0].shape[-1]), "values",
           hint="not sqrt(d_model)"),
    _wrong("multi_head_attention", "the course's attention inside", mha_reference_attention, "reference",
           hint="`course.references.ch05_transformer.scaled_dot_product_attention`"),
    # positional_encoding
    _right("positional_encoding", "div_term with exp and log, slices 0::2 and 1::2", pe_div_term),
    _right("positional_encoding", "two loops with math.sin and math.cos", pe_loops),
    _right("positional_encoding", "sine and cosine stacked in pairs", pe_stack_pairs),
    _wrong("positional_encoding", "sines then cosines in blocks", functools.partial(_pe, kind="blocks"), "values", hint="interleave"),
    _wrong("positional_encoding", "exponent column / d_model", functools.partial(_pe, kind="column"), "values", hint="share one frequency"),
    _wrong("positional_encoding", "exponent 2 * column / d_model", functools.partial(_pe, kind="2 column"), "values", hint="share one frequency"),
    _wrong("positional_encoding", "cosine in the even columns", functools.partial(_pe, kind="swapped"), "values", hint="row 0 is [0, 1, 0, 1"),
    _wrong("positional_encoding", "positions from 1", functools.partial(_pe, kind="from 1"), "values", hint="positions start at 0"),
    _wrong("positional_encoding", "transposed", functools.partial(_pe, kind="transposed"), "values", hint="wrong shape"),
    _wrong("positional_encoding", "the course's sinusoidal_positional_encoding", pe_course, "reference",
           hint="`course.models.sinusoidal_positional_encoding`"),
    # pieces_to_words
    _right("pieces_to_words", "join, replace ' ##', split", words_join_replace_split),
    _right("pieces_to_words", "an index loop", words_index_loop),
    _right("pieces_to_words", "functools.reduce", words_reduce),
    _right("pieces_to_words", "returns a tuple", words_tuple),
    _wrong("pieces_to_words", "keeps the special tokens", functools.partial(_words, specials=()), "values", hint="drop the special tokens"),
    _wrong("pieces_to_words", "keeps the ##", functools.partial(_words, keep_hashes=True), "values", hint="drop the '##'"),
    _wrong("pieces_to_words", "every piece a word", functools.partial(_words, split_pieces=True), "values", hint="glue it on"),
    _wrong("pieces_to_words", "glues with a space", functools.partial(_words, glue=" "), "values", hint="without a space"),
    _wrong("pieces_to_words", "keeps [PAD]", functools.partial(_words, specials=("[CLS]", "[SEP]")), "values"),
    _wrong("pieces_to_words", "removes the specials from pieces", words_removes_specials_in_place, "in place", hint="changed its argument pieces"),
    _wrong("pieces_to_words", "returns one string", words_joined, "type", hint="return a list of strings; got a string"),
    _wrong("pieces_to_words", "a generator", words_generator, "type", hint="got a generator"),
    # mean_pool
    _right("mean_pool", "einsum over tokens", pool_einsum),
    _right("mean_pool", "a loop with boolean indexing", pool_loop),
    _right("mean_pool", "np.average with the mask as weights", pool_np_average),
    _right("mean_pool", "a NumPy masked array", pool_masked_array),
    _wrong("mean_pool", "mean over every position", pool_mean_all, "values", hint="real tokens only"),
    _wrong("mean_pool", "divides by the padded length", pool_padded_length, "values", hint="not by the padded length"),
    _wrong("mean_pool", "the sum, not the mean", pool_sum, "values", hint="divide the sum"),
    _wrong("mean_pool", "divides by the whole batch's tokens", pool_batch_total, "values", hint="not by the whole batch's"),
    _wrong("mean_pool", "mask without a new axis", pool_no_new_axis, "error", hint="raised ValueError"),
    _wrong("mean_pool", "multiplies sequence_output in place", pool_in_place, "in place", hint="changed its argument sequence_output"),
    _wrong("mean_pool", "course.pretrained.mean_pool", pool_course, "reference", hint="`course.pretrained.mean_pool`"),
    # build_classifier_head
    _right("build_classifier_head", "Sequential, Dense 64 and dropout", head_sequential, slow=True),
    _right("build_classifier_head", "Activation layers, loss object, BinaryAccuracy", head_activation_layer_loss_object, slow=True),
    _right("build_classifier_head", "a subclassed keras.Model with tf.nn.sigmoid", head_subclassed, slow=True),
    _right("build_classifier_head", "binary cross-entropy with label smoothing 0.1", head_label_smoothing, slow=True),
    _wrong("build_classifier_head", "mean squared error", head_mse, "loss", hint="mean squared error"),
    _wrong("build_classifier_head", "from_logits=True on a sigmoid output", head_from_logits_on_sigmoid, "loss", hint="drop from_logits=True"),
    _wrong("build_classifier_head", "no sigmoid at the output", head_no_sigmoid, "output", hint="not probabilities"),
    _wrong("build_classifier_head", "logits and from_logits=True", head_logits_from_logits, "output", hint="this exercise asks for probabilities"),
    _wrong("build_classifier_head", "two softmax units", head_two_softmax_units, "output", hint="expected (1,)"),
    _wrong("build_classifier_head", "1,024 hidden units", head_too_big, "size", hint="the budget is 227,000"),
    _wrong("build_classifier_head", "not compiled", head_not_compiled, "not compiled", hint="not compiled"),
    _wrong("build_classifier_head", "learning rate 1e-7", head_learning_rate_far_too_small, "accuracy", hint="below the target", slow=True),
    _wrong("build_classifier_head", "the course's build_feature_head", head_course, "reference", hint="`course.models.build_feature_head`"),
    # residual_block
    _right("residual_block", "a Sequential branch, Activation('relu'), layers.add", block_sequential_branch, slow=True),
    _right("residual_block", "the shortcut first, keras.ops.relu and keras.ops.add", block_keras_ops, slow=True),
    _right("residual_block", "a subclassed layer", block_subclassed_layer, slow=True),
    _wrong("residual_block", "ReLU before the addition", functools.partial(_block, relu_before_add=True), "values",
           hint="after adding the shortcut", slow=True),
    _wrong("residual_block", "stride on the second convolution", functools.partial(_block, stride_on_second=True), "values",
           hint="FIRST 3x3 convolution", slow=True),
    _wrong("residual_block", "Conv -> ReLU -> BN", functools.partial(_block, order="relu bn"), "values", hint="not Conv -> ReLU -> BatchNormalization", slow=True),
    _wrong("residual_block", "projection only when the channels change", functools.partial(_block, shortcut_rule="channels"), "error",
           hint="stride != 1 OR the channels change", slow=True),
    _wrong("residual_block", "channels read from x.shape[1]", functools.partial(_block, shortcut_rule="channels first"), "size",
           hint="the channels are x.shape[-1]", slow=True),
    _wrong("residual_block", "no shortcut", functools.partial(_block, skip=False), "values", hint="add the shortcut to F(x)", slow=True),
    _wrong("residual_block", "no ReLU after the addition", functools.partial(_block, final_relu=False), "values", hint="ends with a ReLU", slow=True),
    _wrong("residual_block", "convolutions with biases", functools.partial(_block, bias=True), "size", hint="without bias", slow=True),
    _wrong("residual_block", "returns a keras.Model", block_returns_a_model, "type", hint="a Keras tensor", slow=True),
    _wrong("residual_block", "course.models.residual_block", block_course, "reference", hint="`course.models.residual_block`"),
]
