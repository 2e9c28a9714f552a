"""The checker framework: what a learner sees for each kind of mistake."""

import functools
import json
import sys
import threading
import types

import numpy as np
import pytest

from course.checks import chapter_exercises
from course.checks.core import (
    ERROR, FAILED, FLOAT, FLOAT_ARRAY, GRADER_KERNEL_VARIABLE, INT, INT_ARRAY, LEFT_TO_GRADER, MAX_MESSAGE_CHARS, NOT_DONE, PASSED,
    CheckResult, FunctionExercise,
    Guard, HintedFunctionExercise, ModelExercise, Outcome, TrainingBudget, call_safely, compare_arrays, describe_type,
    one_line, requires_layer, run_checks,
)


def _double(x):
    return 2 * x


def _cases(rng):
    return [(rng.normal(size=(3, 4)),), (rng.normal(size=(5,)),)]


@pytest.fixture
def double():
    return FunctionExercise("00_test", "double", "double", points=2, cases=_cases, reference=_double)


def test_a_correct_function_passes_with_full_points(double):
    result = double.check(_double, quiet=True)
    assert result.passed and result.status == PASSED and result.points == 2


def test_an_unfilled_exercise_is_reported_not_done(double):
    def stub(x):
        raise NotImplementedError()

    result = double.check(stub, quiet=True)
    assert result.status == NOT_DONE and result.points == 0
    assert "replace `raise NotImplementedError()`" in result.message


def test_a_wrong_value_names_the_index_and_both_values(double):
    result = double.check(lambda x: 2 * x + 0.5, quiet=True)
    assert result.status == FAILED
    assert "wrong value at index (0, 0)" in result.message and "expected" in result.message


def test_a_failure_names_the_case_in_the_form_the_grader_hides():
    result = FunctionExercise("00_test", "double", "double", cases=_cases, reference=_double,
                              describe_case=lambda args: f"x of shape {args[0].shape}").check(lambda x: x, quiet=True)
    assert result.message.startswith("case 1 (x of shape (3, 4)): wrong value")


def test_a_wrong_shape_is_reported_as_such(double):
    result = double.check(lambda x: (2 * x).ravel(), quiet=True)
    assert "wrong shape: expected (3, 4), got (12,)" in result.message


def test_nan_output_is_reported_with_a_hint(double):
    result = double.check(lambda x: x * np.nan, quiet=True)
    assert "NaN or inf" in result.message


def test_a_function_that_raises_is_reported_not_propagated(double):
    result = double.check(lambda x: x @ np.ones((7, 7)), quiet=True)
    assert result.status == ERROR and "raised ValueError" in result.message


def test_a_non_function_answer_is_reported(double):
    result = double.check(42, quiet=True)
    assert not result.passed and "must be a function" in result.message


def test_float32_round_off_is_tolerated(double):
    result = double.check(lambda x: (2 * x).astype(np.float32), quiet=True)
    assert result.passed


def test_call_safely_gives_the_function_copies_of_its_arrays():
    def destructive(x):
        x[...] = 0
        return x

    original = np.ones(3)
    assert call_safely(destructive, original).ok
    assert np.all(original == 1)


def test_the_printed_line_shows_status_and_points(double, capsys):
    double.check(_double)
    assert capsys.readouterr().out.startswith("[PASSED] 00_test:double (2/2 points)")


def test_a_broken_reference_is_blamed_on_the_checker_not_the_learner():
    broken = FunctionExercise("00_test", "broken", "f", cases=_cases, reference=lambda x: 1 / 0)
    result = broken.check(_double, quiet=True)
    assert result.status == ERROR and "checker itself failed" in result.message


def test_compare_arrays_accepts_lists_and_tensors():
    assert compare_arrays(np.array([1.0, 2.0]), [1.0, 2.0]) is None


def test_compare_arrays_rejects_text():
    assert "expected numbers" in compare_arrays(np.array([1.0]), "one")


def test_run_checks_sums_points(double):
    results = [double.check(_double, quiet=True), double.check(lambda x: x, quiet=True)]
    assert run_checks(results) == {"points": 2, "max_points": 4, "failed": ["00_test:double"]}


def test_results_serialise_to_plain_dicts(double):
    as_dict = double.check(_double, quiet=True).to_dict()
    assert as_dict["exercise"] == "00_test:double" and as_dict["passed"] is True


