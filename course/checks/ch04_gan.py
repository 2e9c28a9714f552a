"""Checkers of chapter 4 (generative adversarial networks), in notebook order.

In the notebook::

    from course.checks import ch04_gan as check
    check.discriminator_loss(discriminator_loss)

Function exercises compare with a NumPy reference on fresh random cases and,
when a wrong answer matches a known mistake (the saturating generator loss,
smoothing the fake labels too, linear instead of spherical interpolation...),
they say so. The training-step exercise runs the learner's step on two tiny
models and compares the losses and the updated weights with the reference
step's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from course.checks.core import (
    HintedFunctionExercise,
    ERROR, Exercise, FunctionExercise, Outcome, call_safely, compare_arrays, describe_value,
)

CHAPTER = "04_gan"


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


# --------------------------------------------------------------------------
# 1. Output size of a transposed convolution
# --------------------------------------------------------------------------


def transposed_conv_output_size_reference(size: int, kernel: int, stride: int, padding: str) -> int:
    if padding == "same":
        return size * stride
    return (size - 1) * stride + kernel


def _transposed_cases(rng):
    cases = [(7, 4, 2, "same"), (14, 4, 2, "same"), (7, 4, 2, "valid"), (1, 3, 1, "valid"), (5, 5, 3, "valid")]
    for _ in range(4):
        stride = int(rng.integers(1, 4))
        kernel = int(rng.integers(stride, 7))
        cases.append((int(rng.integers(1, 30)), kernel, stride, str(rng.choice(["same", "valid"]))))
    return cases


transposed_conv_output_size = HintedFunctionExercise(
    CHAPTER, "transposed_conv_output_size", "transposed_conv_output_size", points=1,
    description="output length of Conv2DTranspose for 'same' and 'valid' padding",
    cases=_transposed_cases, reference=transposed_conv_output_size_reference, rtol=0, atol=0,
    describe_case=lambda a: f"case size={a[0]}, kernel={a[1]}, stride={a[2]}, padding={a[3]!r}",
    mistakes=[
        (lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else -(-n // s),
         "that is the size of an ordinary (downsampling) convolution; a transposed one upsamples."),
        (lambda n, k, s, p: n * s, "with padding='valid' the kernel overhangs the last input position: (n - 1) * s + k."),
    ],
)


# --------------------------------------------------------------------------
# 2-4. Losses on logits
# --------------------------------------------------------------------------


def discriminator_loss_reference(real_logits, fake_logits):
    return _softplus(-np.asarray(real_logits)).mean() + _softplus(fake_logits).mean()


def generator_loss_reference(fake_logits):
    return _softplus(-np.asarray(fake_logits)).mean()


def smoothed_discriminator_loss_reference(real_logits, fake_logits, real_label):
    r = np.asarray(real_logits, dtype=np.float64)
    real = real_label * _softplus(-r) + (1 - real_label) * _softplus(r)
    return real.mean() + _softplus(fake_logits).mean()


def _logit_pair_cases(rng):
    """Discriminator outputs (N, 1); different N for real and fake; one case with huge logits."""
    cases = []
    for n_real, n_fake, scale in ((8, 8, 2.0), (16, 5, 3.0), (3, 11, 1.0)):
        cases.append((rng.normal(0, scale, (n_real, 1)).astype(np.float32), rng.normal(0, scale, (n_fake, 1)).astype(np.float32)))
    big = np.array([[150.0], [-150.0], [80.0], [-3.0]], dtype=np.float32)
    cases.append((big, -big[::-1].copy()))
    return cases


def _describe_logits(args):
    shapes = ", ".join(str(np.shape(a)) for a in args if isinstance(a, np.ndarray))
    extra = [a for a in args if not isinstance(a, np.ndarray)]
    big = any(isinstance(a, np.ndarray) and np.abs(a).max() > 50 for a in args)
    text = f"logits of shapes {shapes}" + (f", real_label={extra[0]}" if extra else "")
    return f"case ({text}{', with logits of +-150' if big else ''})"


def _naive_bce(real, fake):
    with np.errstate(all="ignore"):
        sig = lambda x: 1 / (1 + np.exp(-np.asarray(x, np.float64)))  # noqa: E731
        return -np.mean(np.log(sig(real))) - np.mean(np.log(1 - sig(fake)))


discriminator_loss = HintedFunctionExercise(
    CHAPTER, "discriminator_loss", "discriminator_loss", points=1,
    description="binary cross-entropy of the discriminator, from logits",
    cases=_logit_pair_cases, reference=discriminator_loss_reference, rtol=1e-4, atol=1e-5,
    describe_case=_describe_logits,
    mistakes=[
        (lambda r, f: _softplus(-np.asarray(r)).mean() + _softplus(-np.asarray(f)).mean(), "fake images have label 0: their term is softplus(+f), not softplus(-f)."),
        (lambda r, f: np.concatenate([_softplus(-np.asarray(r)).ravel(), _softplus(f).ravel()]).mean(),
         "take the mean over real and over fake logits separately, then add the two means."),
        (lambda r, f: (_softplus(-np.asarray(r)).mean() + _softplus(f).mean()) / 2, "add the two means; do not average them."),
        (lambda r, f: _softplus(r).mean() + _softplus(-np.asarray(f)).mean(), "real and fake labels are swapped: real images have label 1."),
    ],
)


generator_loss = HintedFunctionExercise(
    CHAPTER, "generator_loss", "generator_loss", points=1,
    description="non-saturating generator loss, from logits",
    cases=lambda rng: [(f,) for _, f in _logit_pair_cases(rng)], reference=generator_loss_reference, rtol=1e-4, atol=1e-5,
    describe_case=_describe_logits,
    mistakes=[
        (lambda f: -_softplus(f).mean(), "that is the saturating loss mean(log(1 - D(G(z)))); use the non-saturating -mean(log D(G(z))) = mean(softplus(-f))."),
        (lambda f: _softplus(f).mean(), "the generator wants its fakes labelled real (1): softplus(-f), not softplus(f)."),
    ],
)


def _smoothing_cases(rng):
    return [(r, f, float(label)) for (r, f), label in zip(_logit_pair_cases(rng), (0.9, 0.85, 1.0, 0.9))]


smoothed_discriminator_loss = HintedFunctionExercise(
    CHAPTER, "smoothed_discriminator_loss", "smoothed_discriminator_loss", points=1,
    description="discriminator loss with one-sided label smoothing",
    cases=_smoothing_cases, reference=smoothed_discriminator_loss_reference, rtol=1e-4, atol=1e-5,
    describe_case=_describe_logits,
    mistakes=[
        (lambda r, f, t: smoothed_discriminator_loss_reference(r, f, 1.0), "real_label is ignored: the real images' target must be real_label, not 1."),
        (lambda r, f, t: real_label_only(r, t) + (1 - t) * _softplus(-np.asarray(f)).mean() + t * _softplus(f).mean(),
         "smoothing is one-sided: fake images keep the target 0."),
        (lambda r, f, t: real_label_only(r, t, cross_term=False) + _softplus(f).mean(),
         "binary cross-entropy with a soft target t has two terms: t * softplus(-r) + (1 - t) * softplus(r)."),
    ],
)


def real_label_only(real_logits, t, cross_term=True):
    r = np.asarray(real_logits, dtype=np.float64)
    return (t * _softplus(-r) + ((1 - t) * _softplus(r) if cross_term else 0.0)).mean()


# --------------------------------------------------------------------------
# 5. One training step of the GAN
# --------------------------------------------------------------------------

STEP_LATENT_DIM = 8
STEP_LEARNING_RATE = 1e-3


def _tiny_models():
    from course.models import build_discriminator, build_generator

    return (build_generator(STEP_LATENT_DIM, filters=(8, 4)), build_discriminator(filters=(4, 8), dropout=0.0))


def _optimizers():
    import keras

    return (keras.optimizers.Adam(STEP_LEARNING_RATE, beta_1=0.5), keras.optimizers.Adam(STEP_LEARNING_RATE, beta_1=0.5))


def _models_with(weights):
    generator, discriminator = _tiny_models()
    generator.set_weights(weights["generator"])
    discriminator.set_weights(weights["discriminator"])
    return generator, discriminator


def gan_train_step_reference(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    import tensorflow as tf

    from course.gan import discriminator_loss as d_loss_fn, generator_loss as g_loss_fn

    fake = generator(noise, training=True)
    with tf.GradientTape() as tape:
        d_loss = d_loss_fn(discriminator(real_images, training=True), discriminator(fake, training=True))
    grads = tape.gradient(d_loss, discriminator.trainable_weights)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
    with tf.GradientTape() as tape:
        g_loss = g_loss_fn(discriminator(generator(noise, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_weights)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
    return float(d_loss), float(g_loss)


def _trainable(model) -> list[np.ndarray]:
    return [np.array(w.numpy() if hasattr(w, "numpy") else w) for w in model.trainable_weights]


def _play(step: Callable, case: dict) -> Outcome:
    """Run ``step`` on fresh tiny models with the case's weights; plain-data outcome."""
    generator, discriminator = _models_with(case["weights"])
    g_optimizer, d_optimizer = _optimizers()
    outcome = call_safely(step, generator, discriminator, g_optimizer, d_optimizer, case["real"], case["noise"])
    if not outcome.ok:
        return outcome
    value = outcome.value
    try:
        d_loss, g_loss = (float(np.asarray(v.numpy() if hasattr(v, "numpy") else v)) for v in value)
    except Exception:
        return Outcome(error="TypeError", detail=f"return the pair (d_loss, g_loss) as two numbers; got {describe_value(value)}")
    return Outcome(value={"d_loss": d_loss, "g_loss": g_loss,
                          "generator": _trainable(generator), "discriminator": _trainable(discriminator)})


