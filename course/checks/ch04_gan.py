"""Checkers of chapter 4 (a denoising autoencoder, generative adversarial networks), in notebook order.

In the notebook::

    from course.checks import ch04_gan as check
    check.discriminator_loss(discriminator_loss)

Function exercises compare the learner's code with the references in
:mod:`course.references.ch04_gan` (imported only when judging) on fresh random
cases plus the edge cases each statement implies (a kernel smaller than the
stride, logits of +-150, parallel and opposite noise vectors, a class share of
exactly ``min_share``), check the type the statement asks for and that the
arguments are left unchanged, and name a recognised mistake (the saturating
generator loss, averaging the two halves of the discriminator loss, a sigmoid
fed to a from-logits loss, linear instead of spherical interpolation...).

``add_noise`` draws random noise, so its checker judges statistics instead of
values (like chapter 1's ``dropout``): the shape and dtype of the images,
values in [0, 1], the noise's mean, standard deviation and shape where
nothing is clipped, about half of the values clipped at pixels of 0 and
1, the noise drawn from ``rng``, ``sigma = 0`` returning the images.

``gan_train_step`` runs the learner's step on two tiny models whose players
get different learning rates, and compares the losses, which weights moved
and by how much, and the updated weights with one correct step; it also runs
the step twice on the same arguments, which must give the same result (the
statement hands the step its noise).

Every exercise refuses an answer that is, wraps or calls anything in
:mod:`course.references.ch04_gan` or the course's own GAN functions that
compute the same thing (:mod:`course.gan`'s losses, ``GAN.train_step``,
``class_quality``, ``slerp``).

:func:`yours_or_reference` lets the notebook's story run on the learner's
functions once they pass, and on the references until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from course.checks import core
from course.checks.core import (
    ERROR, FLOAT, FLOAT_ARRAY, INT, NOT_ACCEPTED, Exercise, FunctionExercise, Guard, HintedFunctionExercise, Outcome, RandomFunctionExercise,
    call_answer, describe_type, describe_value, type_phrase, with_hint,
)
from course.translation import N_, tr

CHAPTER = "04_gan"
#: Where the references live; every exercise of the chapter forbids the whole module.
REFERENCES = "course.references.ch04_gan"
#: The course's GAN losses: the answers of exercises 3-5, and what a training step must not borrow either.
GAN_LOSSES = ("course.gan:discriminator_loss", "course.gan:generator_loss")
#: Keras's clipping of probabilities in its cross-entropies.
KERAS_EPS = 1e-7


def _ref(name: str) -> Callable:
    """The reference ``name`` from course.references.ch04_gan, imported now (trusted side only)."""
    return core.resolve_name(f"{REFERENCES}:{name}")


def _softplus(x: Any) -> np.ndarray:
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def _sigmoid(x: Any) -> np.ndarray:
    """The sigmoid in the dtype it is given (float32 overflows where a learner's float32 code does)."""
    x = np.asarray(x)
    return 1 / (1 + np.exp(-x))


# --------------------------------------------------------------------------
# 1. The corruption of a denoising autoencoder, judged by its statistics
# --------------------------------------------------------------------------

#: How far a statistic may stray from its expected value, in standard errors (a false verdict: about 2e-9 per test).
NOISE_SIGMAS = 6.0
#: What each add_noise case is for, in the order _noise_cases makes them.
NOISE_ROLES = (N_("the noise's statistics"), N_("the same generator again"), N_("another generator"), N_("clipping at pixels of 0 and 1"),
               N_("sigma 0"), N_("float64 images of another shape"))
#: The share of a normal distribution within one standard deviation of its mean.
NORMAL_WITHIN_ONE_SIGMA = 0.6826894921370859
#: E[max(z, 0)] for a standard normal z: 1 / sqrt(2 pi).
HALF_NORMAL_MEAN = 0.3989422804014327


def _noise_cases(rng):
    seed = int(rng.integers(2**31))
    grey = rng.uniform(0.35, 0.65, (64, 28, 28)).astype(np.float32)       # sigma 0.05: no pixel gets near 0 or 1
    zeros_and_ones = (rng.random((32, 28, 28)) < 0.5).astype(np.float32)   # exact 0s and 1s: half of the noise is clipped
    return [
        (grey, 0.05, np.random.default_rng(seed)),
        (grey.copy(), 0.05, np.random.default_rng(seed)),         # a generator in the same state: the same output
        (grey.copy(), 0.05, np.random.default_rng(seed + 1)),     # another generator: other noise
        (zeros_and_ones, 0.3, np.random.default_rng(seed + 2)),
        (rng.uniform(0, 1, (8, 28, 28)).astype(np.float32), 0.0, np.random.default_rng(seed + 3)),
        (rng.uniform(0.4, 0.6, (100, 784)), 0.05, np.random.default_rng(seed + 4)),
    ]


@dataclass
class NoiseExercise(RandomFunctionExercise):
    """``add_noise(images, sigma, rng)`` judged by what it does, so every correct way of drawing the noise passes.

    The noise is random, so no output is compared with the reference's. On
    each case (``NOISE_ROLES``) the checker judges: a NumPy array of the
    shape and dtype of ``images``, every value in [0, 1]; where no pixel is
    near 0 or 1, the noise ``out - images`` has mean 0 and standard
    deviation ``sigma`` (within ``NOISE_SIGMAS`` standard errors), is
    Gaussian (about 68.3% of it within one ``sigma``) and varies from image
    to image and from pixel to pixel; at pixels of 0 and 1 about half
    of the values are clipped to exactly 0 or 1 and the rest are as far off
    as a half-normal draw; two generators in the same state give the same
    output and two different ones do not (the noise comes from ``rng``);
    ``sigma = 0`` returns the images; ``images`` is left unchanged
    (``read_only``).
    """

    def _case_name(self, i, args):
        images, sigma, _ = args
        return tr(core.CASE, number=i + 1, description=tr("images of shape {shape}, {dtype}, sigma={sigma}: {role}", shape=images.shape,
                  dtype=images.dtype, sigma=sigma, role=tr(NOISE_ROLES[i])))

    def problem(self, i, args, value, outputs):
        """What is wrong with the output of case ``i`` (``outputs``: the earlier cases' arrays), or None; and the array."""
        images, sigma, _ = args
        x = np.asarray(images, np.float64)
        described = value.get("type", {}) if isinstance(value, dict) else {}
        if not FLOAT_ARRAY.accepts(described):
            return tr("return a NumPy float array of the shape of images; got {got}.", got=type_phrase(described)), None
        out = core.as_float_array(value)
        if out is None or out.shape != x.shape:
            return tr("wrong shape: expected {expected} (the shape of images), got {got}.", expected=x.shape,
                      got=None if out is None else out.shape), None
        if described.get("dtype") != str(images.dtype):
            return with_hint(tr("return an array of the dtype of images, {dtype}; got {got}.", dtype=images.dtype, got=described.get("dtype")),
                             N_("rng's normal draws are float64, and float32 + float64 gives float64: convert the result with "
                                ".astype(images.dtype) (a float64 copy of 60,000 images takes twice the memory, and Keras trains in float32).")), None
        if not np.all(np.isfinite(out)):
            return tr("got NaN or inf."), None
        if out.min() < 0 or out.max() > 1:
            return with_hint(tr("values from {low:.4g} to {high:.4g}; pixels must stay in [0, 1].", low=out.min(), high=out.max()),
                             N_("clip AFTER adding the noise: np.clip(images + noise, 0, 1).")), out
        role = NOISE_ROLES[i]
        if role == "sigma 0":
            if np.allclose(out, x, rtol=0, atol=1e-7):
                return None, out
            index = tuple(int(k) for k in np.argwhere(~np.isclose(out, x, rtol=0, atol=1e-7))[0])
            return with_hint(tr("with sigma 0 the images must come back unchanged; at index {index} expected {expected:.6g}, got {got:.6g}.",
                                index=index, expected=x[index], got=out[index]),
                             N_("sigma is the standard deviation of the noise: sigma * rng.standard_normal(...).")), out
        if role == "clipping at pixels of 0 and 1":
            return self._clipping_problem(x, sigma, out), out
        problem = self._statistics_problem(x, sigma, out)
        if problem:
            return problem, out
        if role == "the same generator again" and not np.array_equal(out, outputs[0]):
            return tr("a generator in the same state as in case 1 gave other noise. Hint: draw the noise from the `rng` argument "
                      "(rng.standard_normal(images.shape) or rng.normal(0, sigma, images.shape)), not from np.random or a new "
                      "generator."), out
        if role == "another generator" and np.array_equal(out, outputs[0]):
            return tr("another generator than in case 1 gave the same noise. Hint: draw the noise from the `rng` argument, not "
                      "from a generator of your own with a fixed seed."), out
        return None, out

    @staticmethod
    def _statistics_problem(x, sigma, out):
        """Mean, standard deviation, shape of the distribution and independence of the noise, where nothing is clipped."""
        noise = out - x
        n = noise.size
        mean, std = float(noise.mean()), float(noise.std())
        if std < 1e-12:
            return tr("the images came back without noise: add sigma * rng.standard_normal(images.shape) to them.")
        flat = noise.reshape(len(noise), -1)
        if len(flat) > 1 and flat.std(axis=0).mean() < 0.5 * std:
            return tr("every image got the same noise. Hint: draw one number per pixel of every image: "
                      "rng.standard_normal(images.shape), not images.shape[1:].")
        if flat.shape[1] > 1 and flat.std(axis=1).mean() < 0.5 * std:
            return tr("all the pixels of an image got the same noise. Hint: draw one number per pixel of every image: "
                      "rng.standard_normal(images.shape).")
        if abs(mean) > NOISE_SIGMAS * sigma / np.sqrt(n):
            message = tr("the noise (output - images) has mean {mean:.4g}; Gaussian noise has mean 0.", mean=mean)
            if np.isclose(mean, sigma / 2, rtol=0.1):
                message = with_hint(message, N_("rng.random draws from [0, 1), which is not centred on 0: use rng.normal(0, sigma, ...) "
                                                "or sigma * rng.standard_normal(...)."))
            return message
        if abs(std / sigma - 1) > NOISE_SIGMAS / np.sqrt(2 * n):
            message = tr("the noise (output - images) has standard deviation {std:.4g}; expected sigma = {sigma}.", std=std, sigma=sigma)
            if np.isclose(std, sigma**2, rtol=0.05):
                return with_hint(message, N_("sigma is the standard deviation, not the variance: multiply a standard normal draw "
                                             "by sigma (rng.normal's scale is the standard deviation too)."))
            if np.abs(noise).max() <= sigma * (1 + 1e-6):
                return with_hint(message, N_("the noise never exceeds sigma: it looks uniform; draw it from a normal distribution."))
            return message
        within = float(np.mean(np.abs(noise) < sigma))
        p = NORMAL_WITHIN_ONE_SIGMA
        if abs(within - p) > NOISE_SIGMAS * np.sqrt(p * (1 - p) / n):
            return with_hint(tr("{within:.1%} of the noise lies within one sigma of 0; Gaussian noise puts {p:.1%} there.", within=within, p=p),
                             N_("draw normal noise (rng.normal or rng.standard_normal), not uniform noise."))
        return None

    @staticmethod
    def _clipping_problem(x, sigma, out):
        """At pixels of 0 and of 1, half of the noise is clipped away; the rest is a half-normal draw."""
        for level, name, distance in ((0.0, "0", out), (1.0, "1", 1.0 - out)):
            at = x == level
            n = int(at.sum())
            clipped = float(np.mean(distance[at] <= 1e-7))
            if abs(clipped - 0.5) > NOISE_SIGMAS * np.sqrt(0.25 / n):
                return with_hint(tr("at pixels of {name}, {clipped:.1%} of the noisy values are exactly {level:g}; expected about half (the "
                                    "noise points outside [0, 1] half of the time, and clipping puts those pixels back at {level:g}).",
                                    name=name, clipped=clipped, level=level),
                                 N_("clip with np.clip(images + noise, 0, 1); do not rescale the images or fold the noise."))
            spread = float(distance[at].mean())
            expected = sigma * HALF_NORMAL_MEAN
            margin = NOISE_SIGMAS * sigma * np.sqrt(0.5 - HALF_NORMAL_MEAN**2) / np.sqrt(n)
            if abs(spread - expected) > margin:
                return tr("at pixels of {name}, the noisy values are on average {spread:.4g} away from {level:g}; Gaussian noise of "
                          "standard deviation sigma = {sigma}, clipped to [0, 1], gives sigma / sqrt(2 pi) = {expected:.4g}.",
                          name=name, spread=spread, level=level, sigma=sigma, expected=expected)
        return None


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation add_noise: `noisy = images + sigma * rng.standard_normal(images.shape)`
#   -> `noisy = images - sigma * rng.standard_normal(images.shape)` is equivalent: the normal distribution is symmetric, so
#   minus a draw is a draw; the statement asks for Gaussian noise from rng, not for one particular use of its numbers.
add_noise = NoiseExercise(
    CHAPTER, "add_noise", "add_noise", points=2, roles=NOISE_ROLES,
    passed_message=N_("adds Gaussian noise of standard deviation sigma, clipped to [0, 1], on all {n} test cases; draws it from rng and "
                      "leaves images unchanged."),
    description="Gaussian noise of standard deviation sigma, drawn from rng, clipped to [0, 1]; same shape and dtype as images",
    forbidden=(REFERENCES,), cases=_noise_cases, reference=f"{REFERENCES}:add_noise",
    returns=FLOAT_ARRAY, arg_names=("images", "sigma", "rng"), read_only=("images",),
)


# --------------------------------------------------------------------------
# 2. Output size of a transposed convolution
# --------------------------------------------------------------------------


def _transposed_cases(rng):
    cases = [(7, 4, 2, "same"), (14, 4, 2, "same"), (7, 4, 2, "valid"), (1, 3, 1, "valid"), (5, 5, 3, "valid"),
             (4, 1, 3, "valid"),   # kernel smaller than the stride: Keras gives 12, not (4 - 1) * 3 + 1 = 10
             (6, 2, 4, "same"), (3, 2, 2, "valid")]
    for _ in range(4):
        stride = int(rng.integers(1, 5))
        kernel = int(rng.integers(1, 7))
        cases.append((int(rng.integers(1, 30)), kernel, stride, str(rng.choice(["same", "valid"]))))
    cases.append((int(rng.integers(2, 30)), int(rng.integers(1, 3)), int(rng.integers(3, 5)), "valid"))
    return cases


transposed_conv_output_size = HintedFunctionExercise(
    CHAPTER, "transposed_conv_output_size", "transposed_conv_output_size", points=1,
    description="output length of Conv2DTranspose for 'same' and 'valid' padding, as Keras computes it",
    forbidden=(REFERENCES,), cases=_transposed_cases, reference=f"{REFERENCES}:transposed_conv_output_size", rtol=0, atol=0,
    describe_case=lambda a: tr("case size={size}, kernel={kernel}, stride={stride}, padding={padding}", size=a[0], kernel=a[1], stride=a[2],
                               padding=repr(a[3])),
    returns=INT, arg_names=("size", "kernel", "stride", "padding"),
    mistakes=[
        (lambda n, k, s, p: (n - k) // s + 1 if p == "valid" else -(-n // s),
         N_("that is the size of an ordinary (downsampling) convolution; a transposed one upsamples.")),
        (lambda n, k, s, p: n * s, N_("with padding='valid' the kernel overhangs the last input position: (n - 1) * s + k when k >= s.")),
        (lambda n, k, s, p: n * s if p == "same" else (n - 1) * s + k,
         N_("when the kernel is smaller than the stride, Keras still gives every input position a full stride: "
            "(n - 1) * s + max(k, s) with padding='valid'.")),
        (lambda n, k, s, p: (n - 1) * s + max(k, s), N_("with padding='same' Keras crops the output to exactly n * s.")),
    ],
)


# --------------------------------------------------------------------------
# 3-5. Losses on logits
# --------------------------------------------------------------------------


def _logit_pair_cases(rng):
    """Discriminator outputs (N, 1); different N for real and fake; one case with huge logits; one in float64."""
    cases = []
    for n_real, n_fake, scale in ((16, 5, 3.0), (8, 8, 2.0), (3, 11, 1.0)):   # unequal sizes first: a mean over both != the half sum
        cases.append((rng.normal(0, scale, (n_real, 1)).astype(np.float32), rng.normal(0, scale, (n_fake, 1)).astype(np.float32)))
    big = np.array([[150.0], [-150.0], [80.0], [-3.0]], dtype=np.float32)
    cases.append((big, -big[::-1].copy()))
    cases.append((rng.normal(0, 2, (6, 1)), rng.normal(0, 2, (9, 1))))   # float64
    return cases


def _describe_logits(args):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    shapes = ", ".join(str(a.shape) for a in arrays)
    extra = [a for a in args if not isinstance(a, np.ndarray)]
    big = any(np.abs(a).max() > 50 for a in arrays)
    text = tr("logits of shapes {shapes}, {dtype}", shapes=shapes, dtype=arrays[0].dtype)
    text += tr(", real_label={label}", label=extra[0]) if extra else ""
    return tr("case ({description})", description=text + (tr(", with logits of +-150") if big else ""))


def _keras_bce_on_logits(logits, label):
    """What binary cross-entropy without from_logits gives when fed logits: Keras clips them into [eps, 1 - eps]."""
    p = np.clip(np.asarray(logits), KERAS_EPS, 1 - KERAS_EPS)   # in the logits' own dtype, as Keras computes it
    return float(-np.mean(label * np.log(p) + (1 - label) * np.log(1 - p)))


def _naive_log_sigmoid_loss(real, fake):
    """-mean log sigmoid(r) - mean log(1 - sigmoid(f)), computed directly: inf as soon as a logit is large."""
    return -np.mean(np.log(_sigmoid(real))) - np.mean(np.log(1 - _sigmoid(fake)))


_OVERFLOW = N_("log(sigmoid(x)) gives log(0) = -inf for large |x|: write the loss with softplus "
               "(-log sigmoid(x) = softplus(-x), -log(1 - sigmoid(x)) = softplus(x)).")
_SIGMOID_FIRST = N_("the arguments are already logits: softplus (or a from_logits=True loss) applies the sigmoid itself, "
                    "so do not apply a sigmoid first.")
_NOT_PROBABILITIES = N_("real_logits and fake_logits are logits, not probabilities: a cross-entropy on them needs "
                        "from_logits=True (or write it with softplus).")

discriminator_loss = HintedFunctionExercise(
    CHAPTER, "discriminator_loss", "discriminator_loss", points=1,
    description="binary cross-entropy of the discriminator, from logits",
    forbidden=(REFERENCES, *GAN_LOSSES), cases=_logit_pair_cases, reference=f"{REFERENCES}:discriminator_loss",
    rtol=1e-4, atol=1e-5, describe_case=_describe_logits,
    arg_names=("real_logits", "fake_logits"), read_only=("real_logits", "fake_logits"),
    mistakes=[
        (lambda r, f: _softplus(-r).mean() + _softplus(-f).mean(), N_("fake images have label 0: their term is softplus(+f), not softplus(-f).")),
        (lambda r, f: np.concatenate([_softplus(-r).ravel(), _softplus(f).ravel()]).mean(),
         N_("take the mean over real and over fake logits separately, then add the two means.")),
        (lambda r, f: (_softplus(-r).mean() + _softplus(f).mean()) / 2,
         N_("add the two means; do not average them: (real + fake) / 2 is half of L_D.")),
        (lambda r, f: _softplus(r).mean() + _softplus(-f).mean(), N_("real and fake labels are swapped: real images have label 1.")),
        (lambda r, f: _softplus(-r).sum() + _softplus(f).sum(), N_("take the mean over each batch, not the sum.")),
        (_naive_log_sigmoid_loss, _OVERFLOW),
        (lambda r, f: _softplus(-_sigmoid(r)).mean() + _softplus(_sigmoid(f)).mean(), _SIGMOID_FIRST),
        (lambda r, f: _keras_bce_on_logits(r, 1.0) + _keras_bce_on_logits(f, 0.0), _NOT_PROBABILITIES),
    ],
)


generator_loss = HintedFunctionExercise(
    CHAPTER, "generator_loss", "generator_loss", points=1,
    description="non-saturating generator loss, from logits",
    forbidden=(REFERENCES, *GAN_LOSSES), cases=lambda rng: [(f,) for _, f in _logit_pair_cases(rng)],
    reference=f"{REFERENCES}:generator_loss", rtol=1e-4, atol=1e-5, describe_case=_describe_logits,
    arg_names=("fake_logits",), read_only=("fake_logits",),
    mistakes=[
        (lambda f: -_softplus(f).mean(),
         N_("that is the saturating loss mean(log(1 - D(G(z)))); use the non-saturating -mean(log D(G(z))) = mean(softplus(-f)).")),
        (lambda f: _softplus(f).mean(), N_("the generator wants its fakes labelled real (1): softplus(-f), not softplus(f).")),
        (lambda f: _softplus(-f).sum(), N_("take the mean over the batch, not the sum.")),
        (lambda f: -np.mean(np.log(_sigmoid(f))), _OVERFLOW),
        (lambda f: _softplus(-_sigmoid(f)).mean(), _SIGMOID_FIRST),
        (lambda f: _keras_bce_on_logits(f, 1.0), N_("fake_logits are logits, not probabilities: a cross-entropy on them needs "
                                                    "from_logits=True (or write it with softplus).")),
    ],
)


def _smoothing_cases(rng):
    return [(r, f, float(label)) for (r, f), label in zip(_logit_pair_cases(rng), (0.9, 0.85, 1.0, 0.9, 0.8))]


def _real_term(real_logits, t, cross_term=True):
    r = np.asarray(real_logits, dtype=np.float64)
    return (t * _softplus(-r) + ((1 - t) * _softplus(r) if cross_term else 0.0)).mean()


smoothed_discriminator_loss = HintedFunctionExercise(
    CHAPTER, "smoothed_discriminator_loss", "smoothed_discriminator_loss", points=1,
    description="discriminator loss with one-sided label smoothing",
    forbidden=(REFERENCES, *GAN_LOSSES), cases=_smoothing_cases, reference=f"{REFERENCES}:smoothed_discriminator_loss",
    rtol=1e-4, atol=1e-5, describe_case=_describe_logits,
    arg_names=("real_logits", "fake_logits", "real_label"), read_only=("real_logits", "fake_logits"),
    mistakes=[
        (lambda r, f, t: _real_term(r, 1.0) + _softplus(f).mean(), N_("real_label is ignored: the real images' target must be real_label, not 1.")),
        (lambda r, f, t: _real_term(r, t) + (1 - t) * _softplus(-f).mean() + t * _softplus(f).mean(),
         N_("smoothing is one-sided: fake images keep the target 0.")),
        (lambda r, f, t: _real_term(r, t, cross_term=False) + _softplus(f).mean(),
         N_("binary cross-entropy with a soft target t has two terms: t * softplus(-r) + (1 - t) * softplus(r).")),
        (lambda r, f, t: (_real_term(r, t) + _softplus(f).mean()) / 2,
         N_("add the two means; do not average them: (real + fake) / 2 is half of the loss.")),
        (lambda r, f, t: _real_term(r, 1 - t) + _softplus(f).mean(),
         N_("the target of real images is real_label itself: t * softplus(-r) + (1 - t) * softplus(r) with t = real_label.")),
    ],
)


# --------------------------------------------------------------------------
# 6. One training step of the GAN
# --------------------------------------------------------------------------

STEP_LATENT_DIM = 8
#: The two players get different learning rates, so the checker can tell which optimizer moved which weights:
#: Adam's first step moves (almost) every weight by its learning rate.
D_LEARNING_RATE = 2e-3
G_LEARNING_RATE = 5e-4


def _tiny_models():
    from course.models import build_discriminator, build_generator

    return build_generator(STEP_LATENT_DIM, filters=(8, 4)), build_discriminator(filters=(4, 8), dropout=0.0)


def _optimizers():
    """(g_optimizer, d_optimizer): Adam with beta_1 = 0.5, each player with its own learning rate."""
    import keras

    return keras.optimizers.Adam(G_LEARNING_RATE, beta_1=0.5), keras.optimizers.Adam(D_LEARNING_RATE, beta_1=0.5)


def _trainable(model) -> list[np.ndarray]:
    return [np.array(w.numpy() if hasattr(w, "numpy") else w) for w in model.trainable_weights]


def _as_number(value: Any) -> float:
    array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"expected one number, got shape {array.shape}")
    return float(array.reshape(()))