def test_outcomes_hold_plain_data(double):
    outcomes = double.run(_double, double.make_inputs(np.random.default_rng(0)))
    assert all(isinstance(o, Outcome) and isinstance(o.value, np.ndarray) for o in outcomes)


def test_unknown_chapter_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown chapter '99_x'"):
        chapter_exercises("99_x")


def test_a_wrong_scalar_reads_without_a_stray_space():
    assert compare_arrays(np.array(2.0), 3.0).startswith("wrong value: expected 2, got 3")


def _run_in_ipython(code, namespace):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns.update(namespace)
    shell.run_cell(code, store_history=True)


def test_a_check_cell_ending_with_the_call_shows_its_line_once(double, capsys):
    _run_in_ipython("double.check(lambda x: 2 * x)", {"double": double})
    lines = [line for line in capsys.readouterr().out.splitlines() if "00_test:double" in line]
    assert len(lines) == 1, f"the check line was shown {len(lines)} times: {lines}"


def test_a_result_displayed_later_still_shows_its_line(double, capsys):
    _run_in_ipython("result = double.check(lambda x: 2 * x, quiet=True)\nresult", {"double": double})
    assert "[PASSED] 00_test:double" in capsys.readouterr().out


# --- messages: one line, no colours, no tracebacks, bounded ------------------------------------------


KERAS_ERROR = (
    "Exception encountered when calling Sequential.call().\n\n\x1b[1mInput 0 with name 'None' of layer 'dense' is "
    "incompatible with the layer: expected axis -1 of input shape to have value 4, but received input with shape (2, 5)"
    "\x1b[0m\n\nArguments received by Sequential.call():\n  • inputs=tf.Tensor(shape=(2, 5), dtype=float32)\n  • training=None"
)


def test_a_multi_line_ansi_keras_error_becomes_one_plain_line():
    result = CheckResult("00_test:x", False, 0, 1, ERROR, f"`f` raised ValueError: {KERAS_ERROR}")
    assert "\n" not in result.message and "\x1b" not in result.message and "Arguments received" not in result.message
    assert "is incompatible with the layer" in result.message


def test_a_message_changed_after_creation_is_cleaned_too():
    result = CheckResult("00_test:x", False, 0, 1, FAILED, "first")
    result.message = "two\nlines \x1b[31mred\x1b[0m"
    assert result.message == "two lines red"


def test_a_traceback_in_a_message_is_dropped():
    text = 'raised KeyError: \nTraceback (most recent call last):\n  File "x.py", line 3, in f\n    d["k"]\nKeyError: \'k\''
    assert "File" not in one_line(text) and "Traceback" not in one_line(text)


def test_tensorflow_op_decorations_are_dropped():
    text = "{{function_node __wrapped__Sub_device_/job:localhost/replica:0/task:0/device:CPU:0}} Incompatible shapes: [16] vs. [16,10] [Op:Sub] name: "
    assert one_line(text) == "Incompatible shapes: [16] vs. [16,10]"


def test_a_long_message_is_cut_but_keeps_its_hint():
    result = CheckResult("00_test:x", False, 0, 1, FAILED, "case 1: " + "x" * 2000 + ". Hint: do this.")
    assert len(result.message) <= MAX_MESSAGE_CHARS and result.message.endswith("Hint: do this.")


def test_a_keras_error_inside_a_model_check_reaches_the_learner_as_one_line(probed):
    def wrong_input_size():
        import keras

        model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    result = probed.check(wrong_input_size, quiet=True)
    assert result.status == ERROR and "incompatible" in result.message
    assert "\n" not in result.message and "\x1b" not in result.message and "Arguments received" not in result.message


# --- declared return types -----------------------------------------------------------------------------


