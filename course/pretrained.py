"""Pretrained Transformer encoders from the Hugging Face Hub, as Keras 3 models.

Chapter 5 reuses a small pretrained sentence encoder, MiniLM-L6
(``sentence-transformers/all-MiniLM-L6-v2``: 6 Transformer blocks, width
384, 22.7 million parameters):

* :func:`load_tokenizer` -- its WordPiece tokenizer, from ``transformers``
  (used only for tokenizing: transformers 5 has no TensorFlow models);
* :func:`load_encoder` -- the encoder itself as a Keras model, with KerasHub's
  ``BertBackbone.from_preset("hf://...")``, which converts the Hub checkpoint;
* :func:`encode` -- sentences to the three integer inputs the encoder takes;
* :func:`mean_pool` and :func:`extract_features` -- one 384-number vector per
  sentence: the mean of the token vectors over the real (non-padding) tokens,
  which is how this checkpoint was trained to represent sentences.

Both loaders read the Hugging Face cache (``HF_HOME``, default
``~/.cache/huggingface``). With ``HF_HUB_OFFLINE=1`` nothing is downloaded;
when the model is neither cached nor downloadable they raise
:class:`PretrainedModelNotFoundError`, which says what is missing and how to
get it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from course.arguments import check_positive_int, check_texts

if TYPE_CHECKING:
    import keras_hub
    import transformers

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


class PretrainedModelNotFoundError(RuntimeError):
    """The pretrained model is not in the Hugging Face cache and could not be downloaded."""


def hf_cache_dir() -> Path:
    """The Hugging Face hub cache folder this process uses (``$HF_HOME/hub``).

    Example:
        >>> hf_cache_dir().name
        'hub'

    Not taught: named in the error when the model is missing.
    """
    home = os.environ.get("HF_HOME") or os.path.join(os.path.expanduser("~"), ".cache", "huggingface")
    return Path(os.environ.get("HF_HUB_CACHE") or os.path.join(home, "hub"))


def is_cached(model_id: str = MODEL_ID) -> bool:
    """True when the Hub cache holds ``model_id``'s config and weights (no network used).

    Example:
        >>> is_cached("nobody/no-such-model")
        False

    Not taught: the tests use it to skip what needs MiniLM.
    """
    snapshots = hf_cache_dir() / f"models--{model_id.replace('/', '--')}" / "snapshots"
    if not snapshots.is_dir():
        return False
    for snapshot in snapshots.iterdir():
        names = {p.name for p in snapshot.iterdir()}
        if "config.json" in names and ({"model.safetensors", "pytorch_model.bin"} & names):
            return True
    return False


def _not_found(model_id: str, what: str, error: BaseException) -> PretrainedModelNotFoundError:
    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
    how = (
        "HF_HUB_OFFLINE is set, so nothing may be downloaded: on a machine with internet run\n"
        f"    huggingface-cli download {model_id}\n"
        "with the same HF_HOME (or copy that cache folder here), or unset HF_HUB_OFFLINE to download it now."
        if offline
        else "Downloading it failed (no internet?). On a machine with internet run\n"
        f"    huggingface-cli download {model_id}\n"
        "and copy the cache folder here, pointing HF_HOME at its parent."
    )
    return PretrainedModelNotFoundError(
        f"The pretrained {what} {model_id!r} is not in the Hugging Face cache {hf_cache_dir()} "
        f"and could not be downloaded ({type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}).\n{how}"
    )


def load_tokenizer(model_id: str = MODEL_ID) -> transformers.PreTrainedTokenizerBase:
    """Load ``model_id``'s tokenizer with ``transformers.AutoTokenizer`` (a fast WordPiece tokenizer for MiniLM).

    Raises:
        PretrainedModelNotFoundError: not cached and not downloadable.

    Example:
        >>> tokenizer = load_tokenizer()                    # doctest: +SKIP
        >>> tokenizer.tokenize("an unforgettable film")     # doctest: +SKIP
        ['an', 'un', '##for', '##get', '##table', 'film']

    Taught in Chapter 5, section 5.
    """
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(model_id)
    except (OSError, ValueError) as error:
        raise _not_found(model_id, "tokenizer", error) from error


def load_encoder(model_id: str = MODEL_ID) -> keras_hub.models.BertBackbone:
    """Load ``model_id`` as a Keras 3 model: ``keras_hub.models.BertBackbone.from_preset("hf://" + model_id)``.

    Inputs: a dict of ``token_ids``, ``segment_ids`` and ``padding_mask``
    (int, ``(batch, length)``; see :func:`encode`). Outputs: a dict with
    ``sequence_output`` ``(batch, length, 384)``, one vector per token, and
    ``pooled_output`` (BERT's [CLS] head, not trained for this checkpoint:
    use :func:`mean_pool` instead).

    Raises:
        PretrainedModelNotFoundError: not cached and not downloadable.

    Example:
        >>> encoder = load_encoder()          # doctest: +SKIP
        >>> encoder.hidden_dim                # doctest: +SKIP
        384

    Taught in Chapter 5, section 5.
    """
    import keras_hub

    try:
        return keras_hub.models.BertBackbone.from_preset(f"hf://{model_id}")
    except (OSError, ValueError, FileNotFoundError) as error:
        raise _not_found(model_id, "encoder", error) from error
    except Exception as error:  # huggingface_hub raises its own errors (offline mode, HTTP)
        if type(error).__module__.startswith(("huggingface_hub", "requests", "urllib3", "httpx")):
            raise _not_found(model_id, "encoder", error) from error
        raise


def encode(tokenizer: Any, texts: Sequence[str], max_length: int = 64) -> dict[str, np.ndarray]:
    """Tokenize sentences into the encoder's inputs, padded to the longest (at most ``max_length`` tokens).

    Returns ``{"token_ids", "segment_ids", "padding_mask"}``, int32 arrays of
    shape ``(n, length)``: WordPiece ids with ``[CLS]`` first and ``[SEP]``
    last, all-zero segment ids (one sentence), and 1 for real tokens, 0 for padding.

    Example:
        >>> encode(load_tokenizer(), ["a fine film", "bad"])["padding_mask"].tolist()   # doctest: +SKIP
        [[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]]

    Taught in Chapter 5, section 5.
    """
    sentences = check_texts("texts", texts)
    check_positive_int("max_length", max_length)
    batch = tokenizer(sentences, padding="longest", truncation=True, max_length=max_length, return_tensors="np")
    ids = np.asarray(batch["input_ids"], dtype=np.int32)
    return {
        "token_ids": ids,
        "segment_ids": np.zeros_like(ids),
        "padding_mask": np.asarray(batch["attention_mask"], dtype=np.int32),
    }


def mean_pool(sequence_output: Any, padding_mask: Any) -> np.ndarray:
    """Average token vectors over the real tokens: ``sum_t m_t h_t / sum_t m_t``.

    Args:
        sequence_output: ``(batch, length, width)`` token vectors.
        padding_mask: ``(batch, length)``, 1 for real tokens, 0 for padding.

    Returns:
        ``(batch, width)`` float32 sentence vectors.

    Example:
        >>> mean_pool(np.arange(6.0).reshape(1, 3, 2), np.array([[1, 1, 0]])).tolist()
        [[1.0, 2.0]]

    Taught in Chapter 5, section 5.
    """
    h = np.asarray(sequence_output, dtype=np.float32)
    m = np.asarray(padding_mask, dtype=np.float32)[..., None]
    return (h * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1.0)


def extract_features(encoder: Any, tokenizer: Any, texts: Sequence[str], max_length: int = 64,
                     batch_size: int = 64, verbose: bool = True) -> np.ndarray:
    """Run the frozen encoder once over ``texts``; return mean-pooled features ``(n, width)``, float32.

    Sentences are sorted by length so each batch is padded only to its own
    longest sentence (much faster on a CPU); the rows come back in the
    original order.

    Example:
        >>> extract_features(load_encoder(), load_tokenizer(), ["a fine film"]).shape   # doctest: +SKIP
        (1, 384)

    Taught in Chapter 5, section 5.
    """
    texts = check_texts("texts", texts)
    check_positive_int("max_length", max_length)
    check_positive_int("batch_size", batch_size)
    lengths = [len(ids) for ids in tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]]
    order = np.argsort(lengths, kind="stable")
    features = np.zeros((len(texts), encoder.hidden_dim), dtype=np.float32)
    n_batches = int(np.ceil(len(texts) / batch_size))
    for b in range(n_batches):
        rows = order[b * batch_size:(b + 1) * batch_size]
        inputs = encode(tokenizer, [texts[i] for i in rows], max_length)
        out = encoder(inputs, training=False)["sequence_output"]
        features[rows] = mean_pool(np.asarray(out), inputs["padding_mask"])
        if verbose and (b + 1) % 20 == 0:
            print(f"  {min((b + 1) * batch_size, len(texts))}/{len(texts)} sentences encoded", flush=True)
    return features
