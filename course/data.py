"""Datasets of the course, loaded the standard Keras way and cached once.

* Images: Fashion-MNIST (Zalando, 70,000 grey 28x28 pictures of clothes in 10
  classes), read by ``keras.datasets.fashion_mnist``.
* Text: the movie-review sentence polarity set v1.0 (Pang and Lee, 2005):
  10,662 Rotten Tomatoes snippets, half positive, half negative, from the
  Cornell archive ``rt-polaritydata.tar.gz``.

Both live in the Keras cache (``$KERAS_HOME/datasets``, by default
``~/.keras/datasets``), so each downloads once. A missing file is fetched
from an ordered list of origins: Keras's own origin first, then the mirrors
the user configures (:func:`data_mirrors`: ``COURSE_DATA_MIRROR`` and
``~/.config/course/data.toml``), which hold the same file names. Every
download is checked against a recorded checksum before it enters the cache
(:data:`FASHION_MNIST_MD5`, :data:`POLARITY_SHA256`); a file that fails it is
dropped. When no origin works the loaders raise :class:`DatasetNotFoundError`,
listing every URL tried with its reason and what to do. They never fall back
to fake data.

``load_mnist()`` and ``load_imdb()`` are the classic datasets of the seed
tutorials, kept as one-line swaps for learners who want them (Keras's origin
only, no mirrors).
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import os
import socket
import tarfile
import threading
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from course.arguments import argument_error, check_fraction, check_int, check_positive_int, describe

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
POLARITY_ARCHIVE = "rt-polaritydata.tar.gz"
POLARITY_FILES = ("rt-polarity.pos", "rt-polarity.neg")
DOWNLOAD_TIMEOUT_S = 30
MIRROR_ENV = "COURSE_DATA_MIRROR"

#: MD5 of each Fashion-MNIST file as Zalando publishes it: the "MD5 Checksum"
#: column of https://github.com/zalandoresearch/fashion-mnist#get-the-data.
#: A download from any origin must match, or it never enters the cache.
FASHION_MNIST_MD5 = {
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
}

#: SHA-256 of the two files inside the polarity archive, in their original bytes.
#:
#: Cornell publishes no checksum, and the archive itself was not available when
#: these were recorded, only a copy of its two files converted to UTF-8. That
#: copy holds the characters U+2013, U+2014, U+2018 and U+2026, which exist in
#: Windows-1252 (bytes 0x96, 0x97, 0x91, 0x85) but not in Latin-1, and no C1
#: control characters (U+0080-U+009F, what a Latin-1 decoding of those bytes
#: gives). So the conversion was Windows-1252 -> UTF-8, not Latin-1 -> UTF-8 (a
#: Latin-1 re-encoding of the copy fails), and re-encoding the copy with
#: ``cp1252`` recovers the original bytes exactly, provided that conversion was
#: the only change made. These digests are of those re-encoded bytes. They are
#: derived, not published: should Cornell's files differ, every download is
#: rejected and the error says so. (Hugging Face's ``rotten_tomatoes`` dataset
#: records a SHA-256 of another copy of the archive; it is not used, because the
#: archive's bytes could not be compared with Cornell's here, and a re-packed
#: archive would differ while its files did not.)
POLARITY_SHA256 = {
    "rt-polarity.pos": "d79ef14009bbf87cd6be21f91c3ea1a3cbcb73b34dfb4231aef7bbcd7677abc4",
    "rt-polarity.neg": "4af43bf489620b498a0852c5a8c6a535155dec7985fdfea782b8f7756b957ccc",
}


class DatasetNotFoundError(FileNotFoundError):
    """A dataset file is neither in the Keras cache nor downloadable."""


class MirrorConfigError(ValueError):
    """``COURSE_DATA_MIRROR`` or the mirror config file holds something that is not a mirror URL."""


@dataclass(frozen=True)
class DatasetStatus:
    """Whether one dataset is in the cache: ``name``, ``cached``, ``paths``, ``missing`` and
    ``corrupt`` (present, but not matching its checksum)."""

    name: str
    cached: bool
    paths: tuple[Path, ...]
    missing: tuple[Path, ...]
    corrupt: tuple[Path, ...] = ()


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


# --------------------------------------------------------------------------
# Origins, mirrors and checksums
# --------------------------------------------------------------------------

def mirror_config_path() -> Path:
    """Return the mirror config file: ``$XDG_CONFIG_HOME/course/data.toml`` (default ``~/.config/course/data.toml``).

    It holds one TOML list, tried after ``COURSE_DATA_MIRROR``'s mirrors::

        mirrors = ["https://mirror.example.edu/course-data/"]

    Example:
        >>> mirror_config_path().name
        'data.toml'

    Not taught: for learners whose network blocks the datasets' origins.
    """
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "course" / "data.toml"


def _check_mirror(source: str, url: object) -> str:
    """One mirror base URL, ending in '/'; a MirrorConfigError names ``source`` when it is not one."""
    parts = urllib.parse.urlsplit(url) if isinstance(url, str) else None
    if parts is None or not ((parts.scheme in ("http", "https") and parts.netloc) or (parts.scheme == "file" and parts.path)):
        raise argument_error(source, "http://, https:// or file:// URLs of folders holding the dataset files",
                             describe(url), error=MirrorConfigError)
    return url if url.endswith("/") else url + "/"


def data_mirrors() -> tuple[str, ...]:
    """Return the mirrors to try after Keras's origins, in order: ``COURSE_DATA_MIRROR``, then the config file.

    ``COURSE_DATA_MIRROR`` holds one or more base URLs separated by spaces;
    :func:`mirror_config_path` may list more. A mirror is a folder with the
    same file names as the origins, side by side::

        <mirror>/train-labels-idx1-ubyte.gz      (the four Fashion-MNIST files)
        <mirror>/train-images-idx3-ubyte.gz
        <mirror>/t10k-labels-idx1-ubyte.gz
        <mirror>/t10k-images-idx3-ubyte.gz
        <mirror>/rt-polaritydata.tar.gz          (Cornell's archive, unchanged)

    Raises:
        MirrorConfigError: a value that is not an http(s):// or file:// URL, or a config file that is not TOML.

    Example:
        >>> os.environ["COURSE_DATA_MIRROR"] = "https://a.example/data https://b.example/data/"   # doctest: +SKIP
        >>> data_mirrors()                                                                        # doctest: +SKIP
        ('https://a.example/data/', 'https://b.example/data/')

    Not taught: for learners whose network blocks the datasets' origins.
    """
    urls = [_check_mirror(MIRROR_ENV, url) for url in os.environ.get(MIRROR_ENV, "").split()]
    path = mirror_config_path()
    if path.is_file():
        try:
            listed = tomllib.loads(path.read_text(encoding="utf-8")).get("mirrors", [])
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise MirrorConfigError(f"{path} is not a TOML file ({error}); it should hold one line such as\n"
                                    f'    mirrors = ["https://mirror.example.edu/course-data/"]') from error
        if not isinstance(listed, list):
            raise argument_error(f"mirrors in {path}", "a list of URLs", describe(listed), error=MirrorConfigError)
        urls += [_check_mirror(f"mirrors in {path}", url) for url in listed]
    return tuple(dict.fromkeys(urls))


class _Rejected(Exception):
    """A download that arrived but is not the file it should be (its reason is the message)."""


def _md5_check(name: str) -> Callable[[bytes], dict[str, bytes]]:
    """A check for one Fashion-MNIST file: its MD5 must be Zalando's; returns ``{name: data}``."""
    def check(data: bytes) -> dict[str, bytes]:
        digest = hashlib.md5(data).hexdigest()
        if digest != FASHION_MNIST_MD5[name]:
            raise _Rejected(f"MD5 {digest} is not the published {FASHION_MNIST_MD5[name]} "
                            f"(a corrupt or different file, {len(data):,} bytes)")
        return {name: data}
    return check


def _polarity_digest(raw: bytes) -> str:
    """SHA-256 of a polarity file in its original Windows-1252 bytes (a UTF-8 copy is re-encoded first)."""
    try:
        raw = raw.decode("utf-8").encode("cp1252")
    except (UnicodeDecodeError, UnicodeEncodeError):
        pass  # not a UTF-8 copy (the original bytes), or not one made from Windows-1252: hash as is
    return hashlib.sha256(raw).hexdigest()


def _polarity_members(data: bytes) -> dict[str, bytes]:
    """The two files inside the polarity archive, each checked against :data:`POLARITY_SHA256`.

    Members are read into memory by name and never extracted to a path, so a
    hostile archive cannot write anywhere.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            members = {Path(m.name).name: m for m in archive.getmembers() if m.isfile()}
            found = {name: archive.extractfile(members[name]).read() for name in POLARITY_FILES if name in members}
    except (tarfile.TarError, OSError, EOFError) as error:
        raise _Rejected(f"not a readable .tar.gz archive ({error})") from error
    absent = [name for name in POLARITY_FILES if name not in found]
    if absent:
        raise _Rejected(f"the archive holds no {' or '.join(absent)}")
    for name, raw in found.items():
        digest = _polarity_digest(raw)
        if digest != POLARITY_SHA256[name]:
            raise _Rejected(f"{name} in the archive has SHA-256 {digest}, not the recorded {POLARITY_SHA256[name]} "
                            "(a corrupt or different file)")
    return found


def _fetch(url: str) -> bytes:
    """The bytes at ``url`` (http, https or file), with DOWNLOAD_TIMEOUT_S per network operation."""
    request = urllib.request.Request(url, headers={"User-Agent": "course-data (Python urllib)"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response:
        return response.read()


def _reason(error: BaseException) -> tuple[str, bool]:
    """A short reason for a failed download, and whether the host itself is unreachable."""
    if isinstance(error, _Rejected):
        return f"rejected: {error}", False
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}", False
    if isinstance(error, urllib.error.URLError):
        if isinstance(error.reason, OSError) and not isinstance(error.reason, (socket.timeout, ConnectionError, socket.gaierror)):
            return f"cannot read it: {error.reason}", False  # e.g. a file:// path that does not exist
        return f"cannot connect: {error.reason}", True
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"no answer within {DOWNLOAD_TIMEOUT_S} s", True
    if isinstance(error, http.client.IncompleteRead):
        return f"the connection broke off after {len(error.partial):,} bytes", True
    return f"{type(error).__name__}: {error}", True


@dataclass
class _Attempt:
    url: str
    reason: str


def _download_verified(name: str, urls: list[str], check: Callable[[bytes], dict[str, bytes]],
                       dead_hosts: dict[str, str]) -> tuple[dict[str, bytes] | None, list[_Attempt]]:
    """Try ``urls`` in order; return the first download ``check`` accepts (its files by name) and every attempt.

    A host that could not be reached is skipped for the rest of this run
    (``dead_hosts``), so a blocked origin costs one timeout, not one per file.
    """
    attempts = []
    for url in urls:
        host = urllib.parse.urlsplit(url).netloc
        if host and host in dead_hosts:
            attempts.append(_Attempt(url, f"skipped: {host} was unreachable for an earlier file ({dead_hosts[host]})"))
            continue
        print(f"Downloading {url}", flush=True)
        try:
            files = check(_fetch(url))
        except Exception as error:
            reason, host_down = _reason(error)
            if host_down and host:
                dead_hosts[host] = reason
            print(f"  failed: {reason}", flush=True)
            attempts.append(_Attempt(url, reason))
            continue
        print(f"  {name}: checksum verified", flush=True)
        return files, attempts
    return None, attempts


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and ``os.replace``: never half a file in the cache."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.part")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _is_valid(path: Path) -> bool:
    """Whether a cached dataset file matches its checksum (False when it does not exist)."""
    if not path.is_file():
        return False
    if path.name in FASHION_MNIST_MD5:
        return hashlib.md5(path.read_bytes()).hexdigest() == FASHION_MNIST_MD5[path.name]
    return _polarity_digest(path.read_bytes()) == POLARITY_SHA256[path.name]


def _failure(title: str, failures: dict[str, list[_Attempt]], missing: tuple[Path, ...], how_to_copy: str) -> DatasetNotFoundError:
    """The error when no origin gave a file: every URL tried and why, the missing paths, what to do."""
    tried = "\n".join(f"  {name}:\n" + "\n".join(f"    {a.url}\n        -> {a.reason}" for a in attempts)
                      for name, attempts in failures.items())
    listed = "\n".join(f"  {path}" for path in missing)
    configured = data_mirrors()
    mirrors = (f"the mirrors tried were {', '.join(configured)}; add another" if configured
               else "no mirror is configured")
    return DatasetNotFoundError(
        f"{title} is not in the Keras cache and could not be downloaded from any origin.\n"
        f"Tried:\n{tried}\n"
        f"Missing file(s):\n{listed}\n"
        "What to do, either:\n"
        f"  * use a mirror ({mirrors}): a folder that holds the same file names, e.g.\n"
        f"        export {MIRROR_ENV}=https://mirror.example.edu/course-data/\n"
        f"    (several separated by spaces, or listed in {mirror_config_path()} as\n"
        '     mirrors = ["https://..."]), then run `course data --download`;\n'
        f"  * or {how_to_copy} to the path(s) above (set KERAS_HOME to use another cache folder).\n"
        "Every file is checked against its checksum (course.data.FASHION_MNIST_MD5, POLARITY_SHA256) before it is used."
    )


def ensure_fashion_mnist(replace_corrupt: bool = False, dead_hosts: dict[str, str] | None = None) -> tuple[Path, ...]:
    """Download the Fashion-MNIST files missing from the cache, verified; return the four cache paths.

    Each missing file is tried at Keras's origin, then at every mirror of
    :func:`data_mirrors`; a download enters the cache only when its MD5 is
    Zalando's. ``replace_corrupt`` also replaces cached files whose MD5 is
    wrong (``course data --download``). Files already cached are not read.

    Raises:
        DatasetNotFoundError: some file came from no origin; lists every URL tried and why.

    Example:
        >>> [path.name for path in ensure_fashion_mnist()][:1]     # doctest: +SKIP
        ['train-labels-idx1-ubyte.gz']

    Not taught: :func:`load_fashion_mnist` calls it.
    """
    dead_hosts = {} if dead_hosts is None else dead_hosts
    paths = fashion_mnist_paths()
    failures = {}
    for path in paths:
        if path.exists() and not (replace_corrupt and not _is_valid(path)):
            continue
        urls = [FASHION_MNIST_ORIGIN + path.name] + [mirror + path.name for mirror in data_mirrors()]
        files, attempts = _download_verified(path.name, urls, _md5_check(path.name), dead_hosts)
        if files is None:
            failures[path.name] = attempts
        else:
            _write_atomically(path, files[path.name])
    if failures:
        missing = tuple(p for p in paths if p.name in failures)
        raise _failure("Fashion-MNIST", failures, missing,
                       "copy the files (from any copy whose MD5s match Zalando's README, "
                       "https://github.com/zalandoresearch/fashion-mnist#get-the-data)")
    return paths


def ensure_movie_reviews(replace_corrupt: bool = False, dead_hosts: dict[str, str] | None = None) -> tuple[Path, ...]:
    """Download the polarity archive if a file is missing; put its two verified files in the cache; return their paths.

    The archive is tried at Cornell's origin, then at every mirror of
    :func:`data_mirrors`; its two files enter the cache (as they are in the
    archive) only when both match :data:`POLARITY_SHA256`. The archive itself
    is not kept. ``replace_corrupt`` also replaces cached files that do not match.

    Raises:
        DatasetNotFoundError: no origin gave a valid archive; lists every URL tried and why.

    Example:
        >>> [path.name for path in ensure_movie_reviews()]     # doctest: +SKIP
        ['rt-polarity.pos', 'rt-polarity.neg']

    Not taught: :func:`load_movie_reviews_raw` calls it.
    """
    dead_hosts = {} if dead_hosts is None else dead_hosts
    paths = movie_review_paths()
    if all(path.exists() and not (replace_corrupt and not _is_valid(path)) for path in paths):
        return paths
    urls = [POLARITY_ORIGIN] + [mirror + POLARITY_ARCHIVE for mirror in data_mirrors()]
    files, attempts = _download_verified(POLARITY_ARCHIVE, urls, _polarity_members, dead_hosts)
    if files is None:
        missing = tuple(p for p in paths if not p.exists()) or paths
        raise _failure("The movie-review polarity set", {POLARITY_ARCHIVE: attempts}, missing,
                       f"copy rt-polarity.pos and rt-polarity.neg from the archive {POLARITY_ARCHIVE} "
                       f"(folder rt-polaritydata/ inside it; original or UTF-8 copies both pass the check)")
    for path in paths:
        _write_atomically(path, files[path.name])
    return paths


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
    ensure_fashion_mnist()
    try:  # the files are cached now, so Keras only reads them
        with _download_timeout(DOWNLOAD_TIMEOUT_S):
            (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # Keras raises a bare Exception on a failed download.
        raise _not_found("Fashion-MNIST", fashion_mnist_paths(), FASHION_MNIST_ORIGIN, error) from error
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
    """Read one sentence per line: UTF-8 copies as UTF-8, Cornell's original files as Windows-1252.

    The original files are Windows-1252 (see :data:`POLARITY_SHA256`): decoding
    them as Latin-1 would turn their dashes, quotes and ellipses into control
    characters, so an original file and its UTF-8 copy would give different
    texts. Latin-1 stays the last resort for bytes Windows-1252 leaves undefined.
    """
    raw = path.read_bytes()
    for encoding in ("utf-8", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = raw.decode("latin-1")
    return [line.strip() for line in text.splitlines() if line.strip()]


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
    positive, negative = (_read_lines(p) for p in ensure_movie_reviews())
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


def dataset_status(verify: bool = True) -> list[DatasetStatus]:
    """Report which course datasets are in the Keras cache, and whether each file matches its checksum.

    ``verify=False`` only looks for the files (no reading). A file that is
    present but fails its checksum is listed in ``corrupt``; ``course data
    --download`` replaces it.

    Example:
        >>> [status.name for status in dataset_status()]
        ['fashion_mnist', 'movie_reviews']

    Not taught: behind ``course data --check``.
    """
    report = []
    for name, paths in (("fashion_mnist", fashion_mnist_paths()), ("movie_reviews", movie_review_paths())):
        missing = tuple(p for p in paths if not p.exists())
        corrupt = tuple(p for p in paths if verify and p.exists() and not _is_valid(p))
        report.append(DatasetStatus(name, not missing and not corrupt, paths, missing, corrupt))
    return report


def download_all() -> list[DatasetStatus]:
    """Download every course dataset into the cache, verified (``course data --download``).

    Run it once on a connected machine before a class that will be offline.
    Files that are missing or fail their checksum are fetched from Keras's
    origins, then from the mirrors of :func:`data_mirrors`. Both datasets are
    tried even when the first fails; a host that could not be reached is not
    tried again in the same run.

    Raises:
        DatasetNotFoundError: some file came from no origin (for every dataset that failed:
            each URL tried and why, the missing paths, what to do).

    Example:
        >>> all(status.cached for status in download_all())   # doctest: +SKIP
        True

    Not taught: behind ``course data --download``.
    """
    dead_hosts: dict[str, str] = {}
    errors = []
    for ensure in (ensure_fashion_mnist, ensure_movie_reviews):
        try:
            ensure(replace_corrupt=True, dead_hosts=dead_hosts)
        except DatasetNotFoundError as error:
            errors.append(str(error))
    if errors:
        raise DatasetNotFoundError("\n\n".join(errors))
    return dataset_status()