def _changed(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(a - b))) for a, b in zip(before, after))


@dataclass
class TrainStepExercise(Exercise):
    """The learner's ``gan_train_step`` on two tiny models, compared with the reference step.

    Judged: both returned losses are finite and equal the reference's (the
    losses *before* each update); the discriminator's and the generator's
    trainable weights both changed, and each equals the reference's after
    one Adam step (at most 1% of values may differ, for float round-off).
    """

    n_cases: int = 2

    def make_inputs(self, rng):
        cases = []
        for _ in range(self.n_cases):
            generator, discriminator = _tiny_models()
            cases.append({
                "weights": {"generator": generator.get_weights(), "discriminator": discriminator.get_weights()},
                "initial": {"generator": _trainable(generator), "discriminator": _trainable(discriminator)},
                "real": rng.uniform(-1, 1, (8, 28, 28, 1)).astype(np.float32),
                "noise": rng.standard_normal((8, STEP_LATENT_DIM)).astype(np.float32),
            })
        return cases

    def run(self, answer, inputs):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        return [_play(answer, case) for case in inputs]

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, "no result came back for some test cases.", ERROR)
        for i, (case, outcome) in enumerate(zip(inputs, outcomes), start=1):
            if not outcome.ok:
                return self.error_result(outcome, f" on case {i}")
            got = outcome.value
            expected = _play(gan_train_step_reference, case).value
            where = f"case {i}"
            for name in ("d_loss", "g_loss"):
                if not np.isfinite(got[name]):
                    return self.result(False, f"{where}: {name} is {got[name]} (NaN or inf): compute the losses from logits with softplus.")
            for player, optimizer in (("discriminator", "d_optimizer"), ("generator", "g_optimizer")):
                if _changed(case["initial"][player], got[player]) == 0.0:
                    return self.result(False, f"{where}: the {player}'s weights did not change: apply {optimizer} to the gradients of its loss with respect to {player}.trainable_weights.")
            if not np.isclose(got["d_loss"], expected["d_loss"], rtol=1e-3, atol=1e-4):
                return self.result(False, f"{where}: d_loss is {got['d_loss']:.5f}, expected {expected['d_loss']:.5f}: compute it before the update, on real_images and generator(noise, training=True).")
            for player, hint in (
                ("discriminator", "update it once, with d_optimizer, on the gradient of d_loss (minimise it: the optimizer subtracts the gradient); the generator step must not change it"),
                ("generator", "update it once, with g_optimizer, on the gradient of g_loss with respect to generator.trainable_weights, after the discriminator step"),
            ):
                differ = sum(int((~np.isclose(a, b, rtol=1e-3, atol=STEP_LEARNING_RATE * 0.3)).sum()) for a, b in zip(got[player], expected[player]))
                total = sum(a.size for a in expected[player])
                if differ > 0.01 * total:
                    return self.result(False, f"{where}: after the step, {differ} of {total} {player} weights differ from one correct Adam step: {hint}.")
            if not np.isclose(got["g_loss"], expected["g_loss"], rtol=1e-2, atol=1e-3):
                return self.result(False, f"{where}: g_loss is {got['g_loss']:.5f}, expected {expected['g_loss']:.5f}: compute it after the discriminator step, with the same noise, using the non-saturating loss.")
        return self.result(True, f"losses and both players' updates match the reference on {len(inputs)} cases.")