@pytest.mark.parametrize("returns, value, accepted", [
    (FLOAT_ARRAY, np.zeros(3, np.float32), True),
    (FLOAT_ARRAY, np.zeros(3, np.float64), True),
    (FLOAT_ARRAY, np.zeros(3, bool), False),
    (FLOAT_ARRAY, np.zeros(3, int), False),
    (FLOAT_ARRAY, [0.0, 1.0], False),
    (INT_ARRAY, np.zeros((2, 2), np.int32), True),
    (INT_ARRAY, np.zeros((2, 2), np.uint8), True),
    (INT_ARRAY, [[1, 2], [3, 4]], False),
    (INT_ARRAY, np.zeros(2, np.float64), False),
    (INT_ARRAY, np.zeros(2, bool), False),
    (INT, 3, True),
    (INT, np.int64(3), True),
    (INT, np.array(3), True),
    (INT, 12.0, False),
    (INT, True, False),
    (INT, np.array([3]), False),
    (FLOAT, 2.5, True),
    (FLOAT, np.float32(2.5), True),
    (FLOAT, np.array(2.5), True),
    (FLOAT, np.array([2.5]), False),
    (FLOAT, 2, False),
], ids=lambda v: v.phrase if hasattr(v, "phrase") else f"{type(v).__name__}:{v!r}")
def test_which_types_count_as_the_declared_one(returns, value, accepted):
    assert returns.accepts(describe_type(value)) is accepted


def test_a_tensor_is_not_a_numpy_array():
    import tensorflow as tf

    assert not FLOAT_ARRAY.accepts(describe_type(tf.constant([1.0])))


@pytest.fixture
def padded():
    return FunctionExercise("00_test", "pad", "pad", cases=lambda rng: [(np.array([[1, 2], [3, 4]]),)],
                            reference=lambda x: x, returns=INT_ARRAY)


def test_a_wrong_type_names_the_expected_and_the_actual_type(padded):
    result = padded.check(lambda x: x.tolist(), quiet=True)
    assert result.status == FAILED and "return a NumPy integer array; got a list of lists" in result.message


def test_a_wrong_type_with_the_right_values_says_how_to_convert(padded):
    result = padded.check(lambda x: x.astype(float), quiet=True)
    assert "got a NumPy float64 array (the values are right: np.array(result, dtype=np.int64))" in result.message


def test_a_missing_return_is_named(padded):
    result = padded.check(lambda x: None, quiet=True)
    assert "got None (is a `return` missing?)" in result.message


def test_without_a_declaration_any_array_like_with_the_right_values_passes(double):
    assert double.check(lambda x: (2 * x).tolist(), quiet=True).passed


def test_a_declared_type_reaches_the_grader_as_plain_data(padded):
    (outcome,) = padded.run(lambda x: x.tolist(), padded.make_inputs(np.random.default_rng(0)))
    assert outcome.value["type"] == {"kind": "list", "items": {"kind": "list"}}
    json.dumps(outcome.value["type"])


# --- read-only arguments ---------------------------------------------------------------------------------


def _gradient_norms(params):
    return np.array([np.abs(v).sum() for v in params.values()])


def _params_cases(rng):
    return [({"W1": rng.normal(size=(3, 2)), "b1": np.zeros(2)},)]


@pytest.fixture
def norms():
    return FunctionExercise("00_test", "norms", "norms", cases=_params_cases, reference=_gradient_norms,
                            arg_names=("params",), read_only=("params",))


def test_writing_into_a_read_only_argument_fails_naming_it(norms):
    def greedy(params):
        params["W1"] -= 1.0
        return _gradient_norms(params)

    result = norms.check(greedy, quiet=True)
    assert result.status == FAILED
    assert "`norms` changed its argument params['W1'] in place" in result.message and "work on a copy" in result.message


def test_reading_a_read_only_argument_passes(norms):
    assert norms.check(lambda params: _gradient_norms({k: v.copy() for k, v in params.items()}), quiet=True).passed


def test_an_argument_that_is_not_read_only_may_be_changed_and_the_case_survives():
    exercise = FunctionExercise("00_test", "norms", "norms", cases=_params_cases, reference=_gradient_norms)
    inputs = exercise.make_inputs(np.random.default_rng(0))
    before = inputs[0][0]["W1"].copy()

    def scribbles(params):
        result = _gradient_norms(params)
        params["W1"][:] = 0
        return result

    assert exercise.judge(inputs, exercise.run(scribbles, inputs)).passed
    assert np.array_equal(inputs[0][0]["W1"], before)


def test_read_only_must_name_arguments():
    with pytest.raises(ValueError, match="read_only"):
        FunctionExercise("00_test", "f", "f", arg_names=("x",), read_only=("y",))


# --- hints ------------------------------------------------------------------------------------------------


