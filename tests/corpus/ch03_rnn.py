"""Chapter 3 answers as learners write them: right ones in other idioms, wrong ones with real mistakes."""

from __future__ import annotations

import re
import string
from collections import Counter, defaultdict

import numpy as np

from corpus import correct, wrong

CH = "03_rnn"
PUNCTUATION = "[" + re.escape(string.punctuation) + "]"


def _right(exercise, name, answer, slow=False):
    return correct(CH, exercise, name, answer, slow=slow)


def _wrong(exercise, name, answer, why, hint=None, slow=False):
    return wrong(CH, exercise, name, answer, why, hint, slow=slow)


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


# --------------------------------------------------------------------------
# rnn_step
# --------------------------------------------------------------------------


def step_concatenated_weights(x_t, h_prev, W_x, W_h, b):
    return np.tanh(np.concatenate([x_t, h_prev], axis=1) @ np.vstack([W_x, W_h]) + b)


def step_einsum(x_t, h_prev, W_x, W_h, b):
    return np.tanh(np.einsum("bd,dn->bn", x_t, W_x) + np.einsum("bm,mn->bn", h_prev, W_h) + b[None, :])


def step_row_loop(x_t, h_prev, W_x, W_h, b):
    return np.array([np.tanh(np.dot(x, W_x) + np.dot(h, W_h) + b) for x, h in zip(x_t, h_prev)])


def step_tanh_from_sigmoid(x_t, h_prev, W_x, W_h, b):
    a = x_t @ W_x + h_prev @ W_h + b
    return 2.0 * _sigmoid(2.0 * a) - 1.0          # exp overflows to inf for a << 0, and 2/inf - 1 = -1 is still right


def step_no_bias(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h)


def step_no_tanh(x_t, h_prev, W_x, W_h, b):
    return x_t @ W_x + h_prev @ W_h + b


def step_sigmoid(x_t, h_prev, W_x, W_h, b):
    return _sigmoid(x_t @ W_x + h_prev @ W_h + b)


def step_transposed_W_h(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h.T + b)


def step_exp_tanh(x_t, h_prev, W_x, W_h, b):
    a = x_t @ W_x + h_prev @ W_h + b
    return (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))


def step_writes_h_prev(x_t, h_prev, W_x, W_h, b):
    h_prev[...] = np.tanh(x_t @ W_x + h_prev @ W_h + b)
    return h_prev


def step_list(x_t, h_prev, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h_prev @ W_h + b).tolist()


# --------------------------------------------------------------------------
# rnn_forward
# --------------------------------------------------------------------------


def _step(x_t, h, W_x, W_h, b):
    return np.tanh(x_t @ W_x + h @ W_h + b)


def forward_preallocated(x, h0, W_x, W_h, b):
    batch, T, _ = x.shape
    states = np.zeros((batch, T, h0.shape[1]))
    h = h0
    for t in range(T):
        h = _step(x[:, t, :], h, W_x, W_h, b)
        states[:, t, :] = h
    return states


def forward_time_major(x, h0, W_x, W_h, b):
    h, states = h0, []
    for x_t in np.transpose(x, (1, 0, 2)):
        h = _step(x_t, h, W_x, W_h, b)
        states.append(h)
    return np.array(states).transpose(1, 0, 2)


def forward_inputs_projected_first(x, h0, W_x, W_h, b):
    projected = x @ W_x + b                        # (batch, T, n) at once; only the recurrence loops
    h, states = h0, []
    for t in range(x.shape[1]):
        h = np.tanh(projected[:, t] + h @ W_h)
        states.append(h)
    return np.stack(states, axis=1)


def forward_keras_simple_rnn(x, h0, W_x, W_h, b):
    import keras

    layer = keras.layers.SimpleRNN(h0.shape[1], return_sequences=True)
    layer.build((None, x.shape[1], x.shape[2]))
    layer.set_weights([W_x.astype("float32"), W_h.astype("float32"), b.astype("float32")])
    return keras.ops.convert_to_numpy(layer(x.astype("float32"), initial_state=[h0.astype("float32")]))


def forward_no_carry(x, h0, W_x, W_h, b):
    return np.stack([_step(x[:, t], h0, W_x, W_h, b) for t in range(x.shape[1])], axis=1)


def forward_time_first(x, h0, W_x, W_h, b):
    return np.stack([s for s in forward_preallocated(x, h0, W_x, W_h, b).transpose(1, 0, 2)], axis=0)