gan_train_step = TrainStepExercise(
    CHAPTER, "gan_train_step", "gan_train_step", points=2,
    description="one round of the GAN game: a discriminator step, then a generator step",
)


# --------------------------------------------------------------------------
# 6. Spherical interpolation in latent space
# --------------------------------------------------------------------------


def slerp_reference(z0, z1, ts):
    from course.gan import slerp as course_slerp

    return course_slerp(z0, z1, ts)


def _slerp_cases(rng):
    cases = []
    for d in (2, 16, 64):
        cases.append((rng.standard_normal(d), rng.standard_normal(d), np.linspace(0, 1, int(rng.integers(3, 9)))))
    parallel = np.array([1.0, 2.0, 2.0, 4.0]) * rng.choice([1.0, -1.0])  # norm 5: the cosine is exactly 1
    cases.append((parallel, 2.0 * parallel, np.array([0.0, 0.3, 1.0])))  # omega = 0: 0/0 unless handled
    cases.append((rng.standard_normal(8), rng.standard_normal(8), rng.uniform(0, 1, 5)))
    return cases


slerp = HintedFunctionExercise(
    CHAPTER, "slerp", "slerp", points=1,
    description="spherical interpolation between two noise vectors",
    cases=_slerp_cases, reference=slerp_reference, rtol=1e-4, atol=1e-5,
    describe_case=lambda a: f"case (z0 of length {len(a[0])}, {len(a[2])} values of t{', z1 parallel to z0' if abs(abs(np.dot(a[0], a[1])) - np.linalg.norm(a[0]) * np.linalg.norm(a[1])) < 1e-9 else ''})",
    mistakes=[
        (lambda z0, z1, ts: np.asarray(ts)[:, None] * z1 + (1 - np.asarray(ts)[:, None]) * z0, "that is linear interpolation; slerp follows the arc: sin((1-t) omega) / sin(omega) * z0 + sin(t omega) / sin(omega) * z1."),
        (lambda z0, z1, ts: slerp_reference(z1, z0, ts), "z0 and z1 are swapped: t = 0 must give z0."),
    ],
)


