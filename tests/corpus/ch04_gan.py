"""Chapter 4 answers as learners write them: right ones in other idioms, wrong ones with real mistakes."""

from __future__ import annotations

import collections
import math

import numpy as np

from corpus import correct, wrong

CH = "04_gan"


def _right(exercise, name, answer, slow=False):
    return correct(CH, exercise, name, answer, slow=slow)


def _wrong(exercise, name, answer, why, hint=None, slow=False):
    return wrong(CH, exercise, name, answer, why, hint, slow=slow)


# --------------------------------------------------------------------------
# add_noise (the corruption of a denoising autoencoder; the noise comes from rng)
# --------------------------------------------------------------------------


def noise_normal_astype(images, sigma, rng):
    return np.clip(images + rng.normal(0.0, sigma, size=images.shape), 0.0, 1.0).astype(images.dtype)


def noise_float32_draws(images, sigma, rng):
    dtype = images.dtype if images.dtype in (np.float32, np.float64) else np.float64
    noise = rng.standard_normal(images.shape, dtype=dtype)
    return np.minimum(np.maximum(images + dtype.type(sigma) * noise, 0), 1)


def noise_copy_then_in_place(images, sigma, rng):
    noisy = images.copy()                  # its own copy: adding in place is allowed
    noisy += (sigma * rng.standard_normal(noisy.shape)).astype(noisy.dtype)
    np.clip(noisy, 0, 1, out=noisy)
    return noisy


def noise_subtracted(images, sigma, rng):
    """Minus a normal draw is a normal draw: the same distribution."""
    return np.clip(images - sigma * rng.standard_normal(images.shape), 0, 1).astype(images.dtype)


def noise_not_clipped(images, sigma, rng):
    return (images + rng.normal(0, sigma, images.shape)).astype(images.dtype)


def noise_clipped_before_adding(images, sigma, rng):
    return (np.clip(images, 0, 1) + rng.normal(0, sigma, images.shape)).astype(images.dtype)


def noise_sigma_as_variance(images, sigma, rng):
    return np.clip(images + rng.normal(0, sigma**2, images.shape), 0, 1).astype(images.dtype)


def noise_float64_result(images, sigma, rng):
    return np.clip(images + sigma * rng.standard_normal(images.shape), 0, 1)


def noise_global_generator(images, sigma, rng):
    return np.clip(images + np.random.normal(0, sigma, images.shape), 0, 1).astype(images.dtype)


def noise_own_seeded_generator(images, sigma, rng):
    own = np.random.default_rng(42)
    return np.clip(images + own.normal(0, sigma, images.shape), 0, 1).astype(images.dtype)


def noise_uniform_draws(images, sigma, rng):
    return np.clip(images + sigma * rng.random(images.shape), 0, 1).astype(images.dtype)


def noise_one_image_for_the_batch(images, sigma, rng):
    return np.clip(images + rng.normal(0, sigma, images.shape[1:]), 0, 1).astype(images.dtype)


def noise_rescaled_into_range(images, sigma, rng):
    noisy = images + rng.normal(0, sigma, images.shape)
    return ((noisy - noisy.min()) / (noisy.max() - noisy.min())).astype(images.dtype)


def noise_in_place(images, sigma, rng):
    images += rng.normal(0, sigma, images.shape).astype(images.dtype)
    np.clip(images, 0, 1, out=images)
    return images


def noise_list(images, sigma, rng):
    return np.clip(images + rng.normal(0, sigma, images.shape), 0, 1).astype(images.dtype).tolist()


def noise_borrowed(images, sigma, rng):
    from course.references.ch04_gan import add_noise

    return add_noise(images, sigma, rng)


# --------------------------------------------------------------------------
# transposed_conv_output_size
# --------------------------------------------------------------------------


def tconv_valid_first(size, kernel, stride, padding):
    if padding == "valid":
        return (size - 1) * stride + max(kernel, stride)
    return size * stride


def tconv_keras_style(size, kernel, stride, padding):
    length = size * stride
    if padding == "valid":
        length += max(kernel - stride, 0)
    return length


def tconv_dict_of_formulas(size, kernel, stride, padding):
    formulas = {"same": lambda: size * stride, "valid": lambda: (size - 1) * stride + max(kernel, stride)}
    return formulas[padding]()


def tconv_numpy_int(size, kernel, stride, padding):
    return np.int64(size * stride if padding == "same" else (size - 1) * stride + np.maximum(kernel, stride))


