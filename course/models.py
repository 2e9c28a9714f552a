"""Model builders for every chapter: plain Keras models a learner can ``summary()``.

Each builder returns an *uncompiled* ``keras.Model``; notebooks compile it in
view of the learner (``model.compile(optimizer=..., loss=..., metrics=...)``)
or call :func:`course.training.compile_classifier`.

One section per chapter, in chapter order (1 to 5). A builder's docstring
gives its input and output shapes, an example and where it is taught. The
chapter-5 layers :class:`PositionalEmbedding` and
:class:`TransformerEncoderBlock` are registered with Keras (package
``course``), so a saved model that uses them reloads once this module is
imported.
"""

from __future__ import annotations

from typing import Sequence

import keras
import numpy as np

from course.arguments import (
    check, check_fraction, check_image_shape, check_int, check_non_negative, check_one_of, check_positive_int,
    check_positive_ints, check_texts,
)

# --------------------------------------------------------------------------
# Chapter 1 -- multilayer perceptrons
# --------------------------------------------------------------------------


def build_mlp(
    input_dim: int,
    hidden: Sequence[int] = (128, 64),
    n_classes: int = 10,
    dropout: float = 0.0,
    l2: float = 0.0,
    activation: str = "relu",
    normalization_data: np.ndarray | None = None,
    name: str = "mlp",
) -> keras.Model:
    """Build a multilayer perceptron classifier: Dense layers, then softmax.

    Input shape ``(batch, input_dim)``; output ``(batch, n_classes)``
    probabilities that sum to 1.

    Args:
        input_dim: features per example (784 for a flattened 28x28 image).
        hidden: units of each hidden Dense layer, first to last.
        n_classes: number of classes (units of the softmax output).
        dropout: fraction of hidden units dropped during training after each
            hidden layer (0 turns Dropout off).
        l2: L2 weight-decay factor on every Dense kernel (0 turns it off).
        activation: activation of the hidden layers ("relu", "gelu", "tanh", ...).
        normalization_data: training inputs; when given, a
            ``keras.layers.Normalization`` layer adapted to them standardises
            each feature to mean 0 and variance 1 inside the model.

    Example:
        >>> model = build_mlp(784, hidden=(256, 128), dropout=0.2)
        >>> model.output.shape
        (None, 10)

    Taught in Chapter 1, section 8.
    """
    check_positive_int("input_dim", input_dim)
    check_positive_int("n_classes", n_classes)
    hidden = check_positive_ints("hidden", hidden)
    check_fraction("dropout", dropout)
    check_non_negative("l2", l2)
    regularizer = keras.regularizers.L2(l2) if l2 else None

    inputs = keras.Input(shape=(input_dim,), name="pixels")
    h = inputs
    if normalization_data is not None:
        data = np.asarray(normalization_data, dtype="float32").reshape(-1, input_dim)
        normalizer = keras.layers.Normalization(name="standardize")
        normalizer.adapt(data)
        h = normalizer(h)
    for i, units in enumerate(hidden, start=1):
        h = keras.layers.Dense(units, activation=activation, kernel_regularizer=regularizer, name=f"hidden_{i}")(h)
        if dropout:
            h = keras.layers.Dropout(dropout, name=f"dropout_{i}")(h)
    outputs = keras.layers.Dense(n_classes, activation="softmax", kernel_regularizer=regularizer, name="probabilities")(h)
    return keras.Model(inputs, outputs, name=name)


def build_seed_mlp(input_dim: int = 784, n_classes: int = 10) -> keras.Model:
    """Build the seed tutorial's MLP: Dense 128 (ReLU), Dense 64 (ReLU), softmax.

    Input ``(batch, input_dim)``; output ``(batch, n_classes)`` probabilities.
    The course's baseline in ``course bench 01``; trained there with Adam,
    batch 32, 5 epochs, as the seed tutorial did.

    Example:
        >>> build_seed_mlp().count_params()
        109386

    Not taught: the baseline of ``course bench 01``.
    """
    return build_mlp(input_dim, hidden=(128, 64), n_classes=n_classes, name="seed_mlp")


# --------------------------------------------------------------------------
# Chapter 2 -- convolutional networks
# --------------------------------------------------------------------------