# --------------------------------------------------------------------------
# 7. The sample-quality score
# --------------------------------------------------------------------------


def sample_quality_scores_reference(probabilities, min_share=0.03):
    from course.gan import class_quality

    q = class_quality(probabilities, min_share)
    return np.array([q["mean_confidence"], q["classes_present"]])


def _probability_cases(rng):
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    cases = [(softmax(rng.normal(0, 3, (200, 10))), 0.03), (softmax(rng.normal(0, 1, (50, 4))), 0.1)]
    collapsed = softmax(rng.normal(0, 1, (100, 10)))
    collapsed[:, 3] += 5.0
    cases.append((collapsed / collapsed.sum(axis=1, keepdims=True), 0.03))
    exact = np.full((1000, 10), 0.01, dtype=np.float32)          # class 0 gets exactly 3%, class 1 2.9%
    labels = np.concatenate([np.zeros(30), np.ones(29), np.full(941, 2)]).astype(int)
    exact[np.arange(1000), labels] = 0.91
    cases.append((exact, 0.03))
    return cases


sample_quality_scores = HintedFunctionExercise(
    CHAPTER, "sample_quality_scores", "sample_quality_scores", points=1,
    description="mean top-class confidence and number of classes present",
    cases=_probability_cases, reference=sample_quality_scores_reference, rtol=1e-4, atol=1e-5,
    describe_case=lambda a: f"case (probabilities of shape {a[0].shape}, min_share={a[1]})",
    mistakes=[
        (lambda p, s: np.array([np.mean(p), sample_quality_scores_reference(p, s)[1]]), "the confidence is the mean of each image's LARGEST probability, not of all probabilities."),
        (lambda p, s: np.array([p.max(axis=1).mean(), len(np.unique(p.argmax(axis=1)))]), "count only classes whose share of the images is at least min_share."),
        (lambda p, s: np.array([p.max(axis=1).mean(), int((np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p) > s).sum())]), "a class with a share of exactly min_share counts (>=, not >)."),
    ],
)


EXERCISES = [
    transposed_conv_output_size,
    discriminator_loss,
    generator_loss,
    smoothed_discriminator_loss,
    gan_train_step,
    sample_quality_scores,
    slerp,
]