def tconv_downsampling(size, kernel, stride, padding):
    if padding == "valid":
        return (size - kernel) // stride + 1
    return math.ceil(size / stride)


def tconv_no_max(size, kernel, stride, padding):
    return size * stride if padding == "same" else (size - 1) * stride + kernel


def tconv_always_n_times_s(size, kernel, stride, padding):
    return size * stride


def tconv_float(size, kernel, stride, padding):
    return float(size * stride) if padding == "same" else float((size - 1) * stride + max(kernel, stride))


def tconv_same_like_valid(size, kernel, stride, padding):
    return (size - 1) * stride + max(kernel, stride)


def tconv_borrowed(size, kernel, stride, padding):
    from course.references.ch04_gan import transposed_conv_output_size

    return transposed_conv_output_size(size, kernel, stride, padding)


# --------------------------------------------------------------------------
# The losses (keras.ops, NumPy, Keras losses, TensorFlow)
# --------------------------------------------------------------------------


def _ops():
    import keras

    return keras.ops


def d_loss_logaddexp(real_logits, fake_logits):
    return np.mean(np.logaddexp(0, -real_logits)) + np.mean(np.logaddexp(0, fake_logits))


def d_loss_keras_bce(real_logits, fake_logits):
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(np.ones_like(real_logits), real_logits) + bce(np.zeros_like(fake_logits), fake_logits)


def d_loss_tf_sigmoid_ce(real_logits, fake_logits):
    import tensorflow as tf

    real = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.ones_like(real_logits), logits=real_logits)
    fake = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return tf.reduce_mean(real) + tf.reduce_mean(fake)


def d_loss_stable_by_hand(real_logits, fake_logits):
    def bce(x, z):   # max(x, 0) - x z + log(1 + e^-|x|), TensorFlow's stable form
        x = np.asarray(x, np.float64)
        return np.mean(np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x))))
    return bce(real_logits, 1.0) + bce(fake_logits, 0.0)


def d_loss_fake_label_one(real_logits, fake_logits):
    ops = _ops()
    return ops.mean(ops.softplus(-real_logits)) + ops.mean(ops.softplus(-fake_logits))


def d_loss_concatenated(real_logits, fake_logits):
    import keras

    labels = np.concatenate([np.ones_like(real_logits), np.zeros_like(fake_logits)])
    return keras.losses.BinaryCrossentropy(from_logits=True)(labels, np.concatenate([real_logits, fake_logits]))


def d_loss_halved(real_logits, fake_logits):
    ops = _ops()
    real = ops.mean(ops.softplus(-real_logits))
    fake = ops.mean(ops.softplus(fake_logits))
    return (real + fake) / 2


def d_loss_labels_swapped(real_logits, fake_logits):
    ops = _ops()
    return ops.mean(ops.softplus(real_logits)) + ops.mean(ops.softplus(-fake_logits))


def d_loss_log_sigmoid(real_logits, fake_logits):
    ops = _ops()
    return -ops.mean(ops.log(ops.sigmoid(real_logits))) - ops.mean(ops.log(1 - ops.sigmoid(fake_logits)))


def d_loss_sigmoid_then_from_logits(real_logits, fake_logits):
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    real, fake = keras.ops.sigmoid(real_logits), keras.ops.sigmoid(fake_logits)
    return bce(keras.ops.ones_like(real), real) + bce(keras.ops.zeros_like(fake), fake)


def d_loss_bce_on_logits(real_logits, fake_logits):
    import keras

    bce = keras.losses.BinaryCrossentropy()
    return bce(np.ones_like(real_logits), real_logits) + bce(np.zeros_like(fake_logits), fake_logits)


def d_loss_sums(real_logits, fake_logits):
    ops = _ops()
    return ops.sum(ops.softplus(-real_logits)) + ops.sum(ops.softplus(fake_logits))


def d_loss_course(real_logits, fake_logits):
    from course import gan

    return gan.discriminator_loss(real_logits, fake_logits)


def g_loss_logaddexp(fake_logits):
    return np.logaddexp(0.0, -np.asarray(fake_logits, np.float64)).mean()


def g_loss_keras_bce(fake_logits):
    import keras

    return keras.losses.BinaryCrossentropy(from_logits=True)(np.ones_like(fake_logits), fake_logits)


def g_loss_log_sigmoid(fake_logits):
    ops = _ops()
    return -ops.mean(ops.log_sigmoid(fake_logits))


