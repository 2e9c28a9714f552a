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
