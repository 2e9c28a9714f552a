"""Chapter 3 checkers: the hints a learner gets for typical mistakes (stubs and crashes: test_checks_every_chapter.py)."""

import numpy as np
import pytest

from course.checks import ch03_rnn as check
from course.checks import chapter_exercises
from course.checks.core import ERROR, FAILED, PASSED

SEED = 3


def test_the_chapter_lists_seven_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("03_rnn")]
    assert names == ["rnn_step", "rnn_forward", "lstm_step", "build_vocabulary", "pad_and_truncate", "vectorize", "lstm_classifier"]


def _hint(exercise, wrong):
    result = exercise.check(wrong, seed=SEED, quiet=True)
    assert result.status == FAILED
    return result.message


# --- rnn_step -----------------------------------------------------------------


def test_rnn_step_without_the_bias_fails_naming_the_bias():
    assert "bias b is missing" in _hint(check.rnn_step, lambda x, h, Wx, Wh, b: np.tanh(x @ Wx + h @ Wh))


def test_rnn_step_without_tanh_fails_asking_for_tanh():
    assert "apply tanh" in _hint(check.rnn_step, lambda x, h, Wx, Wh, b: x @ Wx + h @ Wh + b)


def test_rnn_step_with_an_overflowing_tanh_is_caught_on_large_inputs():
    def exp_tanh(x, h, Wx, Wh, b):
        a = x @ Wx + h @ Wh + b
        with np.errstate(all="ignore"):
            return (np.exp(a) - np.exp(-a)) / (np.exp(a) + np.exp(-a))

    assert "NaN or inf" in _hint(check.rnn_step, exp_tanh)


def test_rnn_step_matches_keras_simple_rnn_with_the_same_weights():
    import keras

    rng = np.random.default_rng(0)
    x, h0 = rng.normal(size=(2, 6, 3)).astype("float32"), rng.normal(size=(2, 4)).astype("float32")
    Wx, Wh, b = (rng.normal(0, 0.5, s).astype("float32") for s in [(3, 4), (4, 4), (4,)])
    layer = keras.layers.SimpleRNN(4, return_sequences=True)
    layer.build((None, 6, 3))
    layer.set_weights([Wx, Wh, b])
    expected = layer(x, initial_state=[h0]).numpy()
    np.testing.assert_allclose(check.rnn_forward_reference(x, h0, Wx, Wh, b), expected, rtol=1e-4, atol=1e-5)


# --- rnn_forward --------------------------------------------------------------


def test_rnn_forward_that_restarts_from_h0_every_step_fails_with_a_hint():
    assert "previous step returned" in _hint(check.rnn_forward, check._forward_without_carry)


def test_rnn_forward_returning_only_the_last_state_fails_naming_the_shape():
    message = _hint(check.rnn_forward, lambda x, h0, Wx, Wh, b: check.rnn_forward_reference(x, h0, Wx, Wh, b)[:, -1])
    assert "wrong shape" in message


def test_rnn_forward_stacked_along_time_first_fails_with_a_hint():
    message = _hint(check.rnn_forward, lambda x, h0, Wx, Wh, b: check.rnn_forward_reference(x, h0, Wx, Wh, b).transpose(1, 0, 2))
    assert "axis 1" in message


# --- lstm_step ----------------------------------------------------------------


