"""The answer corpus (tests/corpus/) through the checkers, exactly as the notebooks call them.

Every correct answer must pass and every wrong one must fail, with its hint
when the checker recognises the mistake. Before the labels are trusted, each
is confirmed against the reference by an independent oracle below (values,
the type the statement asks for, arguments left unchanged).
"""

from __future__ import annotations

import copy
import importlib
from collections import Counter

import numpy as np
import pytest

from corpus import CHAPTERS, Case, all_cases
from course.checks.core import resolve_name

CASES = all_cases()
CHECKS = {chapter: f"course.checks.ch{chapter}" for chapter in CHAPTERS}
#: The type each function exercise's statement asks for: "float array", "float", "dict of float arrays", "int",
#: "int array", "pair of float arrays", "list of float arrays", "list of str", "words" (a list or tuple of str),
#: "scalar" (no type asked: any single number, a tensor too) or "pair of float and int".
#: (gan_train_step, residual_block and build_classifier_head: oracles in tests/test_checks_ch04.py and ch05.py.)
RETURNS = {
    "01_mlp": {"relu": "float array", "relu_derivative": "float array", "softmax": "float array",
               "dense_forward": "float array", "cross_entropy": "float", "backprop_step": "dict of float arrays"},
    "02_cnn": {"conv2d_single": "float array", "conv_output_shape": "int", "conv2d_forward": "float array",
               "conv_param_count": "int", "max_pool2d": "float array"},
    "03_rnn": {"rnn_step": "float array", "rnn_forward": "float array", "clip_by_global_norm": "list of float arrays",
               "lstm_step": "pair of float arrays",
               "build_vocabulary": "list of str", "pad_and_truncate": "int array", "vectorize": "int array"},
    "04_gan": {"transposed_conv_output_size": "int", "discriminator_loss": "scalar", "generator_loss": "scalar",
               "smoothed_discriminator_loss": "scalar", "sample_quality_scores": "pair of float and int", "slerp": "float array"},
    "05_transformer": {"scaled_dot_product_attention": "float array", "causal_mask": "float array", "multi_head_attention": "float array",
                       "positional_encoding": "float array", "pieces_to_words": "words", "mean_pool": "float array"},
}


def _params(case: Case):
    return pytest.param(case, id=case.id, marks=[pytest.mark.slow] if case.slow else [])


def _checks(chapter: str):
    return importlib.import_module(CHECKS[chapter])


@pytest.mark.parametrize("case", [_params(case) for case in CASES])
def test_the_checker_gives_the_labelled_verdict(case: Case, capsys):
    check = _checks(case.chapter)
    with np.errstate(all="ignore"):    # wrong answers overflow on purpose; the verdict is what counts here
        result = getattr(check, case.exercise)(case.answer)
    capsys.readouterr()
    verdict = "passed" if result.passed else "failed"
    assert result.passed == case.correct, f"{case.id}: labelled {'right' if case.correct else 'wrong'}, but {verdict}: {result.line()}"
    if case.hint:
        assert case.hint in result.message, f"{case.id}: the message lacks the hint {case.hint!r}: {result.line()}"


def test_every_exercise_has_three_right_and_four_wrong_answers():
    for chapter in CHAPTERS:
        counts = Counter((case.exercise, case.correct) for case in CASES if case.chapter == chapter)
        for exercise in _checks(chapter).EXERCISES:
            assert counts[exercise.name, True] >= 3, f"{exercise.id}: {counts[exercise.name, True]} right answers in the corpus"
            assert counts[exercise.name, False] >= 4, f"{exercise.id}: {counts[exercise.name, False]} wrong answers in the corpus"


def test_case_names_are_unique():
    duplicates = [name for name, n in Counter(case.id for case in CASES).items() if n > 1]
    assert not duplicates, duplicates


# --- the labels, confirmed against the reference ---------------------------------------------------------


