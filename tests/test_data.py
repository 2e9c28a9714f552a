"""Dataset loaders: shapes, the fixed split, and clear errors when data are missing."""

import numpy as np
import pytest

from course import data


def test_fashion_mnist_shapes_and_scaling():
    (x, y), (x_test, y_test) = data.load_fashion_mnist(n_train=500, n_test=200)
    assert x.shape == (500, 28, 28) and x_test.shape == (200, 28, 28)
    assert x.dtype == np.float32 and 0.0 <= x.min() and x.max() <= 1.0
    assert y.shape == (500,) and set(np.unique(y)) <= set(range(10))


def test_fashion_mnist_flatten_gives_784_features():
    (x, _), _ = data.load_fashion_mnist(n_train=10, n_test=10, flatten=True)
    assert x.shape == (10, 784)


def test_fashion_mnist_without_normalize_keeps_uint8_pixels():
    (x, _), _ = data.load_fashion_mnist(n_train=10, n_test=10, normalize=False)
    assert x.dtype == np.uint8 and x.max() > 1


def test_fashion_mnist_rejects_a_negative_subset_size():
    with pytest.raises(ValueError, match=r"n_train must be a positive integer or None \(None: all examples\); got -5\."):
        data.load_fashion_mnist(n_train=-5)


def test_movie_reviews_split_sizes_are_80_10_10():
    (x, y), (x_val, y_val), (x_test, y_test) = data.load_movie_reviews()
    assert (len(x), len(x_val), len(x_test)) == (8530, 1066, 1066)
    assert len(x) == len(y) and set(np.unique(y)) == {0, 1}


def test_movie_reviews_split_is_the_same_on_every_call():
    first = data.load_movie_reviews()[2][0]
    second = data.load_movie_reviews()[2][0]
    assert list(first) == list(second)


def test_movie_reviews_split_sets_do_not_overlap():
    (x, _), (x_val, _), (x_test, _) = data.load_movie_reviews()
    # The set has a few duplicate sentences; compare positions, not texts.
    assert len(x) + len(x_val) + len(x_test) == 10662


def test_movie_reviews_are_balanced_enough():
    (_, y), _, (_, y_test) = data.load_movie_reviews()
    assert 0.45 < y.mean() < 0.55 and 0.4 < y_test.mean() < 0.6


def test_movie_reviews_rejects_a_fraction_out_of_range():
    with pytest.raises(ValueError, match=r"test_fraction must be a number in \(0, 0.5\); got 0.7\."):
        data.load_movie_reviews(test_fraction=0.7)


def test_latin1_files_are_read(tmp_path):
    path = tmp_path / "rt-polarity.pos"
    path.write_bytes("un film très réussi .\n".encode("latin-1"))
    assert data._read_lines(path) == ["un film très réussi ."]


def test_missing_fashion_mnist_names_the_file_and_the_fix(empty_keras_home):
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    assert "train-labels-idx1-ubyte.gz" in message
    assert str(empty_keras_home) in message
    assert "course data --download" in message


def test_missing_movie_reviews_names_both_files(empty_keras_home):
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_movie_reviews()
    message = str(error.value)
    assert "rt-polarity.pos" in message and "rt-polarity.neg" in message
    assert "rt-polaritydata.tar.gz" in message


def test_dataset_status_reports_missing_files(empty_keras_home):
    report = {s.name: s for s in data.dataset_status()}
    assert not report["fashion_mnist"].cached
    assert len(report["movie_reviews"].missing) == 2


def test_dataset_status_reports_the_real_cache_as_complete():
    assert all(status.cached for status in data.dataset_status())


# --------------------------------------------------------------------------
# Downloads: Keras's origin, then mirrors; every file verified before it is cached
# --------------------------------------------------------------------------

import functools  # noqa: E402
import hashlib  # noqa: E402
import http.server  # noqa: E402
import io  # noqa: E402
import socket  # noqa: E402
import tarfile  # noqa: E402
import threading  # noqa: E402


def _polarity_archive(pos: bytes, neg: bytes) -> bytes:
    """A .tar.gz laid out like Cornell's: a README and rt-polaritydata/rt-polarity.{pos,neg}."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in (("rt-polaritydata.README.1.0.txt", b"readme\n"),
                              ("rt-polaritydata/rt-polarity.pos", pos), ("rt-polaritydata/rt-polarity.neg", neg)):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def originals():
    """The real dataset files, read from the test cache: Fashion-MNIST as is, the polarity files in
    Cornell's original Windows-1252 bytes (the test cache holds UTF-8 copies)."""
    files = {path.name: path.read_bytes() for path in data.fashion_mnist_paths()}
    for path in data.movie_review_paths():
        files[path.name] = path.read_bytes().decode("utf-8").encode("cp1252")
    files[data.POLARITY_ARCHIVE] = _polarity_archive(files["rt-polarity.pos"], files["rt-polarity.neg"])
    files["utf8-texts"] = data.load_movie_reviews_raw()[0]
    return files


