"""Chapter 4 checkers: edge cases, types, read-only arguments, hints and the training step.

Stubs, crashes and the reference contract: test_checks_every_chapter.py. Answers
in many idioms, right and wrong: tests/corpus/ch04_gan.py through test_corpus.py.
"""

import functools
import itertools

import numpy as np
import pytest

from course.checks import ch04_gan as check
from course.checks import chapter_exercises
from course.checks.core import FAILED, PASSED
from course.references import ch04_gan as ref

SEED = 4


def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def test_the_chapter_lists_eight_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("04_gan")]
    assert names == ["add_noise", "transposed_conv_output_size", "discriminator_loss", "generator_loss",
                     "smoothed_discriminator_loss", "gan_train_step", "sample_quality_scores", "slerp"]


def test_every_exercise_forbids_the_chapters_references():
    for exercise in check.EXERCISES:
        assert "course.references.ch04_gan" in exercise.forbidden_names(), exercise.id


def test_the_loss_exercises_and_the_step_also_forbid_the_courses_gan_losses():
    for exercise in (check.discriminator_loss, check.generator_loss, check.smoothed_discriminator_loss, check.gan_train_step):
        assert {"course.gan:discriminator_loss", "course.gan:generator_loss"} <= set(exercise.forbidden_names()), exercise.id


# --- add_noise: judged by its statistics -------------------------------------------------------------------


def _add_noise(images, sigma, rng):
    return np.clip(images + rng.normal(0, sigma, images.shape), 0, 1).astype(images.dtype)


def test_add_noise_cases_give_twin_generators_in_one_state_and_a_third_in_another():
    cases = check.add_noise.make_inputs(np.random.default_rng(0))
    first, twin, other = (rng.random(3) for _, _, rng in cases[:3])
    assert np.array_equal(first, twin) and not np.array_equal(first, other)


def test_add_noise_cases_include_sigma_0_pixels_of_0_and_1_and_float64_images():
    cases = check.add_noise.make_inputs(np.random.default_rng(0))
    assert any(sigma == 0 for _, sigma, _ in cases)
    assert any(set(np.unique(images)) == {0.0, 1.0} for images, _, _ in cases)
    assert {images.dtype for images, _, _ in cases} == {np.dtype("float32"), np.dtype("float64")}


def test_a_right_add_noise_passes_on_twenty_fresh_sets_of_cases():
    """Every statistic is judged within 6 standard errors: a right answer must not fail by bad luck (200 seeds passed
    when the checker was written; 20 here keep the test fast)."""
    verdicts = [check.add_noise.check(_add_noise, seed=seed, quiet=True).passed for seed in range(20)]
    assert all(verdicts)


def test_add_noise_without_clipping_is_told_to_clip_after_adding():
    result = check.add_noise.check(lambda x, s, rng: (x + rng.normal(0, s, x.shape)).astype(x.dtype), seed=SEED, quiet=True)
    assert result.status == FAILED and "clipping at pixels of 0 and 1" in result.message
    assert "clip AFTER adding the noise" in result.message


def test_add_noise_with_sigma_as_the_variance_is_told_the_standard_deviation_it_drew():
    result = check.add_noise.check(lambda x, s, rng: _add_noise(x, s**2, rng), seed=SEED, quiet=True)
    assert result.status == FAILED and "standard deviation 0.002" in result.message and "not the variance" in result.message


def test_add_noise_with_uniform_noise_of_the_right_spread_is_told_to_draw_normal_noise():
    def uniform(images, sigma, rng):
        half_width = sigma * np.sqrt(3)          # the standard deviation of uniform noise on [-a, a] is a / sqrt(3)
        return np.clip(images + rng.uniform(-half_width, half_width, images.shape), 0, 1).astype(images.dtype)

    result = check.add_noise.check(uniform, seed=SEED, quiet=True)
    assert result.status == FAILED and "57.7% of the noise lies within one sigma" in result.message


def test_add_noise_that_rescales_into_zero_one_is_told_to_clip_at_pixels_of_0():
    def rescaled(images, sigma, rng):
        noisy = images + rng.normal(0, sigma, images.shape)
        return ((noisy - noisy.min()) / (noisy.max() - noisy.min())).astype(images.dtype)

    cases = check.add_noise.make_inputs(np.random.default_rng(SEED))
    problem = check.add_noise._clipping_problem(cases[3][0].astype(np.float64), cases[3][1],
                                                rescaled(cases[3][0], cases[3][1], np.random.default_rng(0)).astype(np.float64))
    assert "at pixels of 0, 0.0% of the noisy values are exactly 0" in problem and "do not rescale" in problem