def g_loss_tf(fake_logits):
    import tensorflow as tf

    return tf.reduce_mean(tf.nn.softplus(-tf.convert_to_tensor(fake_logits)))


def g_loss_saturating(fake_logits):
    ops = _ops()
    return -ops.mean(ops.softplus(fake_logits))


def g_loss_fake_label(fake_logits):
    ops = _ops()
    return ops.mean(ops.softplus(fake_logits))


def g_loss_sigmoid_first(fake_logits):
    import keras

    p = keras.ops.sigmoid(fake_logits)
    return keras.losses.BinaryCrossentropy(from_logits=True)(keras.ops.ones_like(p), p)


def g_loss_bce_on_logits(fake_logits):
    import keras

    return keras.losses.binary_crossentropy(np.ones_like(fake_logits), fake_logits).numpy().mean()


def g_loss_naive(fake_logits):
    with np.errstate(all="ignore"):
        return -np.mean(np.log(1 / (1 + np.exp(-fake_logits))))


def g_loss_sum(fake_logits):
    return np.logaddexp(0.0, -fake_logits).sum()


def smooth_ops(real_logits, fake_logits, real_label):
    ops = _ops()
    real = real_label * ops.softplus(-real_logits) + (1.0 - real_label) * ops.softplus(real_logits)
    return ops.mean(real) + ops.mean(ops.softplus(fake_logits))


def smooth_keras_soft_targets(real_logits, fake_logits, real_label):
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    return bce(np.full_like(real_logits, real_label), real_logits) + bce(np.zeros_like(fake_logits), fake_logits)


def smooth_tf(real_logits, fake_logits, real_label):
    import tensorflow as tf

    real = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.fill(tf.shape(real_logits), tf.cast(real_label, real_logits.dtype)), logits=real_logits)
    fake = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.zeros_like(fake_logits), logits=fake_logits)
    return float(tf.reduce_mean(real) + tf.reduce_mean(fake))


def smooth_ignores_label(real_logits, fake_logits, real_label):
    return d_loss_logaddexp(real_logits, fake_logits)


def smooth_both_sides(real_logits, fake_logits, real_label):
    sp = lambda x: np.logaddexp(0, x)  # noqa: E731
    fake_label = 1 - real_label
    return (np.mean(real_label * sp(-real_logits) + (1 - real_label) * sp(real_logits))
            + np.mean(fake_label * sp(-fake_logits) + (1 - fake_label) * sp(fake_logits)))


def smooth_one_term(real_logits, fake_logits, real_label):
    sp = lambda x: np.logaddexp(0, x)  # noqa: E731
    return np.mean(real_label * sp(-real_logits)) + np.mean(sp(fake_logits))


def smooth_halved(real_logits, fake_logits, real_label):
    return smooth_ops(real_logits, fake_logits, real_label) / 2


def smooth_one_minus(real_logits, fake_logits, real_label):
    return smooth_ops(real_logits, fake_logits, 1 - real_label)


def smooth_keras_label_smoothing(real_logits, fake_logits, real_label):
    import keras

    bce = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=1 - real_label)   # smooths both classes
    return bce(np.ones_like(real_logits), real_logits) + bce(np.zeros_like(fake_logits), fake_logits)


def smooth_course(real_logits, fake_logits, real_label):
    from course.gan import discriminator_loss

    return discriminator_loss(real_logits, fake_logits, real_label=real_label)


# --------------------------------------------------------------------------
# gan_train_step
# --------------------------------------------------------------------------


def _my_d_loss(real, fake):
    ops = _ops()
    return ops.mean(ops.softplus(-real)) + ops.mean(ops.softplus(fake))


def _my_g_loss(fake):
    ops = _ops()
    return ops.mean(ops.softplus(-fake))


