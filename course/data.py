"""Datasets of the course, loaded the standard Keras way and cached once.

* Images: Fashion-MNIST (Zalando, 70,000 grey 28x28 pictures of clothes in 10
  classes), through ``keras.datasets.fashion_mnist``.
* Text: the movie-review sentence polarity set v1.0 (Pang and Lee, 2005):
  10,662 Rotten Tomatoes snippets, half positive, half negative, fetched with
  ``keras.utils.get_file`` from its Cornell origin.

Both live in the Keras cache (``$KERAS_HOME/datasets``, by default
``~/.keras/datasets``), so each downloads once. Offline, the loaders read the
cache; when a file is neither cached nor downloadable they raise
:class:`DatasetNotFoundError`, naming the missing file and where to put it.
They never fall back to fake data.

``load_mnist()`` and ``load_imdb()`` are the classic datasets of the seed
tutorials, kept as one-line swaps for learners who want them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from course.arguments import check_fraction, check_int, check_positive_int

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)
FASHION_MNIST_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)
FASHION_MNIST_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
POLARITY_ORIGIN = "http://www.cs.cornell.edu/people/pabo/movie-review-data/rt-polaritydata.tar.gz"
POLARITY_FILES = ("rt-polarity.pos", "rt-polarity.neg")
DOWNLOAD_TIMEOUT_S = 30


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is neither in the Keras cache nor downloadable."""


@dataclass(frozen=True)
class DatasetStatus:
    """Whether one dataset is in the cache: ``name``, ``cached``, ``paths``, ``missing``."""

    name: str
    cached: bool
    paths: tuple[Path, ...]
    missing: tuple[Path, ...]


def keras_cache_dir() -> Path:
    """Return the folder Keras caches datasets in: ``$KERAS_HOME/datasets``.

    Keras falls back to ``/tmp/.keras`` when ``KERAS_HOME`` is not writable;
    this function mirrors that rule so the paths it reports are the real ones.

    Example:
        >>> keras_cache_dir()            # doctest: +SKIP
        PosixPath('/home/me/.keras/datasets')

    Taught in Chapter 5, section 6 (where the ResNet's weights are cached).
    """
    home = Path(os.path.expanduser(os.environ.get("KERAS_HOME", "~/.keras")))
    if home.exists() and not os.access(home, os.W_OK):
        home = Path("/tmp/.keras")
    return home / "datasets"


def fashion_mnist_paths() -> tuple[Path, ...]:
    """Return the four cache paths Fashion-MNIST is read from (labels, then images; training, then test).

    Example:
        >>> fashion_mnist_paths()[0].name
        'train-labels-idx1-ubyte.gz'

    Not taught: ``course data --check`` reports them.
    """
    folder = keras_cache_dir() / "fashion-mnist"
    return tuple(folder / name for name in FASHION_MNIST_FILES)


def movie_review_paths() -> tuple[Path, ...]:
    """Return the two cache paths of the polarity set: positive, then negative.

    Example:
        >>> [path.name for path in movie_review_paths()]
        ['rt-polarity.pos', 'rt-polarity.neg']

    Not taught: ``course data --check`` reports them.
    """
    folder = keras_cache_dir() / "rt-polaritydata"
    return tuple(folder / name for name in POLARITY_FILES)


@contextlib.contextmanager
def _download_timeout(seconds: float) -> Iterator[None]:
    """Give every socket a timeout, so a dead network fails instead of hanging."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _not_found(name: str, missing: tuple[Path, ...], origin: str, cause: Exception) -> DatasetNotFoundError:
    listed = "\n".join(f"  {path}" for path in missing)
    return DatasetNotFoundError(
        f"{name} is not in the Keras cache and could not be downloaded ({cause}).\n"
        f"Missing file(s):\n{listed}\n"
        f"Fix: connect to the internet once and run `course data --download`, or copy the file(s) "
        f"from {origin} to the path(s) above (set KERAS_HOME to use another cache folder)."
    )


def _check_subset_size(name: str, n: int | None) -> None:
    check_int(name, n, minimum=1, allow_none=True, note="None: all examples")


def _subset(x: np.ndarray, y: np.ndarray, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The first ``n`` examples (all of them when ``n`` is None)."""
    return (x, y) if n is None else (x[:n], y[:n])