def test_add_noise_returning_float64_for_float32_images_is_asked_for_the_images_dtype():
    result = check.add_noise.check(lambda x, s, rng: np.clip(x + rng.normal(0, s, x.shape), 0, 1), seed=SEED, quiet=True)
    assert result.status == FAILED and "the dtype of images, float32; got float64" in result.message


# --- transposed convolution: what Keras computes ---------------------------------------------------------


def test_the_reference_output_size_is_what_keras_conv2d_transpose_gives():
    import keras

    for n, k, s, padding in itertools.product((1, 4, 7), (1, 2, 3, 4, 5), (1, 2, 3), ("same", "valid")):
        layer = keras.layers.Conv2DTranspose(1, k, strides=s, padding=padding)
        height = layer(np.zeros((1, n, n, 1), "float32")).shape[1]
        assert ref.transposed_conv_output_size(n, k, s, padding) == height, (n, k, s, padding)


def test_keras_gives_12_not_10_for_4_inputs_kernel_1_stride_3_valid():
    import keras

    layer = keras.layers.Conv2DTranspose(1, 1, strides=3, padding="valid")
    assert layer(np.zeros((1, 4, 4, 1), "float32")).shape[1] == 12 != (4 - 1) * 3 + 1


def test_the_cases_include_a_kernel_smaller_than_the_stride_with_valid_padding():
    cases = check.transposed_conv_output_size.make_inputs(np.random.default_rng(0))
    assert any(k < s and padding == "valid" for _, k, s, padding in cases)


def test_the_overhang_formula_without_max_fails_naming_max():
    result = check.transposed_conv_output_size.check(lambda n, k, s, p: n * s if p == "same" else (n - 1) * s + k, seed=SEED, quiet=True)
    assert result.status == FAILED and "(n - 1) * s + max(k, s)" in result.message


def test_transposed_conv_with_the_downsampling_formula_fails_with_a_hint():
    wrong = lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else -(-n // s)  # noqa: E731
    result = check.transposed_conv_output_size.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "ordinary (downsampling) convolution" in result.message


def test_an_output_size_returned_as_a_float_is_asked_for_an_int():
    as_float = lambda n, k, s, p: float(n * s if p == "same" else (n - 1) * s + max(k, s))  # noqa: E731
    result = check.transposed_conv_output_size.check(as_float, seed=SEED, quiet=True)
    assert result.status == FAILED and "return an int; got a Python float" in result.message


# --- the losses ------------------------------------------------------------------------------------------


def test_discriminator_loss_computed_through_sigmoid_and_log_overflows_with_a_hint():
    def naive(real, fake):
        with np.errstate(all="ignore"):
            sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
            return -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))

    result = check.discriminator_loss.check(naive, seed=SEED, quiet=True)
    assert not result.passed and "NaN or inf" in result.message and "+-150" in result.message and "softplus" in result.message


def test_discriminator_loss_averaging_the_two_means_is_named():
    result = check.discriminator_loss.check(lambda r, f: (softplus(-r).mean() + softplus(f).mean()) / 2, seed=SEED, quiet=True)
    assert result.status == FAILED and "do not average them" in result.message


def test_discriminator_loss_averaged_over_the_concatenation_is_named():
    wrong = lambda r, f: np.concatenate([softplus(-r).ravel(), softplus(f).ravel()]).mean()  # noqa: E731
    result = check.discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "separately" in result.message


def test_discriminator_loss_with_swapped_labels_is_named():
    wrong = lambda r, f: softplus(r).mean() + softplus(-f).mean()  # noqa: E731
    result = check.discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "swapped" in result.message


def test_a_sigmoid_fed_to_a_from_logits_loss_is_named():
    sigmoid = lambda x: 1 / (1 + np.exp(-np.asarray(x, np.float64)))  # noqa: E731
    result = check.generator_loss.check(lambda f: softplus(-sigmoid(f)).mean(), seed=SEED, quiet=True)
    assert result.status == FAILED and "do not apply a sigmoid first" in result.message


def test_a_probability_cross_entropy_on_logits_is_told_from_logits():
    import keras

    wrong = lambda f: keras.losses.BinaryCrossentropy()(np.ones_like(f), f)  # noqa: E731
    result = check.generator_loss.check(wrong, seed=SEED, quiet=True)
    assert result.status == FAILED and "from_logits=True" in result.message


def test_the_saturating_generator_loss_is_named():
    result = check.generator_loss.check(lambda f: -softplus(f).mean(), seed=SEED, quiet=True)
    assert not result.passed and "saturating loss" in result.message


def test_the_course_gan_loss_scores_zero():
    from course import gan

    result = check.generator_loss.check(lambda f: gan.generator_loss(f), seed=SEED, quiet=True)
    assert result.status == FAILED and "`course.gan.generator_loss`; write your own" in result.message


