"""Checkers of chapter 1 (multilayer perceptrons), in notebook order.

In the notebook::

    from course.checks import ch01_mlp as check
    check.softmax(softmax)

Function exercises compare the learner's NumPy code with a reference on fresh
random cases (float32-friendly tolerances) and, when a wrong answer matches a
known mistake (softmax over the wrong axis, a sum instead of a mean, a missing
ReLU derivative in backprop...), they say so. ``backprop_step`` returns a dict
of four gradients; its checker names the gradient that is wrong.
``keras_mlp`` trains the learner's compiled Keras model on Fashion-MNIST and
scores its test accuracy itself.

:func:`yours_or_reference` lets the notebook's story (training the NumPy
network) run on the learner's functions once they pass, and on the references
until then, so the notebook runs top to bottom with every exercise unfilled.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from course.checks import core
from course.checks.core import (
    HintedFunctionExercise, same_values,
    ERROR, NOT_DONE, Exercise, FunctionExercise, ModelExercise, Outcome, as_float_array, call_safely,
    compare_arrays, describe_value,
)
from course.config import sized

CHAPTER = "01_mlp"
#: Probabilities are clipped to [EPS, 1] before the log in cross-entropy (Keras uses the same epsilon).
EPS = 1e-7
GRADIENT_NAMES = ("dW1", "db1", "dW2", "db2")


def _naive_softmax(z):
    e = np.exp(np.asarray(z, dtype=np.float64))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------
# 1-2. ReLU and its derivative
# --------------------------------------------------------------------------


def relu_reference(z):
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_derivative_reference(z):
    return (np.asarray(z) > 0).astype(np.float64)


def _elementwise_cases(rng):
    cases = [
        (rng.normal(size=(5, 4)).astype(np.float32),),
        (rng.normal(0, 10, size=(32,)).astype(np.float32),),
        (np.array([-3.0, -1e-3, 0.0, 1e-3, 2.5], dtype=np.float32),),  # exact zero and tiny values
        (rng.normal(size=(2, 3, 4)).astype(np.float32),),
    ]
    return cases


def _describe_elementwise(args):
    z = args[0]
    zero = " containing an exact 0" if np.any(z == 0) else ""
    return f"case z of shape {np.shape(z)}{zero}"


relu = HintedFunctionExercise(
    CHAPTER, "relu", "relu", points=1, description="ReLU(z) = max(z, 0), element-wise",
    cases=_elementwise_cases, reference=relu_reference, rtol=1e-6, atol=1e-7, describe_case=_describe_elementwise,
    mistakes=[
        (lambda z: np.abs(z), "negative inputs must become 0, not their absolute value."),
        (lambda z: (z > 0).astype(float), "that is the derivative; ReLU passes positive inputs through unchanged: max(z, 0)."),
        (lambda z: np.minimum(z, 0), "ReLU keeps the positive part: max(z, 0), not min(z, 0)."),
    ],
)

relu_derivative = HintedFunctionExercise(
    CHAPTER, "relu_derivative", "relu_derivative", points=1, description="ReLU'(z): 1 where z > 0, else 0",
    cases=_elementwise_cases, reference=relu_derivative_reference, rtol=0, atol=1e-7, describe_case=_describe_elementwise,
    mistakes=[
        (lambda z: (z >= 0).astype(float), "at z = 0 exactly the derivative is taken as 0 (as TensorFlow does): use z > 0, not z >= 0."),
        (lambda z: np.maximum(z, 0), "that is ReLU itself; its derivative is 1 where z > 0 and 0 elsewhere."),
    ],
)


# --------------------------------------------------------------------------
# 3. Numerically stable softmax
# --------------------------------------------------------------------------


def softmax_reference(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_cases(rng):
    return [
        (rng.normal(size=(4, 3)).astype(np.float32),),
        (rng.normal(size=(6, 10)).astype(np.float32) * 3,),
        (rng.normal(1000, 2, size=(3, 10)).astype(np.float32),),             # logits ~1000: exp overflows
        (np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1003.0]], dtype=np.float32),),  # rows far apart
        (rng.normal(size=(1, 7)).astype(np.float32),),
    ]


def _describe_softmax(args):
    z = args[0]
    big = ", with logits around +-1000" if np.abs(z).max() > 100 else ""
    return f"case z of shape {np.shape(z)}{big}"


softmax = HintedFunctionExercise(
    CHAPTER, "softmax", "softmax", points=2, description="row-wise softmax that does not overflow",
    cases=_softmax_cases, reference=softmax_reference, rtol=1e-4, atol=1e-6, describe_case=_describe_softmax,
    mistakes=[
        (lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum(axis=-1, keepdims=True),
         "subtract each row's own maximum (z.max(axis=-1, keepdims=True)), not the maximum of the whole array: a row far below it underflows to 0/0."),
        (lambda z: np.exp(z - z.max(axis=0, keepdims=True)) / np.exp(z - z.max(axis=0, keepdims=True)).sum(axis=0, keepdims=True),
         "normalise each row (one example's scores over the classes, axis=-1), not each column."),
        (_naive_softmax, "exp(1000) overflows float32 and float64: subtract the row's maximum before exp (softmax does not change)."),
    ],
)
# compare_arrays already reports "NaN or inf ... overflowing" for a naive softmax on large logits; the hint says why.


# --------------------------------------------------------------------------
# 4. A dense layer's forward pass
# --------------------------------------------------------------------------

ACTIVATION_NAMES = ("relu", "softmax", "linear")


def dense_forward_reference(X, W, b, activation):
    z = np.asarray(X, np.float64) @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
    if activation == "relu":
        return relu_reference(z)
    if activation == "softmax":
        return softmax_reference(z)
    return z


def _dense_cases(rng):
    cases = []
    for (n, d, m), activation in (((5, 4, 3), "relu"), ((8, 6, 10), "softmax"), ((3, 7, 2), "linear"), ((16, 12, 5), "relu"), ((1, 3, 4), "softmax")):
        X = rng.normal(size=(n, d)).astype(np.float32)
        W = rng.normal(0, 0.7, size=(d, m)).astype(np.float32)
        b = rng.normal(0, 1, size=(m,)).astype(np.float32)
        cases.append((X, W, b, activation))
    return cases


def _describe_dense(args):
    X, W, b, activation = args
    return f"case X {X.shape}, W {W.shape}, b {b.shape}, activation={activation!r}"


def _dense_without(part):
    def wrong(X, W, b, activation):
        if part == "bias":
            return dense_forward_reference(X, W, np.zeros_like(b), activation)
        return np.asarray(X, np.float64) @ W + b
    return wrong


dense_forward = HintedFunctionExercise(
    CHAPTER, "dense_forward", "dense_forward", points=1, description="activation(X W + b) for a batch",
    cases=_dense_cases, reference=dense_forward_reference, rtol=1e-4, atol=1e-5, describe_case=_describe_dense,
    mistakes=[
        (_dense_without("bias"), "the bias b is missing: add it after the product X @ W (it broadcasts over the batch)."),
        (_dense_without("activation"), "the activation is missing: apply relu or softmax to z = X @ W + b as `activation` says."),
    ],
)


# --------------------------------------------------------------------------
# 5. Cross-entropy from probabilities and integer labels
# --------------------------------------------------------------------------


def cross_entropy_reference(probs, labels):
    p = np.asarray(probs, np.float64)
    picked = p[np.arange(len(p)), np.asarray(labels).astype(int)]
    return float(-np.mean(np.log(np.clip(picked, EPS, 1.0))))


def _probs(rng, n, k, sharpness=1.0):
    return softmax_reference(rng.normal(0, sharpness, size=(n, k))).astype(np.float32)


def _cross_entropy_cases(rng):
    cases = [
        (_probs(rng, 6, 4), rng.integers(0, 4, size=6)),
        (_probs(rng, 20, 10, 3.0), rng.integers(0, 10, size=20)),
        (_probs(rng, 1, 3), np.array([2])),
    ]
    zero = _probs(rng, 4, 3)
    zero[1] = [1.0, 0.0, 0.0]                     # the true class (1) gets probability exactly 0
    cases.append((zero, np.array([0, 1, 2, 0])))
    return cases


def _describe_cross_entropy(args):
    probs, labels = args
    zero = ", where one true class has probability exactly 0" if np.any(probs[np.arange(len(probs)), labels] == 0) else ""
    return f"case probs {probs.shape}, labels {labels.shape}{zero}"


def _unclipped(probs, labels):
    return float(-np.mean(np.log(np.asarray(probs, np.float64)[np.arange(len(probs)), labels])))


cross_entropy = HintedFunctionExercise(
    CHAPTER, "cross_entropy", "cross_entropy", points=1, description="mean -log p[true class], clipped",
    cases=_cross_entropy_cases, reference=cross_entropy_reference, rtol=1e-4, atol=1e-6, describe_case=_describe_cross_entropy,
    mistakes=[
        (lambda p, y: cross_entropy_reference(p, y) * len(p), "average over the batch (np.mean), do not sum."),
        (lambda p, y: -cross_entropy_reference(p, y), "the sign: the loss is MINUS the mean log-probability, so it is >= 0."),
        (lambda p, y: float(-np.mean(np.log(np.clip(p, EPS, 1.0)).sum(axis=1))),
         "take only the log-probability of each example's TRUE class, p[i, labels[i]], not the sum over all classes."),
        (_unclipped, "clip the probabilities to [1e-7, 1] before the log: log(0) is -inf."),
    ],
)


# --------------------------------------------------------------------------
# 6. Backpropagation through a one-hidden-layer network
# --------------------------------------------------------------------------


def forward_reference(params, X):
    """Forward pass of the chapter's NumPy network; returns (Z1, H, P)."""
    X = np.asarray(X, np.float64)
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    P = softmax_reference(H @ params["W2"] + params["b2"])
    return Z1, H, P