def _play(step: Callable, case: dict, guard: Guard, seed: int = 0) -> Outcome:
    """Run ``step`` on fresh tiny models with the case's weights; a plain-data outcome (learner side)."""
    import keras

    generator, discriminator = _tiny_models()
    generator.set_weights(case["weights"]["generator"])
    discriminator.set_weights(case["weights"]["discriminator"])
    g_optimizer, d_optimizer = _optimizers()
    keras.utils.set_random_seed(seed)
    real, noise = np.array(case["real"], copy=True), np.array(case["noise"], copy=True)
    with guard:
        outcome = call_answer(step, generator, discriminator, g_optimizer, d_optimizer, real, noise)
    if guard.hit:
        return guard.outcome()
    if not outcome.ok:
        return outcome
    value = outcome.value
    try:
        if isinstance(value, (str, bytes)) or len(value) != 2:
            raise TypeError
        d_loss, g_loss = (_as_number(v) for v in value)
    except Exception:
        return Outcome(error=NOT_ACCEPTED, detail=tr("must return the pair (d_loss, g_loss) as two numbers; it returned {value}",
                                                     value=describe_value(value)))
    return Outcome(value={"d_loss": d_loss, "g_loss": g_loss,
                          "generator": _trainable(generator), "discriminator": _trainable(discriminator)})