def test_smoothed_loss_that_ignores_real_label_fails():
    result = check.smoothed_discriminator_loss.check(lambda r, f, t: softplus(-r).mean() + softplus(f).mean(), seed=SEED, quiet=True)
    assert not result.passed and "real_label is ignored" in result.message


def test_smoothed_loss_that_drops_the_second_bce_term_fails():
    wrong = lambda r, f, t: (t * softplus(-r)).mean() + softplus(f).mean()  # noqa: E731
    result = check.smoothed_discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "two terms" in result.message


# --- the training step ---------------------------------------------------------


def _losses():
    import keras

    ops = keras.ops
    return (lambda r, f: ops.mean(ops.softplus(-r)) + ops.mean(ops.softplus(f))), (lambda f: ops.mean(ops.softplus(-f)))


def _step(update_d=True, generator_training=True, swap=False, fresh_noise=False):
    """A training step with one configurable mistake."""
    import tensorflow as tf

    discriminator_loss, generator_loss = _losses()

    def step(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
        if swap:
            g_optimizer, d_optimizer = d_optimizer, g_optimizer
        fake = generator(noise, training=generator_training)
        with tf.GradientTape() as tape:
            d_loss = discriminator_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
        if update_d:
            grads = tape.gradient(d_loss, discriminator.trainable_weights)
            d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
        z = tf.random.normal(noise.shape) if fresh_noise else noise
        with tf.GradientTape() as tape:
            g_loss = generator_loss(discriminator(generator(z, training=True), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_weights), generator.trainable_weights))
        return d_loss, g_loss

    return step


def test_a_correct_training_step_passes():
    assert check.gan_train_step.check(_step(), seed=SEED, quiet=True).status == PASSED


def test_the_two_players_get_optimizers_with_different_learning_rates():
    g_optimizer, d_optimizer = check._optimizers()
    assert float(g_optimizer.learning_rate) != float(d_optimizer.learning_rate)


def test_a_step_with_the_optimizers_swapped_fails_naming_them():
    result = check.gan_train_step.check(_step(swap=True), seed=SEED, quiet=True)
    assert result.status == FAILED and "the two optimizers are swapped" in result.message


def test_a_step_that_draws_fresh_noise_for_the_generator_fails_with_a_hint():
    result = check.gan_train_step.check(_step(fresh_noise=True), seed=SEED, quiet=True)
    assert result.status == FAILED and "use the `noise` argument for BOTH steps" in result.message


def test_a_step_that_never_updates_the_discriminator_fails():
    result = check.gan_train_step.check(_step(update_d=False), seed=SEED, quiet=True)
    assert not result.passed and "discriminator's weights did not change" in result.message


def test_a_step_that_runs_the_generator_in_inference_mode_gets_a_wrong_d_loss():
    result = check.gan_train_step.check(_step(generator_training=False), seed=SEED, quiet=True)
    assert not result.passed and "d_loss is" in result.message and "training=True" in result.message


def test_a_step_that_returns_one_number_is_told_to_return_a_pair():
    def one(*args):
        return 1.0

    result = check.gan_train_step.check(one, seed=SEED, quiet=True)
    assert result.status == FAILED and "(d_loss, g_loss)" in result.message


def test_training_step_outcomes_are_plain_data():
    exercise = check.gan_train_step
    inputs = exercise.make_inputs(np.random.default_rng(0))[:1]
    (outcome,) = exercise.run(_step(), inputs)
    value = outcome.value
    assert isinstance(value["d_loss"], float) and isinstance(value["g_loss"], float)
    assert all(isinstance(w, np.ndarray) for w in value["generator"] + value["discriminator"])


# --- sample-quality score and slerp ---------------------------------------------


def test_quality_score_counting_every_class_seen_fails():
    wrong = lambda p, s=0.03: (p.max(axis=1).mean(), len(np.unique(p.argmax(axis=1))))  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "at least min_share" in result.message


def test_quality_score_with_strict_inequality_fails_on_the_exact_share():
    wrong = lambda p, s=0.03: (p.max(axis=1).mean(), int((np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p) > s).sum()))  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and ">=, not >" in result.message


def test_quality_score_averaging_all_probabilities_fails():
    wrong = lambda p, s=0.03: (p.mean(), int((np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p) >= s).sum()))  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "LARGEST probability" in result.message


def test_quality_score_is_called_with_min_share_left_at_its_default():
    cases = check.sample_quality_scores.make_inputs(np.random.default_rng(0))
    assert any(len(args) == 1 for args in cases)


def test_quality_score_as_an_array_is_asked_for_a_pair():
    as_array = lambda p, s=0.03: np.array([p.max(axis=1).mean(), (np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p) >= s).sum()])  # noqa: E731
    result = check.sample_quality_scores.check(as_array, seed=SEED, quiet=True)
    assert result.status == FAILED and "return a pair (mean_confidence, classes_present)" in result.message


