"""course/recipes.py is the one place a recipe's numbers are typed.

The notebooks' code takes them from course.recipes (never from the bench),
every number a notebook's text states about a recipe is the one in
course.recipes, and the recipe functions build what their constants say.
Change a recipe in course/recipes.py and these tests name the sentences of
the notebook to update.
"""

import math
import re
from pathlib import Path

import nbformat
import pytest

from course import recipes as r
from course.bench import ch02_cnn, ch04_gan

ROOT = Path(__file__).resolve().parents[1]
WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _cells(chapter: str, kind: str) -> str:
    cells = nbformat.read(ROOT / "solutions" / f"{chapter}.ipynb", as_version=4).cells
    return "\n".join(c.source for c in cells if c.cell_type == kind)


def _text(chapter: str) -> str:
    """The notebook's markdown, with every run of white space (line breaks included) as one space."""
    return re.sub(r"\s+", " ", _cells(chapter, "markdown"))


def _power(x: float) -> str:
    """A learning rate as the notebooks write it in LaTeX: 1e-3 -> '10^{-3}', 2e-4 -> '2 \\cdot 10^{-4}'."""
    exponent = math.floor(math.log10(x))
    mantissa = round(x / 10**exponent, 6)
    ten = f"10^{{{exponent}}}"
    return ten if mantissa == 1 else f"{mantissa:g} \\cdot {ten}"


def _latex_thousands(n: int) -> str:
    return f"{n:,}".replace(",", "{,}")


