"""Reference answers of chapter 4 (a denoising autoencoder, generative adversarial networks), in notebook order.

Trusted side only: see :mod:`course.references` for who may import this.
The NumPy functions compute in float64 whatever they are given, so they are
the yardstick the checkers compare learners' float32 or float64 answers with;
``gan_train_step`` is a TensorFlow step, as the exercise asks.
"""

from __future__ import annotations

import numpy as np


def add_noise(images, sigma, rng):
    """Corrupt images with Gaussian noise of standard deviation ``sigma``, clipped back to [0, 1].

    ``clip(x + sigma * eps, 0, 1)`` with ``eps`` standard normal, one draw per
    pixel, taken from ``rng``; the same shape and dtype as ``images``, which
    stay unchanged.
    """
    images = np.asarray(images)
    noisy = images + sigma * rng.standard_normal(images.shape)
    return np.clip(noisy, 0.0, 1.0).astype(images.dtype)


def transposed_conv_output_size(size, kernel, stride, padding):
    """Output length of ``Conv2DTranspose`` as Keras computes it, an int.

    ``"same"``: ``size * stride``. ``"valid"``: ``(size - 1) * stride + max(kernel, stride)``
    (the last painted patch overhangs by ``kernel - stride``; with a kernel
    smaller than the stride every input position still gets a full stride).
    """
    if padding == "same":
        return int(size * stride)
    return int((size - 1) * stride + max(kernel, stride))


def _softplus(x):
    """log(1 + e^x) in float64, without overflow."""
    return np.logaddexp(0.0, np.asarray(x, dtype=np.float64))


def discriminator_loss(real_logits, fake_logits):
    """mean softplus(-r) + mean softplus(f): real images labelled 1, generated ones 0, from logits."""
    return float(_softplus(-np.asarray(real_logits, np.float64)).mean() + _softplus(fake_logits).mean())


def generator_loss(fake_logits):
    """The non-saturating generator loss mean softplus(-f) = -mean log sigmoid(f)."""
    return float(_softplus(-np.asarray(fake_logits, np.float64)).mean())


def smoothed_discriminator_loss(real_logits, fake_logits, real_label):
    """Discriminator loss with one-sided label smoothing: real target ``real_label``, fake target 0."""
    r = np.asarray(real_logits, dtype=np.float64)
    real = real_label * _softplus(-r) + (1 - real_label) * _softplus(r)
    return float(real.mean() + _softplus(fake_logits).mean())


def gan_train_step(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    """One round of the game: a discriminator step, then a generator step through the updated discriminator.

    Both steps use the same ``noise``; returns ``(d_loss, g_loss)`` as floats,
    each computed before its own update.
    """
    import keras
    import tensorflow as tf

    ops = keras.ops
    fake = generator(noise, training=True)
    with tf.GradientTape() as tape:
        real_logits = discriminator(real_images, training=True)
        fake_logits = discriminator(fake, training=True)
        d_loss = ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(fake_logits))
    grads = tape.gradient(d_loss, discriminator.trainable_weights)
    d_optimizer.apply_gradients(zip(grads, discriminator.trainable_weights))
    with tf.GradientTape() as tape:
        g_loss = ops.mean(ops.softplus(-discriminator(generator(noise, training=True), training=True)))
    grads = tape.gradient(g_loss, generator.trainable_weights)
    g_optimizer.apply_gradients(zip(grads, generator.trainable_weights))
    return float(d_loss), float(g_loss)


def sample_quality_scores(probabilities, min_share=0.03):
    """(mean top-class confidence, number of classes whose share of the argmax labels is >= min_share): a float and an int."""
    p = np.asarray(probabilities, dtype=np.float64)
    shares = np.bincount(p.argmax(axis=1), minlength=p.shape[1]) / len(p)
    return float(p.max(axis=1).mean()), int((shares >= min_share).sum())


def slerp(z0, z1, ts):
    """Spherical interpolation, one row per t: (len(ts), len(z0)); linear where sin(omega) < 1e-6."""
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    t = np.asarray(ts, np.float64)[:, None]
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    return (np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)