def build_lenet(input_shape: tuple = (28, 28, 1), n_classes: int = 10, dropout: float = 0.5,
                name: str = "lenet") -> keras.Model:
    """Build a LeNet-style CNN: (Conv 3x3 -> MaxPool 2x2) x 2 -> Dense 256 -> Dropout -> softmax.

    Conv(32, 3x3, "same", ReLU) -> MaxPool(2) -> Conv(64, 3x3, "same", ReLU)
    -> MaxPool(2) -> Flatten -> Dense(256, ReLU) -> Dropout -> Dense(n_classes, softmax).
    Input ``(batch, 28, 28, 1)`` floats in [0, 1]; output ``(batch, n_classes)``
    probabilities. For 28x28x1 inputs it has 824,458 weights (most in the Dense layer).

    Args:
        input_shape: (height, width, channels) of one image.
        n_classes: number of classes.
        dropout: fraction of the Dense layer's units dropped during training (0 turns Dropout off).

    Example:
        >>> build_lenet().output.shape
        (None, 10)

    Taught in Chapter 2, section 5 (trained in section 7).
    """
    shape = check_image_shape("input_shape", input_shape)
    check_positive_int("n_classes", n_classes)
    check_fraction("dropout", dropout)
    layers = keras.layers
    images = keras.Input(shape=shape, name="image")
    h = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv_1")(images)
    h = layers.MaxPooling2D(2, name="pool_1")(h)
    h = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv_2")(h)
    h = layers.MaxPooling2D(2, name="pool_2")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dense(256, activation="relu", name="dense")(h)
    if dropout:
        h = layers.Dropout(dropout, name="dropout")(h)
    probabilities = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(images, probabilities, name=name)


def build_seed_cnn(input_shape: tuple = (28, 28, 1), n_classes: int = 10) -> keras.Model:
    """Build the seed tutorial's CNN, as it was written.

    Conv(32, 3x3, "valid", ReLU) -> MaxPool(2) -> Conv(64, 3x3, "valid", ReLU)
    -> MaxPool(2) -> Flatten -> Dense(128, ReLU) -> Dropout(0.5) -> softmax.
    Input ``(batch, 28, 28, 1)``; output ``(batch, n_classes)`` probabilities.
    The baseline of ``course bench 02`` (trained there with Adam, batch 32, 5 epochs).

    Example:
        >>> build_seed_cnn().output.shape
        (None, 10)

    Not taught: the baseline of ``course bench 02``.
    """
    shape = check_image_shape("input_shape", input_shape)
    check_positive_int("n_classes", n_classes)
    layers = keras.layers
    images = keras.Input(shape=shape, name="image")
    h = layers.Conv2D(32, 3, activation="relu", name="conv_1")(images)
    h = layers.MaxPooling2D(2, name="pool_1")(h)
    h = layers.Conv2D(64, 3, activation="relu", name="conv_2")(h)
    h = layers.MaxPooling2D(2, name="pool_2")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dense(128, activation="relu", name="dense")(h)
    h = layers.Dropout(0.5, name="dropout")(h)
    probabilities = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(images, probabilities, name="seed_cnn")


def build_augmentation(translate: float = 0.1, flip: bool = True, zoom: float = 0.0,
                       name: str = "augment") -> keras.Model:
    """Build a data-augmentation pipeline of Keras preprocessing layers for clothes images.

    RandomTranslation (up to ``translate`` of the height and width, whole
    pixels, zero padding), then RandomFlip("horizontal") when ``flip`` (a shirt mirrored
    left-right is still a shirt; upside down it is not, so no vertical flip),
    then RandomZoom (up to ``zoom``) when ``zoom > 0``. The layers act only
    during training (``training=True``); at test time they pass images through.
    Input and output ``(batch, 28, 28, 1)``.

    Example:
        >>> build_augmentation(translate=0.1).output.shape
        (None, 28, 28, 1)

    Taught in Chapter 2, section 9.
    """
    check_fraction("translate", translate, high=0.5)
    check_fraction("zoom", zoom, high=0.5)
    layers = keras.layers
    images = keras.Input(shape=(28, 28, 1), name="image")
    h = images
    if translate:
        # "nearest" moves whole pixels; the default bilinear interpolation would also blur
        # the shifted images, which test images never are.
        h = layers.RandomTranslation(translate, translate, fill_mode="constant", interpolation="nearest", name="translate")(h)
    if flip:
        h = layers.RandomFlip("horizontal", name="flip")(h)
    if zoom:
        h = layers.RandomZoom(zoom, fill_mode="constant", interpolation="nearest", name="zoom")(h)
    return keras.Model(images, h, name=name)