def forward_last_state_only(x, h0, W_x, W_h, b):
    return forward_preallocated(x, h0, W_x, W_h, b)[:, -1]


def forward_backwards(x, h0, W_x, W_h, b):
    return forward_preallocated(x[:, ::-1], h0, W_x, W_h, b)


def forward_starts_with_h0(x, h0, W_x, W_h, b):
    h, states = h0, []
    for t in range(x.shape[1]):
        states.append(h)
        h = _step(x[:, t], h, W_x, W_h, b)
    return np.stack(states, axis=1)


def forward_overwrites_h0(x, h0, W_x, W_h, b):
    states = []
    for t in range(x.shape[1]):
        h0[:] = _step(x[:, t], h0, W_x, W_h, b)
        states.append(h0.copy())
    return np.stack(states, axis=1)


# --------------------------------------------------------------------------
# clip_by_global_norm
# --------------------------------------------------------------------------


def clip_concatenated_norm(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads]))
    if norm <= max_norm:
        return [g.copy() for g in grads]
    return [g * (max_norm / norm) for g in grads]


def clip_tensorflow(grads, max_norm):
    import tensorflow as tf

    clipped, _ = tf.clip_by_global_norm(grads, max_norm)
    return [t.numpy() for t in clipped]


def clip_scales_copies_in_place(grads, max_norm):
    total = 0.0
    for g in grads:
        total += float(np.sum(np.square(g)))
    scale = min(1.0, max_norm / max(np.sqrt(total), 1e-12))
    out = [np.array(g, dtype=np.float64) for g in grads]
    for g in out:
        g *= scale
    return out


def clip_each_array(grads, max_norm):
    return [g * max_norm / max(max_norm, np.linalg.norm(g)) for g in grads]


def clip_always_to_max_norm(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    return [g * max_norm / norm for g in grads]


def clip_values(grads, max_norm):
    return [np.clip(g, -max_norm, max_norm) for g in grads]


def clip_sum_of_norms(grads, max_norm):
    norm = sum(np.linalg.norm(g) for g in grads)
    return [g * max_norm / max(max_norm, norm) for g in grads]


def clip_returns_inside_the_loop(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    clipped = []
    for g in grads:
        clipped.append(g * max_norm / max(max_norm, norm))
        return clipped


def clip_in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads))
    for g in grads:
        g *= max_norm / max(max_norm, norm)
    return grads


def clip_tensorflow_tensors(grads, max_norm):
    import tensorflow as tf

    return tf.clip_by_global_norm(grads, max_norm)[0]


# --------------------------------------------------------------------------
# lstm_step
# --------------------------------------------------------------------------


def _lstm(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, order="ifco", gate=_sigmoid, tanh_on_c=True):
    parts = dict(zip(order, np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)))
    c_t = gate(parts["f"]) * c_prev + gate(parts["i"]) * np.tanh(parts["c"])
    return gate(parts["o"]) * (np.tanh(c_t) if tanh_on_c else c_t), c_t