def _type_ok(kind: str, value) -> bool:
    if kind == "float array":
        return isinstance(value, np.ndarray) and value.dtype.kind == "f"
    if kind == "float":
        return isinstance(value, (float, np.floating)) or (isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f")
    if kind == "dict of float arrays":
        return isinstance(value, dict) and all(_type_ok("float array", v) for v in value.values())
    if kind == "int":
        return (isinstance(value, (int, np.integer)) and not isinstance(value, bool)) or (
            isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iu")
    if kind == "int array":
        return isinstance(value, np.ndarray) and value.dtype.kind in "iu"
    if kind == "pair of float arrays":   # anything that unpacks as h_t, c_t = value into two float arrays
        pair = isinstance(value, (tuple, list)) or (isinstance(value, np.ndarray) and value.ndim == 3)
        return pair and len(value) == 2 and all(_type_ok("float array", v) for v in value)
    if kind == "list of float arrays":   # one array per gradient; a tuple holds them as well as a list
        return isinstance(value, (list, tuple)) and all(_type_ok("float array", v) for v in value)
    if kind == "list of str":
        return isinstance(value, list) and all(isinstance(w, str) for w in value)
    if kind == "words":
        return isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value)
    if kind == "scalar":
        return np.ndim(value) == 0 and not isinstance(value, (bool, str))
    if kind == "pair of float and int":
        return isinstance(value, (tuple, list)) and len(value) == 2 and _type_ok("scalar", value[0]) and _type_ok("int", value[1])
    raise ValueError(kind)


def _unchanged(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return isinstance(after, np.ndarray) and before.shape == after.shape and np.array_equal(before, after)
    if isinstance(before, dict):
        return before.keys() == after.keys() and all(_unchanged(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return len(before) == len(after) and all(_unchanged(a, b) for a, b in zip(before, after))
    return before == after


def _close(expected, got) -> bool:
    if isinstance(expected, list) and all(isinstance(w, str) for w in expected):   # words: the same words in the same order
        return isinstance(got, (list, tuple, np.ndarray)) and [str(w) for w in got] == expected
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and _close(v, got[k]) for k, v in expected.items())
    if isinstance(expected, list) and all(isinstance(a, np.ndarray) for a in expected):   # arrays of different shapes, in order
        return isinstance(got, (list, tuple)) and len(got) == len(expected) and all(_close(e, g) for e, g in zip(expected, got))
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got.shape == np.shape(expected) and bool(np.allclose(got, expected, rtol=1e-3, atol=1e-5))


def what_is_wrong(case: Case) -> set[str]:
    """The oracle: what is wrong with a function answer on the exercise's cases (3 seeds), by direct comparison with the reference."""
    exercise = getattr(_checks(case.chapter), case.exercise)
    reference = exercise.reference_function
    also = getattr(exercise, "also_right", None)    # a second reference whose values are right too (chapter 5's attention)
    other = resolve_name(f"{exercise.reference.partition(':')[0]}:{also}") if also else None
    found = set()
    for seed in range(3):
        for args in exercise.make_inputs(np.random.default_rng(seed)):
            theirs = copy.deepcopy(args)
            try:
                with np.errstate(all="ignore"):
                    got = case.answer(*theirs)
            except Exception:
                found.add("error")
                continue
            if not _unchanged(args, theirs):
                found.add("in place")
            if not _type_ok(RETURNS[case.chapter][case.exercise], got):
                found.add("type")
            if not _close(reference(*copy.deepcopy(args)), got) and not (other and _close(other(*copy.deepcopy(args)), got)):
                found.add("values")
    return found


FUNCTION_CASES = [case for case in CASES if case.exercise in RETURNS.get(case.chapter, {})]


@pytest.mark.parametrize("case", [_params(case) for case in FUNCTION_CASES])
def test_the_label_agrees_with_the_reference(case: Case):
    found = what_is_wrong(case)
    if case.correct:
        assert not found, f"{case.id} is labelled right, but compared with the reference it has: {sorted(found)}"
    elif case.why == "reference":
        assert not found, f"{case.id} should be wrong only for borrowing the reference, but it also has: {sorted(found)}"
    else:
        assert case.why in found, f"{case.id} is labelled wrong for {case.why!r}, but compared with the reference it has: {sorted(found) or 'nothing wrong'}"


#: What each model exercise asks for, as the oracle checks it: builder arguments, a probe batch, the output
#: (10 class probabilities or 1 probability), the loss, the layer types of an exercise about form, the parameter budget.
MODELS = {
    "keras_mlp": {"args": (), "inputs": lambda rng: rng.uniform(size=(16, 784)).astype("float32"), "classes": 10,
                  "loss": "sparse_categorical_crossentropy"},
    "small_cnn": {"args": (), "inputs": lambda rng: rng.uniform(size=(16, 28, 28, 1)).astype("float32"), "classes": 10,
                  "loss": "sparse_categorical_crossentropy", "layers": ("Conv2D", "SeparableConv2D", "DepthwiseConv2D"),
                  "max_params": 100_000},
    "lstm_classifier": {"args": (10_000, 40), "inputs": lambda rng: rng.integers(1, 10_000, size=(16, 40)).astype("int32"), "classes": 1,
                        "loss": "binary_crossentropy", "layers": ("LSTM", "LSTMCell"), "max_params": 3_000_000},
}
MODEL_CASES = [case for case in CASES if case.exercise in MODELS]
DROPOUT_CASES = [case for case in CASES if case.exercise == "dropout"]
NOISE_CASES = [case for case in CASES if case.exercise == "add_noise"]


def what_is_wrong_with_dropout(case: Case) -> set[str]:
    """The oracle for dropout, whose mask is random: 300 draws on one input, judged by their statistics.

    Each entry's outputs over the draws must be 0 or h / (1 - rate) and average
    about h (its expected value); the examples of one draw must not share one
    mask; a generator in the same state must give the same output; inference
    must return h; h must be left unchanged.
    """
    h = (np.abs(np.random.default_rng(0).normal(size=(16, 32))) + 0.05).astype(np.float32)
    rate, draws = 0.3, 300
    found, outputs = set(), []

    def call(seed, training):
        theirs = h.copy()
        out = case.answer(theirs, rate, np.random.default_rng(seed), training)
        if not _unchanged(h, theirs):
            found.add("in place")
        if not _type_ok("float array", out):
            found.add("type")
        return np.asarray(out, dtype=np.float64)

    try:
        outputs = np.stack([call(seed, True) for seed in range(draws)])
        again = call(0, True)
        inference = call(draws, False)
    except Exception:
        return found | {"error"}
    scaled = h / (1 - rate)
    if not np.all(np.isclose(outputs, 0.0, atol=1e-12) | np.isclose(outputs, scaled, rtol=1e-5)):
        found.add("values")
    sigma = scaled * np.sqrt(rate * (1 - rate) / draws)
    if np.any(np.abs(outputs.mean(axis=0) - h) > 6 * sigma):
        found.add("values")
    if all(np.all((out != 0) == (out[:1] != 0)) for out in outputs):      # every example got the same mask
        found.add("values")
    if not np.array_equal(again, outputs[0]):
        found.add("rng")
    if inference.shape != h.shape or not np.allclose(inference, h, rtol=1e-6):
        found.add("values")
    return found


@pytest.mark.parametrize("case", [_params(case) for case in DROPOUT_CASES])
def test_the_dropout_label_agrees_with_the_statistics_of_300_draws(case: Case):
    found = what_is_wrong_with_dropout(case)
    if case.correct or case.why == "reference":
        assert not found, f"{case.id}: over 300 draws it has {sorted(found)}"
    else:
        assert case.why in found, f"{case.id} is labelled wrong for {case.why!r}, but over 300 draws it has: {sorted(found) or 'nothing wrong'}"


def _clipped_normal_moments(x: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """The mean and variance of clip(x + sigma * z, 0, 1) for a standard normal z, pixel by pixel (exact formulas)."""
    from math import erf, sqrt

    cdf = np.vectorize(lambda u: 0.5 * (1 + erf(u / sqrt(2))))
    pdf = lambda u: np.exp(-u**2 / 2) / np.sqrt(2 * np.pi)  # noqa: E731
    a, b = -x / sigma, (1 - x) / sigma                    # where x + sigma * z leaves [0, 1], in units of z
    inside = cdf(b) - cdf(a)
    above = 1 - cdf(b)
    z1 = pdf(a) - pdf(b)                                  # E[z; a < z < b]
    z2 = inside + a * pdf(a) - b * pdf(b)                 # E[z^2; a < z < b]
    mean = x * inside + sigma * z1 + above
    second = x**2 * inside + 2 * x * sigma * z1 + sigma**2 * z2 + above
    return mean, second - mean**2


def what_is_wrong_with_add_noise(case: Case) -> set[str]:
    """The oracle for add_noise, whose noise is random: its output against the exact law of clip(x + sigma z, 0, 1).

    On one image repeated 200 times (so a pixel's spread across the copies is
    its own noise's) the output must have the input's shape and dtype, lie in
    [0, 1], and match, pixel by pixel summed over the batch, the mean and the
    variance of the clipped normal; on a constant image the noise must vary
    from pixel to pixel; a generator in the same state must give the same
    output and another generator another one; sigma 0 must return the images;
    images must be left unchanged.
    """
    rng = np.random.default_rng(0)
    one = rng.uniform(0, 1, (28, 28)).astype(np.float32)
    one[:4] = 0.0                                         # black and white rows: clipping matters there
    one[-4:] = 1.0
    images, sigma = np.repeat(one[None], 200, axis=0), 0.25
    found = set()

    def call(x, s, seed):
        theirs = x.copy()
        out = case.answer(theirs, s, np.random.default_rng(seed))
        if not _unchanged(x, theirs):
            found.add("in place")
        if not (isinstance(out, np.ndarray) and out.dtype == x.dtype and out.shape == x.shape):
            found.add("type")
        return np.asarray(out, dtype=np.float64)

    try:
        out, again, other = call(images, sigma, 1), call(images, sigma, 1), call(images, sigma, 2)
        flat = call(np.full((4, 28, 28), 0.5, np.float32), 0.1, 3)
        unchanged = call(images[:3], 0.0, 4)
    except Exception:
        return found | {"error"}
    if out.shape != images.shape or out.min() < 0 or out.max() > 1:
        return found | {"values"}
    mean, variance = _clipped_normal_moments(one.astype(np.float64), sigma)
    n = len(images)
    if np.abs(out.mean(axis=0) - mean).sum() > 1.5 * np.sqrt(variance / n).sum():   # a sum of |normal| is about 0.8 of it
        found.add("values")
    spread = out.var(axis=0)
    if np.abs(spread - variance).sum() > 0.25 * variance.sum():
        found.add("values")
    if flat.std(axis=(1, 2)).mean() < 0.05:
        found.add("values")
    if not np.array_equal(again, out) or np.array_equal(other, out):
        found.add("rng")
    if not np.allclose(unchanged, images[:3], rtol=0, atol=1e-7):
        found.add("values")
    return found


@pytest.mark.parametrize("case", [_params(case) for case in NOISE_CASES])
def test_the_add_noise_label_agrees_with_the_law_of_clipped_gaussian_noise(case: Case):
    found = what_is_wrong_with_add_noise(case)
    if case.correct or case.why == "reference":
        assert not found, f"{case.id}: against the law of clip(x + sigma z, 0, 1) it has {sorted(found)}"
    else:
        assert case.why in found, f"{case.id} is labelled wrong for {case.why!r}, but against the law of clipped noise it has: {sorted(found) or 'nothing wrong'}"


def what_is_wrong_with_the_model(case: Case) -> set[str]:
    """The oracle for model builders: inspects the compiled model directly (not through the checker)."""
    import keras

    spec = MODELS[case.exercise]
    model = case.answer(*spec["args"])
    found = set()
    if not model.compiled:
        return {"not compiled"}
    outputs = np.asarray(model(spec["inputs"](np.random.default_rng(0))))
    if spec["classes"] > 1:
        probabilities = outputs.shape == (16, spec["classes"]) and outputs.min() >= 0 and np.allclose(outputs.sum(axis=1), 1, atol=1e-4)
    else:
        probabilities = outputs.shape == (16, 1) and outputs.min() >= 0 and outputs.max() <= 1
    if not probabilities:
        found.add("output")
    loss = model.loss
    config = loss.get_config() if isinstance(loss, keras.losses.Loss) else {"name": getattr(loss, "__name__", loss)}
    if config.get("name") != spec["loss"] or config.get("from_logits"):
        found.add("loss")
    if "layers" in spec:
        types = tuple(getattr(keras.layers, name) for name in spec["layers"])
        if not any(isinstance(layer, types) for layer in model._flatten_layers(include_self=True, recursive=True)):
            found.add("form")
    if model.count_params() > spec.get("max_params", np.inf):
        found.add("size")
    return found


@pytest.mark.parametrize("case", [_params(case) for case in MODEL_CASES])
def test_the_model_label_agrees_with_the_models_own_config(case: Case):
    found = what_is_wrong_with_the_model(case)
    if case.correct or case.why in ("accuracy", "reference"):   # accuracy: measured by course.references.chNN_calibration
        assert not found, f"{case.id}: the model itself has {sorted(found)}"
    else:
        assert case.why in found, f"{case.id} is labelled wrong for {case.why!r}, but the model has: {sorted(found) or 'nothing wrong'}"