def _changed(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    return max(float(np.max(np.abs(a - b))) for a, b in zip(before, after))


def _typical_move(before: list[np.ndarray], after: list[np.ndarray]) -> float:
    """The median size of the change of the weights that moved."""
    moves = np.concatenate([np.abs(a - b).ravel() for a, b in zip(before, after)])
    moved = moves[moves > 0]
    return float(np.median(moved)) if moved.size else 0.0


#: Two weights differ when they are further apart than a third of the smaller player's step.
STEP_TOLERANCE = 0.3 * min(D_LEARNING_RATE, G_LEARNING_RATE)


def _differing(got: list[np.ndarray], expected: list[np.ndarray]) -> tuple[int, int]:
    """(how many weights differ from the expected ones by more than a third of the smaller step, how many weights)."""
    differ = sum(int((~np.isclose(a, b, rtol=1e-3, atol=STEP_TOLERANCE)).sum()) for a, b in zip(got, expected))
    return differ, sum(a.size for a in expected)


def _step_variant(order: str):
    """A training step with a known mistake, for hints (trusted side): "simultaneous", "g_first", "saturating" or "fakes_inference"."""

    def step(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
        import keras
        import tensorflow as tf

        ops = keras.ops

        def d_step():
            fake = generator(noise, training=order != "fakes_inference")
            with tf.GradientTape() as tape:
                loss = ops.mean(ops.softplus(-discriminator(real_images, training=True))) + ops.mean(ops.softplus(discriminator(fake, training=True)))
            return loss, tape.gradient(loss, discriminator.trainable_weights)

        def g_step():
            with tf.GradientTape() as tape:
                logits = discriminator(generator(noise, training=True), training=True)
                loss = -ops.mean(ops.softplus(logits)) if order == "saturating" else ops.mean(ops.softplus(-logits))
            return loss, tape.gradient(loss, generator.trainable_weights)

        if order == "simultaneous":
            d_loss, d_grads = d_step()
            g_loss, g_grads = g_step()
            d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_weights))
            g_optimizer.apply_gradients(zip(g_grads, generator.trainable_weights))
        elif order == "g_first":
            g_loss, g_grads = g_step()
            g_optimizer.apply_gradients(zip(g_grads, generator.trainable_weights))
            d_loss, d_grads = d_step()
            d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_weights))
        else:
            d_loss, d_grads = d_step()
            d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_weights))
            g_loss, g_grads = g_step()
            g_optimizer.apply_gradients(zip(g_grads, generator.trainable_weights))
        return float(d_loss), float(g_loss)

    return step


