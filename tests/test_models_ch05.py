"""Chapter 5 builders and plots: shapes, parameter counts, masking, argument checks."""

import numpy as np
import pytest

from course import models
from course.models import (
    build_feature_head, build_resnet, build_transformer_classifier, residual_block, sinusoidal_positional_encoding,
)
from course.plots import plot_attention, plot_positional_encoding


def test_encoder_block_keeps_the_shape_and_has_the_stated_parameter_count():
    block = models.TransformerEncoderBlock(d_model=64, heads=4, ff_dim=128, dropout=0.1)
    out = block(np.zeros((2, 7, 64), "float32"))
    assert tuple(out.shape) == (2, 7, 64)
    d, f = 64, 128
    assert block.count_params() == 4 * (d * d + d) + (2 * d * f + f + d) + 4 * d


def test_transformer_classifier_outputs_one_probability_per_sentence():
    model = build_transformer_classifier(vocab_size=100, sequence_length=12, d_model=16, heads=2, ff_dim=32)
    probabilities = model.predict(np.array([[5, 6, 7] + [0] * 9, [9] * 12]), verbose=0)
    assert model.output.shape == (None, 1)
    assert probabilities.shape == (2, 1) and np.all((probabilities > 0) & (probabilities < 1))


def test_transformer_classifier_ignores_padding():
    model = build_transformer_classifier(vocab_size=100, sequence_length=10, d_model=16, heads=2, ff_dim=32)
    ids = np.array([[5, 6, 7, 8] + [0] * 6])
    other_padding_token_positions = model.predict(ids, verbose=0)
    embedding = model.get_layer("embedding")
    assert np.asarray(embedding.compute_mask(ids)).tolist() == [[True] * 4 + [False] * 6]
    # The same sentence padded with zeros or cut to its length gives the same probability.
    short = models.build_transformer_classifier(vocab_size=100, sequence_length=4, d_model=16, heads=2, ff_dim=32)
    short.set_weights(model.get_weights())
    np.testing.assert_allclose(short.predict(ids[:, :4], verbose=0), other_padding_token_positions, atol=1e-5)


def test_transformer_classifier_saves_and_loads(tmp_path):
    import keras

    model = build_transformer_classifier(vocab_size=50, sequence_length=6, d_model=8, heads=2, ff_dim=8)
    path = tmp_path / "t.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    ids = np.array([[3, 4, 0, 0, 0, 0]])
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), atol=1e-6)


def test_chapter5_layers_keep_the_registered_names_that_saved_models_refer_to():
    import keras

    assert keras.saving.get_registered_name(models.PositionalEmbedding) == "course>PositionalEmbedding"
    assert keras.saving.get_registered_name(models.TransformerEncoderBlock) == "course>TransformerEncoderBlock"


@pytest.mark.parametrize("kwargs, argument", [
    ({"d_model": 30, "heads": 4}, "d_model"), ({"vocab_size": 0}, "vocab_size"), ({"dropout": 1.5}, "dropout"),
    ({"n_blocks": 0}, "n_blocks"),
])
def test_transformer_classifier_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        build_transformer_classifier(**kwargs)


def test_feature_head_without_hidden_layer_is_logistic_regression():
    assert build_feature_head(384, hidden=0).count_params() == 385
    assert build_feature_head(384, hidden=128).count_params() == 384 * 128 + 128 + 129


def test_feature_head_rejects_a_negative_hidden_size():
    with pytest.raises(ValueError, match="hidden"):
        build_feature_head(384, hidden=-1)


def test_identity_residual_block_parameter_count():
    import keras

    x = keras.Input(shape=(8, 8, 16))
    model = keras.Model(x, residual_block(x, 16))
    assert model.count_params() == 2 * 9 * 16 * 16 + 2 * 4 * 16
    assert not any("project" in layer.name for layer in model.layers)