def _softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _naive(z):
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def test_a_mistake_is_recognised_whether_computed_in_float32_or_float64():
    exercise = HintedFunctionExercise("00_test", "softmax", "softmax", reference=_softmax,
                                      cases=lambda rng: [(np.array([[0.0, 80.0, 100.0]], np.float32),)],
                                      mistakes=[(np.exp, "divide by the sum.")])
    for dtype in (np.float32, np.float64):   # exp(100) overflows float32 but not float64
        with np.errstate(all="ignore"):
            result = exercise.check(lambda z, dtype=dtype: np.exp(z.astype(dtype)), quiet=True)
        assert "Hint: divide by the sum." in result.message, dtype


# --- the guard: answers that are, wrap or call a forbidden function ------------------------------------------


REFERENCE_MODULE = '''
import numpy as np


def softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def helper(z):
    return softmax(z)
'''


@pytest.fixture
def reference_module(tmp_path, monkeypatch):
    """A throw-away module ``guarded_refs`` with a forbidden ``softmax``; not imported yet."""
    (tmp_path / "guarded_refs.py").write_text(REFERENCE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "guarded_refs", raising=False)
    return "guarded_refs"


@pytest.fixture
def guarded(reference_module):
    return FunctionExercise("00_test", "softmax", "softmax", cases=lambda rng: [(rng.normal(size=(3, 4)),)],
                            reference=f"{reference_module}:softmax")


def _imported(name):
    import importlib

    return importlib.import_module(name)


def _uses_reference(result):
    return result.status == FAILED and "uses the course's reference implementation `guarded_refs.softmax`; write your own" in result.message


def test_the_reference_itself_scores_zero(guarded):
    assert _uses_reference(guarded.check(_imported("guarded_refs").softmax, quiet=True))


def test_a_copy_of_the_reference_code_scores_zero(guarded):
    reference = _imported("guarded_refs").softmax
    copied = types.FunctionType(reference.__code__, {"np": np}, "my_softmax")
    assert _uses_reference(guarded.check(copied, quiet=True))


def test_a_partial_of_the_reference_scores_zero(guarded):
    assert _uses_reference(guarded.check(functools.partial(_imported("guarded_refs").softmax), quiet=True))


def test_a_lambda_around_the_reference_scores_zero(guarded):
    reference = _imported("guarded_refs").softmax
    assert _uses_reference(guarded.check(lambda z: reference(z), quiet=True))


def test_a_callable_object_around_the_reference_scores_zero(guarded):
    class Mine:
        def __call__(self, z):
            return _imported("guarded_refs").softmax(z)

    assert _uses_reference(guarded.check(Mine(), quiet=True))


def test_a_decorated_reference_scores_zero(guarded):
    reference = _imported("guarded_refs").softmax

    @functools.wraps(reference)
    def mine(z):
        return np.array(reference(z))

    assert _uses_reference(guarded.check(mine, quiet=True))


def test_a_call_deep_inside_the_answer_scores_zero(guarded):
    def mine(z):
        return _imported("guarded_refs").helper(z)   # helper calls softmax

    assert _uses_reference(guarded.check(mine, quiet=True))


def test_an_import_inside_the_answer_is_caught_without_the_checker_importing_anything(guarded):
    assert "guarded_refs" not in sys.modules

    def mine(z):
        from guarded_refs import softmax
        return softmax(z)

    guard = guarded.guard()
    assert "guarded_refs" not in sys.modules
    assert _uses_reference(guarded.check(mine, quiet=True)) and guard.identify(mine) is None


def test_a_call_from_a_thread_the_answer_starts_scores_zero(guarded):
    reference = _imported("guarded_refs").softmax

    def mine(z):
        out = {}
        worker = threading.Thread(target=lambda: out.setdefault("p", reference(z)))
        worker.start()
        worker.join()
        return out["p"]

    assert _uses_reference(guarded.check(mine, quiet=True))


def test_switching_the_watch_off_scores_zero(guarded):
    reference = _imported("guarded_refs").softmax

    def mine(z):
        sys.setprofile(None)
        return reference(z)

    result = guarded.check(mine, quiet=True)
    assert result.status == FAILED and "sys.setprofile" in result.message


def test_a_whole_module_can_be_forbidden(reference_module):
    exercise = FunctionExercise("00_test", "softmax", "softmax", cases=lambda rng: [(rng.normal(size=(3, 4)),)],
                                reference=_softmax, forbidden=(reference_module,))
    module = _imported("guarded_refs")
    result = exercise.check(lambda z: module.helper(z), quiet=True)
    assert "`guarded_refs.helper`" in result.message


