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

CASES = all_cases()
CHECKS = {"01_mlp": "course.checks.ch01_mlp"}
#: The type each function exercise's statement asks for: "float array", "float" or "dict of float arrays".
RETURNS = {
    "01_mlp": {"relu": "float array", "relu_derivative": "float array", "softmax": "float array",
               "dense_forward": "float array", "cross_entropy": "float", "backprop_step": "dict of float arrays"},
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
            if not _close(reference(*copy.deepcopy(args)), got):
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


DROPOUT_CASES = [case for case in CASES if case.exercise == "dropout"]


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
