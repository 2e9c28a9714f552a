"""Chapter 4: the denoising autoencoder, DCGAN builders, the GAN model, its callbacks, the sample-quality score and the plots."""

import numpy as np
import pytest

from course.gan import (
    class_quality, discriminator_loss, fashion_classifier, fixed_noise, generator_loss, lerp, sample_quality,
    scale_images, slerp, tile_images, to_unit_range,
)
from course.models import build_denoising_autoencoder, build_discriminator, build_fashion_judge, build_generator


# --- builders ---------------------------------------------------------------------


def test_the_autoencoder_maps_images_to_images_in_zero_one_through_a_code_of_code_size():
    model = build_denoising_autoencoder(code_size=8, hidden=16)
    encoder, decoder = model.get_layer("encoder"), model.get_layer("decoder")
    assert tuple(model.output.shape) == (None, 28, 28)
    assert tuple(encoder.output.shape) == (None, 8) and tuple(decoder.input.shape) == (None, 8)
    images = model.predict(np.random.default_rng(0).uniform(size=(3, 28, 28)).astype("float32"), verbose=0)
    assert images.shape == (3, 28, 28) and images.min() >= 0.0 and images.max() <= 1.0


def test_the_autoencoder_parameter_count_follows_the_dense_layers():
    # encoder 784 -> 256 -> 32, decoder 32 -> 256 -> 784, each Dense with its bias
    expected = (784 * 256 + 256) + (256 * 32 + 32) + (32 * 256 + 256) + (256 * 784 + 784)
    assert build_denoising_autoencoder(code_size=32).count_params() == expected



def test_generator_maps_noise_to_28x28x1_images_in_minus_one_to_one():
    generator = build_generator(latent_dim=16, filters=(8, 4))
    assert tuple(generator.output.shape) == (None, 28, 28, 1)
    images = generator.predict(np.random.default_rng(0).normal(size=(3, 16)).astype("float32"), verbose=0)
    assert images.min() >= -1.0 and images.max() <= 1.0


def test_generator_has_dense_reshape_transposed_convs_batchnorm_leakyrelu_and_tanh():
    generator = build_generator()
    kinds = [layer.__class__.__name__ for layer in generator.layers]
    assert kinds.count("Conv2DTranspose") == 2 and kinds.count("BatchNormalization") == 3
    assert "Reshape" in kinds and "LeakyReLU" in kinds
    assert generator.layers[-1].activation.__name__ == "tanh"


def test_generator_parameter_count_follows_the_layer_formulas():
    # Dense 64 -> 7*7*64 (no bias); BN (4 per channel); ConvT 4x4 64->64 and 64->32 (no bias); BN; Conv 3x3 32->1 + bias.
    expected = 64 * 3136 + 4 * 3136 + 16 * 64 * 64 + 4 * 64 + 16 * 64 * 32 + 4 * 32 + 9 * 32 + 1
    assert build_generator(latent_dim=64, filters=(64, 32)).count_params() == expected


def test_discriminator_maps_an_image_to_one_logit():
    discriminator = build_discriminator(filters=(4, 8))
    assert tuple(discriminator.output.shape) == (None, 1)
    assert discriminator.layers[-1].activation.__name__ == "linear"


def test_discriminator_uses_strided_convolutions_and_dropout():
    discriminator = build_discriminator(filters=(32, 64), dropout=0.3)
    convs = [layer for layer in discriminator.layers if layer.__class__.__name__ == "Conv2D"]
    assert [c.strides for c in convs] == [(2, 2), (2, 2)]
    assert sum(layer.__class__.__name__ == "Dropout" for layer in discriminator.layers) == 2
    assert not any(layer.__class__.__name__ == "Dropout" for layer in build_discriminator(dropout=0.0).layers)