#: The players' names in messages (the learner's language); in code (``discriminator.trainable_weights``) they stay English.
_PLAYERS = {"discriminator": N_("discriminator"), "generator": N_("generator")}

_STEP_HINTS = {
    "simultaneous": N_("the generator step must go through the discriminator AFTER its update: apply d_optimizer first, "
                       "then compute g_loss in a new GradientTape."),
    "g_first": N_("take the discriminator step first, then the generator step (the statement's order)."),
    "saturating": N_("the generator's loss is the non-saturating mean(softplus(-f)) (your generator_loss), not -mean(softplus(f))."),
    "fakes_inference": N_("make the discriminator's fakes with generator(noise, training=True): in inference mode BatchNormalization "
                          "uses its moving statistics instead of the batch's."),
}


@dataclass
class TrainStepExercise(Exercise):
    """The learner's ``gan_train_step`` on two tiny models, compared with the reference step.

    The discriminator's optimizer has learning rate :data:`D_LEARNING_RATE`,
    the generator's :data:`G_LEARNING_RATE`: Adam's first step moves almost
    every weight by its learning rate, so the size of each player's move
    says which optimizer moved it. Judged, in order: the pair of returned
    numbers; the same result when the step runs twice on the same arguments
    (it may draw no random numbers of its own: the noise is given); both
    players moved, each by its own optimizer's learning rate; both losses
    (each before its own update) and both players' new weights equal one
    correct step's (at most 1% of the weights may differ, for round-off).

    Attributes:
        n_cases: cases per check (two, with different weights and batches).
        reference: the reference step's name (forbidden to answers, like ``forbidden``).
    """

    n_cases: int = 2
    reference: str = f"{REFERENCES}:gan_train_step"

    def forbidden_names(self) -> tuple[str, ...]:
        return (self.reference, *self.forbidden)

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

    def _run(self, answer, inputs, guard):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        if guard.identify(answer):
            guard.hit = guard.identify(answer)
            return [guard.outcome()] * len(inputs)
        outcomes = []
        for i, case in enumerate(inputs):
            outcome = _play(answer, case, guard, seed=1)
            if outcome.ok and i == 0:   # the same step again, under other random seeds: it must give the same result
                again = _play(answer, case, guard, seed=2)
                if not again.ok:
                    return [again] * len(inputs)
                outcome.value["again"] = again.value
            if not outcome.ok and outcome.error == core.USES_REFERENCE:
                return [outcome] * len(inputs)
            outcomes.append(outcome)
        return outcomes

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, tr("no result came back for some test cases."), ERROR)
        for i, (case, outcome) in enumerate(zip(inputs, outcomes), start=1):
            where = tr("case {number}", number=i)
            if not outcome.ok:
                return self.error_result(outcome, f" on {where}")
            problem = self._problem(case, outcome.value, where)
            if problem:
                return self.result(False, problem)
        return self.result(True, tr("losses and both players' updates match one correct step on {count} cases.", count=len(inputs)))

    def _problem(self, case: dict, got: dict, where: str) -> str | None:
        for name in ("d_loss", "g_loss"):
            if not np.isfinite(got[name]):
                return tr("{where}: {name} is {value} (NaN or inf): compute the losses from logits with softplus.", where=where, name=name,
                          value=got[name])
        again = got.get("again")
        if again is not None and not self._same(got, again):
            return tr("{where}: the same call twice, with the same models, optimizers, images and noise, gave different results: "
                      "the step draws random numbers of its own. Hint: use the `noise` argument for BOTH steps "
                      "(no fresh noise for the generator step: the checker hands you the noise).", where=where)
        for player, optimizer in (("discriminator", "d_optimizer"), ("generator", "g_optimizer")):
            if _changed(case["initial"][player], got[player]) == 0.0:
                return tr("{where}: the {who}'s weights did not change: apply {optimizer} to the gradients of its loss "
                          "with respect to {player}.trainable_weights.", where=where, who=tr(_PLAYERS[player]), optimizer=optimizer,
                          player=player)
        moves = {player: _typical_move(case["initial"][player], got[player]) for player in ("discriminator", "generator")}
        if np.isclose(moves["discriminator"], G_LEARNING_RATE, rtol=0.2) and np.isclose(moves["generator"], D_LEARNING_RATE, rtol=0.2):
            return tr("{where}: the discriminator's weights moved by about {d_move:.1e}, g_optimizer's learning rate, "
                      "and the generator's by about {g_move:.1e}, d_optimizer's. Hint: the two optimizers are swapped: "
                      "d_optimizer updates the discriminator, g_optimizer the generator.", where=where, d_move=moves["discriminator"],
                      g_move=moves["generator"])
        expected = self._expected(case)
        if (np.isclose(got["d_loss"], expected["g_loss"], rtol=1e-3, atol=1e-4) and np.isclose(got["g_loss"], expected["d_loss"], rtol=1e-3, atol=1e-4)
                and not np.isclose(got["d_loss"], expected["d_loss"], rtol=1e-3, atol=1e-4)):
            return tr("{where}: the step returned ({d_loss:.5f}, {g_loss:.5f}); expected ({expected_d:.5f}, {expected_g:.5f}). "
                      "Hint: return (d_loss, g_loss) in this order.", where=where, d_loss=got["d_loss"], g_loss=got["g_loss"],
                      expected_d=expected["d_loss"], expected_g=expected["g_loss"])
        if not np.isclose(got["d_loss"], expected["d_loss"], rtol=1e-3, atol=1e-4):
            return self._with_variant_hint(
                tr("{where}: d_loss is {got:.5f}, expected {expected:.5f}: compute it before the update, on "
                   "real_images and generator(noise, training=True).", where=where, got=got["d_loss"], expected=expected["d_loss"]), case, got)
        for player, hint in (
            ("discriminator", N_("update it once, with d_optimizer, on the gradient of d_loss (minimise it: the optimizer "
                                 "subtracts the gradient); the generator step must not change it")),
            ("generator", N_("update it once, with g_optimizer, on the gradient of g_loss with respect to "
                             "generator.trainable_weights, after the discriminator step")),
        ):
            differ, total = _differing(got[player], expected[player])
            if differ > 0.01 * total:
                return self._with_variant_hint(
                    tr("{where}: after the step, {differ} of {total} {who} weights differ from one correct Adam step: {hint}.", where=where,
                       differ=differ, total=total, who=tr(_PLAYERS[player]), hint=tr(hint)), case, got)
        if not np.isclose(got["g_loss"], expected["g_loss"], rtol=1e-2, atol=1e-3):
            return self._with_variant_hint(
                tr("{where}: g_loss is {got:.5f}, expected {expected:.5f}: compute it after the discriminator "
                   "step, with the same noise, using the non-saturating loss.", where=where, got=got["g_loss"], expected=expected["g_loss"]),
                case, got)
        return None

    @staticmethod
    def _same(a: dict, b: dict) -> bool:
        # far below what fresh noise changes (a sign flip moves a weight by 2 learning rates), far above round-off
        if not (np.isclose(a["d_loss"], b["d_loss"], rtol=1e-4, atol=1e-6) and np.isclose(a["g_loss"], b["g_loss"], rtol=1e-4, atol=1e-6)):
            return False
        return all(np.allclose(x, y, rtol=1e-4, atol=1e-6) for player in ("generator", "discriminator") for x, y in zip(a[player], b[player]))

    @staticmethod
    def _expected(case: dict) -> dict:
        return _play(_ref("gan_train_step"), case, core.NO_GUARD, seed=1).value

    @staticmethod
    def _with_variant_hint(message: str, case: dict, got: dict) -> str:
        """``message`` with the hint of the known wrong step (``_STEP_HINTS``) that gives the learner's result, if one does."""
        for order, hint in _STEP_HINTS.items():
            variant = _play(_step_variant(order), case, core.NO_GUARD, seed=1).value
            if np.isclose(got["g_loss"], variant["g_loss"], rtol=1e-3, atol=1e-4) and all(
                    _differing(got[p], variant[p])[0] <= 0.01 * _differing(got[p], variant[p])[1] for p in ("discriminator", "generator")):
                return with_hint(message, hint)
        return message