@pytest.mark.parametrize("answer", [
    _softmax,
    lambda z: np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True),
    lambda z: np.asarray(__import__("keras").ops.softmax(z, axis=-1), dtype=np.float64),
], ids=["numpy", "numpy lambda", "keras.ops"])
def test_an_honest_answer_that_uses_numpy_or_keras_is_never_flagged(guarded, answer):
    assert guarded.check(answer, quiet=True).passed


def test_the_reference_passes_its_own_check(guarded):
    assert guarded.check_reference().passed


def test_the_guard_puts_back_the_previous_profiler():
    seen = []

    def previous(frame, event, arg):
        seen.append(event)

    sys.setprofile(previous)
    try:
        with Guard(["course.checks.core:one_line"]):
            one_line("a")
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)


def test_a_guard_with_nothing_forbidden_installs_no_hook():
    with Guard(()):
        assert sys.getprofile() is None


# --- model exercises: judged by their outputs and their loss ---------------------------------------------


def _probe(rng):
    return rng.normal(size=(8, 4)).astype(np.float32), rng.integers(0, 3, size=8)


@pytest.fixture
def probed():
    return ModelExercise("00_test", "tiny", "build_tiny", probe=_probe, output_shape=(3,), output="probabilities",
                         loss="sparse_categorical_crossentropy", max_params=100)


def _sequential(*layers, loss="sparse_categorical_crossentropy"):
    import keras

    model = keras.Sequential([keras.Input((4,)), *layers])
    model.compile(optimizer="adam", loss=loss)
    return model


def _dense(units=3, activation=None, **kwargs):
    import keras

    return keras.layers.Dense(units, activation=activation, **kwargs)


def _subclassed():
    import keras

    class Tiny(keras.Model):
        def __init__(self):
            super().__init__()
            self.out = keras.layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.out(x)

    model = Tiny()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _softmax_builders():
    import keras
    import tensorflow as tf

    return {
        "activation string": lambda: _sequential(_dense(activation="softmax")),
        "tf.nn.softmax": lambda: _sequential(_dense(activation=tf.nn.softmax)),
        "keras.activations.softmax": lambda: _sequential(_dense(activation=keras.activations.softmax)),
        "Softmax layer": lambda: _sequential(_dense(), keras.layers.Softmax()),
        "subclassed model": _subclassed,
    }


@pytest.mark.parametrize("spelling", ["activation string", "tf.nn.softmax", "keras.activations.softmax", "Softmax layer", "subclassed model"])
def test_every_spelling_of_a_softmax_output_passes(probed, spelling):
    result = probed.check(_softmax_builders()[spelling], quiet=True)
    assert result.passed, result.line()


def test_an_output_without_softmax_is_not_probabilities(probed):
    result = probed.check(lambda: _sequential(_dense()), quiet=True)
    assert result.status == FAILED and "outputs are not probabilities" in result.message


def test_a_sigmoid_output_is_judged_by_its_range():
    import keras

    exercise = ModelExercise("00_test", "yes_no", "build", probe=_probe, output_shape=(1,), output="probability",
                             loss="binary_crossentropy")
    sigmoid = lambda: _sequential(_dense(1, activation=keras.activations.sigmoid), loss="binary_crossentropy")  # noqa: E731
    linear = lambda: _sequential(_dense(1, kernel_initializer="ones"), loss="binary_crossentropy")  # noqa: E731
    assert exercise.check(sigmoid, quiet=True).passed
    assert "expected values in [0, 1]" in exercise.check(linear, quiet=True).message


def test_from_logits_on_a_softmax_output_fails_with_a_hint(probed):
    import keras

    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    result = probed.check(lambda: _sequential(_dense(activation="softmax"), loss=loss), quiet=True)
    assert result.status == FAILED and "is not sparse categorical cross-entropy" in result.message
    assert "drop from_logits=True" in result.message


def test_a_mean_squared_error_fails_with_a_hint(probed):
    result = probed.check(lambda: _sequential(_dense(activation="softmax"), loss="mse"), quiet=True)
    assert result.status == FAILED and "fails on integer labels" in result.message and "mean squared error" in result.message


def test_categorical_crossentropy_on_integer_labels_gets_the_one_hot_hint(probed):
    result = probed.check(lambda: _sequential(_dense(activation="softmax"), loss="categorical_crossentropy"), quiet=True)
    assert "wants one-hot labels" in result.message


