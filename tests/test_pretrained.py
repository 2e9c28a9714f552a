"""course.pretrained: clear errors when the model is missing; pooling; the cached MiniLM when present."""

import numpy as np
import pytest

from course import pretrained
from course.pretrained import MODEL_ID, PretrainedModelNotFoundError, is_cached, mean_pool

needs_minilm = pytest.mark.skipif(not is_cached(MODEL_ID), reason=f"{MODEL_ID} is not in the Hugging Face cache (HF_HOME)")


@pytest.fixture
def empty_hf_home(tmp_path, monkeypatch):
    """An empty Hugging Face cache, offline."""
    import keras_hub  # noqa: F401  (imported first: these libraries read the cache path once, at import)
    import transformers  # noqa: F401

    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import huggingface_hub.constants as constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf" / "hub"))
    return tmp_path / "hf"


def test_is_cached_is_false_for_an_empty_cache(empty_hf_home):
    assert not is_cached(MODEL_ID)


def test_missing_tokenizer_raises_an_error_naming_the_model_and_the_fix(empty_hf_home):
    with pytest.raises(PretrainedModelNotFoundError) as info:
        pretrained.load_tokenizer("sentence-transformers/no-such-model-for-this-test")
    message = str(info.value)
    assert "no-such-model-for-this-test" in message and "huggingface-cli download" in message and "HF_HUB_OFFLINE" in message


def test_missing_encoder_raises_an_error_naming_the_model_and_the_fix(empty_hf_home):
    with pytest.raises(PretrainedModelNotFoundError) as info:
        pretrained.load_encoder("sentence-transformers/no-such-model-for-this-test")
    assert "no-such-model-for-this-test" in str(info.value) and str(empty_hf_home) in str(info.value)


def test_mean_pool_averages_only_the_real_tokens():
    h = np.arange(12, dtype="float32").reshape(1, 4, 3)
    pooled = mean_pool(h, np.array([[1, 1, 0, 0]]))
    np.testing.assert_allclose(pooled, [[1.5, 2.5, 3.5]])


def test_mean_pool_of_an_all_padding_row_is_zero_not_nan():
    assert np.all(mean_pool(np.ones((1, 3, 2)), np.zeros((1, 3))) == 0)


def test_encode_rejects_a_single_string():
    with pytest.raises(TypeError, match="texts must be a list or array of sentences, not a single string"):
        pretrained.encode(object(), "one sentence")


@needs_minilm
def test_tokenizer_splits_rare_words_into_pieces():
    tokenizer = pretrained.load_tokenizer()
    pieces = tokenizer.tokenize("an unforgettable film")
    assert pieces[0] == "an" and any(p.startswith("##") for p in pieces)
    inputs = pretrained.encode(tokenizer, ["a fine film", "bad"])
    assert set(inputs) == {"token_ids", "segment_ids", "padding_mask"}
    assert inputs["padding_mask"].tolist()[1][-1] == 0 and inputs["token_ids"].dtype == np.int32


@needs_minilm
def test_features_do_not_depend_on_batch_mates():
    tokenizer, encoder = pretrained.load_tokenizer(), pretrained.load_encoder()
    texts = ["a fine film", "a long , slow and ultimately rather pointless film about nothing much"]
    together = pretrained.extract_features(encoder, tokenizer, texts, batch_size=2, verbose=False)
    alone = pretrained.extract_features(encoder, tokenizer, texts[:1], verbose=False)
    assert together.shape == (2, encoder.hidden_dim) == (2, 384)
    np.testing.assert_allclose(together[0], alone[0], atol=1e-4)