gan_train_step = TrainStepExercise(
    CHAPTER, "gan_train_step", "gan_train_step", points=2,
    description="one round of the GAN game: a discriminator step, then a generator step",
    forbidden=(REFERENCES, *GAN_LOSSES, "course.gan:GAN.train_step"),
)


# --------------------------------------------------------------------------
# 7. The sample-quality score
# --------------------------------------------------------------------------


def _probability_cases(rng):
    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)

    rare = rng.normal(0, 1, (50, 4))
    rare[:, 3] -= 10
    rare[:3, 3] += 20                                             # class 3 gets 6% of the images: present at 0.03, not at 0.1
    cases = [(softmax(rng.normal(0, 3, (200, 10))), 0.03), (softmax(rare), 0.1)]
    collapsed = softmax(rng.normal(0, 1, (100, 10)))
    collapsed[:, 3] += 5.0
    cases.append((collapsed / collapsed.sum(axis=1, keepdims=True), 0.03))
    exact = np.full((1000, 10), 0.01, dtype=np.float32)          # class 0 gets exactly 3%, class 1 2.9%
    labels = np.concatenate([np.zeros(30), np.ones(29), np.full(941, 2)]).astype(int)
    exact[np.arange(1000), labels] = 0.91
    cases.append((exact,))                                        # min_share left at its default, 0.03
    cases.append((softmax(rng.normal(0, 2, (300, 10))).astype(np.float64),))
    return cases