@pytest.mark.parametrize(
    "builder, kwargs, message",
    [
        (build_generator, {"latent_dim": 0}, "latent_dim must be a positive integer"),
        (build_generator, {"filters": (64, 32, 16)}, r"filters must be a sequence of exactly 2 positive integers \(two stride-2 blocks"),
        (build_generator, {"filters": (64, -1)}, "each entry of filters must be a positive integer"),
        (build_discriminator, {"filters": ()}, "filters must be a non-empty sequence of positive integers"),
        (build_discriminator, {"dropout": 1.0}, r"dropout must be a number in \[0, 1\)"),
        (build_denoising_autoencoder, {"code_size": 0}, "code_size must be a positive integer"),
        (build_denoising_autoencoder, {"image_shape": ()}, "image_shape must be a non-empty sequence of positive integers"),
    ],
)
def test_builders_reject_bad_arguments_naming_them(builder, kwargs, message):
    with pytest.raises(ValueError, match=message):
        builder(**kwargs)


# --- data and losses ------------------------------------------------------------------


def test_scale_images_maps_pixels_to_minus_one_one_with_a_channel_axis():
    x = np.array([[[0, 255], [51, 102]]], dtype=np.uint8)
    scaled = scale_images(x)
    assert scaled.shape == (1, 2, 2, 1) and scaled.dtype == np.float32
    assert scaled.min() == -1.0 and scaled.max() == 1.0
    assert np.allclose(to_unit_range(scaled)[..., 0], x / 255.0)


def test_scale_images_rejects_images_already_scaled_to_minus_one_one():
    with pytest.raises(ValueError, match=r"uint8 pixels or floats in \[0, 1\]"):
        scale_images(np.full((1, 2, 2), -1.0))


def test_losses_equal_log_two_terms_when_the_discriminator_cannot_tell():
    zeros = np.zeros((4, 1), "float32")
    assert np.isclose(float(discriminator_loss(zeros, zeros)), 2 * np.log(2), atol=1e-6)
    assert np.isclose(float(generator_loss(zeros)), np.log(2), atol=1e-6)


def test_losses_stay_finite_for_huge_logits():
    big = np.array([[200.0], [-200.0]], "float32")
    assert np.isfinite(float(discriminator_loss(big, big))) and np.isfinite(float(generator_loss(big)))


def test_label_smoothing_raises_the_loss_of_a_confident_discriminator():
    real, fake = np.full((4, 1), 6.0, "float32"), np.full((4, 1), -6.0, "float32")
    assert float(discriminator_loss(real, fake, real_label=0.9)) > float(discriminator_loss(real, fake)) + 0.5


# --- the GAN model and its callbacks ---------------------------------------------------


@pytest.fixture(scope="module")
def tiny_gan():
    import keras

    from course.gan import GAN

    gan = GAN(build_generator(8, filters=(8, 4)), build_discriminator(filters=(4, 8)), latent_dim=8, seed=1)
    gan.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5), g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    return gan