def test_label_smoothing_counts_as_cross_entropy(probed):
    from course.training import SmoothedSparseCrossentropy

    assert probed.check(lambda: _sequential(_dense(activation="softmax"), loss=SmoothedSparseCrossentropy(0.1)), quiet=True).passed


def test_a_regularised_model_keeps_its_cross_entropy(probed):
    import keras

    layer = _dense(activation="softmax", kernel_regularizer=keras.regularizers.L2(0.1))
    assert probed.check(lambda: _sequential(layer), quiet=True).passed


def test_the_parameter_budget_is_checked(probed):
    result = probed.check(lambda: _sequential(_dense(40, activation="relu"), _dense(activation="softmax")), quiet=True)
    assert "parameters; the budget is 100" in result.message


def test_an_uncompiled_model_is_told_to_compile(probed):
    import keras

    result = probed.check(lambda: keras.Sequential([keras.Input((4,)), _dense(activation="softmax")]), quiet=True)
    assert result.status == FAILED and "not compiled" in result.message


def test_a_model_builder_that_calls_a_forbidden_builder_scores_zero(probed):
    probed.forbidden = ("course.models:build_mlp",)

    def mine():
        from course.models import build_mlp

        model = build_mlp(4, hidden=(), n_classes=3)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    result = probed.check(mine, quiet=True)
    assert "uses the course's reference implementation `course.models.build_mlp`" in result.message


def test_probed_outcomes_are_plain_data_that_cross_to_the_grader(probed, tmp_path):
    from course.grading.outcomes import Encoder, decode_outcomes

    inputs = probed.make_inputs(np.random.default_rng(0))
    outcomes = probed.run(_subclassed, inputs)
    encoder = Encoder(tmp_path, "tiny")
    encoded = [[encoder.encode_outcome(o) for o in outcomes]]
    encoder.save_arrays()
    (tmp_path / "tiny.json").write_text(json.dumps({"sets": encoded}))
    (decoded,), = decode_outcomes(tmp_path, "tiny")
    assert not list(tmp_path.glob("*.keras"))
    assert probed.judge(inputs, [decoded]).passed


# --- the form hook: every idiomatic spelling of a required layer ---------------------------------------------


def _lstm_models():
    import keras

    inputs = keras.Input((5, 3))
    nested = keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4)])
    return {
        "LSTM": keras.Sequential([keras.Input((5, 3)), keras.layers.LSTM(4)]),
        "RNN(LSTMCell)": keras.Sequential([keras.Input((5, 3)), keras.layers.RNN(keras.layers.LSTMCell(4))]),
        "Bidirectional(LSTM)": keras.Sequential([keras.Input((5, 3)), keras.layers.Bidirectional(keras.layers.LSTM(4))]),
        "nested model": keras.Model(inputs, keras.layers.Dense(1)(nested(inputs))),
    }


@pytest.mark.parametrize("spelling", ["LSTM", "RNN(LSTMCell)", "Bidirectional(LSTM)", "nested model"])
def test_requires_layer_finds_every_spelling(spelling):
    needs_lstm = requires_layer("LSTM", "LSTMCell", what="LSTM layer")
    assert needs_lstm(_lstm_models()[spelling]) is None


def test_requires_layer_finds_a_layer_inside_time_distributed():
    import keras

    model = keras.Sequential([keras.Input((2, 8, 8, 1)), keras.layers.TimeDistributed(keras.layers.Conv2D(2, 3))])
    assert requires_layer("Conv2D", what="convolution")(model) is None


def test_requires_layer_names_what_is_missing():
    import keras

    model = keras.Sequential([keras.Input((5, 3)), keras.layers.GRU(4)])
    assert requires_layer("LSTM", "LSTMCell", what="LSTM layer")(model) == "the model has no LSTM layer; this exercise asks for one"


# --- training on a stated budget -------------------------------------------------------------------------------


def _points(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, size=n)
    x = rng.normal(size=(n, 4)).astype(np.float32) * 0.3
    x[np.arange(n), y] += 2.0
    return x, y


TINY_BUDGET = TrainingBudget(epochs=5, train_examples=300, batch_size=32, test_examples=200, min_score=0.9, examples="points")