# What each notebook's text says about its recipes, written from course.recipes (and the benches' targets).
STATED = {
    "01_mlp": lambda: [
        f"(Dense 128-64, Adam, {r.CH01_SEED['epochs']} epochs, batch {r.CH01_SEED['batch_size']})",
        f"Dense {r.CH01_HIDDEN[0]} → {r.CH01_HIDDEN[1]}",
        f"Batch {r.CH01_BATCH} and",
        f"`steps_per_execution={r.CH01_STEPS_PER_EXECUTION}`",
        f"Running {r.CH01_STEPS_PER_EXECUTION} steps per call",
        f"the seed's batch-{r.CH01_SEED['batch_size']} loop",
        f"The recipe trains {r.CH01_EPOCHS} epochs",
        f"$784 \\cdot {r.CH01_HIDDEN[0]} + {r.CH01_HIDDEN[0]} + {r.CH01_HIDDEN[0]} \\cdot {r.CH01_HIDDEN[1]} + {r.CH01_HIDDEN[1]} + "
        f"{r.CH01_HIDDEN[1]} \\cdot 10 + 10",
        "compiles with `jit_compile=False`",
    ],
    "02_cnn": lambda: [
        f"train for {r.CH02_LENET_EPOCHS} and {r.CH02_BN_EPOCHS} epochs and should reach {ch02_cnn.TARGET_BN_AUG:.0%} or more",
        f"We keep the last {r.CH02_VALIDATION:,} images of the training set apart",
        f"decays along a cosine from ${_power(r.CH02_LENET_LEARNING_RATE)}$ to 0 over the run, "
        f"batches of {r.CH02_BATCH} and {r.CH02_STEPS_PER_EXECUTION} steps per call",
        f"a larger learning rate (${_power(r.CH02_BN_LEARNING_RATE)}$ here)",
        f"three blocks ({', '.join(map(str, r.CH02_BN['filters']))} filters)",
        f"`convs_per_block={r.CH02_BN['convs_per_block']}`",
        f"trains for {r.CH02_BN_EPOCHS} epochs instead of {r.CH02_LENET_EPOCHS}",
        f"(up to {r.CH02_AUGMENT['translate']:.0%}, about one pixel",
        "**Horizontal flip**" if r.CH02_AUGMENT["flip"] else "",
        f"| LeNet-style CNN | {r.CH02_LENET_EPOCHS} |",
        f"| BatchNorm CNN, {WORDS[r.CH02_BN['convs_per_block']]} convolutions per block | {r.CH02_BN_EPOCHS} |",
        f"| the same + augmentation | {r.CH02_BN_EPOCHS} |",
        f"Adam, batch {r.CH02_SEED['batch_size']}, {r.CH02_SEED['epochs']} epochs)",
    ],
    "03_rnn": lambda: [
        f"{r.CH03_SEQUENCE_LENGTH} words keep nearly every sentence whole",
        f"of {r.CH03_VOCAB_SIZE:,} keeps all of those",
        f"${_latex_thousands(r.CH03_VOCAB_SIZE)} \\times {r.CH03_EMBEDDING_DIM} = "
        f"{_latex_thousands(r.CH03_VOCAB_SIZE * r.CH03_EMBEDDING_DIM)}$",
        f"$4 \\cdot {r.CH03_UNITS}\\,({r.CH03_EMBEDDING_DIM} + {r.CH03_UNITS} + 1)",
        f"a small embedding ({r.CH03_EMBEDDING_DIM}) and state ({r.CH03_UNITS}), dropout of {r.CH03_DROPOUT}",
        f"($d = {r.CH03_EMBEDDING_DIM}$ inputs, $n = {r.CH03_UNITS}$ units)",
        f"Adam with learning rate ${_power(r.CH03_LEARNING_RATE)}$",
        f"trained for up to {WORDS[r.CH03_MAX_EPOCHS]} epochs with batch {r.CH03_BATCH}",
        f"has not improved for {WORDS[r.CH03_PATIENCE]} epochs",
        f"**no mask**, {r.CH03_SEED['epochs']} epochs)",
    ],
    "04_gan": lambda: [
        f"of length {r.CH04_LATENT_DIM}",
        f"Adam with learning rate ${_power(r.CH04_LEARNING_RATE)}$ and $\\beta_1 = {r.CH04_BETA_1}$",
        f"on {r.CH04_SAMPLES:,} real test images",
        f"**at least {ch04_gan.TARGET_CLASSES} classes present and a mean confidence of at least "
        f"{ch04_gan.TARGET_CONFIDENCE}** on {r.CH04_SAMPLES:,} samples",
        f"the sample-quality score on {r.CH04_SAMPLES:,} samples",
        f"We train {r.CH04_EPOCHS} epochs on all 60,000 images at batch {r.CH04_BATCH}",
    ],
    "05_transformer": lambda: [
        f"({r.CH05_VOCAB:,} most frequent words, {r.CH05_LENGTH} ids per sentence",
        f"($d = {r.CH05_TRANSFORMER['d_model']}$, {r.CH05_TRANSFORMER['heads']} heads)",
        f"Dropout {r.CH05_TRANSFORMER['dropout']} fights the overfitting",
        f"We train for {r.CH05_TRANSFORMER_EPOCHS} epochs",
        f"the same budget of {r.CH05_LSTM_EPOCHS} epochs (chapter 3 trained it for up to {WORDS[r.CH03_MAX_EPOCHS]})",
        f"${_power(r.CH05_TRANSFORMER_LEARNING_RATE)}$ for the Transformer, chapter 3's ${_power(r.CH05_LSTM_LEARNING_RATE)}$ for the LSTM",
        f"batch {r.CH05_HEAD_BATCH}, {r.CH05_HEAD_EPOCHS} epochs, the weights of the best validation epoch kept",
        f"the last {r.CH05_RESNET_VALIDATION:,} of the 60,000 training images",
        f"we go to depth {r.CH05_RESNET['depth']} ($n = {(r.CH05_RESNET['depth'] - 2) // 6}$",
        "three stages of {}, {} and {} channels".format(*r.CH05_RESNET["widths"]),
        f"`strides={r.CH05_RESNET['strides']}`",
        f"whole-pixel shifts of up to {r.CH05_RESNET_AUGMENT['translate']:.0%} and horizontal flips",
        f"training recipe, {r.CH05_RESNET_EPOCHS} epochs with batch {r.CH05_RESNET_BATCH}",
        f"weight decay $\\lambda = {r.CH05_RESNET_TRAINING['weight_decay']}$",
        f"cosine-decayed from ${_power(r.CH05_RESNET_TRAINING['learning_rate'])}$ to 0",
        f"($\\varepsilon = {r.CH05_RESNET_TRAINING['label_smoothing']}$, "
        f"`compile_classifier(..., label_smoothing={r.CH05_RESNET_TRAINING['label_smoothing']})`)",
        f"| ResNet-{r.CH05_RESNET['depth']} / plain-{r.CH05_RESNET['depth']} (stages at 14/7/4, {r.CH05_RESNET_EPOCHS} epochs",
    ],
}

