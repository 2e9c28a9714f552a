"""Chapter 5 checkers: the hints a learner gets for typical mistakes (stubs and crashes: test_checks_every_chapter.py)."""

import numpy as np

from course.checks import ch05_transformer as check
from course.checks import chapter_exercises
from course.checks.core import ERROR, FAILED, PASSED
from course.models import residual_block as course_residual_block
from course.models import sinusoidal_positional_encoding

SEED = 5


def test_the_chapter_lists_eight_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("05_transformer")]
    assert names == ["scaled_dot_product_attention", "causal_mask", "multi_head_attention", "positional_encoding",
                     "residual_block", "pieces_to_words", "mean_pool", "build_classifier_head"]


def test_the_multi_head_reference_matches_keras_with_the_same_weights():
    import keras

    rng = np.random.default_rng(0)
    query = rng.normal(size=(2, 5, 8)).astype("float32")
    value = rng.normal(size=(2, 4, 8)).astype("float32")
    mask = np.ones((2, 5, 4), "float32")
    mask[0, :, 3] = 0
    layer = keras.layers.MultiHeadAttention(num_heads=2, key_dim=4, seed=0)
    expected = np.asarray(layer(query, value, attention_mask=mask.astype(bool)))
    weights = [np.asarray(w) for w in layer.weights]
    assert [w.shape for w in weights][:2] == [(8, 2, 4), (2, 4)] and weights[6].shape == (2, 4, 8)
    np.testing.assert_allclose(check.multi_head_attention_reference(query, value, *weights, mask), expected, atol=1e-5)


def test_attention_without_the_sqrt_dk_scale_is_named():
    wrong = lambda q, k, v, m=None: check._softmax(check._scores(q, k, m, scale=False)) @ v  # noqa: E731
    result = check.scaled_dot_product_attention.check(wrong, seed=SEED, quiet=True)
    assert result.status == FAILED and "sqrt(d_k)" in result.message


def test_attention_softmax_over_the_query_axis_is_named():
    wrong = lambda q, k, v, m=None: check._softmax(check._scores(q, k, m), axis=-2) @ v  # noqa: E731
    result = check.scaled_dot_product_attention.check(wrong, seed=SEED, quiet=True)
    assert result.status == FAILED and "last axis" in result.message


def test_attention_that_ignores_the_mask_fails():
    wrong = lambda q, k, v, m=None: check.scaled_dot_product_attention_reference(q, k, v)  # noqa: E731
    assert check.scaled_dot_product_attention.check(wrong, seed=SEED, quiet=True).status == FAILED


def test_attention_with_a_naive_softmax_overflows_on_large_scores():
    def naive(q, k, v, m=None):
        s = q.astype(np.float32) @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
        if m is not None:
            s = np.where(m > 0, s, -1e9)
        with np.errstate(all="ignore"):
            e = np.exp(s)
            return (e / e.sum(-1, keepdims=True)) @ v

    result = check.scaled_dot_product_attention.check(naive, seed=SEED, quiet=True)
    assert result.status == FAILED and "NaN or inf" in result.message


def test_an_upper_triangular_causal_mask_is_named():
    result = check.causal_mask.check(lambda n: np.triu(np.ones((n, n))), seed=SEED, quiet=True)
    assert result.status == FAILED and "np.tril" in result.message


def test_a_causal_mask_without_the_diagonal_is_named():
    result = check.causal_mask.check(lambda n: np.tril(np.ones((n, n)), -1), seed=SEED, quiet=True)
    assert result.status == FAILED and "diagonal" in result.message


def test_multi_head_attention_without_output_bias_is_named():
    def no_bias(*args):
        return check.multi_head_attention_reference(*args) - args[9]

    result = check.multi_head_attention.check(no_bias, seed=SEED, quiet=True)
    assert result.status == FAILED and "output bias" in result.message


def test_positional_encoding_with_sines_then_cosines_in_blocks_is_named():
    result = check.positional_encoding.check(check._pe_blocks, seed=SEED, quiet=True)
    assert result.status == FAILED and "interleave" in result.message