def lstm_sliced_columns(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    n = h_prev.shape[1]
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    i, f = _sigmoid(z[:, :n]), _sigmoid(z[:, n:2 * n])
    candidate, o = np.tanh(z[:, 2 * n:3 * n]), _sigmoid(z[:, 3 * n:])
    c_t = f * c_prev + i * candidate
    return o * np.tanh(c_t), c_t


def lstm_as_a_list(*args):
    return list(_lstm(*args))


def lstm_stacked_array(*args):
    return np.stack(_lstm(*args))


def lstm_einsum_float32(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    f32 = lambda a: np.asarray(a, np.float32)  # noqa: E731
    z = np.einsum("bd,dg->bg", f32(x_t), f32(kernel)) + np.einsum("bn,ng->bg", f32(h_prev), f32(recurrent_kernel)) + f32(bias)
    i, f, candidate, o = np.split(z, 4, axis=1)
    c_t = _sigmoid(f) * f32(c_prev) + _sigmoid(i) * np.tanh(candidate)
    return _sigmoid(o) * np.tanh(c_t), c_t


def lstm_c_then_h(*args):
    h_t, c_t = _lstm(*args)
    return c_t, h_t


def lstm_gates_i_f_o_c(*args):
    return _lstm(*args, order="ifoc")


def lstm_tanh_gates(*args):
    return _lstm(*args, gate=np.tanh)


def lstm_no_tanh_on_the_cell(*args):
    return _lstm(*args, tanh_on_c=False)


def lstm_h_only(*args):
    return _lstm(*args)[0]


def lstm_updates_c_prev(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    h_t, c_t = _lstm(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias)
    c_prev[...] = c_t                  # "the cell carries over": writes into the caller's array
    return h_t, c_prev


def lstm_tensors(*args):
    import tensorflow as tf

    return tuple(tf.constant(a) for a in _lstm(*args))


# --------------------------------------------------------------------------
# build_vocabulary
# --------------------------------------------------------------------------


def _standardize(sentence):
    return re.sub(PUNCTUATION, "", sentence.lower()).split()


def vocabulary_items_sorted(sentences, max_tokens):
    count = Counter(w for s in sentences for w in _standardize(s))
    ordered = sorted(count.items(), key=lambda item: (-item[1], item[0]))
    return ["", "[UNK]"] + [w for w, _ in ordered][: max_tokens - 2]


def vocabulary_translate_and_dict(sentences, max_tokens):
    table = str.maketrans("", "", string.punctuation)
    count = defaultdict(int)
    for sentence in sentences:
        for word in sentence.translate(table).lower().split():
            count[word] += 1
    words = sorted(sorted(count), key=lambda w: count[w], reverse=True)   # stable: ties stay alphabetical
    return ["", "[UNK]"] + words[: max(0, max_tokens - 2)]


def vocabulary_numpy_strings(sentences, max_tokens):
    words = np.array([w for s in sentences for w in _standardize(s)] or [""])
    unique, counts = np.unique(words, return_counts=True)                  # np.unique sorts: ties stay alphabetical
    order = np.argsort(-counts, kind="stable")
    learned = [w for w in unique[order] if w][: max_tokens - 2]
    return ["", "[UNK]"] + learned                                           # a list of np.str_


def vocabulary_most_common(sentences, max_tokens):
    count = Counter(w for s in sentences for w in _standardize(s))
    return ["", "[UNK]"] + [w for w, _ in count.most_common(max_tokens - 2)]


def vocabulary_text_vectorization(sentences, max_tokens):
    import keras

    layer = keras.layers.TextVectorization(max_tokens=max_tokens)
    layer.adapt(sentences)
    return list(layer.get_vocabulary())


def vocabulary_no_special_tokens(sentences, max_tokens):
    return vocabulary_items_sorted(sentences, max_tokens + 2)[2:]


def vocabulary_max_tokens_words(sentences, max_tokens):
    return ["", "[UNK]"] + vocabulary_items_sorted(sentences, max_tokens + 2)[2:]


def vocabulary_not_standardized(sentences, max_tokens):
    count = Counter(w for s in sentences for w in s.split())
    return ["", "[UNK]"] + sorted(count, key=lambda w: (-count[w], w))[: max_tokens - 2]


def vocabulary_split_on_one_space(sentences, max_tokens):
    count = Counter(w for s in sentences for w in re.sub(PUNCTUATION, "", s.lower()).split(" "))
    return ["", "[UNK]"] + sorted(count, key=lambda w: (-count[w], w))[: max_tokens - 2]


def vocabulary_punctuation_to_space(sentences, max_tokens):
    count = Counter(w for s in sentences for w in re.sub(PUNCTUATION, " ", s.lower()).split())
    return ["", "[UNK]"] + sorted(count, key=lambda w: (-count[w], w))[: max_tokens - 2]


def vocabulary_tuple(sentences, max_tokens):
    return tuple(vocabulary_items_sorted(sentences, max_tokens))


def vocabulary_lower_cases_in_place(sentences, max_tokens):
    for i, sentence in enumerate(sentences):
        sentences[i] = sentence.lower()
    return vocabulary_items_sorted(sentences, max_tokens)


# --------------------------------------------------------------------------
# pad_and_truncate
# --------------------------------------------------------------------------


def pad_keras_pad_sequences(sequences, length, padding="post", truncating="post", value=0):
    import keras

    return keras.utils.pad_sequences(sequences, maxlen=length, padding=padding, truncating=truncating, value=value)


def pad_list_arithmetic(sequences, length, padding="post", truncating="post", value=0):
    rows = []
    for seq in sequences:
        seq = list(seq)
        if len(seq) > length:
            seq = seq[:length] if truncating == "post" else seq[-length:]
        fill = [value] * (length - len(seq))
        rows.append(seq + fill if padding == "post" else fill + seq)
    return np.array(rows, dtype=np.int64).reshape(len(sequences), length)


def pad_int32_slices(sequences, length, padding="post", truncating="post", value=0):
    out = np.full((len(sequences), length), value, dtype=np.int32)
    for row, seq in enumerate(sequences):
        kept = np.asarray(seq, dtype=np.int32)
        kept = kept[:length] if truncating == "post" else kept[len(kept) - min(len(kept), length):]
        if padding == "post":
            out[row, :len(kept)] = kept
        else:
            out[row, length - len(kept):] = kept
    return out


def _pad(sequences, length, padding="post", truncating="post", value=0, dtype=np.int64):
    out = np.full((len(sequences), length), value, dtype=dtype)
    for row, seq in enumerate(sequences):
        kept = seq[:length] if truncating == "post" else seq[-length:] if seq else []
        if kept:
            if padding == "post":
                out[row, :len(kept)] = kept
            else:
                out[row, length - len(kept):] = kept
    return out


def pad_list_of_lists(sequences, length, padding="post", truncating="post", value=0):
    return _pad(sequences, length, padding, truncating, value).tolist()


def pad_float_array(sequences, length, padding="post", truncating="post", value=0):
    out = np.zeros((len(sequences), length)) + value          # np.zeros is float64
    out[:] = _pad(sequences, length, padding, truncating, value)
    return out


def pad_truncating_swapped(sequences, length, padding="post", truncating="post", value=0):
    return _pad(sequences, length, padding, "pre" if truncating == "post" else "post", value)


def pad_padding_swapped(sequences, length, padding="post", truncating="post", value=0):
    return _pad(sequences, length, "pre" if padding == "post" else "post", truncating, value)


def pad_zero_fill(sequences, length, padding="post", truncating="post", value=0):
    return _pad(sequences, length, padding, truncating, 0)


def pad_negative_start(sequences, length, padding="post", truncating="post", value=0):
    kept = [seq[len(seq) - length:] if truncating == "pre" else seq[:length] for seq in sequences]
    return _pad(kept, length, padding, truncating, value)


def pad_consumes_sequences(sequences, length, padding="post", truncating="post", value=0):
    out = _pad(sequences, length, padding, truncating, value)
    for seq in sequences:
        seq.clear()                    # "free the memory": empties the caller's lists
    return out


def pad_no_defaults(sequences, length, padding, truncating, value):
    return _pad(sequences, length, padding, truncating, value)


# --------------------------------------------------------------------------
# vectorize
# --------------------------------------------------------------------------


def vectorize_dict_and_pad(sentences, vocabulary, length, unknown=1, standardize=_standardize, keep_unknown=True, offset=0, side="post"):
    index = {word: i for i, word in enumerate(vocabulary)}
    ids = [[index.get(w, unknown - offset) + offset for w in standardize(s) if keep_unknown or w in index] for s in sentences]
    return _pad(ids, length, side, side, 0)


def vectorize_text_vectorization(sentences, vocabulary, length):
    import keras

    layer = keras.layers.TextVectorization(vocabulary=vocabulary, output_sequence_length=length)
    return keras.ops.convert_to_numpy(layer(sentences))


def vectorize_list_index(sentences, vocabulary, length):
    table = str.maketrans("", "", string.punctuation)
    out = np.zeros((len(sentences), length), dtype=int)
    for row, sentence in enumerate(sentences):
        for col, word in enumerate(sentence.translate(table).lower().split()[:length]):
            out[row, col] = vocabulary.index(word) if word in vocabulary else 1
    return out


def vectorize_comprehension(sentences, vocabulary, length):
    index = {word: i for i, word in enumerate(vocabulary)}
    rows = [[index.get(w, 1) for w in _standardize(s)][:length] for s in sentences]
    return np.array([row + [0] * (length - len(row)) for row in rows], dtype=np.int64).reshape(len(sentences), length)


def vectorize_unknown_zero(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length, unknown=0)


def vectorize_drops_unknown(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length, keep_unknown=False)


def vectorize_raw_split(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length, standardize=str.split)


def vectorize_counts_from_one(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length, offset=1)


def vectorize_pads_before(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length, side="pre")


def vectorize_float(sentences, vocabulary, length):
    return vectorize_dict_and_pad(sentences, vocabulary, length).astype(np.float32)


# --------------------------------------------------------------------------
# lstm_classifier (each builds and compiles; the checker trains on its budget)
# --------------------------------------------------------------------------


def _compile(model, loss="binary_crossentropy", learning_rate=1e-3):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def _classifier(vocab_size, length, recurrent, units=1, activation="sigmoid", mask=True):
    import keras

    inputs = keras.Input(shape=(length,), dtype="int32")
    h = keras.layers.Embedding(vocab_size, 64, mask_zero=mask)(inputs)
    h = recurrent(keras.layers.Dropout(0.5)(h))
    return keras.Model(inputs, keras.layers.Dense(units, activation=activation)(keras.layers.Dropout(0.5)(h)))


def lstm_rnn_lstmcell(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.RNN(keras.layers.LSTMCell(32))))


def lstm_bidirectional(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.Bidirectional(keras.layers.LSTM(32))))


def lstm_subclassed(vocab_size, sequence_length):
    import keras

    class Sentiment(keras.Model):
        def __init__(self):
            super().__init__()
            self.embed = keras.layers.Embedding(vocab_size, 64, mask_zero=True)
            self.drop = keras.layers.Dropout(0.5)
            self.lstm = keras.layers.LSTM(32)
            self.out = keras.layers.Dense(1, activation="sigmoid")

        def call(self, ids, training=False):
            return self.out(self.drop(self.lstm(self.drop(self.embed(ids), training=training)), training=training))

    return _compile(Sentiment())


def lstm_sigmoid_from_logits(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.LSTM(32)), loss=keras.losses.BinaryCrossentropy(from_logits=True))