def build_cnn_bn(
    input_shape: tuple = (28, 28, 1),
    n_classes: int = 10,
    filters: Sequence[int] = (32, 64, 128),
    dense: int = 128,
    dropout: float = 0.3,
    augmentation: keras.Layer | None = None,
    convs_per_block: int = 1,
    name: str = "cnn_bn",
) -> keras.Model:
    """Build a CNN of Conv-BatchNorm-ReLU-Pool blocks, optionally with data augmentation in front.

    ``[augmentation] -> ((Conv 3x3 "same", no bias -> BatchNorm -> ReLU) x convs_per_block
    -> MaxPool 2x2)`` per entry of ``filters`` -> Flatten -> Dense(dense, ReLU) -> Dropout ->
    Dense(n_classes, softmax). The convolutions have no bias: BatchNorm's
    shift ``beta`` plays its role. Input ``(batch, 28, 28, 1)`` in [0, 1];
    output ``(batch, n_classes)`` probabilities.

    Args:
        input_shape: (height, width, channels) of one image.
        n_classes: number of classes.
        filters: channels of each block (each block halves height and width).
        dense: units of the hidden Dense layer.
        dropout: fraction dropped after the hidden Dense layer (0 turns it off).
        augmentation: a Keras layer or model applied first (active only in
            training), e.g. :func:`build_augmentation`; None for none.
        convs_per_block: Conv-BatchNorm-ReLU layers before each pooling (2 is
            the VGG pattern: two 3x3 convolutions see 5x5 pixels with fewer
            weights than one 5x5 convolution, and add a non-linearity).

    Example:
        >>> build_cnn_bn().output.shape
        (None, 10)

    Taught in Chapter 2, section 8 (with augmentation in section 9).
    """
    shape = check_image_shape("input_shape", input_shape)
    check_positive_int("n_classes", n_classes)
    filters = check_positive_ints("filters", filters, min_length=1, note="one per block")
    most = int(np.log2(min(shape[:2])))
    check(len(filters) <= most, "filters", filters,
          f"a sequence of at most {most} entries for {shape[0]}x{shape[1]} images (each block halves the size)")
    check_positive_int("dense", dense)
    check_fraction("dropout", dropout)
    check_positive_int("convs_per_block", convs_per_block)
    layers = keras.layers
    images = keras.Input(shape=shape, name="image")
    h = augmentation(images) if augmentation is not None else images
    for i, f in enumerate(filters, start=1):
        for j in range(1, convs_per_block + 1):
            suffix = f"{i}" if j == 1 else f"{i}_{j}"  # conv_1, conv_1_2, ...
            h = layers.Conv2D(f, 3, padding="same", use_bias=False, name=f"conv_{suffix}")(h)
            h = layers.BatchNormalization(name=f"bn_{suffix}")(h)
            h = layers.ReLU(name=f"relu_{suffix}")(h)
        h = layers.MaxPooling2D(2, name=f"pool_{i}")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dense(dense, activation="relu", name="dense")(h)
    if dropout:
        h = layers.Dropout(dropout, name="dropout")(h)
    probabilities = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(images, probabilities, name=name)


# --------------------------------------------------------------------------
# Chapter 3 -- recurrent networks for sentence sentiment
# --------------------------------------------------------------------------

RNN_KINDS = ("simple_rnn", "lstm", "gru", "bilstm")


def build_text_vectorizer(texts: Sequence[str], vocab_size: int = 10_000,
                          sequence_length: int = 40) -> keras.layers.TextVectorization:
    """Build a ``keras.layers.TextVectorization`` layer adapted to ``texts``.

    The layer lower-cases, strips punctuation, splits on whitespace and maps
    each word to an integer: 0 is padding, 1 is the out-of-vocabulary token
    ``[UNK]``, 2.. are the ``vocab_size - 2`` most frequent training words.
    Input ``(batch,)`` strings; output ``(batch, sequence_length)`` int64 ids:
    longer sentences are cut at the end, shorter ones are padded with 0 at the end.

    Args:
        texts: training sentences (list or array of str) to learn the vocabulary from.
        vocab_size: size of the vocabulary, padding and ``[UNK]`` included.
        sequence_length: integers per output sentence.

    Example:
        >>> vectorize = build_text_vectorizer(["a fine film", "a dull film"], vocab_size=10, sequence_length=4)
        >>> vectorize(["a fine day"]).numpy()[0, 2:].tolist()  # "day" is unknown (1), then padding (0)
        [1, 0]

    Taught in Chapter 3, section 5.
    """
    check_int("vocab_size", vocab_size, minimum=3, note="padding, [UNK] and one word")
    check_positive_int("sequence_length", sequence_length)
    sentences = np.asarray(check_texts("texts", texts), dtype=object).astype(str)
    vectorizer = keras.layers.TextVectorization(
        max_tokens=vocab_size, output_mode="int", output_sequence_length=sequence_length, name="vectorize"
    )
    vectorizer.adapt(sentences)
    return vectorizer


def _recurrent_layer(kind: str, units: int, name: str = "recurrent") -> keras.Layer:
    check_one_of("kind", kind, RNN_KINDS)
    layers = keras.layers
    if kind == "simple_rnn":
        return layers.SimpleRNN(units, name=name)
    if kind == "lstm":
        return layers.LSTM(units, name=name)
    if kind == "gru":
        return layers.GRU(units, name=name)
    return layers.Bidirectional(layers.LSTM(units), name=name)