def test_linear_interpolation_does_not_pass_as_slerp():
    lerp = lambda z0, z1, ts: np.asarray(ts)[:, None] * z1 + (1 - np.asarray(ts)[:, None]) * z0  # noqa: E731
    result = check.slerp.check(lerp, seed=SEED, quiet=True)
    assert not result.passed and "linear interpolation" in result.message


def test_slerp_that_divides_by_zero_for_parallel_vectors_is_caught():
    def no_fallback(z0, z1, ts):
        with np.errstate(all="ignore"):
            omega = np.arccos(np.clip(np.dot(z0, z1) / np.linalg.norm(z0) / np.linalg.norm(z1), -1, 1))
            ts = np.asarray(ts)[:, None]
            return (np.sin((1 - ts) * omega) * z0 + np.sin(ts * omega) * z1) / np.sin(omega)

    result = check.slerp.check(no_fallback, seed=SEED, quiet=True)
    assert not result.passed and "parallel" in result.message


def test_slerp_cases_include_opposite_vectors():
    cases = check.slerp.make_inputs(np.random.default_rng(0))
    assert any(np.isclose(np.dot(z0, z1), -np.linalg.norm(z0) * np.linalg.norm(z1)) for z0, z1, _ in cases)


# --- yours_or_reference -------------------------------------------------------------------


def test_yours_or_reference_uses_a_passing_answer(capsys):
    mine = lambda r, f: softplus(-r).mean() + softplus(f).mean()  # noqa: E731
    assert check.yours_or_reference("discriminator_loss", mine) is mine
    assert "Using your `discriminator_loss`" in capsys.readouterr().out


def test_yours_or_reference_falls_back_on_the_reference_for_a_stub(capsys):
    def stub(*args):
        raise NotImplementedError()

    assert check.yours_or_reference("slerp", stub) is ref.slerp
    assert "stands in" in capsys.readouterr().out


# --- the corpus's training steps, confirmed without the checker ------------------------------------------


def _corpus_steps():
    from corpus import all_cases

    return [case for case in all_cases() if case.chapter == "04_gan" and case.exercise == "gan_train_step"]


def _run_step(step, weights, seed):
    """Fresh tiny players with the given weights, Adam 2e-3 for the discriminator and 5e-4 for the generator, one step."""
    import keras

    from course.models import build_discriminator, build_generator

    generator, discriminator = build_generator(8, filters=(8, 4)), build_discriminator(filters=(4, 8), dropout=0.0)
    generator.set_weights(weights[0])
    discriminator.set_weights(weights[1])
    rng = np.random.default_rng(0)
    real, noise = rng.uniform(-1, 1, (8, 28, 28, 1)).astype("float32"), rng.standard_normal((8, 8)).astype("float32")
    keras.utils.set_random_seed(seed)
    returned = step(generator, discriminator, keras.optimizers.Adam(5e-4, beta_1=0.5), keras.optimizers.Adam(2e-3, beta_1=0.5), real, noise)
    return returned, [np.asarray(w) for w in generator.trainable_weights + discriminator.trainable_weights]


@functools.lru_cache(maxsize=1)
def _reference_step():
    """The players' initial weights, and what the reference step returns and leaves (computed once)."""
    import keras

    from course.models import build_discriminator, build_generator

    keras.utils.set_random_seed(3)
    weights = (build_generator(8, filters=(8, 4)).get_weights(), build_discriminator(filters=(4, 8), dropout=0.0).get_weights())
    return weights, *_run_step(ref.gan_train_step, weights, seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in _corpus_steps()])
def test_the_training_step_label_agrees_with_the_reference_step(case):
    weights, (d_loss, g_loss), expected = _reference_step()
    returned, got = _run_step(case.answer, weights, seed=1)
    again = _run_step(case.answer, weights, seed=2)[1]
    try:
        numbers = [float(np.asarray(v)) for v in returned]
        pair = len(numbers) == 2
    except TypeError:
        pair = False
    same_weights = all(np.allclose(a, b, atol=1e-4) for a, b in zip(got, expected))
    repeatable = all(np.allclose(a, b) for a, b in zip(got, again))
    same = pair and np.allclose(numbers, [d_loss, g_loss], rtol=1e-3) and same_weights and repeatable
    if case.correct or case.why == "reference":
        assert same, f"{case.id}: differs from the reference step (pair {pair}, weights {same_weights}, repeatable {repeatable})"
    elif case.why == "type":
        assert not pair, f"{case.id} is labelled wrong for its type, but it returns a pair of numbers"
    else:
        assert not same, f"{case.id} is labelled wrong, but it does what the reference step does"