# The course.recipes names each notebook's code must use where it trains a recipe.
USED = {
    "01_mlp": ["course_mlp(", "epochs(CH01_EPOCHS)", "batch_size=CH01_BATCH"],
    "02_cnn": ["n_val = examples(CH02_VALIDATION)", "x_all[:-n_val]", "x_all[-n_val:]", "validation_data=(x_val, y_val)",
               "compile_cnn(", "epochs(CH02_LENET_EPOCHS)", "learning_rate=CH02_LENET_LEARNING_RATE", "epochs(CH02_BN_EPOCHS)",
               "build_cnn_bn(**CH02_BN", "learning_rate=CH02_BN_LEARNING_RATE", "build_augmentation(**CH02_AUGMENT)",
               "batch_size=CH02_BATCH"],
    "03_rnn": ["CH03_SEQUENCE_LENGTH, CH03_VOCAB_SIZE", "CH03_EMBEDDING_DIM, CH03_UNITS, CH03_DROPOUT", "epochs(CH03_MAX_EPOCHS)",
               "Adam(CH03_LEARNING_RATE)", "patience=CH03_PATIENCE", "batch_size=CH03_BATCH"],
    "04_gan": ["LATENT_DIM = CH04_LATENT_DIM", "Adam(CH04_LEARNING_RATE, beta_1=CH04_BETA_1)", "examples(CH04_SAMPLES)",
               "epochs(CH04_EPOCHS)", "batch_size=CH04_BATCH"],
    "05_transformer": ["CH05_VOCAB, CH05_LENGTH", "(VOCAB, LENGTH, **CH05_TRANSFORMER)", "Adam(CH05_TRANSFORMER_LEARNING_RATE)",
                       "epochs(CH05_TRANSFORMER_EPOCHS)", "Adam(CH05_LSTM_LEARNING_RATE)", "epochs(CH05_LSTM_EPOCHS)",
                       "batch_size=CH05_TEXT_BATCH", "epochs(CH05_HEAD_EPOCHS)", "batch_size=CH05_HEAD_BATCH",
                       "ch05_resnet_depth()", 'widths=CH05_RESNET["widths"]', 'strides=CH05_RESNET["strides"]',
                       "build_augmentation(**CH05_RESNET_AUGMENT)", "epochs(CH05_RESNET_EPOCHS)", "CH05_RESNET_BATCH",
                       "examples(CH05_RESNET_VALIDATION)", "ch05_image_examples(60_000)",
                       'CH05_RESNET_TRAINING["learning_rate"]', 'weight_decay=CH05_RESNET_TRAINING["weight_decay"]',
                       'label_smoothing=CH05_RESNET_TRAINING["label_smoothing"]'],
}


def test_every_chapter_is_covered():
    from course.chapters import ids

    assert sorted(STATED) == sorted(USED) == ids()


@pytest.mark.parametrize("chapter", sorted(STATED))
def test_the_notebook_text_states_the_numbers_of_course_recipes(chapter):
    text = _text(chapter)
    missing = [phrase for phrase in STATED[chapter]() if phrase not in text]
    assert not missing, f"solutions/{chapter}.ipynb no longer says (update its text to course/recipes.py): {missing}"


@pytest.mark.parametrize("chapter", sorted(USED))
def test_the_notebook_code_takes_its_recipes_from_course_recipes(chapter):
    code = _cells(chapter, "code")
    missing = [name for name in USED[chapter] if name not in code]
    assert not missing, f"solutions/{chapter}.ipynb types these recipe numbers itself instead of using course.recipes: {missing}"


@pytest.mark.parametrize("folder", ["solutions", "notebooks"])
def test_no_notebook_imports_from_the_bench(folder):
    offenders = [path.name for path in sorted((ROOT / folder).glob("*.ipynb")) if "course.bench" in path.read_text()]
    assert offenders == [], "notebooks import recipes from course.recipes, never from course.bench"