def test_the_course_positional_encoding_starts_with_sin0_cos0():
    pe = sinusoidal_positional_encoding(3, 4)
    np.testing.assert_allclose(pe[0], [0, 1, 0, 1])
    assert pe.dtype == np.float32 and pe.shape == (3, 4)


def test_pieces_to_words_that_keeps_special_tokens_fails_with_the_rule():
    keep_specials = lambda pieces: [p for p in check.pieces_to_words_reference(pieces)] + ["[SEP]"]  # noqa: E731
    result = check.pieces_to_words.check(keep_specials, seed=SEED, quiet=True)
    assert result.status == FAILED and "dropped" in result.message


def test_pieces_to_words_that_keeps_the_hashes_names_the_word():
    def keep_hashes(pieces):
        words = []
        for p in pieces:
            if p.startswith("[") and p.endswith("]"):
                continue
            if p.startswith("##"):
                words[-1] += p
            else:
                words.append(p)
        return words

    result = check.pieces_to_words.check(keep_hashes, seed=SEED, quiet=True)
    assert result.status == FAILED and "'##'" in result.message


def test_mean_pool_over_padding_too_is_named():
    result = check.mean_pool.check(lambda h, m: np.asarray(h).mean(axis=1), seed=SEED, quiet=True)
    assert result.status == FAILED and "real tokens only" in result.message


def test_the_course_residual_block_passes():
    result = check.residual_block.check(lambda x, f, s: course_residual_block(x, f, s), seed=SEED, quiet=True)
    assert result.status == PASSED, result.message


def test_a_plain_block_without_shortcut_fails():
    result = check.residual_block.check(lambda x, f, s: course_residual_block(x, f, s, skip=False), seed=SEED, quiet=True)
    assert result.status == FAILED and "shortcut" in result.message


def test_a_block_with_biased_convolutions_is_told_the_parameter_count():
    import keras

    def biased(x, filters, stride):
        layers = keras.layers
        h = layers.Conv2D(filters, 3, strides=stride, padding="same")(x)
        h = layers.ReLU()(layers.BatchNormalization()(h))
        h = layers.BatchNormalization()(layers.Conv2D(filters, 3, padding="same")(h))
        if stride != 1 or x.shape[-1] != filters:
            x = layers.BatchNormalization()(layers.Conv2D(filters, 1, strides=stride, use_bias=False)(x))
        return layers.ReLU()(layers.Add()([h, x]))

    result = check.residual_block.check(biased, seed=SEED, quiet=True)
    assert result.status == FAILED and "parameters" in result.message and "without bias" in result.message


def test_residual_block_outcomes_are_plain_data():
    exercise = check.residual_block
    inputs = exercise.make_inputs(np.random.default_rng(SEED))
    outcomes = exercise.run(lambda x, f, s: course_residual_block(x, f, s), inputs)
    for outcome in outcomes:
        assert set(outcome.value) == {"params", "shape", "n_conv3", "zeroed", "projection"}
        assert all(isinstance(v, (int, list, np.ndarray, type(None))) for v in outcome.value.values())


def _head(hidden=32, activation="sigmoid", compile_it=True):
    import keras

    def build(feature_dim):
        inputs = keras.Input(shape=(feature_dim,))
        h = keras.layers.Dense(hidden, activation="relu")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(1, activation=activation)(h))
        if compile_it:
            model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
        return model

    return build


def test_a_small_compiled_head_passes(ci_mode):
    result = check.build_classifier_head.check(_head(), seed=SEED, quiet=True)
    assert result.status == PASSED, result.message


def test_a_head_over_the_parameter_budget_fails():
    result = check.build_classifier_head.check(_head(hidden=1000), seed=SEED, quiet=True)
    assert result.status == FAILED and "budget" in result.message


def test_an_uncompiled_head_is_told_to_compile():
    result = check.build_classifier_head.check(_head(compile_it=False), seed=SEED, quiet=True)
    assert result.status == ERROR and "compile" in result.message