def _step(*, swap=False, fresh_noise=False, fake_training=True, update_d=True, g_moves_d=False, d_sign=1.0, order="d_first",
          return_order="dg", g_loss=_my_g_loss):
    """The notebook's training step with switches for the mistakes below."""

    def step(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
        import tensorflow as tf

        if swap:
            g_optimizer, d_optimizer = d_optimizer, g_optimizer

        def d_step():
            fake = generator(noise, training=fake_training)
            with tf.GradientTape() as tape:
                loss = _my_d_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
            return loss, tape.gradient(loss, discriminator.trainable_weights)

        def g_step():
            z = tf.random.normal(tf.shape(noise)) if fresh_noise else noise
            variables = generator.trainable_weights + (discriminator.trainable_weights if g_moves_d else [])
            with tf.GradientTape() as tape:
                loss = g_loss(discriminator(generator(z, training=True), training=True))
            return loss, variables, tape.gradient(loss, variables)

        if order == "simultaneous":
            d_loss, d_grads = d_step()
            gl, variables, g_grads = g_step()
            d_optimizer.apply_gradients(zip(d_grads, discriminator.trainable_weights))
            g_optimizer.apply_gradients(zip(g_grads, variables))
        else:
            d_loss, d_grads = d_step()
            if update_d:
                d_optimizer.apply_gradients(zip([d_sign * g for g in d_grads], discriminator.trainable_weights))
            gl, variables, g_grads = g_step()
            g_optimizer.apply_gradients(zip(g_grads, variables))
        return (float(d_loss), float(gl)) if return_order == "dg" else (float(gl), float(d_loss))

    return step


def step_tensors_and_keras_losses(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    import keras
    import tensorflow as tf

    bce = keras.losses.BinaryCrossentropy(from_logits=True)
    fakes = generator(noise, training=True)
    with tf.GradientTape() as d_tape:
        real_out = discriminator(real_images, training=True)
        fake_out = discriminator(fakes, training=True)
        d_loss = bce(tf.ones_like(real_out), real_out) + bce(tf.zeros_like(fake_out), fake_out)
    d_optimizer.apply_gradients(zip(d_tape.gradient(d_loss, discriminator.trainable_variables), discriminator.trainable_variables))
    with tf.GradientTape() as g_tape:
        fake_out = discriminator(generator(noise, training=True), training=True)
        g_loss = bce(tf.ones_like(fake_out), fake_out)
    g_optimizer.apply_gradients(zip(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables))
    return d_loss, g_loss


def step_optimizer_apply(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    import tensorflow as tf

    with tf.GradientTape() as tape:                # the fakes made inside the tape: no gradient is taken through them
        fake = generator(noise, training=True)
        d_loss = _my_d_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
    d_optimizer.apply(tape.gradient(d_loss, discriminator.trainable_weights), discriminator.trainable_weights)
    with tf.GradientTape() as tape:
        g_loss = _my_g_loss(discriminator(generator(noise, training=True), training=True))
    g_optimizer.apply(tape.gradient(g_loss, generator.trainable_weights), generator.trainable_weights)
    return d_loss.numpy(), g_loss.numpy()


def step_both_tapes_persistent(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    import tensorflow as tf

    fake = generator(noise, training=True)
    with tf.GradientTape(persistent=True) as tape:
        d_loss = _my_d_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
    for optimizer, loss, variables in ((d_optimizer, d_loss, discriminator.trainable_weights),):
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    del tape
    with tf.GradientTape() as tape:
        g_loss = _my_g_loss(discriminator(generator(noise, training=True), training=True))
    grads = tape.gradient(g_loss, generator.trainable_weights)
    g_optimizer.apply_gradients(list(zip(grads, generator.trainable_weights)))
    return [float(d_loss), float(g_loss)]


def _saturating_g_loss(fake):
    ops = _ops()
    return -ops.mean(ops.softplus(fake))


def step_one_number(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    d_loss, g_loss = _step()(generator, discriminator, g_optimizer, d_optimizer, real_images, noise)
    return d_loss + g_loss


def step_course_losses(generator, discriminator, g_optimizer, d_optimizer, real_images, noise):
    import tensorflow as tf

    from course.gan import discriminator_loss, generator_loss

    fake = generator(noise, training=True)
    with tf.GradientTape() as tape:
        d_loss = discriminator_loss(discriminator(real_images, training=True), discriminator(fake, training=True))
    d_optimizer.apply_gradients(zip(tape.gradient(d_loss, discriminator.trainable_weights), discriminator.trainable_weights))
    with tf.GradientTape() as tape:
        g_loss = generator_loss(discriminator(generator(noise, training=True), training=True))
    g_optimizer.apply_gradients(zip(tape.gradient(g_loss, generator.trainable_weights), generator.trainable_weights))
    return float(d_loss), float(g_loss)


# --------------------------------------------------------------------------
# sample_quality_scores
# --------------------------------------------------------------------------


def quality_bincount(probabilities, min_share=0.03):
    top = probabilities.argmax(axis=1)
    shares = np.bincount(top, minlength=probabilities.shape[1]) / len(probabilities)
    return probabilities.max(axis=1).mean(), int((shares >= min_share).sum())


def quality_counter(probabilities, min_share=0.03):
    counts = collections.Counter(int(k) for k in np.argmax(probabilities, axis=1))
    n = len(probabilities)
    confidence = sum(float(max(row)) for row in probabilities) / n
    return confidence, sum(1 for count in counts.values() if count / n >= min_share)


def quality_unique(probabilities, min_share=0.03):
    _, counts = np.unique(probabilities.argmax(-1), return_counts=True)
    return float(np.amax(probabilities, axis=-1).mean()), int(np.count_nonzero(counts >= min_share * len(probabilities)))


def quality_float32(probabilities, min_share=0.03):
    p = np.asarray(probabilities, np.float32)
    shares = np.eye(p.shape[1], dtype=np.float32)[p.argmax(axis=1)].mean(axis=0)
    return p.max(axis=1).mean(dtype=np.float32), len([s for s in shares if s >= np.float32(min_share) - 1e-6])


def quality_mean_of_all(probabilities, min_share=0.03):
    return probabilities.mean(), quality_bincount(probabilities, min_share)[1]


def quality_every_class_seen(probabilities, min_share=0.03):
    return probabilities.max(axis=1).mean(), len(set(probabilities.argmax(axis=1).tolist()))


def quality_strict(probabilities, min_share=0.03):
    shares = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1]) / len(probabilities)
    return probabilities.max(axis=1).mean(), int((shares > min_share).sum())


def quality_array(probabilities, min_share=0.03):
    return np.array(quality_bincount(probabilities, min_share))


def quality_float_count(probabilities, min_share=0.03):
    shares = np.bincount(probabilities.argmax(axis=1), minlength=probabilities.shape[1]) / len(probabilities)
    return probabilities.max(axis=1).mean(), np.sum(shares >= min_share, dtype=float)


def quality_max_over_images(probabilities, min_share=0.03):
    return probabilities.max(axis=0).mean(), quality_bincount(probabilities, min_share)[1]


def quality_hard_coded_share(probabilities, min_share=0.03):
    return quality_bincount(probabilities, 0.03)


def quality_other_default(probabilities, min_share=0.05):
    return quality_bincount(probabilities, min_share)


def quality_class_quality(probabilities, min_share=0.03):
    from course.gan import class_quality

    q = class_quality(probabilities, min_share)
    return q["mean_confidence"], q["classes_present"]


# --------------------------------------------------------------------------
# slerp
# --------------------------------------------------------------------------


def slerp_unit_angle(z0, z1, ts):
    u0, u1 = z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1)
    omega = np.arccos(np.clip(u0 @ u1, -1, 1))
    ts = np.asarray(ts, float).reshape(-1, 1)
    if np.sin(omega) < 1e-6:
        return (1 - ts) * z0 + ts * z1
    return np.sin((1 - ts) * omega) / np.sin(omega) * z0 + np.sin(ts * omega) / np.sin(omega) * z1


def slerp_outer(z0, z1, ts):
    cos = float(np.dot(z0, z1) / np.sqrt(np.dot(z0, z0) * np.dot(z1, z1)))
    omega = math.acos(max(-1.0, min(1.0, cos)))
    ts = np.asarray(ts, dtype=np.float64)
    if math.sin(omega) < 1e-6:
        return np.outer(1 - ts, z0) + np.outer(ts, z1)
    return (np.outer(np.sin((1 - ts) * omega), z0) + np.outer(np.sin(ts * omega), z1)) / math.sin(omega)


def slerp_loop(z0, z1, ts):
    z0, z1 = np.asarray(z0, float), np.asarray(z1, float)
    omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1.0, 1.0))
    rows = []
    for t in ts:
        if np.sin(omega) < 1e-6:
            rows.append((1 - t) * z0 + t * z1)
        else:
            rows.append((np.sin((1 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega))
    return np.stack(rows)


def slerp_linear(z0, z1, ts):
    ts = np.asarray(ts)[:, None]
    return (1 - ts) * z0 + ts * z1


def slerp_swapped(z0, z1, ts):
    return slerp_loop(z1, z0, ts)


def slerp_no_fallback(z0, z1, ts):
    with np.errstate(all="ignore"):
        omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))
        ts = np.asarray(ts)[:, None]
        return (np.sin((1 - ts) * omega) * z0 + np.sin(ts * omega) * z1) / np.sin(omega)