def load_fashion_mnist(
    n_train: int | None = None,
    n_test: int | None = None,
    flatten: bool = False,
    normalize: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST: 60,000 training and 10,000 test images of clothes.

    Args:
        n_train: keep only the first ``n_train`` training examples (None: all).
        n_test: keep only the first ``n_test`` test examples (None: all).
        flatten: return images as vectors of 784 pixels instead of 28x28.
        normalize: scale pixels to float32 in [0, 1] (else uint8 0..255).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``; images of shape (N, 28, 28)
        or (N, 784), labels int64 of shape (N,) in 0..9 (names in
        ``FASHION_MNIST_CLASSES``).

    Example:
        >>> (x, y), (x_test, y_test) = load_fashion_mnist(n_train=1000)
        >>> x.shape, y[:3]               # doctest: +SKIP
        ((1000, 28, 28), array([9, 0, 0]))

    Taught in Chapter 1, section 1.
    """
    import keras

    _check_subset_size("n_train", n_train)
    _check_subset_size("n_test", n_test)
    try:
        with _download_timeout(DOWNLOAD_TIMEOUT_S):
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # Keras raises a bare Exception on a failed download.
        missing = tuple(p for p in fashion_mnist_paths() if not p.exists())
        raise _not_found("Fashion-MNIST", missing or fashion_mnist_paths(), FASHION_MNIST_ORIGIN, error) from error
    x_train, y_train = _subset(x_train, y_train.astype(np.int64), n_train)
    x_test, y_test = _subset(x_test, y_test.astype(np.int64), n_test)
    if normalize:
        x_train = x_train.astype(np.float32) / 255.0
        x_test = x_test.astype(np.float32) / 255.0
    if flatten:
        x_train = x_train.reshape(len(x_train), -1)
        x_test = x_test.reshape(len(x_test), -1)
    return (x_train, y_train), (x_test, y_test)


def _read_lines(path: Path) -> list[str]:
    """Read one sentence per line; the original archive is Latin-1, copies may be UTF-8."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return [line.strip() for line in text.splitlines() if line.strip()]


def _download_movie_reviews() -> None:
    """Fetch the Cornell archive with Keras and move its two files into the cache."""
    import keras

    with _download_timeout(DOWNLOAD_TIMEOUT_S):
        extracted = keras.utils.get_file(
            "rt-polaritydata.tar.gz", origin=POLARITY_ORIGIN, cache_subdir="datasets", extract=True
        )
    target = keras_cache_dir() / "rt-polaritydata"
    target.mkdir(parents=True, exist_ok=True)
    for name in POLARITY_FILES:
        found = next(Path(extracted).rglob(name), None)
        if found is None:
            raise DatasetNotFoundError(f"The downloaded archive {POLARITY_ORIGIN} holds no {name}.")
        shutil.copyfile(found, target / name)


def load_movie_reviews_raw() -> tuple[list[str], np.ndarray]:
    """Load all 10,662 review snippets and their labels (1 positive, 0 negative).

    Returns:
        ``texts`` (list of str, positives first) and ``labels`` (int64, shape (N,)).
        Use :func:`load_movie_reviews` for a shuffled train/validation/test split.

    Example:
        >>> texts, labels = load_movie_reviews_raw()      # doctest: +SKIP
        >>> len(texts), int(labels.sum())                 # doctest: +SKIP
        (10662, 5331)

    Taught in Chapter 3, section 5 (through :func:`load_movie_reviews`).
    """
    paths = movie_review_paths()
    if not all(p.exists() for p in paths):
        try:
            _download_movie_reviews()
        except Exception as error:
            missing = tuple(p for p in paths if not p.exists())
            raise _not_found("The movie-review polarity set", missing, POLARITY_ORIGIN, error) from error
    positive, negative = (_read_lines(p) for p in paths)
    labels = np.array([1] * len(positive) + [0] * len(negative), dtype=np.int64)
    return positive + negative, labels


def load_movie_reviews(
    validation_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 1234,
    n_train: int | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the movie-review polarity set as a fixed, seeded train/validation/test split.

    The same ``seed`` always gives the same split, so results are comparable
    across chapters and machines. The default split is 80/10/10: 8,530
    training, 1,066 validation and 1,066 test sentences.

    Args:
        validation_fraction: share of sentences held out for validation.
        test_fraction: share held out for the final test.
        seed: seed of the shuffle that makes the split.
        n_train: keep only the first ``n_train`` training sentences (None: all);
            validation and test sets are never cut, so scores stay comparable.

    Returns:
        ``(x_train, y_train), (x_val, y_val), (x_test, y_test)``; texts as numpy
        arrays of str, labels int64 (1 positive, 0 negative).

    Example:
        >>> (x, y), _, (x_test, y_test) = load_movie_reviews()
        >>> x[0], y[0]                   # doctest: +SKIP
        ('a gorgeous , witty , seductive movie .', 1)

    Taught in Chapter 3, section 5.
    """
    check_fraction("validation_fraction", validation_fraction, high=0.5, include_low=False)
    check_fraction("test_fraction", test_fraction, high=0.5, include_low=False)
    check_int("seed", seed)
    _check_subset_size("n_train", n_train)
    texts, labels = load_movie_reviews_raw()
    order = np.random.default_rng(seed).permutation(len(texts))
    texts_array = np.array(texts, dtype=object)[order].astype(str)
    labels = labels[order]
    n_test = int(round(len(texts) * test_fraction))
    n_val = int(round(len(texts) * validation_fraction))
    test = (texts_array[:n_test], labels[:n_test])
    val = (texts_array[n_test : n_test + n_val], labels[n_test : n_test + n_val])
    train = _subset(texts_array[n_test + n_val :], labels[n_test + n_val :], n_train)
    return train, val, test


def load_mnist(
    flatten: bool = False, normalize: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load classic MNIST digits (the seed tutorials' dataset): a one-line swap.

    Same shapes as :func:`load_fashion_mnist`. Needs the internet once: the
    course's CI has no copy, so no notebook depends on it. Digits are easier
    than clothes: the seed MLP reaches about 97-98% on MNIST but about 87-88%
    on Fashion-MNIST.

    Example:
        >>> (x, y), (x_test, y_test) = load_mnist()      # doctest: +SKIP
        >>> x.shape                                      # doctest: +SKIP
        (60000, 28, 28)

    Not taught: a one-line swap for learners who want the seed tutorials' data.
    """
    import keras

    try:
        with _download_timeout(DOWNLOAD_TIMEOUT_S):
            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    except Exception as error:
        raise _not_found("MNIST", (keras_cache_dir() / "mnist.npz",), "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz", error) from error
    if normalize:
        x_train, x_test = x_train.astype(np.float32) / 255.0, x_test.astype(np.float32) / 255.0
    if flatten:
        x_train, x_test = x_train.reshape(len(x_train), -1), x_test.reshape(len(x_test), -1)
    return (x_train, y_train.astype(np.int64)), (x_test, y_test.astype(np.int64))


def load_imdb(num_words: int = 10_000) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the IMDB review set (the seed tutorials' text data): a one-line swap.

    Returns reviews already turned into lists of word indices (Keras's
    encoding), 25,000 for training and 25,000 for testing. Needs the internet
    once. Reviews are long (about 230 words) where the polarity snippets are
    one sentence (about 20 words), so accuracies are higher on IMDB (about
    85-88% for an LSTM) than on the polarity set (about 76-77%).

    Example:
        >>> (x, y), (x_test, y_test) = load_imdb()      # doctest: +SKIP
        >>> len(x), len(x_test)                         # doctest: +SKIP
        (25000, 25000)

    Not taught: a one-line swap for learners who want the seed tutorials' data.
    """
    import keras

    check_positive_int("num_words", num_words)

    try:
        with _download_timeout(DOWNLOAD_TIMEOUT_S):
            return keras.datasets.imdb.load_data(num_words=num_words)
    except Exception as error:
        raise _not_found("IMDB", (keras_cache_dir() / "imdb.npz",), "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb.npz", error) from error


def dataset_status() -> list[DatasetStatus]:
    """Report which course datasets are in the Keras cache (``course data --check``).

    Example:
        >>> [status.name for status in dataset_status()]
        ['fashion_mnist', 'movie_reviews']

    Not taught: behind ``course data --check``.
    """
    report = []
    for name, paths in (("fashion_mnist", fashion_mnist_paths()), ("movie_reviews", movie_review_paths())):
        missing = tuple(p for p in paths if not p.exists())
        report.append(DatasetStatus(name, not missing, paths, missing))
    return report


def download_all() -> list[DatasetStatus]:
    """Download every course dataset into the cache (``course data --download``).

    Run it once on a connected machine before a class that will be offline.
    Raises :class:`DatasetNotFoundError` for the first dataset that fails.

    Example:
        >>> all(status.cached for status in download_all())   # doctest: +SKIP
        True

    Not taught: behind ``course data --download``.
    """
    load_fashion_mnist(n_train=1, n_test=1)
    load_movie_reviews_raw()
    return dataset_status()