def _trained_exercise():
    return ModelExercise(
        "00_test", "tiny", "build_tiny", probe=_probe, output_shape=(3,), output="probabilities",
        loss="sparse_categorical_crossentropy", budget=TINY_BUDGET,
        train=lambda model: model.fit(*_points(300, 1), epochs=5, batch_size=32, verbose=0),
        test_inputs=lambda: _points(200, 2)[0],
        score=lambda predictions: float(np.mean(np.asarray(predictions).argmax(axis=1) == _points(200, 2)[1])),
    )


def test_the_budget_is_stated_in_one_sentence():
    assert TINY_BUDGET.sentence() == ("the checker trains your model for 5 epochs on the first 300 training points (batch 32) "
                                      "and expects at least 90.0% accuracy on 200 test points")


def test_a_model_that_learns_reaches_the_budgets_target_and_says_the_budget():
    import keras

    def good():
        model = _sequential(_dense(activation="softmax"))
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
        return model

    result = _trained_exercise().check(good, quiet=True)
    assert result.passed and TINY_BUDGET.sentence() in result.message, result.line()


def test_a_model_that_does_not_learn_misses_the_target():
    import keras

    def frozen():
        model = _sequential(_dense(activation="softmax"))
        model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
        return model

    result = _trained_exercise().check(frozen, quiet=True)
    assert result.status == FAILED and "is below the target 0.9000" in result.message


def test_the_target_is_the_budgets_in_every_run_size(monkeypatch):
    exercise = _trained_exercise()
    for mode in ("full", "ci"):
        monkeypatch.setenv("COURSE_MODE", mode)
        assert exercise.min_score() == 0.9


def _counting_exercise(trained: list):
    exercise = _trained_exercise()
    train = exercise.train
    exercise.train = lambda model: (trained.append(True), train(model))
    return exercise


def test_inside_a_graded_kernel_a_model_check_judges_the_outputs_and_leaves_training_to_the_grader(monkeypatch):
    import keras

    def good():
        model = _sequential(_dense(activation="softmax"))
        model.compile(optimizer=keras.optimizers.Adam(0.05), loss="sparse_categorical_crossentropy")
        return model

    monkeypatch.setenv(GRADER_KERNEL_VARIABLE, "1")
    trained: list = []
    result = _counting_exercise(trained).check(good, quiet=True)
    assert trained == [] and result.status == LEFT_TO_GRADER and result.points == 0, result.line()
    assert result.line().startswith("[TO BE TRAINED BY THE GRADER] 00_test:tiny (0/") and "outputs and loss are right" in result.message


def test_inside_a_graded_kernel_a_model_with_wrong_outputs_still_fails_at_once(monkeypatch):
    import keras

    def two_outputs():
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        return model

    monkeypatch.setenv(GRADER_KERNEL_VARIABLE, "1")
    result = _trained_exercise().check(two_outputs, quiet=True)
    assert result.status == FAILED and "expected (3,)" in result.message, result.line()


def test_outside_the_grader_a_model_check_trains_the_model(monkeypatch):
    monkeypatch.delenv(GRADER_KERNEL_VARIABLE, raising=False)
    trained: list = []
    result = _counting_exercise(trained).check(lambda: _tiny_model(), quiet=True)
    assert trained == [True] and result.status in (PASSED, FAILED), result.line()


# --- the legacy model path (chapters not yet judged by their outputs) -------------------------------------------


def _tiny_model(compiled=True, activation="softmax"):
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation=activation)])
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def model_exercise():
    return ModelExercise(
        "00_test", "tiny", "build_tiny", output_shape=(3,), output_activation="softmax", max_params=100,
        evaluate=lambda model: 0.9, min_score=lambda: 0.8,
    )


def test_legacy_model_exercise_passes_a_good_model(model_exercise):
    assert model_exercise.check(_tiny_model, quiet=True).passed


def test_legacy_model_exercise_reports_an_uncompiled_model(model_exercise):
    result = model_exercise.check(lambda: _tiny_model(compiled=False), quiet=True)
    assert "not compiled" in result.message


def test_legacy_model_exercise_reports_a_score_below_target(model_exercise):
    model_exercise.evaluate = lambda model: 0.5
    result = model_exercise.check(_tiny_model, quiet=True)
    assert "below the target" in result.message and not result.passed


def test_legacy_model_exercise_reports_a_builder_that_returns_something_else(model_exercise):
    result = model_exercise.check(lambda: "a model", quiet=True)
    assert "must return a keras.Model" in result.message