def build_rnn_classifier(
    kind: str = "lstm",
    vocab_size: int = 10_000,
    embedding_dim: int = 128,
    units: int = 64,
    dropout: float = 0.2,
    name: str | None = None,
) -> keras.Model:
    """Build a recurrent sentiment classifier: Embedding -> RNN -> Dropout -> Dense(1, sigmoid).

    Input ``(batch, sequence_length)`` integer word ids (0 = padding, as
    :func:`build_text_vectorizer` writes them); output ``(batch, 1)``, the
    probability that the sentence is positive. The Embedding masks id 0, so
    the recurrent layer skips the padding and its final state is the state
    after the sentence's last real word.

    Args:
        kind: "simple_rnn", "lstm", "gru" or "bilstm" (an LSTM read in both
            directions, its two final states concatenated).
        vocab_size: number of word ids (the vectorizer's vocabulary size).
        embedding_dim: length of each word vector.
        units: size of the recurrent state (per direction for "bilstm").
        dropout: fraction of embedding and state features dropped during training (0 turns it off).

    Example:
        >>> build_rnn_classifier("gru", vocab_size=1000).output.shape
        (None, 1)

    Taught in Chapter 3, section 6.
    """
    check_one_of("kind", kind, RNN_KINDS)
    check_positive_int("vocab_size", vocab_size)
    check_positive_int("embedding_dim", embedding_dim)
    check_positive_int("units", units)
    check_fraction("dropout", dropout)
    layers = keras.layers
    tokens = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    h = layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(tokens)
    if dropout:
        h = layers.Dropout(dropout, name="embedding_dropout")(h)
    h = _recurrent_layer(kind, units)(h)
    if dropout:
        h = layers.Dropout(dropout, name="state_dropout")(h)
    probability = layers.Dense(1, activation="sigmoid", name="positive")(h)
    return keras.Model(tokens, probability, name=name or f"{kind}_classifier")


def build_seed_rnn(kind: str = "simple_rnn", vocab_size: int = 10_000) -> keras.Model:
    """Build the seed tutorial's recurrent classifier, as it was written.

    Embedding(vocab_size, 128) -> SimpleRNN(64) or LSTM(64) -> Dense(32, ReLU)
    -> Dropout(0.2) -> Dense(1, sigmoid); no masking of padding. Input
    ``(batch, sequence_length)`` word ids; output ``(batch, 1)``. The baseline
    of ``course bench 03`` (trained there with Adam, batch 32, 3 epochs).

    Args:
        kind: "simple_rnn" or "lstm".
        vocab_size: number of word ids.

    Example:
        >>> build_seed_rnn("lstm").output.shape
        (None, 1)

    Not taught: the baseline of ``course bench 03``.
    """
    check_one_of("kind", kind, ("simple_rnn", "lstm"), note="the seed recipe")
    check_positive_int("vocab_size", vocab_size)
    layers = keras.layers
    tokens = keras.Input(shape=(None,), dtype="int32", name="token_ids")
    h = layers.Embedding(vocab_size, 128, name="embedding")(tokens)
    h = _recurrent_layer(kind, 64)(h)
    h = layers.Dense(32, activation="relu", name="dense")(h)
    h = layers.Dropout(0.2, name="dropout")(h)
    probability = layers.Dense(1, activation="sigmoid", name="positive")(h)
    return keras.Model(tokens, probability, name=f"seed_{kind}")


# --------------------------------------------------------------------------
# Chapter 4 -- a denoising autoencoder, generative adversarial networks (DCGAN), and the judge of their samples
# --------------------------------------------------------------------------


def build_denoising_autoencoder(code_size: int = 32, hidden: int = 256, image_shape: tuple = (28, 28),
                                name: str = "denoising_autoencoder") -> keras.Model:
    """Build a dense autoencoder: an image in, its reconstruction out, through a code of ``code_size`` numbers.

    Two sub-models, so that each half can be used alone:

    * ``encoder`` (``model.get_layer("encoder")``): Flatten -> Dense(hidden, ReLU)
      -> Dense(code_size), a linear layer: the code, or bottleneck.
      Input ``(batch, *image_shape)``; output ``(batch, code_size)``.
    * ``decoder`` (``model.get_layer("decoder")``): Dense(hidden, ReLU) ->
      Dense(prod(image_shape), sigmoid) -> Reshape, so pixels lie in [0, 1].
      Input ``(batch, code_size)``; output ``(batch, *image_shape)``.

    Trained as a *denoising* autoencoder, its input is a corrupted image and
    its target the clean one. Uncompiled, like every builder here.

    Args:
        code_size: length of the code: how many numbers the bottleneck keeps of the 784 pixels.
        hidden: units of the hidden layer of the encoder and of the decoder.
        image_shape: shape of one image, pixels in [0, 1].

    Example:
        >>> model = build_denoising_autoencoder(code_size=32)
        >>> model.output.shape, model.get_layer("encoder").output.shape
        ((None, 28, 28), (None, 32))

    Defined in Chapter 4, section 2.
    """
    check_positive_int("code_size", code_size)
    check_positive_int("hidden", hidden)
    image_shape = tuple(check_positive_ints("image_shape", image_shape, min_length=1, note="the shape of one image, e.g. (28, 28)"))
    layers = keras.layers
    n_pixels = int(np.prod(image_shape))
    image = keras.Input(shape=image_shape, name="image")
    h = layers.Flatten(name="flatten")(image)
    h = layers.Dense(hidden, activation="relu", name="encoder_hidden")(h)
    code = layers.Dense(code_size, name="code")(h)
    encoder = keras.Model(image, code, name="encoder")

    code_in = keras.Input(shape=(code_size,), name="code")
    h = layers.Dense(hidden, activation="relu", name="decoder_hidden")(code_in)
    h = layers.Dense(n_pixels, activation="sigmoid", name="pixels")(h)
    reconstruction = layers.Reshape(image_shape, name="to_image")(h)
    decoder = keras.Model(code_in, reconstruction, name="decoder")

    noisy = keras.Input(shape=image_shape, name="noisy_image")
    return keras.Model(noisy, decoder(encoder(noisy)), name=name)


