"""Chapter 4: a DCGAN trained with ``model.fit()``, its callbacks and a sample-quality score.

* :func:`scale_images` maps Fashion-MNIST pixels to [-1, 1], the range of the
  generator's ``tanh`` output.
* :func:`discriminator_loss` and :func:`generator_loss` are the two players'
  losses, written on *logits* (the discriminator has no sigmoid).
* :class:`GAN` is a ``keras.Model`` subclass whose ``train_step`` plays one
  round of the game per batch (a discriminator step, then a generator step),
  with one optimizer per player passed to ``compile``; ``fit`` logs
  ``d_loss`` and ``g_loss``.
* :class:`SampleGrid` is a callback that draws the same noise vectors
  through the generator after every epoch (kept in memory, optionally saved
  as PNG files), so the learner watches the same samples improve.
* :func:`sample_quality` scores generated images with a Fashion-MNIST
  classifier (a small CNN like chapter 2's): the mean top-class confidence and how
  many of the 10 classes appear. A simple, Inception-Score-like number that
  also exposes mode collapse. :class:`QualityTracker` scores them during training.
* :func:`lerp` and :func:`slerp` walk from one noise vector to another.

Sections follow the chapter's order; the builders of the two networks live
in :mod:`course.models` (chapter 4 section).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from course.arguments import argument_error, check_array, check_fraction, check_image_batch, check_positive_int
from course.config import mode, sized

#: A class counts as "present" among generated samples when it gets at least this share.
MIN_CLASS_SHARE = 0.03


# --------------------------------------------------------------------------
# Data and losses
# --------------------------------------------------------------------------


def scale_images(images: np.ndarray) -> np.ndarray:
    """Map images to float32 in [-1, 1] with a channel axis: (N, 28, 28) -> (N, 28, 28, 1).

    Accepts uint8 pixels (0..255) or floats already in [0, 1] (what
    ``load_fashion_mnist()`` returns by default).

    Example:
        >>> scale_images(np.array([[[0, 255]]], dtype=np.uint8)).ravel().tolist()
        [-1.0, 1.0]

    Taught in Chapter 4, section 3.
    """
    x = np.asarray(images)
    if x.dtype == np.uint8:
        x = x.astype(np.float32) / 255.0
    x = x.astype(np.float32)
    if x.size and (x.min() < -1e-6 or x.max() > 1.0 + 1e-6):
        raise argument_error("images", "uint8 pixels or floats in [0, 1]", f"values in [{x.min():.3g}, {x.max():.3g}]")
    if x.ndim == 3:
        x = x[..., None]
    return x * 2.0 - 1.0


def to_unit_range(images: Any) -> np.ndarray:
    """Map generator output from [-1, 1] back to [0, 1] (for plots and the classifier); any shape, float32.

    Example:
        >>> to_unit_range(np.array([-1.0, 0.0, 1.0])).tolist()
        [0.0, 0.5, 1.0]

    Taught in Chapter 4, section 3.
    """
    return np.clip((np.asarray(images, dtype=np.float32) + 1.0) / 2.0, 0.0, 1.0)


def discriminator_loss(real_logits: Any, fake_logits: Any, real_label: float = 1.0) -> Any:
    """Binary cross-entropy of the discriminator, on logits: real -> ``real_label``, fake -> 0.

    $L_D = \\mathrm{mean}_i\\, \\mathrm{BCE}(t, r_i) + \\mathrm{mean}_j\\, \\mathrm{softplus}(f_j)$ with
    $\\mathrm{BCE}(t, x) = t\\,\\mathrm{softplus}(-x) + (1 - t)\\,\\mathrm{softplus}(x)$.
    ``real_label=0.9`` is one-sided label smoothing. Logits of any shape,
    e.g. ``(batch, 1)``; returns a scalar tensor.

    Example:
        >>> round(float(discriminator_loss(np.zeros((4, 1)), np.zeros((4, 1)))), 4)   # 2 ln 2
        1.3863

    Taught in Chapter 4, section 5.
    """
    ops = keras.ops
    real_logits = ops.convert_to_tensor(real_logits, dtype="float32")
    fake_logits = ops.convert_to_tensor(fake_logits, dtype="float32")
    real = real_label * ops.softplus(-real_logits) + (1.0 - real_label) * ops.softplus(real_logits)
    return ops.mean(real) + ops.mean(ops.softplus(fake_logits))


def generator_loss(fake_logits: Any) -> Any:
    """Non-saturating generator loss on logits: $L_G = \\mathrm{mean}_j\\, \\mathrm{softplus}(-f_j) = -\\mathrm{mean}\\log\\sigma(f_j)$.

    Logits of any shape, e.g. ``(batch, 1)``; returns a scalar tensor.

    Example:
        >>> round(float(generator_loss(np.zeros((4, 1)))), 4)   # ln 2
        0.6931

    Taught in Chapter 4, section 5.
    """
    ops = keras.ops
    return ops.mean(ops.softplus(-ops.convert_to_tensor(fake_logits, dtype="float32")))


# --------------------------------------------------------------------------
# The GAN model
# --------------------------------------------------------------------------


class GAN(keras.Model):
    """A generator and a discriminator trained against each other by ``fit()``.

    ``GAN(generator, discriminator, latent_dim)``, then
    ``gan.compile(d_optimizer=..., g_optimizer=...)`` and
    ``gan.fit(images, epochs=..., batch_size=...)`` with images in [-1, 1].
    Each batch: (1) a discriminator step on real images (label
    ``real_label``) and generated ones (label 0); (2) a generator step with
    fresh noise that pushes the discriminator's logits on fakes up (the
    non-saturating loss). Logs ``d_loss``, ``g_loss`` and the
    discriminator's mean probabilities ``d_real`` and ``d_fake``.
    ``gan(noise)`` returns generated images: ``(batch, latent_dim)`` in,
    ``(batch, 28, 28, 1)`` out.

    Example:
        >>> gan = GAN(build_generator(64), build_discriminator())                    # doctest: +SKIP
        >>> gan.compile(d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        ...             g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))          # doctest: +SKIP
        >>> gan.fit(scale_images(x_train), epochs=1, batch_size=128)                 # doctest: +SKIP

    Taught in Chapter 4, section 6.
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model, latent_dim: int | None = None,
                 real_label: float = 1.0, seed: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim or generator.input_shape[-1])
        self.real_label = check_fraction("real_label", real_label, low=0.5, include_low=False, include_high=True)
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")

    def compile(self, d_optimizer: keras.optimizers.Optimizer, g_optimizer: keras.optimizers.Optimizer, **kwargs) -> None:
        """Set one optimizer per player (the usual DCGAN choice: Adam(2e-4, beta_1=0.5) for both)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker, self.d_fake_tracker]

    def call(self, noise, training=False):
        return self.generator(noise, training=training)

    def train_step(self, data):
        real = data[0] if isinstance(data, (tuple, list)) else data
        batch = tf.shape(real)[0]
        # 1) Discriminator step: real images towards real_label, generated ones towards 0.
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        fake = self.generator(noise, training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(real, training=True)
            fake_logits = self.discriminator(fake, training=True)
            d_loss = discriminator_loss(real_logits, fake_logits, self.real_label)
        grads = tape.gradient(d_loss, self.discriminator.trainable_weights)
        self.d_optimizer.apply_gradients(zip(grads, self.discriminator.trainable_weights))
        # 2) Generator step: fresh noise; make the (just updated) discriminator say "real".
        noise = keras.random.normal((batch, self.latent_dim), seed=self.seed_generator)
        with tf.GradientTape() as tape:
            g_logits = self.discriminator(self.generator(noise, training=True), training=True)
            g_loss = generator_loss(g_logits)
        grads = tape.gradient(g_loss, self.generator.trainable_weights)
        self.g_optimizer.apply_gradients(zip(grads, self.generator.trainable_weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        self.d_real_tracker.update_state(tf.reduce_mean(tf.sigmoid(real_logits)))
        self.d_fake_tracker.update_state(tf.reduce_mean(tf.sigmoid(fake_logits)))
        return {m.name: m.result() for m in self.metrics}


def make_gan(latent_dim: int = 64, learning_rate: float = 2e-4, real_label: float = 1.0, seed: int = 0,
             generator_filters: tuple[int, ...] = (64, 32), discriminator_filters: tuple[int, ...] = (32, 64),
             dropout: float = 0.3, jit_compile: bool | str = "auto") -> GAN:
    """Build and compile the course's DCGAN: generator, discriminator, Adam(lr, beta_1=0.5) for each.

    The settings of Radford et al. (2016): Adam with learning rate 2e-4 and
    beta_1 = 0.5 for both players. Returns the compiled :class:`GAN`, which
    maps noise ``(batch, latent_dim)`` to images ``(batch, 28, 28, 1)``.

    Example:
        >>> gan = make_gan(latent_dim=64)          # doctest: +SKIP
        >>> gan.fit(x_real, epochs=1, batch_size=128)   # doctest: +SKIP

    Not taught: ``course bench 04`` trains it (the notebook builds the same GAN step by step in section 5).
    """
    from course.models import build_discriminator, build_generator
    from course.training import set_seed

    set_seed(seed)
    gan = GAN(build_generator(latent_dim, generator_filters), build_discriminator(discriminator_filters, dropout),
              latent_dim=latent_dim, real_label=real_label, seed=seed)
    gan.compile(
        d_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
        g_optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.5),
        jit_compile=jit_compile,
    )
    return gan


# --------------------------------------------------------------------------
# Sample grids
# --------------------------------------------------------------------------


def tile_images(images: Any, ncols: int | None = None, pad: int = 1) -> np.ndarray:
    """Tile N images (N, H, W) or (N, H, W, 1) into one 2-D array, row by row (pixels as given).

    ``ncols`` images per row (default: a square grid); ``pad`` pixels between
    them, filled with the smallest pixel value.

    Example:
        >>> tile_images(np.zeros((6, 28, 28)), ncols=3).shape
        (57, 86)

    Taught in Chapter 4, section 8 (through :class:`SampleGrid` and the plots).
    """
    x = check_image_batch("images", images)
    n, h, w = x.shape
    ncols = ncols or int(np.ceil(np.sqrt(n)))
    nrows = int(np.ceil(n / ncols))
    grid = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad), x.min(), dtype=np.float32)
    for i in range(n):
        r, c = divmod(i, ncols)
        grid[r * (h + pad): r * (h + pad) + h, c * (w + pad): c * (w + pad) + w] = x[i]
    return grid


def fixed_noise(n: int = 16, latent_dim: int = 64, seed: int = 0) -> np.ndarray:
    """The same ``n`` noise vectors every time: ``(n, latent_dim)`` standard normal, float32, for comparable samples.

    Example:
        >>> bool(np.array_equal(fixed_noise(4, 8), fixed_noise(4, 8)))
        True

    Taught in Chapter 4, section 3.
    """
    check_positive_int("n", n)
    check_positive_int("latent_dim", latent_dim)
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype(np.float32)


class SampleGrid(keras.callbacks.Callback):
    """After every ``every`` epochs, draw fixed noise through the generator.

    ``grids`` holds one array (n, 28, 28) of images in [0, 1] per recorded
    epoch and ``epochs`` the epoch numbers (1-based); with ``folder`` each
    grid is also written as ``epoch_NNN.png`` there. ``record_initial``
    adds the untrained generator's samples as epoch 0.

    Example:
        >>> grid = SampleGrid(fixed_noise(16, 64))                  # doctest: +SKIP
        >>> gan.fit(x_real, epochs=5, callbacks=[grid])             # doctest: +SKIP
        >>> grid.epochs                                             # doctest: +SKIP
        [0, 1, 2, 3, 4, 5]

    Taught in Chapter 4, section 8.
    """

    def __init__(self, noise: np.ndarray, every: int = 1, folder: str | Path | None = None, record_initial: bool = True):
        super().__init__()
        self.noise = np.asarray(noise, dtype=np.float32)
        self.every = check_positive_int("every", every)
        self.folder = Path(folder) if folder is not None else None
        self.record_initial = record_initial
        self.grids: list[np.ndarray] = []
        self.epochs: list[int] = []

    def _record(self, epoch: int) -> None:
        images = self.model.generator(self.noise, training=False)
        images = to_unit_range(keras.ops.convert_to_numpy(images))[..., 0]
        self.grids.append(images)
        self.epochs.append(epoch)
        if self.folder is not None:
            import matplotlib.pyplot as plt

            self.folder.mkdir(parents=True, exist_ok=True)
            plt.imsave(self.folder / f"epoch_{epoch:03d}.png", tile_images(images), cmap="gray_r", vmin=0, vmax=1)

    def on_train_begin(self, logs=None):
        if self.record_initial and not self.epochs:
            self._record(0)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every == 0:
            self._record(epoch + 1)


# --------------------------------------------------------------------------
# Sample quality: a Fashion-MNIST classifier labels the generated images
# --------------------------------------------------------------------------


def default_classifier_path() -> Path:
    """Where the course caches its chapter-4 judge classifier: ``$KERAS_HOME/course/`` (one file per run size).

    Example:
        >>> default_classifier_path().name          # doctest: +SKIP
        'fashion_judge_full.keras'

    Taught in Chapter 4, section 7 (through :func:`fashion_classifier`).
    """
    from course.data import keras_cache_dir

    return keras_cache_dir().parent / "course" / f"fashion_judge_{mode()}.keras"


def fashion_classifier(path: str | Path | None = None, epochs: int | None = None, n_train: int | None = -1,
                       retrain: bool = False, verbose: int = 0) -> keras.Model:
    """Return a trained Fashion-MNIST classifier that takes images (N, 28, 28, 1) in [0, 1] to (N, 10) probabilities.

    Loads it from ``path`` (default :func:`default_classifier_path`) when the
    file exists; otherwise trains :func:`course.models.build_fashion_judge`, a
    small CNN of the chapter-2 kind (full: 5 epochs on all 60,000 images,
    about 91% test accuracy; ci: 1 epoch on 2,000), and saves it there for
    next time. Never stored in the repository.

    Example:
        >>> judge = fashion_classifier()                       # doctest: +SKIP
        >>> judge.predict(to_unit_range(images)).shape          # doctest: +SKIP
        (16, 10)

    Taught in Chapter 4, section 7.
    """
    path = Path(path) if path is not None else default_classifier_path()
    if path.exists() and not retrain:
        return keras.models.load_model(path)

    from course.data import load_fashion_mnist
    from course.models import build_fashion_judge
    from course.training import compile_classifier, set_seed

    epochs = epochs or sized(full=5, ci=1)
    n_train = sized(full=None, ci=2000) if n_train == -1 else n_train
    (x, y), _ = load_fashion_mnist(n_train=n_train, n_test=1)
    set_seed(0)
    model = compile_classifier(build_fashion_judge(input_shape=(28, 28, 1), n_classes=10), "adam", 1e-3)
    model.fit(x[..., None], y, epochs=epochs, batch_size=128, verbose=verbose)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    return model


def class_quality(probabilities: Any, min_share: float = MIN_CLASS_SHARE) -> dict[str, Any]:
    """Score classifier probabilities (N, C) of generated images.

    Returns ``mean_confidence`` (mean over images of the top-class
    probability), ``class_shares`` (fraction of images whose top class is
    each class), ``classes_present`` (classes with share >= ``min_share``),
    ``n_samples`` and ``min_share``.

    Example:
        >>> class_quality(np.array([[0.9, 0.1], [0.2, 0.8]]))["classes_present"]
        2

    Taught in Chapter 4, section 7.
    """
    p = check_array("probabilities", probabilities, ndim=2, shape="(N, n_classes)", dtype=np.float64)
    top = p.argmax(axis=1)
    shares = np.bincount(top, minlength=p.shape[1]) / len(p)
    return {
        "mean_confidence": float(p.max(axis=1).mean()),
        "classes_present": int((shares >= min_share - 1e-12).sum()),
        "class_shares": [round(float(s), 4) for s in shares],
        "n_samples": int(len(p)),
        "min_share": float(min_share),
    }


def generate(generator: keras.Model, n: int, latent_dim: int | None = None, seed: int = 0,
             batch_size: int = 500) -> np.ndarray:
    """Draw ``n`` images from the generator with seeded noise; returns (n, 28, 28, 1) in [-1, 1].

    Example:
        >>> generate(build_generator(), 4).shape          # doctest: +SKIP
        (4, 28, 28, 1)

    Taught in Chapter 4, section 9 (through :func:`sample_quality`).
    """
    check_positive_int("n", n)
    latent_dim = latent_dim or generator.input_shape[-1]
    noise = fixed_noise(n, latent_dim, seed)
    return np.asarray(generator.predict(noise, batch_size=batch_size, verbose=0))


def sample_quality(generator: keras.Model, classifier: keras.Model, n: int = 1000, seed: int = 123,
                   min_share: float = MIN_CLASS_SHARE) -> dict[str, Any]:
    """Generate ``n`` images and score them with ``classifier`` (see :func:`class_quality`).

    A good generator gives confident labels (mean top-class confidence near
    1: the images look like *some* garment) spread over all 10 classes (a
    collapsed generator draws only a few kinds of garment). The course's
    full-mode target: ``mean_confidence >= 0.75`` and ``classes_present >= 9``
    among 1,000 samples.

    Example:
        >>> sample_quality(gan.generator, fashion_classifier())["classes_present"]   # doctest: +SKIP
        10

    Taught in Chapter 4, section 9.
    """
    images = to_unit_range(generate(generator, n, seed=seed))
    probabilities = classifier.predict(images, batch_size=500, verbose=0)
    return class_quality(probabilities, min_share)


class QualityTracker(keras.callbacks.Callback):
    """Score the generator with :func:`sample_quality` every ``every`` epochs.

    Keeps ``epochs``, ``scores`` (one :func:`class_quality` dict each) and
    ``train_seconds`` (cumulative training time, scoring excluded); with
    ``verbose`` it prints one line per scored epoch.

    Example:
        >>> tracker = QualityTracker(fashion_classifier(), every=2)     # doctest: +SKIP
        >>> gan.fit(x_real, epochs=4, callbacks=[tracker])              # doctest: +SKIP
        >>> tracker.epochs                                              # doctest: +SKIP
        [2, 4]

    Taught in Chapter 4, section 8.
    """

    def __init__(self, classifier: keras.Model, every: int = 1, n: int = 1000, seed: int = 123, verbose: bool = False):
        super().__init__()
        self.classifier, self.seed, self.verbose = classifier, seed, verbose
        self.every = check_positive_int("every", every)
        self.n = check_positive_int("n", n)
        self.epochs: list[int] = []
        self.scores: list[dict[str, Any]] = []
        self.train_seconds: list[float] = []
        self._total = 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self._total += time.perf_counter() - self._start
        self.train_seconds.append(self._total)
        if (epoch + 1) % self.every == 0:
            score = sample_quality(self.model.generator, self.classifier, n=self.n, seed=self.seed)
            self.epochs.append(epoch + 1)
            self.scores.append(score)
            if logs is not None:
                logs["mean_confidence"] = score["mean_confidence"]
                logs["classes_present"] = score["classes_present"]
            if self.verbose:
                print(f"  epoch {epoch + 1:2d}: {self._total:7.1f} s training, classes present {score['classes_present']:2d}, "
                      f"mean confidence {score['mean_confidence']:.3f}", flush=True)


# --------------------------------------------------------------------------
# Latent-space interpolation
# --------------------------------------------------------------------------


def lerp(z0: np.ndarray, z1: np.ndarray, ts: Any) -> np.ndarray:
    """Linear interpolation: one row ``(1 - t) z0 + t z1`` per t; ``(len(ts), latent_dim)`` float32.

    Example:
        >>> lerp(np.zeros(2), np.ones(2), [0.0, 0.5]).tolist()
        [[0.0, 0.0], [0.5, 0.5]]

    Taught in Chapter 4, section 10.
    """
    ts = np.asarray(ts, dtype=np.float64)[:, None]
    return ((1 - ts) * np.asarray(z0, np.float64) + ts * np.asarray(z1, np.float64)).astype(np.float32)


def slerp(z0: np.ndarray, z1: np.ndarray, ts: Any) -> np.ndarray:
    """Spherical interpolation along the great circle from z0 to z1; ``(len(ts), latent_dim)`` float32.

    Falls back to :func:`lerp` when z0 and z1 are parallel.

    Example:
        >>> [round(float(v), 4) for v in slerp(np.array([1.0, 0.0]), np.array([0.0, 1.0]), [0.5])[0]]
        [0.7071, 0.7071]

    Taught in Chapter 4, section 10.
    """
    z0, z1 = np.asarray(z0, np.float64), np.asarray(z1, np.float64)
    ts = np.asarray(ts, dtype=np.float64)[:, None]
    cos = np.dot(z0, z1) / (np.linalg.norm(z0) * np.linalg.norm(z1))
    omega = np.arccos(np.clip(cos, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, ts[:, 0])
    out = (np.sin((1 - ts) * omega) * z0 + np.sin(ts * omega) * z1) / np.sin(omega)
    return out.astype(np.float32)