@pytest.fixture
def blocked(tmp_path, monkeypatch):
    """An empty Keras cache, Keras's origins unreachable (a closed port on 127.0.0.1), no mirror or config
    file configured, and no connection allowed beyond 127.0.0.1."""
    from keras.src.backend import config as keras_config

    home = tmp_path / "keras-home"
    home.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.setattr(keras_config, "_KERAS_DIR", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(data.MIRROR_ENV, raising=False)
    with socket.socket() as probe:  # a port nobody listens on: connection refused at once
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setattr(data, "FASHION_MNIST_ORIGIN", f"http://127.0.0.1:{closed}/tf-keras-datasets/")
    monkeypatch.setattr(data, "POLARITY_ORIGIN", f"http://127.0.0.1:{closed}/movie-review-data/rt-polaritydata.tar.gz")
    connect = socket.create_connection

    def local_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            raise OSError(f"this test may not connect to {address[0]}")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", local_only)
    return home / "datasets"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def mirror(tmp_path):
    """``mirror(files)``: serve ``{name: bytes}`` over HTTP on 127.0.0.1; returns the mirror's base URL."""
    servers = []

    def serve(files: dict) -> str:
        folder = tmp_path / f"mirror{len(servers)}"
        folder.mkdir()
        for name, content in files.items():
            (folder / name).write_bytes(content)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def _dataset_files(originals) -> dict:
    return {name: originals[name] for name in (*data.FASHION_MNIST_FILES, data.POLARITY_ARCHIVE)}


def _cache_contents(cache) -> list:
    return sorted(str(path.relative_to(cache.parent)) for path in cache.parent.rglob("*") if path.is_file()
                  and path.name != "keras.json")


def test_a_good_mirror_fills_the_cache_when_the_keras_origin_is_unreachable(blocked, mirror, originals, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, mirror(_dataset_files(originals)))
    statuses = data.download_all()
    assert all(status.cached and not status.corrupt for status in statuses)
    for path in data.fashion_mnist_paths() + data.movie_review_paths():
        assert path.read_bytes() == originals[path.name]
    (x, y), _ = data.load_fashion_mnist(n_train=10, n_test=10)
    assert x.shape == (10, 28, 28)


def test_the_original_polarity_files_read_as_the_same_sentences_as_the_utf8_copy(blocked, mirror, originals, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, mirror(_dataset_files(originals)))
    texts, labels = data.load_movie_reviews_raw()
    assert texts == originals["utf8-texts"] and len(texts) == 10662
    assert any("\u2014" in text for text in texts)  # an em dash, not the control character U+0097


def test_a_corrupt_file_on_the_mirror_is_rejected_and_nothing_enters_the_cache(blocked, mirror, originals, monkeypatch):
    corrupt = bytearray(originals["train-labels-idx1-ubyte.gz"])
    corrupt[100] ^= 0xFF
    url = mirror({"train-labels-idx1-ubyte.gz": bytes(corrupt)})
    monkeypatch.setenv(data.MIRROR_ENV, url)
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.load_fashion_mnist()
    message = str(error.value)
    assert f"{url}train-labels-idx1-ubyte.gz\n        -> rejected: MD5 " in message
    assert "is not the published 25c81989df183df01b3e8a0aad5dffbe" in message
    assert _cache_contents(blocked) == []


def test_a_corrupt_polarity_archive_is_rejected_and_nothing_enters_the_cache(blocked, mirror, originals, monkeypatch):
    archive = _polarity_archive(originals["rt-polarity.pos"].replace(b"gorgeous", b"dreadful"), originals["rt-polarity.neg"])
    monkeypatch.setenv(data.MIRROR_ENV, mirror({data.POLARITY_ARCHIVE: archive}))
    with pytest.raises(data.DatasetNotFoundError, match=r"rejected: rt-polarity.pos in the archive has SHA-256 [0-9a-f]{64}, not the recorded d79ef140"):
        data.load_movie_reviews()
    assert _cache_contents(blocked) == []


def test_a_truncated_archive_is_rejected(blocked, mirror, originals, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, mirror({data.POLARITY_ARCHIVE: originals[data.POLARITY_ARCHIVE][:5000]}))
    with pytest.raises(data.DatasetNotFoundError, match=r"rejected: not a readable .tar.gz archive"):
        data.ensure_movie_reviews()
    assert _cache_contents(blocked) == []


def test_the_next_mirror_is_tried_after_one_that_serves_a_corrupt_file(blocked, mirror, originals, monkeypatch, capsys):
    files = _dataset_files(originals)
    bad = mirror({**files, "t10k-labels-idx1-ubyte.gz": b"not the labels"})
    good = mirror(files)
    monkeypatch.setenv(data.MIRROR_ENV, f"{bad} {good}")
    data.ensure_fashion_mnist()
    assert data.fashion_mnist_paths()[2].read_bytes() == originals["t10k-labels-idx1-ubyte.gz"]
    assert "failed: rejected: MD5" in capsys.readouterr().out


def test_the_error_lists_every_url_tried_with_its_reason_and_what_to_do(blocked, mirror, monkeypatch):
    url = mirror({})
    monkeypatch.setenv(data.MIRROR_ENV, url)
    with pytest.raises(data.DatasetNotFoundError) as error:
        data.ensure_fashion_mnist()
    message = str(error.value)
    origin = data.FASHION_MNIST_ORIGIN
    assert f"{origin}train-labels-idx1-ubyte.gz\n        -> cannot connect: [Errno 111] Connection refused" in message
    assert f"{url}train-labels-idx1-ubyte.gz\n        -> HTTP 404 File not found" in message
    assert f"{origin}t10k-images-idx3-ubyte.gz\n        -> skipped: 127.0.0.1:" in message  # the dead host is not retried
    assert str(blocked / "fashion-mnist" / "t10k-images-idx3-ubyte.gz") in message
    assert f"export {data.MIRROR_ENV}=" in message and "course data --download" in message
    assert "MD5s match Zalando's README" in message


def test_download_replaces_a_corrupt_cached_file_and_check_reports_it_before(blocked, mirror, originals, monkeypatch):
    path = data.fashion_mnist_paths()[0]
    path.parent.mkdir(parents=True)
    path.write_bytes(b"half a download")
    status = data.dataset_status()[0]
    assert not status.cached and status.corrupt == (path,)
    monkeypatch.setenv(data.MIRROR_ENV, mirror(_dataset_files(originals)))
    data.download_all()
    assert path.read_bytes() == originals[path.name]


def test_mirrors_come_from_the_environment_then_the_config_file(blocked, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "https://a.example/data  https://b.example/data/")
    config = data.mirror_config_path()
    config.parent.mkdir(parents=True)
    config.write_text('mirrors = ["file:///srv/course-data", "https://a.example/data/"]\n')
    assert data.data_mirrors() == ("https://a.example/data/", "https://b.example/data/", "file:///srv/course-data/")


def test_a_mirror_that_is_not_a_url_is_refused_with_a_clear_message(blocked, monkeypatch):
    monkeypatch.setenv(data.MIRROR_ENV, "mirror.example.edu")
    with pytest.raises(data.MirrorConfigError, match=r"^COURSE_DATA_MIRROR must be http://, https:// or file:// URLs "
                                                     r"of folders holding the dataset files; got 'mirror.example.edu'\.$"):
        data.ensure_fashion_mnist()


def test_a_config_file_that_is_not_toml_is_refused_with_the_expected_form(blocked):
    config = data.mirror_config_path()
    config.parent.mkdir(parents=True)
    config.write_text("mirrors: https://a.example\n")
    with pytest.raises(data.MirrorConfigError, match=r"is not a TOML file .*\n    mirrors = \[\"https://"):
        data.data_mirrors()


def test_the_cached_fashion_mnist_files_match_zalandos_published_md5s():
    for path in data.fashion_mnist_paths():
        assert hashlib.md5(path.read_bytes()).hexdigest() == data.FASHION_MNIST_MD5[path.name], path


def test_the_cached_polarity_files_match_the_recorded_sha256_of_their_original_bytes():
    for path in data.movie_review_paths():
        original = path.read_bytes().decode("utf-8").encode("cp1252")  # the UTF-8 copy back to Cornell's bytes
        assert hashlib.sha256(original).hexdigest() == data.POLARITY_SHA256[path.name], path


def test_a_windows_1252_file_reads_like_its_utf8_copy(tmp_path):
    text = "a film \u2014 not a bad one \u2026 caf\u00e9 \u2018noir\n"
    original, copy = tmp_path / "original", tmp_path / "copy"
    original.write_bytes(text.encode("cp1252"))
    copy.write_bytes(text.encode("utf-8"))
    assert data._read_lines(original) == data._read_lines(copy) == [text.strip()]


def test_course_data_check_names_a_corrupt_file_and_the_fix(blocked, capsys):
    from course.cli import main

    path = data.movie_review_paths()[0]
    path.parent.mkdir(parents=True)
    path.write_text("one sentence only\n")
    assert main(["data", "--check"]) == 1
    out = capsys.readouterr().out
    assert f"corrupt (checksum does not match): {path}" in out and "course data --download" in out