def test_fit_logs_both_losses_and_updates_both_players(tiny_gan, tmp_path):
    from course.gan import SampleGrid

    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    g_before = [w.copy() for w in tiny_gan.generator.get_weights()]
    d_before = [w.copy() for w in tiny_gan.discriminator.get_weights()]
    grid = SampleGrid(fixed_noise(4, 8), folder=tmp_path / "samples")
    history = tiny_gan.fit(images, epochs=2, batch_size=32, verbose=0, callbacks=[grid])
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        assert len(history.history[key]) == 2 and np.all(np.isfinite(history.history[key]))
    assert any(not np.allclose(a, b) for a, b in zip(g_before, tiny_gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(d_before, tiny_gan.discriminator.get_weights()))
    assert grid.epochs == [0, 1, 2] and all(g.shape == (4, 28, 28) for g in grid.grids)
    assert all(0.0 <= g.min() and g.max() <= 1.0 for g in grid.grids)
    assert sorted(p.name for p in (tmp_path / "samples").iterdir()) == ["epoch_000.png", "epoch_001.png", "epoch_002.png"]


def test_gan_rejects_a_real_label_that_is_not_a_probability_above_one_half():
    from course.gan import GAN

    with pytest.raises(ValueError, match=r"real_label must be a number in \(0.5, 1\]; got 0.3\."):
        GAN(build_generator(8, filters=(8, 4)), build_discriminator(filters=(4,)), real_label=0.3)


def test_sample_grid_rejects_a_bad_interval():
    from course.gan import SampleGrid

    with pytest.raises(ValueError, match="every must be a positive integer"):
        SampleGrid(fixed_noise(2, 8), every=0)


def test_tile_images_lays_images_out_row_by_row():
    images = np.arange(6, dtype="float32")[:, None, None] * np.ones((6, 2, 2), "float32")
    grid = tile_images(images, ncols=3, pad=0)
    assert grid.shape == (4, 6) and grid[0, 2] == 1.0 and grid[2, 0] == 3.0


# --- interpolation ----------------------------------------------------------------------


def test_lerp_and_slerp_start_at_z0_and_end_at_z1():
    rng = np.random.default_rng(0)
    z0, z1 = rng.normal(size=16), rng.normal(size=16)
    for path in (lerp(z0, z1, [0, 0.5, 1]), slerp(z0, z1, [0, 0.5, 1])):
        assert np.allclose(path[0], z0, atol=1e-6) and np.allclose(path[-1], z1, atol=1e-6)


def test_slerp_keeps_the_norm_of_equal_length_vectors_where_lerp_shrinks_it():
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert np.isclose(np.linalg.norm(slerp(z0, z1, [0.5])[0]), 1.0)
    assert np.isclose(np.linalg.norm(lerp(z0, z1, [0.5])[0]), np.sqrt(0.5))


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    z = np.array([1.0, 2.0, 3.0])
    assert np.allclose(slerp(z, 2 * z, [0.5]), lerp(z, 2 * z, [0.5]))


# --- the sample-quality score --------------------------------------------------------------


def test_class_quality_counts_classes_at_or_above_the_minimum_share():
    p = np.full((100, 4), 0.1)
    top = np.array([0] * 3 + [1] * 2 + [2] * 95)
    p[np.arange(100), top] = 0.7
    score = class_quality(p, min_share=0.03)
    assert score["classes_present"] == 2 and score["class_shares"] == [0.03, 0.02, 0.95, 0.0]
    assert np.isclose(score["mean_confidence"], 0.7)


def test_class_quality_rejects_a_flat_array():
    with pytest.raises(ValueError, match="shape \\(N, n_classes\\)"):
        class_quality(np.ones(10))


def _constant_classifier(n_classes=10, favourite=3):
    import keras

    inputs = keras.Input((28, 28, 1))
    flat = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(n_classes, kernel_initializer="zeros",
                                bias_initializer=keras.initializers.Constant(np.eye(n_classes)[favourite] * 5))(flat)
    return keras.Model(inputs, keras.layers.Softmax()(logits))


def test_a_collapsed_generator_scores_one_class_present():
    score = sample_quality(build_generator(8, filters=(8, 4)), _constant_classifier(), n=50)
    assert score["classes_present"] == 1 and score["class_shares"][3] == 1.0 and score["n_samples"] == 50


def test_fashion_judge_maps_images_to_10_probabilities():
    judge = build_fashion_judge()
    probabilities = judge.predict(np.random.default_rng(0).uniform(size=(2, 28, 28, 1)).astype("float32"), verbose=0)
    assert probabilities.shape == (2, 10) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_classes": 0}, "n_classes must be a positive integer"),
    ({"input_shape": (28, 28)}, r"input_shape must be \(height, width, channels\)"),
])
def test_fashion_judge_rejects_bad_arguments_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_fashion_judge(**kwargs)


def test_fashion_classifier_trains_and_caches_itself_when_no_file_exists(tmp_path, ci_mode):
    path = tmp_path / "cache" / "judge.keras"
    model = fashion_classifier(path, epochs=1, n_train=256)
    assert path.exists() and tuple(model.output.shape) == (None, 10)


def test_fashion_classifier_loads_a_saved_model_instead_of_training(tmp_path):
    path = tmp_path / "judge.keras"
    _constant_classifier().save(path)
    model = fashion_classifier(path)
    assert tuple(model.output.shape) == (None, 10)


# --- plots ---------------------------------------------------------------------------------