def test_projection_residual_block_halves_the_size_and_adds_a_1x1_shortcut():
    import keras

    x = keras.Input(shape=(8, 8, 16))
    model = keras.Model(x, residual_block(x, 32, stride=2))
    assert model.output.shape == (None, 4, 4, 32)
    assert model.count_params() == 9 * 16 * 32 + 9 * 32 * 32 + 2 * 4 * 32 + 16 * 32 + 4 * 32


@pytest.mark.parametrize("depth", [8, 14])
def test_resnet_and_plain_twin_have_equal_depth_and_ten_outputs(depth):
    import keras

    resnet, plain = build_resnet(depth), build_resnet(depth, skip=False)
    assert resnet.output.shape == plain.output.shape == (None, 10)
    conv = lambda m: sum(isinstance(l, keras.layers.Conv2D) and l.kernel_size == (3, 3) for l in m.layers)  # noqa: E731
    assert conv(resnet) == conv(plain) == depth - 1          # + the Dense layer = depth weight layers
    assert resnet.count_params() - plain.count_params() == 16 * 32 + 4 * 32 + 32 * 64 + 4 * 64  # the two projections


def test_resnet_applies_its_augmentation_only_in_training():
    import keras

    from course.models import build_augmentation

    images = np.random.default_rng(0).random((2, 28, 28, 1)).astype("float32")
    model = build_resnet(8, augmentation=build_augmentation(translate=0.2))
    assert isinstance(model.layers[1], keras.Model) and model.layers[1].name == "augment"
    assert np.allclose(model.predict(images, verbose=0), model.predict(images, verbose=0))


def test_resnet_strides_set_the_size_each_stage_runs_at():
    default, halved = build_resnet(8), build_resnet(8, strides=(2, 2, 2))
    size = lambda m, layer: tuple(m.get_layer(layer).output.shape[1:3])  # noqa: E731
    assert [size(default, f"stage{s}_block1_out") for s in (1, 2, 3)] == [(28, 28), (14, 14), (7, 7)]
    assert [size(halved, f"stage{s}_block1_out") for s in (1, 2, 3)] == [(14, 14), (7, 7), (4, 4)]
    assert halved.count_params() == default.count_params() + 16 * 16 + 4 * 16, "a strided first stage needs one more projection"


def test_plain_twin_with_strides_has_the_same_depth_and_no_shortcuts():
    import keras

    plain = build_resnet(32, strides=(2, 2, 2), skip=False)
    assert sum(isinstance(l, keras.layers.Conv2D) for l in plain.layers) == 31
    assert not any(isinstance(l, keras.layers.Add) for l in plain.layers)


@pytest.mark.parametrize("kwargs, argument", [({"depth": 9}, "depth"), ({"widths": ()}, "widths"), ({"n_classes": 0}, "n_classes"),
                                              ({"strides": (2, 2)}, "strides"), ({"strides": (1, 3, 2)}, "strides")])
def test_resnet_rejects_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        build_resnet(**kwargs)


def test_positional_encoding_rejects_a_zero_length():
    with pytest.raises(ValueError, match="length"):
        sinusoidal_positional_encoding(0, 8)


def test_positional_encoding_plot_has_titled_labelled_axes():
    fig = plot_positional_encoding(sinusoidal_positional_encoding(20, 16))
    ax_map, ax_lines = fig.axes[:2]
    assert ax_map.get_title() and ax_map.get_xlabel() == "encoding dimension" and ax_map.get_ylabel()
    assert ax_lines.get_legend() is not None and fig._suptitle.get_text()


def test_attention_plot_draws_one_panel_per_head():
    weights = np.full((2, 3, 3), 1 / 3)
    fig = plot_attention(weights, ["a", "fine", "film"], title="t")
    panels = [ax for ax in fig.axes if ax.get_xlabel() == "key (attended to)"]
    assert len(panels) == 2 and panels[0].get_ylabel() == "query (attending)" and panels[0].get_title() == "head 1"


def test_attention_plot_rejects_token_counts_that_do_not_match():
    with pytest.raises(ValueError, match="queries"):
        plot_attention(np.ones((3, 3)) / 3, ["a", "b"])