def _describe_probabilities(args):
    share = f"min_share={args[1]}" if len(args) > 1 else tr("min_share left at its default")
    return tr("case ({description})", description=tr("probabilities of shape {shape}, {dtype}, {share}", shape=args[0].shape,
                                                     dtype=args[0].dtype, share=share))


def _quality_mistake(kind):
    def wrong(p, s=0.03):
        p = np.asarray(p, np.float64)
        shares = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)
        confidence, present = p.max(axis=1).mean(), (shares >= s).sum()
        if kind == "mean of all":
            confidence = p.mean()
        elif kind == "every class seen":
            present = len(np.unique(p.argmax(axis=1)))
        elif kind == "strict":
            present = (shares > s).sum()
        elif kind == "max over images":
            confidence = p.max(axis=0).mean()
        return np.array([confidence, present], dtype=np.float64)
    return wrong


@dataclass
class PairExercise(HintedFunctionExercise):
    """A function exercise whose answer is a pair ``(a float, an int)``: a tuple or a list of two numbers."""

    def collect(self, value: Any) -> Any:
        if isinstance(value, (tuple, list)) and len(value) == 2:
            items = [describe_type(v) for v in value]
        else:
            items = None
        return {"value": core.as_float_array(value) if core.as_float_array(value) is not None else core.one_line(repr(value), 200),
                "type": {"outer": describe_type(value), "items": items}}

    def type_problem(self, expected: Any, value: Any) -> str | None:
        described = value.get("type") if isinstance(value, dict) else None
        if not described:
            return None
        items = described.get("items")
        if items is None:
            return tr("return a pair (mean_confidence, classes_present): a tuple of a float and an int; got {got}",
                      got=type_phrase(described["outer"]))
        if not FLOAT.accepts(items[0]) and not INT.accepts(items[0]):
            return tr("mean_confidence must be a float; got {got}", got=type_phrase(items[0]))
        if not INT.accepts(items[1]):
            fix = tr(" (the values are right: {convert})", convert="int(...)") if self._values_right(expected, value["value"]) else ""
            return tr("classes_present must be an int; got {got}{fix}", got=type_phrase(items[1]), fix=fix)
        return None

    def expected(self, *args: Any) -> Any:
        return np.asarray(self.reference_function(*args), dtype=np.float64)


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation sample_quality_scores: `shares = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)`
#   -> `shares = np.bincount(p.argmax(axis=-1), minlength=p.shape[1]) / len(p)` is equivalent: probabilities is 2-D,
#   (N, n_classes), as the statement says, so axis -1 is axis 1.
# mutation sample_quality_scores: `return float(p.max(axis=1).mean()), int((shares >= min_share).sum())`
#   -> `return float(p.max(axis=-1).mean()), int((shares >= min_share).sum())` is equivalent: the same reason.
sample_quality_scores = PairExercise(
    CHAPTER, "sample_quality_scores", "sample_quality_scores", points=1,
    description="mean top-class confidence and number of classes present",
    forbidden=(REFERENCES, "course.gan:class_quality", "course.gan:sample_quality"),
    cases=_probability_cases, reference=f"{REFERENCES}:sample_quality_scores", rtol=1e-4, atol=1e-5,
    describe_case=_describe_probabilities, arg_names=("probabilities", "min_share"), read_only=("probabilities",),
    mistakes=[
        (_quality_mistake("mean of all"), N_("the confidence is the mean of each image's LARGEST probability, not of all probabilities.")),
        (_quality_mistake("every class seen"), N_("count only classes whose share of the images is at least min_share.")),
        (_quality_mistake("strict"), N_("a class with a share of exactly min_share counts (>=, not >).")),
        (_quality_mistake("max over images"), N_("take each image's largest probability (axis=1), then the mean over images.")),
    ],
)