def build_generator(latent_dim: int = 64, filters: Sequence[int] = (64, 32),
                    name: str = "generator") -> keras.Model:
    """Build a DCGAN generator: a noise vector in, a 28x28x1 image in [-1, 1] out.

    Dense -> Reshape to 7x7 -> one ``Conv2DTranspose`` block per entry of
    ``filters`` (kernel 4, stride 2: 7 -> 14 -> 28), each followed by
    BatchNormalization and LeakyReLU(0.2); then a stride-1 Conv2D to one
    channel with ``tanh``, so pixels lie in [-1, 1] like the scaled training
    images. Input ``(batch, latent_dim)``; output ``(batch, 28, 28, 1)``.

    Args:
        latent_dim: length of the noise vector z.
        filters: channels of the 7x7 map (first entry) and of each upsampling
            block; exactly two entries (two stride-2 blocks turn 7x7 into 28x28).

    Example:
        >>> build_generator(latent_dim=64).output.shape
        (None, 28, 28, 1)

    Taught in Chapter 4, section 3.
    """
    check_positive_int("latent_dim", latent_dim)
    filters = check_positive_ints("filters", filters, length=2, note="two stride-2 blocks: 7 -> 14 -> 28")
    layers = keras.layers
    z = keras.Input(shape=(latent_dim,), name="noise")
    h = layers.Dense(7 * 7 * filters[0], use_bias=False, name="project")(z)
    h = layers.BatchNormalization(name="project_bn")(h)
    h = layers.LeakyReLU(0.2, name="project_lrelu")(h)
    h = layers.Reshape((7, 7, filters[0]), name="to_7x7")(h)
    for i, f in enumerate(filters, start=1):
        h = layers.Conv2DTranspose(f, 4, strides=2, padding="same", use_bias=False, name=f"up_{i}")(h)
        h = layers.BatchNormalization(name=f"up_{i}_bn")(h)
        h = layers.LeakyReLU(0.2, name=f"up_{i}_lrelu")(h)
    image = layers.Conv2D(1, 3, padding="same", activation="tanh", name="image")(h)
    return keras.Model(z, image, name=name)


def build_discriminator(filters: Sequence[int] = (32, 64), dropout: float = 0.3,
                        name: str = "discriminator") -> keras.Model:
    """Build a DCGAN discriminator: a 28x28x1 image in, one logit ("real?") out.

    One strided ``Conv2D`` (kernel 4, stride 2) per entry of ``filters``, each
    followed by LeakyReLU(0.2) and Dropout; then Flatten and a Dense(1) with
    no activation: the output is a logit, ``sigmoid(logit)`` is the
    probability that the image is real. Input ``(batch, 28, 28, 1)`` in
    [-1, 1]; output ``(batch, 1)``.

    Args:
        filters: channels of each strided convolution (28 -> 14 -> 7 for two).
        dropout: fraction of activations dropped after each convolution (0 turns it off).

    Example:
        >>> build_discriminator().output.shape
        (None, 1)

    Taught in Chapter 4, section 4.
    """
    filters = check_positive_ints("filters", filters, min_length=1, note="one per strided convolution")
    check_fraction("dropout", dropout)
    layers = keras.layers
    x = keras.Input(shape=(28, 28, 1), name="image")
    h = x
    for i, f in enumerate(filters, start=1):
        h = layers.Conv2D(f, 4, strides=2, padding="same", name=f"conv_{i}")(h)
        h = layers.LeakyReLU(0.2, name=f"conv_{i}_lrelu")(h)
        if dropout:
            h = layers.Dropout(dropout, name=f"dropout_{i}")(h)
    h = layers.Flatten(name="flatten")(h)
    logit = layers.Dense(1, name="logit")(h)
    return keras.Model(x, logit, name=name)