def backprop_step_reference(params, X, y):
    """Gradients of the mean cross-entropy of softmax(relu(X W1 + b1) W2 + b2) w.r.t. W1, b1, W2, b2."""
    X = np.asarray(X, np.float64)
    n = len(X)
    Z1, H, P = forward_reference(params, X)
    dZ2 = P.copy()
    dZ2[np.arange(n), np.asarray(y).astype(int)] -= 1.0
    dZ2 /= n
    dW2 = H.T @ dZ2
    db2 = dZ2.sum(axis=0)
    dH = dZ2 @ np.asarray(params["W2"], np.float64).T
    dZ1 = dH * (Z1 > 0)
    dW1 = X.T @ dZ1
    db1 = dZ1.sum(axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def init_params(n_inputs: int, n_hidden: int, n_classes: int, rng: np.random.Generator | int = 0) -> dict[str, np.ndarray]:
    """He-initialised weights (normal, std sqrt(2 / fan_in)) and zero biases, float32."""
    rng = np.random.default_rng(rng)
    return {
        "W1": (rng.normal(size=(n_inputs, n_hidden)) * np.sqrt(2.0 / n_inputs)).astype(np.float32),
        "b1": np.zeros(n_hidden, np.float32),
        "W2": (rng.normal(size=(n_hidden, n_classes)) * np.sqrt(2.0 / n_hidden)).astype(np.float32),
        "b2": np.zeros(n_classes, np.float32),
    }


def _backprop_cases(rng):
    cases = []
    for n, d, h, k in ((8, 5, 6, 3), (16, 12, 7, 10), (1, 4, 3, 2), (32, 20, 16, 10)):
        params = init_params(d, h, k, rng)
        params["b1"] = rng.normal(0, 0.5, size=h).astype(np.float32)   # non-zero biases catch a missing db
        params["b2"] = rng.normal(0, 0.5, size=k).astype(np.float32)
        X = rng.normal(size=(n, d)).astype(np.float32)
        cases.append((params, X, rng.integers(0, k, size=n)))
    return cases


def backprop_missing_relu_derivative(params, X, y):
    """A buggy backprop for the notebook's gradient-check demo: dZ1 = dH, without the (Z1 > 0) mask."""
    grads = backprop_step_reference(params, X, y)
    _, _, P = forward_reference(params, X)
    dZ2 = P.copy()
    dZ2[np.arange(len(P)), np.asarray(y).astype(int)] -= 1.0
    dH = dZ2 / len(P) @ np.asarray(params["W2"], np.float64).T
    return {**grads, "dW1": np.asarray(X, np.float64).T @ dH, "db1": dH.sum(axis=0)}


def _backprop_mistakes(params, X, y):
    """What typical mistakes would return: list of (gradients dict, hint)."""
    right = backprop_step_reference(params, X, y)
    summed = {k: v * len(X) for k, v in right.items()}
    no_mask = backprop_missing_relu_derivative(params, X, y)
    return [
        (summed, "the gradients are N times too large: the loss is the MEAN over the batch, so divide (P - Y) by N."),
        ({**right, "dW1": no_mask["dW1"]}, "dW1 misses the ReLU derivative: multiply dH by (Z1 > 0) before X.T @ dZ1."),
        (no_mask, "the hidden-layer gradients miss the ReLU derivative: dZ1 = dH * (Z1 > 0)."),
    ]


@dataclass
class GradientsExercise(Exercise):
    """The learner's function returns a dict of gradient arrays; each is compared with the reference's."""

    cases: Callable[[np.random.Generator], list[tuple]] = field(default=lambda rng: [()])
    reference: Callable[..., dict] = field(default=lambda *args: {})
    names: tuple[str, ...] = GRADIENT_NAMES
    rtol: float = 1e-3
    atol: float = 1e-5

    def make_inputs(self, rng):
        return self.cases(rng)

    def run(self, answer, inputs):
        if not callable(answer):
            return self.not_a_function(answer, inputs)
        outcomes = []
        for params, X, y in inputs:
            outcome = call_safely(answer, copy.deepcopy(params), X, y)
            if outcome.ok:
                value = outcome.value
                if isinstance(value, dict):
                    converted = {}
                    for key, array in value.items():
                        if str(key) in self.names:
                            as_array = as_float_array(array)
                            converted[str(key)] = as_array if as_array is not None else repr(array)[:200]
                    outcome.value = converted
                else:
                    outcome.value = f"not a dict: {describe_value(value)}"
            outcomes.append(outcome)
        return outcomes

    def judge(self, inputs, outcomes):
        if len(outcomes) != len(inputs):
            return self.result(False, "no result came back for some test cases.", ERROR)
        for i, ((params, X, y), outcome) in enumerate(zip(inputs, outcomes)):
            case = f"case {i + 1} (batch of {len(X)}, {X.shape[1]} inputs, {params['W1'].shape[1]} hidden units, {params['W2'].shape[1]} classes)"
            if not outcome.ok:
                return self.error_result(outcome, f" on {case}")
            if not isinstance(outcome.value, dict):
                return self.result(False, f"{case}: return a dict with keys {', '.join(self.names)}; got {outcome.value}.")
            missing = [name for name in self.names if name not in outcome.value]
            if missing:
                return self.result(False, f"{case}: the returned dict has no {', '.join(repr(m) for m in missing)} (keys needed: {', '.join(self.names)}).")
            expected = self.reference(params, X, y)
            for name in sorted(self.names, key=lambda n: n[-1], reverse=True):  # output layer first, as backprop goes
                problem = compare_arrays(expected[name], outcome.value[name], self.rtol, self.atol)
                if problem:
                    return self.result(False, f"{case}: {name} is wrong: {problem}.{self._hint(params, X, y, outcome.value)}")
        return self.result(True, f"all four gradients are correct on {len(inputs)} random test cases.")

    def _hint(self, params, X, y, got):
        for wrong, hint in _backprop_mistakes(params, X, y):
            if all(compare_arrays(wrong[n], got[n], self.rtol, self.atol) is None for n in self.names):
                return f" Hint: {hint}"
        if compare_arrays(self.reference(params, X, y)["dW2"], got["dW2"], self.rtol, self.atol) is None:
            return " (dW2 is right, so the output layer is fine: look at how the gradient flows back through W2 and the ReLU.)"
        return ""


backprop_step = GradientsExercise(
    CHAPTER, "backprop_step", "backprop_step", points=3,
    description="gradients dW1, db1, dW2, db2 of the mean cross-entropy of a ReLU/softmax network",
    cases=_backprop_cases, reference=backprop_step_reference,
)


# --------------------------------------------------------------------------
# 7. A Keras MLP that reaches a test accuracy
# --------------------------------------------------------------------------

KERAS_MLP_TRAIN = {"full": None, "ci": 3000}
KERAS_MLP_EPOCHS = {"full": 10, "ci": 1}
KERAS_MLP_BATCH = 64
KERAS_MLP_TARGET = {"full": 0.87, "ci": 0.65}


def _keras_mlp_data():
    from course.data import load_fashion_mnist

    return load_fashion_mnist(n_train=sized(**KERAS_MLP_TRAIN), n_test=sized(full=None, ci=2000), flatten=True)


def keras_mlp_train(model) -> None:
    """Train the learner's compiled model: Fashion-MNIST (flattened, pixels in [0, 1]), batch 64."""
    from course.training import set_seed

    (x, y), _ = _keras_mlp_data()
    set_seed(0)
    model.fit(x, y, epochs=sized(**KERAS_MLP_EPOCHS), batch_size=KERAS_MLP_BATCH, verbose=0)


def keras_mlp_evaluate(model) -> float:
    """Test accuracy computed here from the model's predictions (no metric of the learner's is trusted)."""
    _, (x_test, y_test) = _keras_mlp_data()
    probabilities = np.asarray(model.predict(x_test, batch_size=1000, verbose=0))
    return float(np.mean(probabilities.argmax(axis=-1) == y_test))


def build_my_mlp_reference():
    import keras

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


keras_mlp = ModelExercise(
    CHAPTER, "keras_mlp", "build_my_mlp", points=3,
    description="a compiled Keras MLP for flattened Fashion-MNIST that reaches the target test accuracy",
    train=keras_mlp_train, evaluate=keras_mlp_evaluate,
    min_score=lambda: sized(**KERAS_MLP_TARGET), output_shape=(10,), output_activation="softmax",
)


EXERCISES = [relu, relu_derivative, softmax, dense_forward, cross_entropy, backprop_step, keras_mlp]

REFERENCES = {
    "relu": relu_reference,
    "relu_derivative": relu_derivative_reference,
    "softmax": softmax_reference,
    "dense_forward": dense_forward_reference,
    "cross_entropy": cross_entropy_reference,
    "backprop_step": backprop_step_reference,
}


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (training the NumPy network) uses it so that it runs
    on the learner's own code once it is right, and still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer, REFERENCES[name])