# --------------------------------------------------------------------------
# 8. Spherical interpolation in latent space
# --------------------------------------------------------------------------


def _slerp_cases(rng):
    cases = []
    for d in (2, 16, 64):
        cases.append((rng.standard_normal(d), rng.standard_normal(d), np.linspace(0, 1, int(rng.integers(3, 9)))))
    parallel = np.array([1.0, 2.0, 2.0, 4.0]) * rng.choice([1.0, -1.0])   # norm 5: the cosine is exactly 1
    cases.append((parallel, 2.0 * parallel, np.array([0.0, 0.3, 1.0])))     # omega = 0: 0/0 unless handled
    cases.append((parallel, -3.0 * parallel, np.array([0.0, 0.25, 0.5, 1.0])))  # opposite: omega = pi, sin(omega) = 1e-16
    # Its cosine with 2x itself rounds to 1 + 2.2e-16, and with -2x itself to -1 - 2.2e-16: arccos gives NaN unless clipped.
    rounding = np.array([-0.5, -0.3, 0.4, 1.0]) * rng.choice([1.0, -1.0])
    cases.append((rounding, 2.0 * rounding, np.array([0.0, 0.5, 1.0])))
    cases.append((rounding, -2.0 * rounding, np.array([0.0, 0.5, 1.0])))
    cases.append((rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32),
                  rng.uniform(0, 1, 5).astype(np.float32)))
    return cases


