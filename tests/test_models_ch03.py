"""Chapter 3 builders and plots: shapes, parameter counts, argument errors."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course.models import RNN_KINDS, build_rnn_classifier, build_seed_rnn, build_text_vectorizer
from course.plots import plot_gradient_norms, plot_sentence_lengths

SENTENCES = ["a fine , witty film .", "a dull film", "not a good film at all", "witty and fine"]


# --- build_text_vectorizer ----------------------------------------------------


def test_vectorizer_outputs_sequence_length_ids_per_sentence():
    vectorize = build_text_vectorizer(SENTENCES, vocab_size=20, sequence_length=7)
    assert vectorize(["a film", "one two three four five six seven eight nine"]).numpy().shape == (2, 7)


def test_vectorizer_reserves_0_for_padding_and_1_for_unknown_words():
    vectorize = build_text_vectorizer(SENTENCES, vocab_size=20, sequence_length=4)
    assert vectorize.get_vocabulary()[:2] == ["", "[UNK]"]
    ids = vectorize(["film zorgly"]).numpy()[0].tolist()
    assert ids[1:] == [1, 0, 0] and ids[0] > 1


def test_vectorizer_keeps_at_most_vocab_size_entries():
    assert len(build_text_vectorizer(SENTENCES, vocab_size=5).get_vocabulary()) == 5


@pytest.mark.parametrize("kwargs, name", [({"vocab_size": 0}, "vocab_size"), ({"vocab_size": 2}, "vocab_size"),
                                          ({"sequence_length": -3}, "sequence_length")])
def test_vectorizer_bad_sizes_raise_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_text_vectorizer(SENTENCES, **kwargs)


def test_vectorizer_refuses_a_single_string():
    with pytest.raises(TypeError, match="texts must be a list or array of sentences, not a single string"):
        build_text_vectorizer("one single string")


def test_vectorizer_needs_at_least_one_sentence():
    with pytest.raises(ValueError, match="texts must be a list or array of at least one sentence"):
        build_text_vectorizer([])


# --- build_rnn_classifier -------------------------------------------------------


@pytest.mark.parametrize("kind", RNN_KINDS)
def test_rnn_classifier_maps_id_sequences_to_one_probability(kind):
    model = build_rnn_classifier(kind, vocab_size=50, embedding_dim=8, units=4)
    ids = np.random.default_rng(0).integers(0, 50, size=(3, 11))
    p = model(ids).numpy()
    assert p.shape == (3, 1) and np.all((p > 0) & (p < 1))


@pytest.mark.parametrize("kind, recurrent_params", [
    ("simple_rnn", 4 * (8 + 4 + 1)),          # n (d + n + 1)
    ("lstm", 4 * 4 * (8 + 4 + 1)),            # 4 n (d + n + 1)
    ("gru", 3 * 4 * (8 + 4 + 2)),             # 3 n (d + n + 2), reset_after=True
    ("bilstm", 2 * 4 * 4 * (8 + 4 + 1)),      # two LSTMs
])
def test_rnn_classifier_parameter_counts_follow_the_formulas(kind, recurrent_params):
    model = build_rnn_classifier(kind, vocab_size=50, embedding_dim=8, units=4)
    assert model.get_layer("recurrent").count_params() == recurrent_params
    state = 8 if kind == "bilstm" else 4
    assert model.count_params() == 50 * 8 + recurrent_params + state + 1


def test_rnn_classifier_ignores_padding_at_the_end():
    model = build_rnn_classifier("lstm", vocab_size=30, embedding_dim=8, units=4, dropout=0.0)
    short = model(np.array([[5, 7, 9]])).numpy()
    padded = model(np.array([[5, 7, 9, 0, 0, 0, 0]])).numpy()
    np.testing.assert_allclose(short, padded, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, name", [
    ({"kind": "transformer"}, "kind"), ({"vocab_size": 0}, "vocab_size"), ({"units": -1}, "units"),
    ({"dropout": 1.0}, "dropout"),
])
def test_rnn_classifier_bad_arguments_raise_naming_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        build_rnn_classifier(**kwargs)


def test_rnn_classifier_refuses_a_fractional_size_naming_its_type():
    with pytest.raises(TypeError, match=r"embedding_dim must be a positive integer; got 2.5 \(float\)"):
        build_rnn_classifier(embedding_dim=2.5)


@pytest.mark.parametrize("kind, recurrent", [("simple_rnn", 64 * (128 + 64 + 1)), ("lstm", 4 * 64 * (128 + 64 + 1))])
def test_seed_rnn_is_the_tutorial_recipe(kind, recurrent):
    model = build_seed_rnn(kind)
    assert model(np.zeros((2, 40), dtype="int32")).shape == (2, 1)
    assert model.count_params() == 10_000 * 128 + recurrent + (64 * 32 + 32) + (32 + 1)
    assert [type(layer).__name__ for layer in model.layers][-3:] == ["Dense", "Dropout", "Dense"]


def test_seed_rnn_rejects_other_kinds():
    with pytest.raises(ValueError, match="kind"):
        build_seed_rnn("gru")


# --- plots ----------------------------------------------------------------------


def _labelled(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_gradient_norm_plot_is_log_scaled_with_one_line_per_run():
    fig = plot_gradient_norms({"s = 0.5": 0.5 ** np.arange(10), "s = 3": 3.0 ** np.arange(10)})
    ax = fig.axes[0]
    assert _labelled(ax) and ax.get_yscale() == "log" and len(ax.get_lines()) == 2
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["s = 0.5", "s = 3"]


def test_gradient_norm_plot_needs_a_dict_of_runs():
    with pytest.raises(TypeError, match="norms"):
        plot_gradient_norms([1.0, 0.5])


def test_sentence_length_plot_marks_the_cut_and_says_which_share_is_cut():
    fig = plot_sentence_lengths([3, 5, 5, 8, 12], sequence_length=6)
    ax = fig.axes[0]
    assert _labelled(ax)
    assert any("40.0% are cut" in t.get_text() for t in ax.get_legend().get_texts())