def test_lstm_step_reference_matches_keras_lstm_with_the_same_weights():
    import keras

    for args in check._lstm_cases(np.random.default_rng(SEED)):
        x, h, c, kernel, recurrent_kernel, bias = (np.asarray(a, "float32") for a in args)
        layer = keras.layers.LSTM(h.shape[1], return_state=True)
        layer.build((None, 1, x.shape[1]))
        layer.set_weights([kernel, recurrent_kernel, bias])
        _, h_keras, c_keras = layer(x[:, None, :], initial_state=[h, c])
        h_ref, c_ref = check.lstm_step_reference(*args)
        np.testing.assert_allclose(h_ref, h_keras.numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(c_ref, c_keras.numpy(), rtol=1e-4, atol=1e-5)


def test_lstm_step_with_the_gate_order_i_f_o_c_fails_naming_keras_order():
    assert "order i, f, c, o" in _hint(check.lstm_step, check._lstm_variant(order="ifoc"))


def test_lstm_step_without_tanh_on_the_cell_fails_with_a_hint():
    assert "tanh(c_t)" in _hint(check.lstm_step, check._lstm_variant(tanh_on_c=False))


def test_lstm_step_with_tanh_gates_fails_asking_for_the_sigmoid():
    assert "sigmoid" in _hint(check.lstm_step, check._lstm_variant(gate=np.tanh))


def test_lstm_step_returning_only_h_asks_for_the_pair():
    message = _hint(check.lstm_step, lambda *args: check.lstm_step_reference(*args)[0])
    assert "return the pair (h_t, c_t)" in message and "one array" in message


def test_lstm_step_wrong_cell_names_c_t():
    def wrong_cell(*args):
        h, c = check.lstm_step_reference(*args)
        return h, c + 1.0

    assert "wrong value in c_t" in _hint(check.lstm_step, wrong_cell)


# --- build_vocabulary ---------------------------------------------------------


def test_build_vocabulary_reference_matches_keras_text_vectorization_on_distinct_counts():
    import keras

    sentences = ["Bad, bad, BAD film!", "a film... a film", "It's a film"]  # film 4, a 3, bad 3 -> tie: a before bad
    layer = keras.layers.TextVectorization(max_tokens=10)
    layer.adapt(sentences)
    ours = check.build_vocabulary_reference(sentences, 10)
    assert ours[:3] == layer.get_vocabulary()[:3] == ["", "[UNK]", "film"]
    assert sorted(ours) == sorted(layer.get_vocabulary())


def test_build_vocabulary_without_special_tokens_fails_with_a_hint():
    message = _hint(check.build_vocabulary, lambda s, m: check.build_vocabulary_reference(s, m + 2)[2:])
    assert "padding token" in message


def test_build_vocabulary_without_standardizing_fails_with_a_hint():
    def raw(sentences, max_tokens):
        from collections import Counter

        count = Counter(w for s in sentences for w in s.split())
        return ["", "[UNK]"] + sorted(count, key=lambda w: (-count[w], w))[: max_tokens - 2]

    assert "standardize first" in _hint(check.build_vocabulary, raw)


def test_build_vocabulary_that_ignores_the_two_special_tokens_in_max_tokens_fails_with_a_hint():
    message = _hint(check.build_vocabulary, lambda s, m: ["", "[UNK]"] + check.build_vocabulary_reference(s, m + 2)[2:])
    assert "max_tokens counts the two special tokens" in message


def test_build_vocabulary_returning_something_else_than_words_is_reported():
    message = _hint(check.build_vocabulary, lambda s, m: np.arange(m))
    assert "return a list of words" in message


# --- pad_and_truncate ---------------------------------------------------------


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_pad_and_truncate_reference_follows_keras_pad_sequences(padding, truncating):
    import keras

    seqs = [[1, 2, 3, 4, 5, 6], [7], [], [8, 9, 10, 11]]
    expected = keras.utils.pad_sequences(seqs, maxlen=4, padding=padding, truncating=truncating, value=-1)
    np.testing.assert_array_equal(check.pad_and_truncate_reference(seqs, 4, padding, truncating, -1), expected)


def test_pad_and_truncate_with_truncation_sides_swapped_fails_with_a_hint():
    wrong = lambda s, n, p, t, v: check.pad_and_truncate_reference(s, n, p, check._swap(t), v)  # noqa: E731
    assert "truncating='post' drops tokens at the end" in _hint(check.pad_and_truncate, wrong)


def test_pad_and_truncate_with_padding_sides_swapped_fails_with_a_hint():
    wrong = lambda s, n, p, t, v: check.pad_and_truncate_reference(s, n, check._swap(p), t, v)  # noqa: E731
    assert "padding='post' adds" in _hint(check.pad_and_truncate, wrong)


def test_pad_and_truncate_that_changes_its_input_lists_cannot_change_the_test_case():
    def destructive(sequences, length, padding="post", truncating="post", value=0):
        result = check.pad_and_truncate_reference(sequences, length, padding, truncating, value)
        for seq in sequences:
            seq.clear()
        return result

    assert check.pad_and_truncate.check(destructive, seed=SEED, quiet=True).status == PASSED


# --- vectorize ----------------------------------------------------------------


def test_vectorize_reference_matches_keras_text_vectorization_with_the_same_vocabulary():
    import keras

    rng = np.random.default_rng(SEED)
    sentences = check._random_sentences(rng, 20) + ["It's a Director's cut -- wow!!", ""]
    vocabulary = check.build_vocabulary_reference(check._random_sentences(rng, 15), 12)
    layer = keras.layers.TextVectorization(vocabulary=vocabulary, output_sequence_length=6)
    np.testing.assert_array_equal(check.vectorize_reference(sentences, vocabulary, 6), layer(sentences).numpy())


def test_vectorize_mapping_unknown_words_to_padding_fails_with_a_hint():
    assert "gets id 1" in _hint(check.vectorize, check._vectorize_unk_zero)


def test_vectorize_without_standardizing_fails_with_a_hint():
    assert "standardize each sentence" in _hint(check.vectorize, check._vectorize_raw_split)


# --- lstm_classifier (structure only: fast) -------------------------------------


def _compiled(model):
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_lstm_classifier_that_is_not_compiled_is_reported():
    from course.models import build_rnn_classifier

    result = check.lstm_classifier.check(lambda v, n: build_rnn_classifier("lstm", v, 8, 4), seed=SEED, quiet=True)
    assert result.status == ERROR and "not compiled" in result.message


def test_lstm_classifier_without_an_lstm_layer_fails_before_training():
    from course.models import build_rnn_classifier

    result = check.lstm_classifier.check(lambda v, n: _compiled(build_rnn_classifier("gru", v, 8, 4)), seed=SEED, quiet=True)
    assert result.status == FAILED and "no keras.layers.LSTM layer" in result.message


def test_lstm_classifier_with_a_softmax_over_two_classes_fails_naming_the_output_shape():
    import keras

    def two_classes(vocab_size, length):
        inputs = keras.Input(shape=(length,), dtype="int32")
        h = keras.layers.LSTM(4)(keras.layers.Embedding(vocab_size, 8)(inputs))
        return _compiled(keras.Model(inputs, keras.layers.Dense(2, activation="softmax")(h)))

    result = check.lstm_classifier.check(two_classes, seed=SEED, quiet=True)
    assert result.status == FAILED and "output shape is (2,)" in result.message


def test_lstm_classifier_inside_bidirectional_counts_as_an_lstm():
    from course.models import build_rnn_classifier

    assert check._has_lstm(build_rnn_classifier("bilstm", 100, 8, 4))


# --- lstm_classifier (trains: CI-sized) -------------------------------------------


@pytest.mark.slow
def test_lstm_classifier_reference_reaches_the_ci_target(ci_mode):
    import keras

    keras.utils.set_random_seed(1)
    result = check.lstm_classifier.check(check.lstm_classifier_reference, seed=SEED, quiet=True)
    assert result.status == PASSED, result.message
    assert "CI-sized run" in result.message


@pytest.mark.slow
def test_lstm_classifier_that_does_not_learn_fails_the_ci_target(ci_mode):
    import keras

    def frozen(vocab_size, length):
        model = check.lstm_classifier_reference(vocab_size, length)
        model.compile(optimizer=keras.optimizers.SGD(1e-5), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    keras.utils.set_random_seed(1)
    result = check.lstm_classifier.check(frozen, seed=SEED, quiet=True)
    assert result.status == FAILED and "below the target" in result.message