def slerp_only_parallel(z0, z1, ts):
    omega = np.arccos(np.clip(np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1)), -1, 1))
    ts = np.asarray(ts)[:, None]
    if omega < 1e-6:
        return (1 - ts) * z0 + ts * z1
    return (np.sin((1 - ts) * omega) * z0 + np.sin(ts * omega) * z1) / np.sin(omega)


def slerp_unclipped_cosine(z0, z1, ts):
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    with np.errstate(invalid="ignore"):
        omega = np.arccos(cos)                  # NaN when rounding puts cos just above 1 or below -1
    ts = np.asarray(ts, float)[:, None]
    if np.sin(omega) < 1e-6:
        return (1 - ts) * z0 + ts * z1
    return (np.sin((1 - ts) * omega) * z0 + np.sin(ts * omega) * z1) / np.sin(omega)


def slerp_unit_vectors(z0, z1, ts):
    return slerp_unit_angle(z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1), ts)


def slerp_list(z0, z1, ts):
    return slerp_loop(z0, z1, ts).tolist()


def slerp_normalises_in_place(z0, z1, ts):
    z0 /= np.linalg.norm(z0)           # "work with unit vectors": divides the caller's arrays
    z1 /= np.linalg.norm(z1)
    return slerp_loop(z0, z1, ts)