def _describe_slerp(args):
    z0, z1, ts = args
    cos = float(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)))
    relation = tr(", z1 parallel to z0") if cos > 1 - 1e-9 else tr(", z1 opposite to z0") if cos < -1 + 1e-9 else ""
    if abs(cos) > 1:
        relation += tr(", the cosine rounds to {cos:.17g}", cos=cos)
    return tr("case ({description})", description=tr("z0 of length {length}, {dtype}, {count} values of t{extra}", length=len(z0),
                                                     dtype=np.asarray(z0).dtype, count=len(ts), extra=relation))


def _slerp_without_fallback(z0, z1, ts):
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), np.asarray(ts, np.float64)[:, None]
    omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def _slerp_only_parallel_fallback(z0, z1, ts):
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), np.asarray(ts, np.float64)[:, None]
    omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))
    if omega < 1e-6:
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def _slerp_unclipped(z0, z1, ts):
    z0, z1, t = np.asarray(z0, np.float64), np.asarray(z1, np.float64), np.asarray(ts, np.float64)[:, None]
    omega = np.arccos(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)))
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def _slerp_of_unit_vectors(z0, z1, ts):
    return _ref("slerp")(np.asarray(z0) / np.linalg.norm(z0), np.asarray(z1) / np.linalg.norm(z1), ts)


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation slerp: `if np.sin(omega) < 1e-6:` -> `if np.sin(omega) <= 1e-6:` is equivalent: they differ only when
#   sin(omega) is exactly 1e-6, which no rounding of a learner's cosine can be relied on to reproduce.
# mutation slerp: `if np.sin(omega) < 1e-6:` -> `if np.sin(omega) < 1.01e-06:` is equivalent as far as a fair test
#   can tell: they differ only for sin(omega) in [1e-6, 1.01e-6). Near parallel vectors slerp and the straight line
#   agree there to about 1e-12; near opposite ones the formula is ill-conditioned there (rounding the cosine by
#   1e-16 moves omega by 1e-10 and the result by about 1e-4 relative), so a case there would fail correct answers.
slerp = HintedFunctionExercise(
    CHAPTER, "slerp", "slerp", points=1,
    description="spherical interpolation between two noise vectors",
    forbidden=(REFERENCES, "course.gan:slerp"), cases=_slerp_cases, reference=f"{REFERENCES}:slerp", rtol=1e-4, atol=1e-5,
    describe_case=_describe_slerp, returns=FLOAT_ARRAY, arg_names=("z0", "z1", "ts"), read_only=("z0", "z1", "ts"),
    mistakes=[
        (lambda z0, z1, ts: np.asarray(ts)[:, None] * z1 + (1 - np.asarray(ts)[:, None]) * z0,
         N_("that is linear interpolation; slerp follows the arc: sin((1-t) omega) / sin(omega) * z0 + sin(t omega) / sin(omega) * z1.")),
        (lambda z0, z1, ts: _ref("slerp")(z1, z0, ts), N_("z0 and z1 are swapped: t = 0 must give z0.")),
        # before the 0/0 mistake: on a cosine that rounds above 1 both give NaN; on an exact one only that one does
        (_slerp_unclipped, N_("clip the cosine to [-1, 1] before np.arccos: for parallel or opposite vectors rounding can put it "
                              "just outside (1 + 2e-16), and arccos of that is NaN.")),
        (_slerp_without_fallback, N_("when z0 and z1 are parallel, sin(omega) = 0 and the formula divides 0 by 0: "
                                     "fall back to linear interpolation when sin(omega) < 1e-6.")),
        (_slerp_only_parallel_fallback, N_("opposite vectors (omega = pi) have sin(omega) = 0 too: test sin(omega) < 1e-6, "
                                           "not omega < 1e-6, before falling back to linear interpolation.")),
        (_slerp_of_unit_vectors, N_("normalise z0 and z1 only to compute the angle omega; interpolate the vectors themselves.")),
    ],
)


EXERCISES = [
    add_noise,
    transposed_conv_output_size,
    discriminator_loss,
    generator_loss,
    smoothed_discriminator_loss,
    gan_train_step,
    sample_quality_scores,
    slerp,
]


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (the losses at the equilibrium, the walk through
    latent space) uses it so that it runs on the learner's own code once it
    is right, and still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer)
