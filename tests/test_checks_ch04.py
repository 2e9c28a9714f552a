"""Chapter 4 checkers: the hints a learner gets for typical mistakes (stubs and crashes: test_checks_every_chapter.py)."""

import numpy as np

from course.checks import ch04_gan as check
from course.checks import chapter_exercises
from course.checks.core import PASSED

SEED = 4


def softplus(x):
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def test_the_chapter_lists_seven_exercises_in_notebook_order():
    names = [e.name for e in chapter_exercises("04_gan")]
    assert names == ["transposed_conv_output_size", "discriminator_loss", "generator_loss",
                     "smoothed_discriminator_loss", "gan_train_step", "sample_quality_scores", "slerp"]


def test_transposed_conv_with_the_downsampling_formula_fails_with_a_hint():
    wrong = lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else -(-n // s)  # noqa: E731
    result = check.transposed_conv_output_size.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "ordinary (downsampling) convolution" in result.message


def test_transposed_conv_valid_padding_without_the_overhang_fails():
    result = check.transposed_conv_output_size.check(lambda n, k, s, p: n * s, seed=SEED, quiet=True)
    assert not result.passed and "padding='valid'" in result.message and "(n - 1) * s + k" in result.message


def test_discriminator_loss_computed_through_sigmoid_and_log_overflows():
    def naive(real, fake):
        with np.errstate(all="ignore"):
            sigmoid = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
            return -np.mean(np.log(sigmoid(real))) - np.mean(np.log(1 - sigmoid(fake)))

    result = check.discriminator_loss.check(naive, seed=SEED, quiet=True)
    assert not result.passed and "NaN or inf" in result.message and "+-150" in result.message


def test_discriminator_loss_with_swapped_labels_is_named():
    wrong = lambda r, f: softplus(r).mean() + softplus(-f).mean()  # noqa: E731
    result = check.discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "swapped" in result.message


def test_discriminator_loss_averaged_over_the_concatenation_is_named():
    wrong = lambda r, f: np.concatenate([softplus(-r).ravel(), softplus(f).ravel()]).mean()  # noqa: E731
    result = check.discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "separately" in result.message


def test_the_saturating_generator_loss_is_named():
    result = check.generator_loss.check(lambda f: -softplus(f).mean(), seed=SEED, quiet=True)
    assert not result.passed and "saturating loss" in result.message


def test_smoothed_loss_that_ignores_real_label_fails():
    result = check.smoothed_discriminator_loss.check(lambda r, f, t: check.discriminator_loss_reference(r, f), seed=SEED, quiet=True)
    assert not result.passed and "real_label is ignored" in result.message


def test_smoothed_loss_that_drops_the_second_bce_term_fails():
    wrong = lambda r, f, t: (t * softplus(-r)).mean() + softplus(f).mean()  # noqa: E731
    result = check.smoothed_discriminator_loss.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "two terms" in result.message


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


def test_quality_score_counting_every_class_seen_fails():
    wrong = lambda p, s: (p.max(axis=1).mean(), len(np.unique(p.argmax(axis=1))))  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "at least min_share" in result.message


def test_quality_score_with_strict_inequality_fails_on_the_exact_share():
    wrong = lambda p, s: (p.max(axis=1).mean(), int((np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p) > s).sum()))  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and ">=, not >" in result.message


def test_quality_score_averaging_all_probabilities_fails():
    wrong = lambda p, s: (p.mean(), check.sample_quality_scores_reference(p, s)[1])  # noqa: E731
    result = check.sample_quality_scores.check(wrong, seed=SEED, quiet=True)
    assert not result.passed and "LARGEST probability" in result.message


# --- the training step ---------------------------------------------------------


def _step(update_d=True, generator_training=True, g_vars="generator", d_sign=1.0):
    """A training step with one configurable mistake."""
    import tensorflow as tf

    from course.gan import discriminator_loss, generator_loss

    def step(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
        fake = generator(noise, training=generator_training)
        with tf.GradientTape() as tape:
            d_loss = discriminator_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
        if update_d:
            grads = tape.gradient(d_loss, discriminator.trainable_weights)
            d_optimizer.apply_gradients(zip([d_sign * g for g in grads], discriminator.trainable_weights))
        variables = generator.trainable_weights + (discriminator.trainable_weights if g_vars == "both" else [])
        with tf.GradientTape() as tape:
            g_loss = generator_loss(discriminator(generator(noise, training=True), training=True))
        g_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
        return d_loss, g_loss

    return step


def test_the_reference_training_step_passes():
    assert check.gan_train_step.check(check.gan_train_step_reference, seed=SEED, quiet=True).status == PASSED


def test_a_step_that_never_updates_the_discriminator_fails():
    result = check.gan_train_step.check(_step(update_d=False), seed=SEED, quiet=True)
    assert not result.passed and "discriminator's weights did not change" in result.message


def test_a_step_that_runs_the_generator_in_inference_mode_gets_a_wrong_d_loss():
    result = check.gan_train_step.check(_step(generator_training=False), seed=SEED, quiet=True)
    assert not result.passed and "d_loss is" in result.message and "training=True" in result.message


def test_a_generator_step_that_also_moves_the_discriminator_fails():
    result = check.gan_train_step.check(_step(g_vars="both"), seed=SEED, quiet=True)
    assert not result.passed and "discriminator weights differ" in result.message


def test_a_discriminator_step_that_climbs_its_loss_fails():
    result = check.gan_train_step.check(_step(d_sign=-1.0), seed=SEED, quiet=True)
    assert not result.passed and "discriminator weights differ" in result.message


def test_a_step_that_returns_one_number_is_told_to_return_a_pair():
    def one(*args):
        return 1.0

    result = check.gan_train_step.check(one, seed=SEED, quiet=True)
    assert not result.passed and "(d_loss, g_loss)" in result.message


def test_training_step_outcomes_are_plain_data():
    exercise = check.gan_train_step
    inputs = exercise.make_inputs(np.random.default_rng(0))[:1]
    (outcome,) = exercise.run(check.gan_train_step_reference, inputs)
    value = outcome.value
    assert isinstance(value["d_loss"], float) and isinstance(value["g_loss"], float)
    assert all(isinstance(w, np.ndarray) for w in value["generator"] + value["discriminator"])