# --- the recipe functions build what their constants say ------------------------------


def _schedule(optimizer) -> dict:
    """The optimizer's learning-rate schedule, as its config: {"initial_learning_rate", "decay_steps", ...}."""
    return optimizer.get_config()["learning_rate"]["config"]


def _tiny_classifier():
    import keras

    return keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])


def test_course_mlp_has_the_recipes_widths_schedule_and_weight_average():
    import keras
    import numpy as np

    x = np.random.default_rng(0).random((300, 784), dtype=np.float32)
    model = r.course_mlp(x, epochs=3)
    assert [layer.units for layer in model.layers if isinstance(layer, keras.layers.Dense)] == [*r.CH01_HIDDEN, 10]
    schedule = _schedule(model.optimizer)
    assert schedule["initial_learning_rate"] == r.CH01_LEARNING_RATE
    assert schedule["decay_steps"] == math.ceil(300 / r.CH01_BATCH) * 3
    assert model.optimizer.use_ema and model.optimizer.ema_momentum == r.CH01_EMA_MOMENTUM


def test_course_mlp_compiles_without_xla_as_chapter_1_says():
    import numpy as np

    model = r.course_mlp(np.random.default_rng(0).random((300, 784), dtype=np.float32), epochs=1)
    assert model.jit_compile is False


def test_compile_cnn_decays_the_learning_rate_over_the_whole_run():
    model = r.compile_cnn(_tiny_classifier(), n_train=1000, epochs=4, learning_rate=r.CH02_BN_LEARNING_RATE)
    schedule = _schedule(model.optimizer)
    assert schedule["initial_learning_rate"] == r.CH02_BN_LEARNING_RATE
    assert schedule["decay_steps"] == math.ceil(1000 / r.CH02_BATCH) * 4


def test_bench_02_trains_on_the_notebooks_split_and_keeps_the_last_training_images_for_validation(ci_mode):
    import numpy as np

    from course.config import examples
    from course.data import load_fashion_mnist

    (x, y), (x_val, y_val), (x_test, _) = ch02_cnn.data()
    (x_all, y_all), _ = load_fashion_mnist(n_train=examples(60_000), n_test=examples(10_000))
    n_val = examples(r.CH02_VALIDATION)
    assert (len(x), len(x_val), len(x_test)) == (examples(60_000) - n_val, n_val, examples(10_000))
    assert np.array_equal(x_val[..., 0], x_all[-n_val:]) and np.array_equal(y_val, y_all[-n_val:])
    assert np.array_equal(y, y_all[:-n_val])


def test_course_rnn_has_the_recipes_embedding_units_and_learning_rate():
    model = r.course_rnn("lstm", vocab_size=50)
    assert model.get_layer("recurrent").units == r.CH03_UNITS
    import keras

    embedding = next(layer for layer in model.layers if isinstance(layer, keras.layers.Embedding))
    assert embedding.output_dim == r.CH03_EMBEDDING_DIM
    assert float(model.optimizer.learning_rate) == pytest.approx(r.CH03_LEARNING_RATE)


def test_make_gan_trains_both_players_with_the_chapter_4_recipe():
    from course.gan import make_gan

    gan = make_gan(latent_dim=r.CH04_LATENT_DIM, learning_rate=r.CH04_LEARNING_RATE, jit_compile=False)
    for optimizer in (gan.d_optimizer, gan.g_optimizer):
        assert float(optimizer.learning_rate) == pytest.approx(r.CH04_LEARNING_RATE)
        assert optimizer.beta_1 == r.CH04_BETA_1


def test_compile_resnet_uses_adamw_weight_decay_and_label_smoothing_of_the_recipe():
    model = r.compile_resnet(_tiny_classifier(), n_train=512, epochs=2)
    assert model.optimizer.weight_decay == r.CH05_RESNET_TRAINING["weight_decay"]
    schedule = _schedule(model.optimizer)
    assert schedule["initial_learning_rate"] == r.CH05_RESNET_TRAINING["learning_rate"]
    assert schedule["decay_steps"] == math.ceil(512 / r.CH05_RESNET_BATCH) * 2
    assert model.loss.label_smoothing == r.CH05_RESNET_TRAINING["label_smoothing"]
