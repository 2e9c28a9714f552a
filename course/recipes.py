"""The training recipes that the notebooks teach and ``course bench`` measures, in chapter order.

A recipe is the architecture settings, optimiser, learning rate, batch size
and number of epochs of one model. Each is written here once: the notebook
imports it (``from course.recipes import course_mlp, CH01_EPOCHS``), the
chapter's bench (:mod:`course.bench`) imports it, and ``tests/test_recipes.py``
checks that every number the notebook's text shows is the one here. Change a
recipe here, then update the notebook's text the test points to, and measure
it again with ``course bench NN``.

The "seed" recipes are the tutorials this course grew from, trained side by
side with the course's recipes by the benches.

Only NumPy is imported at module level; Keras is imported by the functions
that build models, so ``import course.recipes`` is instant.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _cosine_steps(n_train: int, epochs: int, batch_size: int) -> int:
    """Training steps of a run: batches per epoch times epochs (a cosine schedule decays over them).

    Example:
        >>> _cosine_steps(60_000, 20, 128)
        9380
    """
    return int(np.ceil(n_train / batch_size)) * epochs


# --------------------------------------------------------------------------
# Chapter 1 -- MLP on Fashion-MNIST
# --------------------------------------------------------------------------

#: The course MLP's hidden layer widths (Dense 256 -> 128). Taught in Chapter 1, section 9.
CH01_HIDDEN = (256, 128)
#: Its peak learning rate, decayed along a cosine to 0 over the run.
CH01_LEARNING_RATE = 2e-3
#: Momentum of the optimizer's moving average of the weights (the averaged weights are scored and kept).
CH01_EMA_MOMENTUM = 0.99
#: Its batch size, and training steps per call into TensorFlow.
CH01_BATCH = 128
CH01_STEPS_PER_EXECUTION = 64
#: Its epochs in a full-size run (the notebook writes ``epochs(CH01_EPOCHS)``, see :func:`course.config.epochs`).
CH01_EPOCHS = 20
#: The seed tutorial's MLP (Dense 128-64, Adam 1e-3): epochs, batch size, learning rate.
CH01_SEED = {"epochs": 5, "batch_size": 32, "learning_rate": 1e-3}


def course_mlp(x_train: np.ndarray, epochs: int, batch_size: int = CH01_BATCH):
    """The course's chapter-1 recipe, compiled: standardised inputs, Dense 256-128, Adam + cosine + EMA.

    * a ``Normalization`` layer standardises each pixel (mean 0, variance 1),
      adapted to ``x_train``, so the first gradient steps are well scaled;
    * Adam with a cosine-decayed learning rate (``CH01_LEARNING_RATE`` down to
      0 over ``epochs`` epochs of ``batch_size``);
    * an exponential moving average (EMA) of the weights, ``CH01_EMA_MOMENTUM``:
      the averaged weights are the ones scored after each epoch (see
      :func:`course.training.fit`) and kept at the end; they are smoother
      than the last step's weights, so accuracy is higher early on;
    * 64 steps per execution, which cuts TensorFlow's per-step overhead. (XLA,
      ``jit_compile=True``, makes later epochs faster but its compilation
      makes the first one slower, and with the EMA the target is reached in
      the first epoch; XLA also compiles Dropout's random numbers into slow
      CPU code.)

    Args:
        x_train: ``(n, 784)`` flattened training images in [0, 1].
        epochs: the epochs the model will be trained for (the schedule's length).
        batch_size: the batch size it will be trained with.

    Returns:
        A compiled ``keras.Model``: ``(batch, 784)`` -> ``(batch, 10)`` class probabilities.

    Example:
        >>> model = course_mlp(x_train, CH01_EPOCHS)
        >>> model.fit(x_train, y_train, epochs=CH01_EPOCHS, batch_size=CH01_BATCH)

    About 90% test accuracy after 20 epochs. Taught in Chapter 1, section 9;
    measured by ``course bench 01``.
    """
    import keras

    from course.models import build_mlp
    from course.training import compile_classifier

    steps = _cosine_steps(len(x_train), epochs, batch_size)
    model = build_mlp(x_train.shape[1], hidden=CH01_HIDDEN, normalization_data=x_train, name="course_mlp")
    schedule = keras.optimizers.schedules.CosineDecay(CH01_LEARNING_RATE, decay_steps=steps)
    optimizer = keras.optimizers.Adam(schedule, use_ema=True, ema_momentum=CH01_EMA_MOMENTUM)
    return compile_classifier(model, optimizer, jit_compile=False, steps_per_execution=CH01_STEPS_PER_EXECUTION)


def seed_mlp():
    """The seed tutorial's chapter-1 recipe, compiled: Dense 128-64-10, Adam 1e-3 (trained with batch 32).

    Returns:
        A compiled ``keras.Model``: ``(batch, 784)`` -> ``(batch, 10)``.

    Example:
        >>> seed_mlp().fit(x_train, y_train, epochs=CH01_SEED["epochs"], batch_size=CH01_SEED["batch_size"])

    Named in Chapter 1's introduction; the baseline of ``course bench 01``.
    """
    from course.models import build_seed_mlp
    from course.training import compile_classifier

    return compile_classifier(build_seed_mlp(), "adam", CH01_SEED["learning_rate"], jit_compile=False)


# --------------------------------------------------------------------------
# Chapter 2 -- CNNs on Fashion-MNIST
# --------------------------------------------------------------------------

#: Validation images kept apart from the end of the training set (the last 5,000, as in chapter 1): the notebook
#: and ``course bench 02`` train on the other 55,000, choose on these and score the test set once. Chapter 2, section 1.
CH02_VALIDATION = 5_000
#: Batch size of every chapter-2 course model. Taught in Chapter 2, section 7.
CH02_BATCH = 128
#: Training steps per call into TensorFlow in :func:`compile_cnn`.
CH02_STEPS_PER_EXECUTION = 32
#: The LeNet-style CNN: peak learning rate and epochs. Taught in Chapter 2, section 7.
CH02_LENET_LEARNING_RATE = 1e-3
CH02_LENET_EPOCHS = 15
#: The BatchNorm CNN: two Conv-BN-ReLU layers per block (32, 64, 128 filters), Dense 128, dropout 0.3.
#: Taught in Chapter 2, section 8.
CH02_BN = {"filters": (32, 64, 128), "convs_per_block": 2, "dense": 128, "dropout": 0.3}
#: Its peak learning rate (BatchNorm trains stably with a larger one) and epochs, with or without augmentation.
CH02_BN_LEARNING_RATE = 2e-3
CH02_BN_EPOCHS = 20
#: The augmentation: whole-pixel shifts of up to 5% and horizontal flips. Taught in Chapter 2, section 9.
CH02_AUGMENT = {"translate": 0.05, "flip": True}
#: The seed tutorial's CNN (Conv32-Pool-Conv64-Pool-Dense128, Adam 1e-3): epochs, batch size, learning rate.
CH02_SEED = {"epochs": 5, "batch_size": 32, "learning_rate": 1e-3}


def compile_cnn(model: Any, n_train: int, epochs: int, batch_size: int = CH02_BATCH, learning_rate: float = 1e-3):
    """The course's chapter-2 training recipe: compile ``model`` with Adam on a cosine-decayed learning rate.

    The learning rate decays from ``learning_rate`` to 0 over ``epochs`` epochs
    of ``n_train`` examples in batches of ``batch_size``; 32 training steps run
    per call into TensorFlow. No XLA: on a 2-core CPU, ``jit_compile=True`` made
    a LeNet epoch over 10x slower (it compiles Dropout's random numbers into
    slow code).

    Args:
        model: a softmax classifier, ``(batch, 28, 28, 1)`` -> ``(batch, 10)``.
        n_train, epochs, batch_size: the run it will be trained for (the schedule's length).
        learning_rate: the peak learning rate (``CH02_LENET_LEARNING_RATE``, ``CH02_BN_LEARNING_RATE``).

    Returns:
        The same model, compiled.

    Example:
        >>> compile_cnn(build_lenet(), len(x_train), CH02_LENET_EPOCHS, learning_rate=CH02_LENET_LEARNING_RATE)

    Taught in Chapter 2, section 7; measured by ``course bench 02``.
    """
    import keras

    from course.training import compile_classifier

    steps = _cosine_steps(n_train, epochs, batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    return compile_classifier(model, keras.optimizers.Adam(schedule), jit_compile=False,
                              steps_per_execution=CH02_STEPS_PER_EXECUTION)


def seed_cnn():
    """The seed tutorial's chapter-2 recipe, compiled: Conv32-Pool-Conv64-Pool-Dense128-Dropout, Adam 1e-3.

    Returns:
        A compiled ``keras.Model``: ``(batch, 28, 28, 1)`` -> ``(batch, 10)``.

    Example:
        >>> seed_cnn().fit(x_train, y_train, epochs=CH02_SEED["epochs"], batch_size=CH02_SEED["batch_size"])

    Named in Chapter 2's "Going further"; the baseline of ``course bench 02``.
    """
    from course.models import build_seed_cnn
    from course.training import compile_classifier

    return compile_classifier(build_seed_cnn(), "adam", CH02_SEED["learning_rate"], jit_compile=False)


# --------------------------------------------------------------------------
# Chapter 3 -- recurrent networks on the movie-review polarity set
# --------------------------------------------------------------------------

#: Vocabulary size and ids per sentence of the chapter's ``TextVectorization``. Taught in Chapter 3, section 5.
CH03_VOCAB_SIZE, CH03_SEQUENCE_LENGTH = 10_000, 40
#: The course's recurrent classifiers: embedding width, recurrent units, dropout. Taught in Chapter 3, section 6.
CH03_EMBEDDING_DIM, CH03_UNITS, CH03_DROPOUT = 64, 32, 0.5
#: Their Adam learning rate, batch size, most epochs, and the early-stopping patience (on validation accuracy).
CH03_LEARNING_RATE = 1e-3
CH03_BATCH = 32
CH03_MAX_EPOCHS = 6
CH03_PATIENCE = 2
#: The whole course recipe in one record (``course bench 03`` writes it into its JSON).
CH03_COURSE = {"embedding_dim": CH03_EMBEDDING_DIM, "units": CH03_UNITS, "dropout": CH03_DROPOUT,
               "learning_rate": CH03_LEARNING_RATE, "batch_size": CH03_BATCH, "max_epochs": CH03_MAX_EPOCHS}
#: The four recurrent layers compared, by display name.
CH03_KINDS = {"SimpleRNN": "simple_rnn", "LSTM": "lstm", "GRU": "gru", "BiLSTM": "bilstm"}
#: The seed tutorial's recipe (Embedding 128, SimpleRNN or LSTM 64, Dense 32, Adam 1e-3): epochs, batch, learning rate.
CH03_SEED = {"epochs": 3, "batch_size": 32, "learning_rate": 1e-3}


def course_rnn(kind: str, vocab_size: int = CH03_VOCAB_SIZE):
    """The chapter-3 recurrent classifier, compiled: Embedding 64, 32 units, dropout 0.5, Adam 1e-3.

    Args:
        kind: "simple_rnn", "lstm", "gru" or "bilstm" (the values of ``CH03_KINDS``).
        vocab_size: ids the embedding accepts.

    Returns:
        A compiled ``keras.Model``: ``(batch, sequence_length)`` word ids -> ``(batch, 1)``
        probability that the sentence is positive (binary cross-entropy, accuracy).

    Example:
        >>> course_rnn("lstm").fit(ids, y, epochs=CH03_MAX_EPOCHS, batch_size=CH03_BATCH)

    Taught in Chapter 3, section 6 (the notebook builds and compiles it step by
    step with these constants); measured by ``course bench 03``.
    """
    import keras

    from course.models import build_rnn_classifier

    model = build_rnn_classifier(kind, vocab_size, CH03_EMBEDDING_DIM, CH03_UNITS, CH03_DROPOUT, name=f"course_{kind}")
    model.compile(optimizer=keras.optimizers.Adam(CH03_LEARNING_RATE), loss="binary_crossentropy", metrics=["accuracy"])
    return model


def seed_rnn(kind: str, vocab_size: int = CH03_VOCAB_SIZE):
    """The seed tutorial's chapter-3 recipe, compiled: Embedding 128, SimpleRNN/LSTM 64, Dense 32, Dropout 0.2; Adam.

    Args:
        kind: "simple_rnn" or "lstm".
        vocab_size: ids the embedding accepts.

    Returns:
        A compiled ``keras.Model``: ``(batch, sequence_length)`` ids -> ``(batch, 1)``.

    Example:
        >>> seed_rnn("lstm").fit(ids, y, epochs=CH03_SEED["epochs"], batch_size=CH03_SEED["batch_size"])

    Named in Chapter 3, section 6; the baseline of ``course bench 03``.
    """
    import keras

    from course.models import build_seed_rnn

    model = build_seed_rnn(kind, vocab_size)
    model.compile(optimizer=keras.optimizers.Adam(CH03_SEED["learning_rate"]), loss="binary_crossentropy", metrics=["accuracy"])
    return model


# --------------------------------------------------------------------------
# Chapter 4 -- DCGAN on Fashion-MNIST
# --------------------------------------------------------------------------

#: Length of the generator's noise vector. Taught in Chapter 4, section 3.
CH04_LATENT_DIM = 64
#: Both players' Adam: learning rate 2e-4, beta_1 0.5 (Radford et al., 2016). Taught in Chapter 4, section 6.
#: (``course.gan.make_gan`` uses the same values; ``tests/test_recipes.py`` checks they agree.)
CH04_LEARNING_RATE = 2e-4
CH04_BETA_1 = 0.5
#: Epochs and batch size in full mode. Taught in Chapter 4, section 8.
CH04_EPOCHS = 15
CH04_BATCH = 128
#: Generated images scored by the judge classifier after each epoch. Taught in Chapter 4, section 7.
CH04_SAMPLES = 1000


# --------------------------------------------------------------------------
# Chapter 5 -- Transformers (from scratch, pretrained) and residual networks
# --------------------------------------------------------------------------

#: The text models read chapter 3's ids: the same vocabulary size and sentence length. Taught in Chapter 5, section 4.
CH05_VOCAB, CH05_LENGTH = CH03_VOCAB_SIZE, CH03_SEQUENCE_LENGTH
#: Batch size of the models trained on ids (the Transformer and the LSTM).
CH05_TEXT_BATCH = 32
#: The Transformer classifier trained from scratch: one encoder block, d = 64, 4 heads, feed-forward 128,
#: dropout 0.3; Adam 5e-4, 10 epochs (the best validation epoch is kept). Taught in Chapter 5, section 4.
CH05_TRANSFORMER = {"d_model": 64, "heads": 4, "ff_dim": 128, "dropout": 0.3}
CH05_TRANSFORMER_LEARNING_RATE = 5e-4
CH05_TRANSFORMER_EPOCHS = 10
#: Chapter 3's LSTM (``build_rnn_classifier("lstm")``'s defaults) on the same ids: Adam 1e-3, and the Transformer's
#: budget of 10 epochs (the best validation epoch is kept), so that the two are compared on equal terms.
CH05_LSTM_LEARNING_RATE = 1e-3
CH05_LSTM_EPOCHS = CH05_TRANSFORMER_EPOCHS
#: The head on frozen MiniLM features: Dense 128 + dropout 0.2; Adam 1e-3, batch 64, 40 epochs (best kept).
#: Taught in Chapter 5, section 5.
CH05_HEAD = {"hidden": 128, "dropout": 0.2}
CH05_HEAD_LEARNING_RATE = 1e-3
CH05_HEAD_BATCH = 64
CH05_HEAD_EPOCHS = 40
#: The sentences of each set a shortened test run encodes with MiniLM (the slowest step of such a run).
CH05_SHORT_ENCODED_SENTENCES = 32
#: The ResNet and its plain twin: depth 32 (5 blocks per stage), widths 16/32/64, stages at 14x14, 7x7, 4x4.
#: Taught in Chapter 5, section 6.
CH05_RESNET = {"depth": 32, "widths": (16, 32, 64), "strides": (2, 2, 2)}
#: The depth a shortened test run builds instead (building and tracing 32 layers costs more than its one epoch).
CH05_RESNET_SHORT_DEPTH = 8
#: The last 5,000 of Fashion-MNIST's 60,000 training images validate the twins (as in chapter 1); they are not trained on.
#: Taught in Chapter 5, section 6.
CH05_RESNET_VALIDATION = 5_000
#: The images a shortened test run trains the twins on (every training step is slow there, even at depth 8).
CH05_SHORT_TRAIN_IMAGES = 256
CH05_RESNET_EPOCHS = 20
CH05_RESNET_BATCH = 128
#: Chapter 2's augmentation (whole-pixel shifts up to 5%, horizontal flips), for both image twins.
CH05_RESNET_AUGMENT = dict(CH02_AUGMENT)
#: The twins' optimiser and loss: AdamW from 2e-3 with cosine decay, weight decay 0.05 on kernels, label smoothing 0.1.
CH05_RESNET_TRAINING = {"learning_rate": 2e-3, "weight_decay": 0.05, "label_smoothing": 0.1}


def compile_binary(model: Any, learning_rate: float | Any = 1e-3, weight_decay: float = 0.0):
    """Compile a sigmoid sentence classifier: Adam (AdamW when ``weight_decay``), binary cross-entropy, accuracy.

    Args:
        model: ``(batch, ...)`` -> ``(batch, 1)`` probability that the sentence is positive.
        learning_rate: a float or a ``keras.optimizers.schedules`` schedule.
        weight_decay: AdamW's decoupled weight decay; 0 gives plain Adam.

    Returns:
        The same model, compiled.

    Example:
        >>> compile_binary(build_transformer_classifier(CH05_VOCAB, CH05_LENGTH, **CH05_TRANSFORMER),
        ...                CH05_TRANSFORMER_LEARNING_RATE)

    The compile step of Chapter 5, sections 4 and 5 (the notebook writes it out);
    used by ``course bench 05``.
    """
    import keras

    optimizer = keras.optimizers.AdamW(learning_rate, weight_decay=weight_decay) if weight_decay else keras.optimizers.Adam(learning_rate)
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def ch05_resnet_depth() -> int:
    """The depth of chapter 5's ResNet and its plain twin: ``CH05_RESNET["depth"]`` (32).

    A shortened test run of the course builds ``CH05_RESNET_SHORT_DEPTH`` (8)
    layers instead: a network's depth does not shrink with the data.

    Example:
        >>> ch05_resnet_depth()            # doctest: +SKIP
        32

    Taught in Chapter 5, section 6; used by ``course bench 05 --part images``.
    """
    from course.config import sized

    return sized(full=CH05_RESNET["depth"], ci=CH05_RESNET_SHORT_DEPTH)


def ch05_image_examples(n: int) -> int:
    """How many of Fashion-MNIST's ``n`` training images chapter 5's twins load: all ``n``.

    A shortened test run of the course loads ``CH05_SHORT_TRAIN_IMAGES`` (256) to train
    on plus its validation images (``examples(CH05_RESNET_VALIDATION)``): every training
    step of a ResNet is slow there, even at depth 8.

    Example:
        >>> ch05_image_examples(60_000)    # doctest: +SKIP
        60000

    Taught in Chapter 5, section 6; used by ``course bench 05 --part images``.
    """
    from course.config import examples, sized

    return sized(full=n, ci=min(n, CH05_SHORT_TRAIN_IMAGES + examples(CH05_RESNET_VALIDATION)))


def ch05_sentences_to_encode(texts: Any, labels: Any) -> tuple[Any, Any]:
    """The sentences of one set that chapter 5 runs through MiniLM, and their labels: all of them.

    A shortened test run of the course keeps the first ``CH05_SHORT_ENCODED_SENTENCES``
    (32): running the 22.7-million-parameter encoder is the slowest step of such a run.

    Args:
        texts, labels: a set's sentences ``(N,)`` and labels ``(N,)``.

    Returns:
        ``(texts, labels)``, unchanged in a full run.

    Example:
        >>> x, y = ch05_sentences_to_encode(x_train, y_train)   # doctest: +SKIP

    Taught in Chapter 5, section 5.
    """
    from course.config import sized

    n = sized(full=len(texts), ci=min(len(texts), CH05_SHORT_ENCODED_SENTENCES))
    return texts[:n], labels[:n]


def compile_resnet(model: Any, n_train: int, epochs: int, batch_size: int = CH05_RESNET_BATCH):
    """Chapter 5's image recipe: AdamW on a cosine-decayed learning rate, label smoothing (``CH05_RESNET_TRAINING``).

    Args:
        model: a softmax classifier, ``(batch, 28, 28, 1)`` -> ``(batch, 10)`` (the ResNet or its plain twin).
        n_train, epochs, batch_size: the run it will be trained for (the schedule's length).

    Returns:
        The same model, compiled.

    Example:
        >>> compile_resnet(build_resnet(**CH05_RESNET), len(x_train), CH05_RESNET_EPOCHS)

    Taught in Chapter 5, section 6 (the notebook writes its three lines out);
    used by ``course bench 05 --part images``.
    """
    import keras

    from course.training import adamw, compile_classifier

    schedule = keras.optimizers.schedules.CosineDecay(CH05_RESNET_TRAINING["learning_rate"],
                                                      _cosine_steps(n_train, epochs, batch_size))
    return compile_classifier(model, adamw(schedule, CH05_RESNET_TRAINING["weight_decay"]), jit_compile=False,
                              label_smoothing=CH05_RESNET_TRAINING["label_smoothing"])