def lstm_mse(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.LSTM(32)), loss="mse")


def lstm_gru_instead(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.GRU(32)))


def lstm_softmax_two_classes(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.LSTM(32), units=2, activation="softmax"),
                    loss="sparse_categorical_crossentropy")


def lstm_logits_from_logits(vocab_size, sequence_length):
    import keras

    return _compile(_classifier(vocab_size, sequence_length, keras.layers.LSTM(32), activation=None),
                    loss=keras.losses.BinaryCrossentropy(from_logits=True))


def lstm_not_compiled(vocab_size, sequence_length):
    import keras

    return _classifier(vocab_size, sequence_length, keras.layers.LSTM(32))


def lstm_plain_sgd(vocab_size, sequence_length):
    """optimizer="sgd" (learning rate 0.01): 49% after full training, far under 74% (course.references.ch03_calibration)."""
    import keras

    model = _classifier(vocab_size, sequence_length, keras.layers.LSTM(32))
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def lstm_course_recipe(vocab_size, sequence_length):
    from course.recipes import course_rnn

    return course_rnn("lstm", vocab_size)


# --------------------------------------------------------------------------

CASES = [
    # rnn_step
    _right("rnn_step", "one product with concatenated weights", step_concatenated_weights),
    _right("rnn_step", "einsum", step_einsum),
    _right("rnn_step", "a loop over the batch rows", step_row_loop),
    _right("rnn_step", "tanh written as 2 sigmoid(2a) - 1", step_tanh_from_sigmoid),
    _wrong("rnn_step", "forgets the bias", step_no_bias, "values", hint="the bias b is missing"),
    _wrong("rnn_step", "forgets tanh", step_no_tanh, "values", hint="apply tanh"),
    _wrong("rnn_step", "the sigmoid instead of tanh", step_sigmoid, "values", hint="tanh, not the sigmoid"),
    _wrong("rnn_step", "transposes W_h", step_transposed_W_h, "values", hint="not its transpose"),
    _wrong("rnn_step", "tanh from exp (overflows)", step_exp_tanh, "values", hint="NaN or inf"),
    _wrong("rnn_step", "writes the new state into h_prev", step_writes_h_prev, "in place", hint="changed its argument h_prev in place"),
    _wrong("rnn_step", "returns a list", step_list, "type", hint="return a NumPy float array; got a list of lists"),
    # rnn_forward
    _right("rnn_forward", "a preallocated array", forward_preallocated),
    _right("rnn_forward", "time-major loop, transposed at the end", forward_time_major),
    _right("rnn_forward", "the input products first, then the recurrence", forward_inputs_projected_first),
    _right("rnn_forward", "Keras's SimpleRNN given the weights", forward_keras_simple_rnn),
    _wrong("rnn_forward", "starts every step from h0", forward_no_carry, "values", hint="previous step returned"),
    _wrong("rnn_forward", "stacks along axis 0", forward_time_first, "values", hint="axis 1"),
    _wrong("rnn_forward", "returns the last state only", forward_last_state_only, "values", hint="not only the last one"),
    _wrong("rnn_forward", "reads the sequence backwards", forward_backwards, "values", hint="from t = 0 to t = T-1"),
    _wrong("rnn_forward", "returns h0 .. h_{T-1}", forward_starts_with_h0, "values", hint="AFTER each step"),
    _wrong("rnn_forward", "overwrites h0", forward_overwrites_h0, "in place", hint="changed its argument h0 in place"),
    # clip_by_global_norm
    _right("clip_by_global_norm", "the norm of all entries concatenated", clip_concatenated_norm),
    _right("clip_by_global_norm", "tf.clip_by_global_norm, then .numpy()", clip_tensorflow),
    _right("clip_by_global_norm", "a loop, then scaling copies in place", clip_scales_copies_in_place),
    _wrong("clip_by_global_norm", "clips each array by its own norm", clip_each_array, "values", hint="Keras's clipnorm"),
    _wrong("clip_by_global_norm", "scales short gradients up to max_norm", clip_always_to_max_norm, "values",
           hint="a factor never above 1"),
    _wrong("clip_by_global_norm", "clips the values instead of the norm", clip_values, "values", hint="Keras's clipvalue"),
    _wrong("clip_by_global_norm", "adds the arrays' norms", clip_sum_of_norms, "values", hint="not the sum of their norms"),
    _wrong("clip_by_global_norm", "returns inside the loop (the first array only)", clip_returns_inside_the_loop, "values",
           hint="returned 1 array; expected"),
    _wrong("clip_by_global_norm", "scales the gradients in place", clip_in_place, "in place", hint="changed its argument grads[0] in place"),
    _wrong("clip_by_global_norm", "returns TensorFlow tensors", clip_tensorflow_tensors, "type", hint="got a list holding a TensorFlow tensor"),
    # lstm_step
    _right("lstm_step", "slices the columns by units", lstm_sliced_columns),
    _right("lstm_step", "returns a list [h_t, c_t]", lstm_as_a_list),
    _right("lstm_step", "returns a stacked array", lstm_stacked_array),
    _right("lstm_step", "einsum in float32", lstm_einsum_float32),
    _wrong("lstm_step", "returns (c_t, h_t)", lstm_c_then_h, "values", hint="in the order (h_t, c_t)"),
    _wrong("lstm_step", "gate order i, f, o, c", lstm_gates_i_f_o_c, "values", hint="order i, f, c, o"),
    _wrong("lstm_step", "tanh gates", lstm_tanh_gates, "values", hint="the gates use the sigmoid"),
    _wrong("lstm_step", "no tanh on the cell", lstm_no_tanh_on_the_cell, "values", hint="tanh(c_t)"),
    _wrong("lstm_step", "returns h_t only", lstm_h_only, "type", hint="return the pair (h_t, c_t)"),
    _wrong("lstm_step", "writes the new cell into c_prev", lstm_updates_c_prev, "in place", hint="changed its argument c_prev in place"),
    _wrong("lstm_step", "returns TensorFlow tensors", lstm_tensors, "type", hint="got a TensorFlow tensor"),
    # build_vocabulary
    _right("build_vocabulary", "sorted Counter items", vocabulary_items_sorted),
    _right("build_vocabulary", "str.translate, a defaultdict and a stable two-pass sort", vocabulary_translate_and_dict),
    _right("build_vocabulary", "np.unique and a stable argsort (NumPy strings)", vocabulary_numpy_strings),
    _wrong("build_vocabulary", "Counter.most_common (ties in the order words first appear)", vocabulary_most_common, "values",
           hint="Counter.most_common() keeps them in the order they first appear"),
    _wrong("build_vocabulary", "TextVectorization's vocabulary (ties in reverse order)", vocabulary_text_vectorization, "values",
           hint="TextVectorization puts them in reverse order"),
    _wrong("build_vocabulary", "no '' and '[UNK]'", vocabulary_no_special_tokens, "values", hint="padding token"),
    _wrong("build_vocabulary", "max_tokens words after the special tokens", vocabulary_max_tokens_words, "values",
           hint="max_tokens counts the two special tokens"),
    _wrong("build_vocabulary", "does not standardize", vocabulary_not_standardized, "values", hint="standardize first"),
    _wrong("build_vocabulary", "splits on single spaces", vocabulary_split_on_one_space, "values", hint=".split(' ') makes empty words"),
    _wrong("build_vocabulary", "replaces punctuation by spaces", vocabulary_punctuation_to_space, "values", hint="do not replace it by a space"),
    _wrong("build_vocabulary", "returns a tuple", vocabulary_tuple, "type", hint="return a list of strings; got a tuple"),
    _wrong("build_vocabulary", "lower-cases the sentences in place", vocabulary_lower_cases_in_place, "in place",
           hint="changed its argument sentences[0] in place"),
    # pad_and_truncate
    _right("pad_and_truncate", "keras.utils.pad_sequences", pad_keras_pad_sequences),
    _right("pad_and_truncate", "list arithmetic, then np.array", pad_list_arithmetic),
    _right("pad_and_truncate", "an int32 array and slices", pad_int32_slices),
    _wrong("pad_and_truncate", "returns a list of lists", pad_list_of_lists, "type", hint="return a NumPy integer array; got a list of lists"),
    _wrong("pad_and_truncate", "returns a float array", pad_float_array, "type",
           hint="return a NumPy integer array; got a NumPy float64 array (the values are right"),
    _wrong("pad_and_truncate", "truncates on the wrong side", pad_truncating_swapped, "values", hint="truncating='post' drops tokens at the end"),
    _wrong("pad_and_truncate", "pads on the wrong side", pad_padding_swapped, "values", hint="padding='post' adds"),
    _wrong("pad_and_truncate", "always pads with 0", pad_zero_fill, "values", hint="not always 0"),
    _wrong("pad_and_truncate", "seq[len(seq) - length:] on short sequences", pad_negative_start, "values", hint="negative start"),
    _wrong("pad_and_truncate", "empties the input lists", pad_consumes_sequences, "in place", hint="changed its argument sequences"),
    _wrong("pad_and_truncate", "no defaults", pad_no_defaults, "error", hint="raised TypeError"),
    # vectorize
    _right("vectorize", "a dict and padding by hand", vectorize_dict_and_pad),
    _right("vectorize", "TextVectorization given the vocabulary", vectorize_text_vectorization),
    _right("vectorize", "list.index and str.translate", vectorize_list_index),
    _right("vectorize", "comprehensions and list padding", vectorize_comprehension),
    _wrong("vectorize", "unknown words become 0", vectorize_unknown_zero, "values", hint="gets id 1"),
    _wrong("vectorize", "drops unknown words", vectorize_drops_unknown, "values", hint="do not drop it"),
    _wrong("vectorize", "does not standardize", vectorize_raw_split, "values", hint="standardize each sentence"),
    _wrong("vectorize", "ids counted from 1", vectorize_counts_from_one, "values", hint="counting from 0"),
    _wrong("vectorize", "pads before the words", vectorize_pads_before, "values", hint="at the end"),
    _wrong("vectorize", "returns floats", vectorize_float, "type", hint="return a NumPy integer array; got a NumPy float32 array"),
    # lstm_classifier
    _right("lstm_classifier", "keras.layers.RNN(LSTMCell(32))", lstm_rnn_lstmcell, slow=True),
    _right("lstm_classifier", "Bidirectional(LSTM(32))", lstm_bidirectional, slow=True),
    _right("lstm_classifier", "a subclassed keras.Model", lstm_subclassed, slow=True),
    _wrong("lstm_classifier", "a sigmoid output and from_logits=True", lstm_sigmoid_from_logits, "loss", hint="drop from_logits=True"),
    _wrong("lstm_classifier", "mean squared error", lstm_mse, "loss", hint="mean squared error"),
    _wrong("lstm_classifier", "a GRU instead of an LSTM", lstm_gru_instead, "form", hint="the model has no LSTM"),
    _wrong("lstm_classifier", "softmax over two classes", lstm_softmax_two_classes, "output", hint="one sigmoid unit"),
    _wrong("lstm_classifier", "logits and from_logits=True", lstm_logits_from_logits, "output", hint="this exercise asks for probabilities"),
    _wrong("lstm_classifier", "not compiled", lstm_not_compiled, "not compiled", hint="not compiled"),
    _wrong("lstm_classifier", "optimizer='sgd' at its default learning rate", lstm_plain_sgd, "accuracy", hint="below the target", slow=True),
    _wrong("lstm_classifier", "the course's course_rnn recipe", lstm_course_recipe, "reference", hint="`course.recipes.course_rnn`"),
]