def _labelled(fig):
    return all(ax.get_title() for ax in fig.axes) and fig._suptitle is not None


def test_plot_reconstructions_draws_one_named_row_per_version():
    from course.plots import plot_reconstructions

    fig = plot_reconstructions({"noisy": np.ones((4, 28, 28)), "reconstruction": np.zeros((4, 28, 28, 1)), "clean": np.zeros((4, 28, 28))})
    assert [ax.get_title() for ax in fig.axes] == ["noisy", "reconstruction", "clean"] and _labelled(fig)
    assert fig.axes[0].images[0].get_array().shape == (28, 4 * 28 + 3)   # four images side by side, 1 pixel apart


def test_plot_reconstructions_refuses_rows_of_different_lengths():
    from course.plots import plot_reconstructions

    with pytest.raises(ValueError, match=r"rows\['clean'\] must be 4 images, as many as in the first row"):
        plot_reconstructions({"noisy": np.ones((4, 28, 28)), "clean": np.zeros((3, 28, 28))})


def test_plot_code_map_draws_one_labelled_series_per_class_present():
    from course.plots import plot_code_map

    fig = plot_code_map(np.random.default_rng(0).normal(size=(30, 2)), np.arange(30) % 3, class_names=["a", "b", "c", "d"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert ax.get_title() and ax.get_xlabel() == "first principal component" and ax.get_ylabel()


@pytest.mark.parametrize("points, labels, message", [
    (np.zeros((4, 3)), [0, 1, 0, 1], r"points must be an \(N, 2\) array"),
    (np.zeros((4, 2)), [0, 1, 0], "points and labels must be of equal length"),
    (np.zeros((4, 2)), [0, 1, 0, 10], "labels must be integer class labels from 0 to 9"),
])
def test_plot_code_map_rejects_bad_points_and_labels_naming_them(points, labels, message):
    from course.plots import plot_code_map

    with pytest.raises(ValueError, match=message):
        plot_code_map(points, labels)


def test_plot_gan_losses_draws_losses_and_discriminator_outputs():
    from course.plots import plot_gan_losses

    history = {"d_loss": [1.3, 1.2], "g_loss": [0.8, 0.9], "d_real": [0.6, 0.6], "d_fake": [0.4, 0.4]}
    fig = plot_gan_losses(history)
    assert len(fig.axes) == 2 and _labelled(fig) and fig.axes[0].get_xlabel() == "epoch"
    assert fig.axes[0].get_legend() is not None


def test_plot_gan_losses_names_missing_keys():
    from course.plots import plot_gan_losses

    with pytest.raises(ValueError, match=r"history must be the History of GAN.fit\(\), with d_loss and g_loss; got one without g_loss"):
        plot_gan_losses({"d_loss": [1.0]})


def test_plot_sample_evolution_shows_first_and_last_epochs():
    from course.plots import plot_sample_evolution

    grids = [np.zeros((4, 28, 28))] * 10
    fig = plot_sample_evolution(grids, list(range(10)), max_panels=4)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 4 and titles[0] == "epoch 0 (untrained)" and titles[-1] == "epoch 9"


def test_plot_interpolation_draws_one_row_per_method():
    from course.plots import plot_interpolation

    fig = plot_interpolation({"linear": np.zeros((5, 28, 28)), "spherical": np.zeros((5, 28, 28))})
    assert [ax.get_title() for ax in fig.axes] == ["linear", "spherical"] and _labelled(fig)
    assert "t from 0" in fig.axes[0].get_xlabel()


def test_plot_class_shares_draws_a_threshold_line_and_a_legend():
    from course.plots import plot_class_shares

    score = class_quality(np.eye(10)[np.arange(100) % 10])
    fig = plot_class_shares({"generator": score})
    ax = fig.axes[0]
    assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel() and ax.get_legend() is not None


def test_plot_image_grid_labels_each_image():
    from course.plots import plot_image_grid

    fig = plot_image_grid(np.zeros((3, 28, 28)), labels=["a", "b", "c"], ncols=3)
    assert [ax.get_xlabel() for ax in fig.axes] == ["a", "b", "c"]
