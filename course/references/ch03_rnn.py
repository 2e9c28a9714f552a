"""Reference answers of chapter 3 (recurrent networks), in notebook order.

Trusted side only: see :mod:`course.references` for who may import this.
The array functions compute in float64 whatever they are given; the text
functions follow ``keras.layers.TextVectorization``'s default standardisation
and ``keras.utils.pad_sequences``'s padding rules.
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

#: The padding token (id 0) and the out-of-vocabulary token (id 1), as TextVectorization names them.
PAD, OOV = "", "[UNK]"
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")


def sigmoid(z):
    """1 / (1 + exp(-z)) without overflow, float64."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


def rnn_step(x_t, h_prev, W_x, W_h, b):
    """h_t = tanh(x_t W_x + h_{t-1} W_h + b), for a batch: x_t (batch, d), h_prev (batch, n) -> (batch, n)."""
    f64 = lambda a: np.asarray(a, np.float64)  # noqa: E731
    return np.tanh(f64(x_t) @ f64(W_x) + f64(h_prev) @ f64(W_h) + f64(b))


def rnn_forward(x, h0, W_x, W_h, b):
    """All hidden states of a simple RNN: x (batch, T, d), h0 (batch, n) -> (batch, T, n)."""
    x = np.asarray(x, np.float64)
    h = np.asarray(h0, np.float64)
    states = []
    for t in range(x.shape[1]):
        h = rnn_step(x[:, t], h, W_x, W_h, b)
        states.append(h)
    return np.stack(states, axis=1)


def clip_by_global_norm(grads, max_norm):
    """Scale every gradient by ``max_norm / max(max_norm, global norm)``; a list of float64 arrays of the same shapes.

    The global norm is the norm of all the gradients together, ``sqrt(sum of
    every entry squared)``, as ``tf.clip_by_global_norm`` and Keras's
    ``global_clipnorm`` compute it: the direction is kept, the length becomes
    at most ``max_norm``, and gradients already that short are left as they are.
    """
    arrays = [np.asarray(g, np.float64) for g in grads]
    norm = np.sqrt(sum(np.sum(a * a) for a in arrays))
    scale = max_norm / max(max_norm, norm)
    return [a * scale for a in arrays]


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step with Keras's layout (gates i, f, c, o side by side in the columns); returns the pair (h_t, c_t)."""
    f64 = lambda a: np.asarray(a, np.float64)  # noqa: E731
    z = f64(x_t) @ f64(kernel) + f64(h_prev) @ f64(recurrent_kernel) + f64(bias)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c = f * f64(c_prev) + i * g
    h = o * np.tanh(c)
    return h, c


def standardize(sentence):
    """Lower-case, delete every character of ``string.punctuation``, split on whitespace.

    The same rule as ``keras.layers.TextVectorization``'s default
    ``standardize="lower_and_strip_punctuation"`` and ``split="whitespace"``.
    """
    return _PUNCTUATION.sub("", str(sentence).lower()).split()


def build_vocabulary(sentences, max_tokens):
    """``["", "[UNK]"]`` then words by count (most frequent first, ties alphabetical); at most ``max_tokens`` entries."""
    counts = Counter(word for sentence in sentences for word in standardize(sentence))
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return [PAD, OOV] + words[: max(max_tokens - 2, 0)]


def pad_and_truncate(sequences, length, padding="post", truncating="post", value=0):
    """Make every sequence exactly ``length`` long; return an int64 array (n, length), as ``keras.utils.pad_sequences``.

    Longer sequences lose tokens: ``truncating="post"`` keeps the first
    ``length`` tokens, ``"pre"`` keeps the last ``length``. Shorter ones get
    ``value`` added: after the tokens for ``padding="post"``, before them for
    ``"pre"``.
    """
    out = np.full((len(sequences), length), value, dtype=np.int64)
    for row, seq in enumerate(sequences):
        seq = list(seq)
        kept = seq[:length] if truncating == "post" else seq[max(len(seq) - length, 0):]
        if not kept:
            continue
        if padding == "post":
            out[row, : len(kept)] = kept
        else:
            out[row, length - len(kept):] = kept
    return out


def vectorize(sentences, vocabulary, length):
    """What ``TextVectorization(vocabulary=vocabulary, output_sequence_length=length)`` returns, as int64."""
    index = {word: i for i, word in enumerate(vocabulary)}
    ids = [[index.get(w, 1) for w in standardize(s)] for s in sentences]
    return pad_and_truncate(ids, length, "post", "post", 0)


def build_lstm_classifier(vocab_size, sequence_length):
    """Embedding 64 (masking 0) -> Dropout 0.5 -> LSTM 32 -> Dropout 0.5 -> sigmoid; Adam 1e-3, binary cross-entropy."""
    import keras

    inputs = keras.Input(shape=(sequence_length,), dtype="int32")
    h = keras.layers.Embedding(vocab_size, 64, mask_zero=True)(inputs)
    h = keras.layers.Dropout(0.5)(h)
    h = keras.layers.LSTM(32)(h)
    h = keras.layers.Dropout(0.5)(h)
    outputs = keras.layers.Dense(1, activation="sigmoid")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    return model
