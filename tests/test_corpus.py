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
CHECKS = {"01_mlp": "course.checks.ch01_mlp", "04_gan": "course.checks.ch04_gan", "05_transformer": "course.checks.ch05_transformer"}
#: The type each function exercise's statement asks for: "float array", "float", "dict of float arrays", "int",
#: "scalar" (no type asked: any single number, a tensor too), "pair of float and int" or "list of str".
#: (gan_train_step, residual_block and build_classifier_head: oracles in tests/test_checks_ch04.py and ch05.py.)
RETURNS = {
    "01_mlp": {"relu": "float array", "relu_derivative": "float array", "softmax": "float array",
               "dense_forward": "float array", "cross_entropy": "float", "backprop_step": "dict of float arrays"},
    "04_gan": {"transposed_conv_output_size": "int", "discriminator_loss": "scalar", "generator_loss": "scalar",
               "smoothed_discriminator_loss": "scalar", "sample_quality_scores": "pair of float and int", "slerp": "float array"},
    "05_transformer": {"scaled_dot_product_attention": "float array", "causal_mask": "float array", "multi_head_attention": "float array",
                       "positional_encoding": "float array", "pieces_to_words": "list of str", "mean_pool": "float array"},
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
        return isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if kind == "scalar":
        return np.ndim(value) == 0 and not isinstance(value, (bool, str))
    if kind == "pair of float and int":
        return isinstance(value, (tuple, list)) and len(value) == 2 and _type_ok("scalar", value[0]) and _type_ok("int", value[1])
    if kind == "list of str":
        return isinstance(value, (list, tuple)) and all(isinstance(w, str) for w in value)
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
    if isinstance(expected, list) and all(isinstance(w, str) for w in expected):
        return isinstance(got, (list, tuple)) and list(got) == expected
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and _close(v, got[k]) for k, v in expected.items())
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


MODEL_CASES = [case for case in CASES if case.exercise == "keras_mlp"]


def what_is_wrong_with_the_model(case: Case) -> set[str]:
    """The oracle for model builders: inspects the compiled model directly (not through the checker)."""
    import keras

    model = case.answer()
    found = set()
    if not model.compiled:
        return {"not compiled"}
    outputs = np.asarray(model(np.random.default_rng(0).uniform(size=(16, 784)).astype("float32")))
    if outputs.shape != (16, 10) or outputs.min() < 0 or not np.allclose(outputs.sum(axis=1), 1, atol=1e-4):
        found.add("output")
    loss = model.loss
    config = loss.get_config() if isinstance(loss, keras.losses.Loss) else {"name": loss}
    if config.get("name") != "sparse_categorical_crossentropy" or config.get("from_logits"):
        found.add("loss")
    return found


@pytest.mark.parametrize("case", [_params(case) for case in MODEL_CASES])
def test_the_model_label_agrees_with_the_models_own_config(case: Case):
    found = what_is_wrong_with_the_model(case)
    if case.correct or case.why in ("accuracy", "reference"):   # accuracy: measured by course.references.ch01_calibration
        assert not found, f"{case.id}: the model itself has {sorted(found)}"
    else:
        assert case.why in found, f"{case.id} is labelled wrong for {case.why!r}, but the model has: {sorted(found) or 'nothing wrong'}"