def slerp_course(z0, z1, ts):
    from course.gan import slerp

    return np.asarray(slerp(z0, z1, ts), np.float64)


# --------------------------------------------------------------------------

CASES = [
    # add_noise
    _right("add_noise", "rng.normal, then .astype(images.dtype)", noise_normal_astype),
    _right("add_noise", "float32 draws, np.minimum and np.maximum", noise_float32_draws),
    _right("add_noise", "adds in place on its own copy", noise_copy_then_in_place),
    _right("add_noise", "subtracts the draw (the same distribution)", noise_subtracted),
    _wrong("add_noise", "not clipped", noise_not_clipped, "values", hint="clip AFTER adding the noise"),
    _wrong("add_noise", "clipped before adding the noise", noise_clipped_before_adding, "values", hint="clip AFTER adding the noise"),
    _wrong("add_noise", "sigma taken as the variance", noise_sigma_as_variance, "values", hint="not the variance"),
    _wrong("add_noise", "float64 images back for float32 ones", noise_float64_result, "type", hint=".astype(images.dtype)"),
    _wrong("add_noise", "np.random instead of rng", noise_global_generator, "rng", hint="draw the noise from the `rng` argument"),
    _wrong("add_noise", "a generator of its own with a fixed seed", noise_own_seeded_generator, "rng",
           hint="not from a generator of your own"),
    _wrong("add_noise", "uniform noise from rng.random", noise_uniform_draws, "values", hint="not centred on 0"),
    _wrong("add_noise", "one noise image for the whole batch", noise_one_image_for_the_batch, "values",
           hint="every image got the same noise"),
    _wrong("add_noise", "rescaled into [0, 1] instead of clipped", noise_rescaled_into_range, "values"),
    _wrong("add_noise", "adds the noise to images in place", noise_in_place, "in place", hint="changed its argument images in place"),
    _wrong("add_noise", "returns a list", noise_list, "type", hint="return a NumPy float array"),
    _wrong("add_noise", "imports the reference", noise_borrowed, "reference", hint="uses the course's reference implementation"),
    # transposed_conv_output_size
    _right("transposed_conv_output_size", "'valid' branch first, max(k, s)", tconv_valid_first),
    _right("transposed_conv_output_size", "Keras's own n * s + max(k - s, 0)", tconv_keras_style),
    _right("transposed_conv_output_size", "a dict of formulas", tconv_dict_of_formulas),
    _right("transposed_conv_output_size", "a NumPy integer", tconv_numpy_int),
    _wrong("transposed_conv_output_size", "the downsampling formula", tconv_downsampling, "values", hint="ordinary (downsampling) convolution"),
    _wrong("transposed_conv_output_size", "(n - 1) * s + k even when k < s", tconv_no_max, "values", hint="(n - 1) * s + max(k, s)"),
    _wrong("transposed_conv_output_size", "n * s for both paddings", tconv_always_n_times_s, "values", hint="overhangs"),
    _wrong("transposed_conv_output_size", "returns a float", tconv_float, "type", hint="return an int; got a Python float"),
    _wrong("transposed_conv_output_size", "'same' computed like 'valid'", tconv_same_like_valid, "values", hint="exactly n * s"),
    _wrong("transposed_conv_output_size", "imports the reference", tconv_borrowed, "reference", hint="uses the course's reference implementation"),
    # discriminator_loss
    _right("discriminator_loss", "np.logaddexp", d_loss_logaddexp),
    _right("discriminator_loss", "BinaryCrossentropy(from_logits=True) with ones and zeros", d_loss_keras_bce),
    _right("discriminator_loss", "tf.nn.sigmoid_cross_entropy_with_logits", d_loss_tf_sigmoid_ce),
    _right("discriminator_loss", "TensorFlow's stable formula by hand", d_loss_stable_by_hand),
    _wrong("discriminator_loss", "fakes labelled 1", d_loss_fake_label_one, "values", hint="fake images have label 0"),
    _wrong("discriminator_loss", "one cross-entropy over the concatenation", d_loss_concatenated, "values", hint="separately"),
    _wrong("discriminator_loss", "(real + fake) / 2", d_loss_halved, "values", hint="do not average them"),
    _wrong("discriminator_loss", "labels swapped", d_loss_labels_swapped, "values", hint="swapped"),
    _wrong("discriminator_loss", "log of sigmoid", d_loss_log_sigmoid, "values", hint="log(0) = -inf"),
    _wrong("discriminator_loss", "sigmoid fed to a from-logits loss", d_loss_sigmoid_then_from_logits, "values", hint="do not apply a sigmoid first"),
    _wrong("discriminator_loss", "binary cross-entropy without from_logits", d_loss_bce_on_logits, "values", hint="needs from_logits=True"),
    _wrong("discriminator_loss", "sums instead of means", d_loss_sums, "values", hint="not the sum"),
    _wrong("discriminator_loss", "calls course.gan.discriminator_loss", d_loss_course, "reference", hint="`course.gan.discriminator_loss`"),
    # generator_loss
    _right("generator_loss", "np.logaddexp in float64", g_loss_logaddexp),
    _right("generator_loss", "BinaryCrossentropy(from_logits=True) with ones", g_loss_keras_bce),
    _right("generator_loss", "keras.ops.log_sigmoid", g_loss_log_sigmoid),
    _right("generator_loss", "tf.nn.softplus", g_loss_tf),
    _wrong("generator_loss", "the saturating loss", g_loss_saturating, "values", hint="saturating loss"),
    _wrong("generator_loss", "fakes labelled 0", g_loss_fake_label, "values", hint="labelled real (1)"),
    _wrong("generator_loss", "sigmoid fed to a from-logits loss", g_loss_sigmoid_first, "values", hint="do not apply a sigmoid first"),
    _wrong("generator_loss", "binary cross-entropy without from_logits", g_loss_bce_on_logits, "values", hint="needs from_logits=True"),
    _wrong("generator_loss", "log of sigmoid", g_loss_naive, "values", hint="log(0) = -inf"),
    _wrong("generator_loss", "sum instead of mean", g_loss_sum, "values", hint="not the sum"),
    # smoothed_discriminator_loss
    _right("smoothed_discriminator_loss", "keras.ops, both terms", smooth_ops),
    _right("smoothed_discriminator_loss", "BinaryCrossentropy(from_logits=True) on soft targets", smooth_keras_soft_targets),
    _right("smoothed_discriminator_loss", "tf.nn.sigmoid_cross_entropy_with_logits with tf.fill", smooth_tf),
    _wrong("smoothed_discriminator_loss", "ignores real_label", smooth_ignores_label, "values", hint="real_label is ignored"),
    _wrong("smoothed_discriminator_loss", "smooths the fake labels too", smooth_both_sides, "values", hint="one-sided"),
    _wrong("smoothed_discriminator_loss", "drops the (1 - t) term", smooth_one_term, "values", hint="two terms"),
    _wrong("smoothed_discriminator_loss", "(real + fake) / 2", smooth_halved, "values", hint="do not average them"),
    _wrong("smoothed_discriminator_loss", "target 1 - real_label", smooth_one_minus, "values", hint="real_label itself"),
    _wrong("smoothed_discriminator_loss", "Keras label_smoothing (two-sided)", smooth_keras_label_smoothing, "values"),
    _wrong("smoothed_discriminator_loss", "course.gan.discriminator_loss with real_label", smooth_course, "reference",
           hint="`course.gan.discriminator_loss`"),
    # gan_train_step
    _right("gan_train_step", "Keras losses, tensors returned, trainable_variables", step_tensors_and_keras_losses, slow=True),
    _right("gan_train_step", "optimizer.apply, fakes made inside the tape", step_optimizer_apply, slow=True),
    _right("gan_train_step", "persistent tape, a list returned", step_both_tapes_persistent, slow=True),
    _wrong("gan_train_step", "optimizers swapped", _step(swap=True), "values", hint="the two optimizers are swapped", slow=True),
    _wrong("gan_train_step", "fresh noise for the generator step", _step(fresh_noise=True), "values", hint="use the `noise` argument for BOTH", slow=True),
    _wrong("gan_train_step", "never updates the discriminator", _step(update_d=False), "values", hint="discriminator's weights did not change", slow=True),
    _wrong("gan_train_step", "fakes made in inference mode", _step(fake_training=False), "values", hint="training=True", slow=True),
    _wrong("gan_train_step", "the generator step also moves the discriminator", _step(g_moves_d=True), "values",
           hint="the generator step must not change it", slow=True),
    _wrong("gan_train_step", "the discriminator climbs its loss", _step(d_sign=-1.0), "values", hint="discriminator weights differ", slow=True),
    _wrong("gan_train_step", "both gradients before either update", _step(order="simultaneous"), "values", hint="AFTER its update", slow=True),
    _wrong("gan_train_step", "returns (g_loss, d_loss)", _step(return_order="gd"), "values", hint="return (d_loss, g_loss) in this order", slow=True),
    _wrong("gan_train_step", "the saturating generator loss", _step(g_loss=_saturating_g_loss),
           "values", hint="not -mean(softplus(f))", slow=True),
    _wrong("gan_train_step", "returns one number", step_one_number, "type", hint="(d_loss, g_loss)", slow=True),
    _wrong("gan_train_step", "uses course.gan's losses", step_course_losses, "reference", hint="`course.gan.discriminator_loss`", slow=True),
    # sample_quality_scores
    _right("sample_quality_scores", "np.bincount (the notebook's)", quality_bincount),
    _right("sample_quality_scores", "collections.Counter and loops", quality_counter),
    _right("sample_quality_scores", "np.unique with return_counts", quality_unique),
    _right("sample_quality_scores", "one-hot shares in float32", quality_float32),
    _wrong("sample_quality_scores", "mean of all probabilities", quality_mean_of_all, "values", hint="LARGEST probability"),
    _wrong("sample_quality_scores", "every class seen counts", quality_every_class_seen, "values", hint="at least min_share"),
    _wrong("sample_quality_scores", "share > min_share", quality_strict, "values", hint=">=, not >"),
    _wrong("sample_quality_scores", "returns a NumPy array", quality_array, "type", hint="return a pair"),
    _wrong("sample_quality_scores", "counts as a float", quality_float_count, "type", hint="classes_present must be an int"),
    _wrong("sample_quality_scores", "max over images", quality_max_over_images, "values", hint="axis=1"),
    _wrong("sample_quality_scores", "min_share hard-coded to 0.03", quality_hard_coded_share, "values"),
    _wrong("sample_quality_scores", "default min_share 0.05", quality_other_default, "values"),
    _wrong("sample_quality_scores", "course.gan.class_quality", quality_class_quality, "reference", hint="`course.gan.class_quality`"),
    # slerp
    _right("slerp", "unit vectors for the angle", slerp_unit_angle),
    _right("slerp", "np.outer and math.acos", slerp_outer),
    _right("slerp", "a loop over t", slerp_loop),
    _wrong("slerp", "linear interpolation", slerp_linear, "values", hint="linear interpolation"),
    _wrong("slerp", "z0 and z1 swapped", slerp_swapped, "values", hint="swapped"),
    _wrong("slerp", "no fallback for parallel vectors", slerp_no_fallback, "values", hint="divides 0 by 0"),
    _wrong("slerp", "falls back only when omega < 1e-6", slerp_only_parallel, "values"),
    _wrong("slerp", "arccos of an unclipped cosine", slerp_unclipped_cosine, "values", hint="clip the cosine to [-1, 1]"),
    _wrong("slerp", "interpolates the unit vectors", slerp_unit_vectors, "values", hint="interpolate the vectors themselves"),
    _wrong("slerp", "returns a list", slerp_list, "type", hint="return a NumPy float array; got a list"),
    _wrong("slerp", "writes into z0", slerp_normalises_in_place, "in place", hint="changed its argument z0 in place"),
    _wrong("slerp", "course.gan.slerp", slerp_course, "reference", hint="`course.gan.slerp`"),
]