def build_fashion_judge(input_shape: tuple = (28, 28, 1), n_classes: int = 10,
                        name: str = "fashion_judge") -> keras.Model:
    """Build the small CNN that labels generated images in chapter 4 (about 91% on Fashion-MNIST).

    Conv(32, 3x3) -> MaxPool -> Conv(64, 3x3) -> MaxPool -> Dropout(0.3) ->
    Dense(128) -> softmax; ReLU activations. Input ``(batch, 28, 28, 1)``
    pixels in [0, 1]; output ``(batch, n_classes)`` probabilities.
    Uncompiled, like every builder here.

    Example:
        >>> build_fashion_judge().output.shape
        (None, 10)

    Taught in Chapter 4, section 7 (through :func:`course.gan.fashion_classifier`).
    """
    shape = check_image_shape("input_shape", input_shape)
    check_positive_int("n_classes", n_classes)
    layers = keras.layers
    x = keras.Input(shape=shape, name="image")
    h = layers.Conv2D(32, 3, padding="same", activation="relu", name="conv_1")(x)
    h = layers.MaxPooling2D(name="pool_1")(h)
    h = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv_2")(h)
    h = layers.MaxPooling2D(name="pool_2")(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dropout(0.3, name="dropout")(h)
    h = layers.Dense(128, activation="relu", name="hidden")(h)
    outputs = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(x, outputs, name=name)


# --------------------------------------------------------------------------
# Chapter 5 -- attention, Transformers and residual networks
# --------------------------------------------------------------------------


def sinusoidal_positional_encoding(length: int, d_model: int) -> np.ndarray:
    """Return the sinusoidal positional encoding of Vaswani et al. (2017), shape ``(length, d_model)``.

    ``PE[pos, 2i] = sin(pos / 10000**(2i / d_model))`` and
    ``PE[pos, 2i + 1] = cos(pos / 10000**(2i / d_model))``: each pair of
    columns is a sine/cosine clock with its own wavelength, from 2*pi (fast)
    to 10000*2*pi (slow). float32.

    Example:
        >>> sinusoidal_positional_encoding(50, 16).shape
        (50, 16)

    Taught in Chapter 5, section 3.
    """
    check_positive_int("length", length)
    check_positive_int("d_model", d_model)
    positions = np.arange(length, dtype=np.float64)[:, None]
    i = np.arange(d_model)[None, :]
    angles = positions / np.power(10000.0, (2 * (i // 2)) / d_model)
    encoding = np.where(i % 2 == 0, np.sin(angles), np.cos(angles))
    return encoding.astype(np.float32)


@keras.saving.register_keras_serializable(package="course")
class PositionalEmbedding(keras.layers.Layer):
    """Token ids -> token embeddings scaled by sqrt(d_model) + fixed sinusoidal position codes.

    Input ``(batch, sequence_length)`` int ids (0 = padding, masked);
    output ``(batch, sequence_length, d_model)``.

    Example:
        >>> PositionalEmbedding(100, 10, 16)(np.array([[5, 6, 0]])).shape
        TensorShape([1, 3, 16])

    Taught in Chapter 5, section 4.
    """

    def __init__(self, vocab_size: int, sequence_length: int, d_model: int, **kwargs):
        super().__init__(**kwargs)
        self.vocab_size, self.sequence_length, self.d_model = vocab_size, sequence_length, d_model
        self.token_embedding = keras.layers.Embedding(vocab_size, d_model, mask_zero=True, name="tokens")
        self.encoding = sinusoidal_positional_encoding(sequence_length, d_model)

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        super().build(input_shape)

    def call(self, token_ids):
        length = keras.ops.shape(token_ids)[1]
        tokens = self.token_embedding(token_ids) * (self.d_model ** 0.5)
        return tokens + keras.ops.convert_to_tensor(self.encoding)[None, :length, :]

    def compute_mask(self, token_ids, mask=None):
        return keras.ops.not_equal(token_ids, 0)

    def get_config(self):
        return {**super().get_config(), "vocab_size": self.vocab_size,
                "sequence_length": self.sequence_length, "d_model": self.d_model}


@keras.saving.register_keras_serializable(package="course")
class TransformerEncoderBlock(keras.layers.Layer):
    """One post-norm Transformer encoder block (Vaswani et al., 2017).

    ``h = LayerNorm(x + Dropout(MultiHeadAttention(x, x, x)))`` then
    ``y = LayerNorm(h + Dropout(FFN(h)))`` with ``FFN = Dense(ff_dim, relu) -> Dense(d_model)``.
    Padding positions (mask False) are never attended to. Shape in = shape out
    ``(batch, sequence_length, d_model)``.

    Example:
        >>> TransformerEncoderBlock(d_model=64, heads=4, ff_dim=128)(np.zeros((2, 7, 64), "float32")).shape
        TensorShape([2, 7, 64])

    Taught in Chapter 5, section 4.
    """

    def __init__(self, d_model: int, heads: int, ff_dim: int, dropout: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        self.d_model, self.heads, self.ff_dim, self.dropout_rate = d_model, heads, ff_dim, dropout
        self.attention = keras.layers.MultiHeadAttention(heads, d_model // heads, dropout=dropout, name="attention")
        self.ffn_hidden = keras.layers.Dense(ff_dim, activation="relu", name="ffn_hidden")
        self.ffn_out = keras.layers.Dense(d_model, name="ffn_out")
        self.norm_1 = keras.layers.LayerNormalization(epsilon=1e-6, name="norm_1")
        self.norm_2 = keras.layers.LayerNormalization(epsilon=1e-6, name="norm_2")
        self.drop_1 = keras.layers.Dropout(dropout)
        self.drop_2 = keras.layers.Dropout(dropout)
        self.supports_masking = True

    def build(self, input_shape):
        self.attention.build(input_shape, input_shape, input_shape)
        self.ffn_hidden.build(input_shape)
        self.ffn_out.build(tuple(input_shape[:-1]) + (self.ff_dim,))
        self.norm_1.build(input_shape)
        self.norm_2.build(input_shape)
        super().build(input_shape)

    def call(self, x, mask=None, training=None):
        attention_mask = None
        if mask is not None:  # (batch, 1, keys): every query may look at every real token
            attention_mask = keras.ops.expand_dims(keras.ops.cast(mask, "bool"), 1)
        attended = self.attention(x, x, x, attention_mask=attention_mask, training=training)
        h = self.norm_1(x + self.drop_1(attended, training=training))
        return self.norm_2(h + self.drop_2(self.ffn_out(self.ffn_hidden(h)), training=training))

    def compute_mask(self, x, mask=None):
        return mask

    def get_config(self):
        return {**super().get_config(), "d_model": self.d_model, "heads": self.heads,
                "ff_dim": self.ff_dim, "dropout": self.dropout_rate}


def build_transformer_classifier(
    vocab_size: int = 10_000,
    sequence_length: int = 40,
    d_model: int = 64,
    heads: int = 4,
    ff_dim: int = 128,
    n_blocks: int = 1,
    dropout: float = 0.1,
    name: str = "transformer_classifier",
) -> keras.Model:
    """Build a small Transformer sentence classifier, trained from scratch.

    token ids -> :class:`PositionalEmbedding` -> ``n_blocks`` x
    :class:`TransformerEncoderBlock` -> mean over the real (non-padding)
    tokens -> Dropout -> Dense(1, sigmoid). Input ``(batch, sequence_length)``
    int ids as :func:`build_text_vectorizer` writes them (0 = padding);
    output ``(batch, 1)``, the probability that the sentence is positive.

    Args:
        vocab_size: number of word ids.
        sequence_length: longest input (positions beyond it have no encoding).
        d_model: width of every token vector; must be divisible by ``heads``.
        heads: attention heads per block (each of width ``d_model // heads``).
        ff_dim: hidden units of each block's feed-forward network.
        n_blocks: encoder blocks stacked.
        dropout: dropout rate inside the blocks and before the output.

    Example:
        >>> build_transformer_classifier(vocab_size=1000, sequence_length=20).output.shape
        (None, 1)

    Taught in Chapter 5, section 4.
    """
    for arg, value in (("vocab_size", vocab_size), ("sequence_length", sequence_length), ("d_model", d_model),
                       ("heads", heads), ("ff_dim", ff_dim), ("n_blocks", n_blocks)):
        check_positive_int(arg, value)
    check(d_model % heads == 0, "d_model", d_model, f"divisible by heads ({heads})")
    check_fraction("dropout", dropout)
    tokens = keras.Input(shape=(sequence_length,), dtype="int32", name="token_ids")
    h = PositionalEmbedding(vocab_size, sequence_length, d_model, name="embedding")(tokens)
    h = keras.layers.Dropout(dropout, name="embedding_dropout")(h)
    for i in range(1, n_blocks + 1):
        h = TransformerEncoderBlock(d_model, heads, ff_dim, dropout, name=f"encoder_{i}")(h)
    h = keras.layers.GlobalAveragePooling1D(name="mean_over_tokens")(h)
    h = keras.layers.Dropout(dropout, name="dropout")(h)
    probability = keras.layers.Dense(1, activation="sigmoid", name="positive")(h)
    return keras.Model(tokens, probability, name=name)


def build_feature_head(feature_dim: int = 384, hidden: int = 0, dropout: float = 0.1,
                       name: str = "feature_head") -> keras.Model:
    """Build a small classifier head on fixed sentence features (e.g. mean-pooled MiniLM outputs).

    ``(batch, feature_dim)`` -> [Dense(hidden, relu)] -> Dropout -> Dense(1, sigmoid),
    output ``(batch, 1)``. With ``hidden=0`` it is logistic regression on the
    features (``feature_dim + 1`` weights).

    Example:
        >>> build_feature_head(384).count_params()
        385

    Taught in Chapter 5, section 5.
    """
    check_positive_int("feature_dim", feature_dim)
    check_int("hidden", hidden, minimum=0, note="0: no hidden layer")
    check_fraction("dropout", dropout)
    features = keras.Input(shape=(feature_dim,), name="features")
    h = features
    if hidden:
        h = keras.layers.Dense(hidden, activation="relu", name="hidden")(h)
    if dropout:
        h = keras.layers.Dropout(dropout, name="dropout")(h)
    probability = keras.layers.Dense(1, activation="sigmoid", name="positive")(h)
    return keras.Model(features, probability, name=name)


def residual_block(x: keras.KerasTensor, filters: int, stride: int = 1, skip: bool = True,
                   name: str = "block") -> keras.KerasTensor:
    """Apply one basic residual block (He et al., 2016) to the Keras tensor ``x``; return the output tensor.

    ``F(x) = BN(Conv3x3(ReLU(BN(Conv3x3_stride(x)))))`` and output
    ``ReLU(F(x) + shortcut(x))``. The shortcut is the identity when shapes
    match, else a projection ``BN(Conv1x1_stride(x))``. ``skip=False``
    gives the "plain" block, ``ReLU(F(x))``, of the same depth. Convolutions
    have no bias (the BatchNormalization after each one has its own shift).
    Input ``(batch, height, width, channels)``; output ``(batch, height / stride,
    width / stride, filters)``.

    Example:
        >>> residual_block(keras.Input((28, 28, 16)), 32, stride=2).shape
        (None, 14, 14, 32)

    Taught in Chapter 5, section 6.
    """
    layers = keras.layers
    check_positive_int("filters", filters)
    check_one_of("stride", stride, (1, 2))
    h = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False, kernel_initializer="he_normal", name=f"{name}_conv1")(x)
    h = layers.BatchNormalization(name=f"{name}_bn1")(h)
    h = layers.ReLU(name=f"{name}_relu1")(h)
    h = layers.Conv2D(filters, 3, padding="same", use_bias=False, kernel_initializer="he_normal", name=f"{name}_conv2")(h)
    h = layers.BatchNormalization(name=f"{name}_bn2")(h)
    if skip:
        shortcut = x
        if stride != 1 or x.shape[-1] != filters:
            shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False, kernel_initializer="he_normal", name=f"{name}_project")(x)
            shortcut = layers.BatchNormalization(name=f"{name}_project_bn")(shortcut)
        h = layers.Add(name=f"{name}_add")([h, shortcut])
    return layers.ReLU(name=f"{name}_out")(h)


def build_resnet(
    depth: int = 8,
    widths: Sequence[int] = (16, 32, 64),
    skip: bool = True,
    strides: Sequence[int] | None = None,
    n_classes: int = 10,
    input_shape: tuple = (28, 28, 1),
    augmentation: keras.Layer | None = None,
    name: str | None = None,
) -> keras.Model:
    """Build a small ResNet for 28x28 images (the CIFAR-style ResNets of He et al., 2016).

    A 3x3 stem convolution, then ``len(widths)`` stages of ``n`` residual
    blocks each (the first block of every later stage halves the size with
    stride 2), global average pooling and a softmax. ``strides`` sets the
    stride of each stage's first block instead (default ``(1, 2, 2, ...)``:
    28x28, 14x14, 7x7; ``(2, 2, 2)`` runs the stages at 14x14, 7x7, 4x4, a
    quarter of the computation per layer). ``depth`` counts the
    weight layers on the longest path: ``depth = 2 * n * len(widths) + 2``
    (8, 14, 20, 32... for three stages). ``skip=False`` builds the plain
    twin: the same layers without shortcuts. ``augmentation`` (a Keras
    layer or model, e.g. :func:`build_augmentation`) is applied first, in
    training only.
    Input ``(batch, 28, 28, 1)``; output ``(batch, n_classes)`` probabilities.

    Example:
        >>> build_resnet(depth=8).output.shape
        (None, 10)

    Taught in Chapter 5, section 6.
    """
    widths = check_positive_ints("widths", widths, min_length=1, note="one per stage")
    check_positive_int("depth", depth)
    check_positive_int("n_classes", n_classes)
    shape = check_image_shape("input_shape", input_shape)
    per_stage = 2 * len(widths)
    valid = ", ".join(str(per_stage * n + 2) for n in range(1, 5))
    check(depth >= per_stage + 2 and (depth - 2) % per_stage == 0, "depth", depth,
          f"2 * n * len(widths) + 2 for a whole number n >= 1 of blocks per stage ({valid}, ...)")
    if strides is None:
        strides = (1,) + (2,) * (len(widths) - 1)
    strides = check_positive_ints("strides", strides, length=len(widths), note="one per stage")
    for st in strides:
        check_one_of("each entry of strides", st, (1, 2))
    blocks = (depth - 2) // per_stage
    layers = keras.layers
    images = keras.Input(shape=shape, name="image")
    h = augmentation(images) if augmentation is not None else images
    h = layers.Conv2D(widths[0], 3, padding="same", use_bias=False, kernel_initializer="he_normal", name="stem_conv")(h)
    h = layers.BatchNormalization(name="stem_bn")(h)
    h = layers.ReLU(name="stem_relu")(h)
    for s, width in enumerate(widths, start=1):
        for b in range(1, blocks + 1):
            stride = strides[s - 1] if b == 1 else 1
            h = residual_block(h, width, stride=stride, skip=skip, name=f"stage{s}_block{b}")
    h = layers.GlobalAveragePooling2D(name="average_pool")(h)
    probabilities = layers.Dense(n_classes, activation="softmax", name="probabilities")(h)
    return keras.Model(images, probabilities, name=name or f"{'resnet' if skip else 'plainnet'}{depth}")
