"""Checkers of chapter 2 (convolutional networks), in notebook order.

In the notebook::

    from course.checks import ch02_cnn as check
    check.conv2d_single(conv2d_single)

Function exercises compare the learner's NumPy code with the references in
:mod:`course.references.ch02_cnn` (imported only when judging) on fresh random
cases plus the edge cases each statement implies: stride 2 and strides larger
than the kernel, padding, non-square images and kernels, float64 inputs, and
the statement's default arguments. Each one also checks the type its statement
asks for (an int for the two formulas, a NumPy float array for the others) and
that the arguments are left unchanged, and names a recognised mistake (a
flipped kernel, padding or stride ignored, ``ceil`` instead of ``floor``, a
forgotten bias...) when it explains the answer on every case. Layouts follow
Keras: images ``(batch, height, width, channels)``, kernels
``(k_h, k_w, c_in, c_out)``.

``small_cnn`` probes the learner's compiled Keras CNN (probability outputs,
the compiled loss, the parameter budget, at least one convolution layer),
trains it on the budget its statement gives and scores its test accuracy.

Every exercise refuses an answer that is, wraps or calls anything in
:mod:`course.references.ch02_cnn`, and the course functions that compute the
same thing (the figures' convolution and pooling, the course's CNN builders).

:func:`yours_or_reference` lets the notebook's story run on the learner's
functions once they pass, and on the references until then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

import numpy as np

from course.checks import core
from course.translation import N_, tr
from course.checks.core import (
    ERROR, FLOAT_ARRAY, INT, NOT_DONE, FunctionExercise, ModelExercise, TrainingBudget, compare_arrays, requires_layer,
)

CHAPTER = "02_cnn"
#: Where the references live; every exercise of the chapter forbids the whole module.
REFERENCES = "course.references.ch02_cnn"


def _ref(name: str) -> Callable:
    """The reference ``name`` from course.references.ch02_cnn, imported now (trusted side only)."""
    return core.resolve_name(f"{REFERENCES}:{name}")


@dataclass
class HintedFunctionExercise(FunctionExercise):
    """A FunctionExercise that names a typical mistake when the mistake explains the answer on EVERY case.

    (``core.HintedFunctionExercise`` looks at the first wrong case only; with
    integer formulas one case can fit two mistakes, e.g. p = 1 hides "n + p"
    behind "forgot the + 1".) ``mistakes``: list of ``(function, hint)``;
    ``function`` takes a case's arguments (defaults included) and returns what
    that mistake gives. No hint is added when only the returned type is wrong:
    the message already says how to convert it.
    """

    mistakes: list[tuple[Callable[..., Any], str]] = None

    def judge(self, inputs, outcomes):
        result = super().judge(inputs, outcomes)
        if result.passed or result.status in (ERROR, NOT_DONE) or len(outcomes) != len(inputs):
            return result
        if not all(outcome.ok for outcome in outcomes) or self._values_all_right(inputs, outcomes):
            return result
        for wrong, hint in self.mistakes or []:
            if self._explains(wrong, inputs, outcomes):
                result.message = core.with_hint(result.message, hint)
                break
        return result

    def _values_all_right(self, inputs, outcomes) -> bool:
        return all(compare_arrays(self.expected(*args), outcome.value, self.rtol, self.atol) is None
                   for args, outcome in zip(inputs, outcomes))

    def _explains(self, wrong, inputs, outcomes) -> bool:
        for args, outcome in zip(inputs, outcomes):
            try:
                with np.errstate(all="ignore"):
                    expected_wrong = wrong(*args)
            except Exception:  # a hint that does not apply to this case
                return False
            if compare_arrays(expected_wrong, outcome.value, self.rtol, self.atol) is not None:
                return False
        return True


def _complete(args: tuple, required: int, defaults: tuple) -> tuple:
    """``args`` completed with the statement's defaults: the checker also calls answers without them.

    Example:
        >>> _complete((28, 3), 2, (1, 0))
        (28, 3, 1, 0)
    """
    return tuple(args) + tuple(defaults[len(args) - required:])


# --------------------------------------------------------------------------
# 1. One-channel convolution with stride and padding
# --------------------------------------------------------------------------

CONV_DEFAULTS = (1, 0)   # stride=1, padding=0


def _single_cases(rng):
    f32 = np.float32

    def pair(h, w, k_h, k_w, dtype=f32):
        return rng.normal(size=(h, w)).astype(dtype), rng.normal(size=(k_h, k_w)).astype(dtype)

    return [
        pair(6, 6, 3, 3),                          # the defaults: stride 1, no padding
        (*pair(7, 9, 3, 2), 1, 0),                 # non-square image and kernel
        (*pair(8, 8, 3, 3), 1, 1),                 # "same" padding
        (*pair(9, 9, 3, 3), 2),                    # stride 2, default padding
        (*pair(10, 7, 4, 2), 3, 2),                # stride 3 and padding 2 on a non-square image
        (*pair(5, 6, 1, 1), 3, 0),                 # a 1x1 kernel with a stride larger than the kernel
        (*pair(7, 5, 2, 3, np.float64), 2, 1),     # float64 in
    ]


def _describe_single(args):
    image, kernel, stride, padding = _complete(args, 2, CONV_DEFAULTS)
    given = "" if len(args) == 4 else tr(", defaults")
    return tr("image {shape} {dtype}, kernel {kernel}, stride={stride}, padding={padding}{given}", shape=image.shape, dtype=image.dtype,
              kernel=kernel.shape, stride=stride, padding=padding, given=given)


def _single_mistake(kind):
    def wrong(image, kernel, stride=1, padding=0):
        conv = _ref("conv2d_single")
        if kind == "flipped":
            return conv(image, kernel[::-1, ::-1], stride, padding)
        if kind == "no stride":
            return conv(image, kernel, 1, padding)
        if kind == "no padding":
            return conv(image, kernel, stride, 0)
        if kind == "stride in the size only":
            full = conv(image, kernel, 1, padding)
            out = conv(image, kernel, stride, padding)
            return full[: out.shape[0], : out.shape[1]]
        if kind == "transposed kernel":   # = conv(image, kernel.T): rows and columns of the kernel swapped
            return conv(np.asarray(image).T, kernel, stride, padding).T
        raise ValueError("does not apply")
    return wrong


conv2d_single = HintedFunctionExercise(
    CHAPTER, "conv2d_single", "conv2d_single", points=2,
    description="one-channel 2-D convolution (cross-correlation) with stride and zero padding, as a NumPy float array",
    forbidden=(REFERENCES, "course.figures:_cross_correlate"), cases=_single_cases, reference=f"{REFERENCES}:conv2d_single",
    rtol=1e-4, atol=1e-4, describe_case=_describe_single, returns=FLOAT_ARRAY,
    arg_names=("image", "kernel", "stride", "padding"), read_only=("image", "kernel"),
    mistakes=[
        (_single_mistake("flipped"),
         N_("the kernel is flipped: deep-learning 'convolution' (and Keras's Conv2D) is cross-correlation; slide the kernel as it is.")),
        (_single_mistake("no stride"),
         N_("the stride is ignored: move the window by `stride` pixels, out[i, j] uses image[i*stride : i*stride + k_h, ...].")),
        (_single_mistake("stride in the size only"),
         N_("the output has the right size, but the window must also move by `stride`: out[i, j] starts at row i*stride, column j*stride.")),
        (_single_mistake("no padding"),
         N_("the padding is ignored: surround the image with `padding` rows and columns of zeros first (np.pad).")),
        (_single_mistake("transposed kernel"),
         N_("the kernel is used transposed: kernel[u, v] multiplies image row i*stride + u and column j*stride + v (k_h rows, k_w columns).")),
    ],
)


# --------------------------------------------------------------------------
# 2. Output size of a convolution
# --------------------------------------------------------------------------


def _shape_cases(rng):
    cases = [(28, 3), (28, 3, 1, 1), (28, 5, 2), (28, 5, 2, 2), (7, 3, 2, 0),   # defaults, "same", stride 2
             (32, 4, 3, 1),          # (32 + 2 - 4) / 3 = 10 exactly
             (4, 1, 3, 0),           # kernel smaller than the stride: (4 - 1) // 3 + 1 = 2
             (5, 7, 1, 1),           # the padded input is exactly the kernel: one position
             (9, 2, 4, 3)]           # (9 + 6 - 2) / 4 = 3.25
    for _ in range(5):
        k = int(rng.integers(1, 8))
        s = int(rng.integers(1, 5))
        p = int(rng.integers(0, 4))
        n = int(rng.integers(k, 64))
        cases.append((n, k, s, p))
    return cases


def _describe_shape(args):
    n, k, s, p = _complete(args, 2, CONV_DEFAULTS)
    return f"n={n}, k={k}, s={s}, p={p}" + ("" if len(args) == 4 else tr(", defaults"))


def _shape_mistake(formula):
    def wrong(n, k, s=1, p=0):
        return formula(n, k, s, p)
    return wrong


# Mutants of the reference that this checker lets through, and why they are right (tools/mutate_references.py):
# mutation conv_output_shape: `return int((n + 2 * p - k) // s + 1)` -> `return int((n + 2 * p - k) / s + 1)`
#   is equivalent: int() truncates toward 0, which is floor for (n + 2p - k) / s + 1 >= 0, so on every input where
#   the window fits (n + 2p >= k) and more; the float quotient of these small ints is exact or rounds within its
#   interval, never up to the next integer.
conv_output_shape = HintedFunctionExercise(
    CHAPTER, "conv_output_shape", "conv_output_shape", points=1,
    description="output size floor((n + 2p - k) / s) + 1 of a convolution or pooling, as an int",
    forbidden=(REFERENCES,), cases=_shape_cases, reference=f"{REFERENCES}:conv_output_shape", rtol=0, atol=0,
    describe_case=_describe_shape, returns=INT, arg_names=("n", "k", "s", "p"),
    mistakes=[
        (_shape_mistake(lambda n, k, s, p: math.ceil((n + 2 * p - k) / s) + 1),
         N_("round down: the window must fit entirely, so use floor (//), not ceil.")),
        (_shape_mistake(lambda n, k, s, p: round((n + 2 * p - k) / s) + 1),
         N_("round down: the window must fit entirely, so use floor division (//), not round.")),
        (_shape_mistake(lambda n, k, s, p: (n + 2 * p - k) / s + 1),
         N_("(n + 2p - k) / s is not a whole number when the windows do not fit exactly: use floor division //.")),
        (_shape_mistake(lambda n, k, s, p: (n + 2 * p - k) // s), N_("add 1: the first window position counts too.")),
        (_shape_mistake(lambda n, k, s, p: (n + p - k) // s + 1), N_("padding p is added on both sides: n + 2p.")),
        (_shape_mistake(lambda n, k, s, p: (n + 2 * p - k) + 1), N_("divide by the stride s: the window jumps s pixels at a time.")),
        (_shape_mistake(lambda n, k, s, p: (n + 2 * p - k + 1) // s), N_("the + 1 comes after the division: floor((n + 2p - k) / s) + 1.")),
    ],
)


# --------------------------------------------------------------------------
# 3. Multi-channel, multi-filter convolution (a Conv2D layer's forward pass)
# --------------------------------------------------------------------------


def _forward_cases(rng):
    f32 = np.float32

    def case(n, h, w, c_in, k_h, k_w, c_out, dtype=f32):
        return (rng.normal(size=(n, h, w, c_in)).astype(dtype), rng.normal(size=(k_h, k_w, c_in, c_out)).astype(dtype),
                rng.normal(size=(c_out,)).astype(dtype))

    return [
        case(2, 6, 6, 1, 3, 3, 2),                          # the defaults: stride 1, no padding
        (*case(3, 7, 7, 3, 3, 3, 4), 1, 1),                 # "same" padding
        (*case(2, 9, 8, 2, 3, 3, 5), 2, 1),                 # stride 2 and padding, non-square image
        (*case(1, 8, 10, 4, 3, 2, 3), 2, 0),                # non-square kernel, stride 2
        (*case(2, 7, 6, 3, 1, 1, 2), 3),                    # 1x1 kernel, stride larger than the kernel
        (*case(2, 6, 7, 2, 2, 3, 3, np.float64), 1, 2),     # float64 in, padding 2
    ]


def _describe_forward(args):
    x, W, b, stride, padding = _complete(args, 3, CONV_DEFAULTS)
    given = "" if len(args) == 5 else tr(", defaults")
    return f"x {x.shape} {x.dtype}, W {W.shape}, stride={stride}, padding={padding}{given}"


def _forward_mistake(kind):
    def wrong(x, W, b, stride=1, padding=0):
        conv = _ref("conv2d_forward")
        if kind == "no bias":
            return conv(x, W, np.zeros_like(b), stride, padding)
        if kind == "flipped":
            return conv(x, W[::-1, ::-1], b, stride, padding)
        if kind == "no stride":
            return conv(x, W, b, 1, padding)
        if kind == "no padding":
            return conv(x, W, b, stride, 0)
        if kind == "transposed kernel":   # = W.transpose(1, 0, 2, 3): the kernel's rows and columns swapped
            return conv(np.asarray(x).transpose(0, 2, 1, 3), W, b, stride, padding).transpose(0, 2, 1, 3)
        if kind == "bias once":
            return conv(x, W, np.zeros_like(b), stride, padding) + np.sum(b)
        raise ValueError("does not apply")
    return wrong


conv2d_forward = HintedFunctionExercise(
    CHAPTER, "conv2d_forward", "conv2d_forward", points=2,
    description="Conv2D forward pass over a batch: many input channels, many filters, bias, stride, padding",
    forbidden=(REFERENCES, "course.figures:_cross_correlate"), cases=_forward_cases, reference=f"{REFERENCES}:conv2d_forward",
    rtol=1e-4, atol=1e-4, describe_case=_describe_forward, returns=FLOAT_ARRAY,
    arg_names=("x", "W", "b", "stride", "padding"), read_only=("x", "W", "b"),
    mistakes=[
        (_forward_mistake("no bias"), N_("the bias is missing: add b[c] to every output of filter c.")),
        (_forward_mistake("bias once"), N_("add b[c] to the outputs of filter c only, not the sum of all biases.")),
        (_forward_mistake("flipped"), N_("the kernel is flipped: Keras's Conv2D slides the kernel as it is (cross-correlation).")),
        (_forward_mistake("no stride"), N_("the stride is ignored: the patch of output (i, j) starts at row i*stride, column j*stride.")),
        (_forward_mistake("no padding"), N_("the padding is ignored: pad height and width (not batch or channels) with zeros.")),
        (_forward_mistake("transposed kernel"),
         N_("the kernel's first two axes are (k_h, k_w): W[u, v] multiplies row i*stride + u and column j*stride + v.")),
    ],
)


# --------------------------------------------------------------------------
# 4. Parameters of a convolution layer
# --------------------------------------------------------------------------


def _param_cases(rng):
    cases = [(3, 3, 1, 32), (3, 3, 32, 64), (5, 5, 3, 6), (1, 1, 64, 16), (3, 5, 4, 7), (1, 7, 2, 1)]
    for _ in range(4):
        cases.append(tuple(int(v) for v in (rng.integers(1, 8), rng.integers(1, 8), rng.integers(1, 129), rng.integers(1, 257))))
    return cases


def _describe_params(args):
    k_h, k_w, c_in, c_out = args
    return tr("kernel {k_h}x{k_w}, c_in={c_in}, c_out={c_out}", k_h=k_h, k_w=k_w, c_in=c_in, c_out=c_out)


conv_param_count = HintedFunctionExercise(
    CHAPTER, "conv_param_count", "conv_param_count", points=1,
    description="weights of a Conv2D layer, (k_h * k_w * c_in + 1) * c_out, as an int",
    forbidden=(REFERENCES,), cases=_param_cases, reference=f"{REFERENCES}:conv_param_count", rtol=0, atol=0,
    describe_case=_describe_params, returns=INT, arg_names=("k_h", "k_w", "c_in", "c_out"),
    mistakes=[
        (lambda kh, kw, ci, co: kh * kw * ci * co, N_("each output channel also has one bias: add c_out.")),
        (lambda kh, kw, ci, co: kh * kw * ci * co + 1, N_("there is one bias per output channel: add c_out, not 1.")),
        (lambda kh, kw, ci, co: (kh * kw + 1) * co, N_("each kernel spans every input channel: it has k_h * k_w * c_in weights.")),
        (lambda kh, kw, ci, co: (kh * kw + 1) * ci * co, N_("there is one bias per output channel, not one per (input, output) pair.")),
        (lambda kh, kw, ci, co: (kh * kw * co + 1) * ci, N_("c_in and c_out are swapped: there is one bias per OUTPUT channel.")),
        (lambda kh, kw, ci, co: (kh * kh * ci + 1) * co, N_("the kernel need not be square: it has k_h * k_w weights per input channel.")),
    ],
)


# --------------------------------------------------------------------------
# 5. Max pooling
# --------------------------------------------------------------------------

POOL_DEFAULTS = (2, 2)   # size=2, stride=2


def _pool_cases(rng):
    f32 = np.float32
    return [
        (rng.normal(size=(2, 4, 4, 3)).astype(f32),),                  # the defaults: size 2, stride 2
        (rng.normal(size=(1, 7, 7, 2)).astype(f32), 2, 2),             # odd size: the last row and column are dropped
        (rng.normal(size=(3, 9, 8, 1)).astype(f32), 3, 2),             # overlapping windows, non-square
        (rng.normal(size=(2, 10, 7, 2)).astype(f32), 2, 3),            # gaps between windows
        (-np.abs(rng.normal(size=(2, 6, 6, 2))).astype(f32), 2, 2),    # all negative: the maximum is not 0
        (rng.normal(size=(2, 9, 6, 3)), 3, 3),                         # float64 in, size 3
    ]


def _describe_pool(args):
    x, size, stride = _complete(args, 1, POOL_DEFAULTS)
    negative = tr(", all values negative") if np.all(x < 0) else ""
    given = "" if len(args) == 3 else tr(", defaults")
    return f"x {x.shape} {x.dtype}, size={size}, stride={stride}{given}{negative}"


def _pool_mistake(kind):
    def wrong(x, size=2, stride=2):
        pool = _ref("max_pool2d")
        if kind == "average":
            return _average_pool(x, size, stride)
        if kind == "no stride":
            return pool(x, size, size)
        if kind == "from zero":
            return np.maximum(pool(x, size, stride), 0)
        if kind == "stride in the size only":
            out = pool(x, size, stride)
            return pool(x, size, 1)[:, : out.shape[1], : out.shape[2]]
        raise ValueError("does not apply")
    return wrong


def _average_pool(x, size=2, stride=2):
    x = np.asarray(x, dtype=np.float64)
    out_h, out_w = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j, :] = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :].mean(axis=(1, 2))
    return out


max_pool2d = HintedFunctionExercise(
    CHAPTER, "max_pool2d", "max_pool2d", points=1,
    description="max pooling over each size x size window, per image and channel, as a NumPy float array",
    forbidden=(REFERENCES, "course.figures:_max_pool"), cases=_pool_cases, reference=f"{REFERENCES}:max_pool2d",
    rtol=1e-6, atol=1e-6, describe_case=_describe_pool, returns=FLOAT_ARRAY, arg_names=("x", "size", "stride"), read_only=("x",),
    mistakes=[
        (_pool_mistake("average"), N_("that is average pooling: take the maximum of each window.")),
        (_pool_mistake("no stride"), N_("the stride is ignored: windows start every `stride` pixels, which may differ from `size`.")),
        (_pool_mistake("stride in the size only"), N_("the output has the right size, but window (i, j) must start at row i*stride, column j*stride.")),
        (_pool_mistake("from zero"), N_("the maximum of negative numbers is negative: do not start from 0 (start from the window's first value or -inf).")),
    ],
)


# --------------------------------------------------------------------------
# 6. A small CNN under a parameter budget
# --------------------------------------------------------------------------

SMALL_CNN_MAX_PARAMS = 100_000
#: The full-size run the chapter talks about, and the accuracy a good answer reaches after it.
SMALL_CNN_FULL = {"epochs": 10, "train_examples": 60_000, "batch_size": 128, "target": 0.89}
#: The one budget small_cnn is judged on (calibration figures below, once measured).
SMALL_CNN_BUDGET = TrainingBudget(epochs=2, train_examples=20_000, batch_size=64, test_examples=10_000, min_score=0.85)
#: A convolution layer of any of these keras.layers types makes the model a CNN (the statement says so).
CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


@lru_cache(maxsize=1)
def _small_cnn_data(n_train: int, n_test: int):
    from course.data import load_fashion_mnist

    (x, y), (x_test, y_test) = load_fashion_mnist(n_train=n_train, n_test=n_test)
    return (x[..., None], y), (x_test[..., None], y_test)


def _budget_data():
    return _small_cnn_data(SMALL_CNN_BUDGET.train_examples, SMALL_CNN_BUDGET.test_examples)


def small_cnn_probe(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """32 test images (N, 28, 28, 1) with pixels in [0, 1], and their labels: the batch the model is probed on."""
    _, (x_test, y_test) = _budget_data()
    pick = rng.choice(len(x_test), size=32, replace=False)
    return x_test[pick], y_test[pick]


def small_cnn_train(model) -> None:
    """Train the learner's compiled model on the budget: the first training images, (N, 28, 28, 1) in [0, 1]."""
    (x, y), _ = _budget_data()
    model.fit(x, y, epochs=SMALL_CNN_BUDGET.epochs, batch_size=SMALL_CNN_BUDGET.batch_size, verbose=0)


def small_cnn_test_inputs() -> np.ndarray:
    """The test images the trained model predicts."""
    return _budget_data()[1][0]


def small_cnn_score(predictions: np.ndarray) -> float:
    """Test accuracy computed here from the model's predicted probabilities (no metric of the learner's is trusted)."""
    _, (_, y_test) = _budget_data()
    predictions = np.asarray(predictions)
    if predictions.shape != (len(y_test), 10):
        raise ValueError(f"expected predictions of shape {(len(y_test), 10)}, got {predictions.shape}")
    return float(np.mean(predictions.argmax(axis=-1) == y_test))


small_cnn = ModelExercise(
    CHAPTER, "small_cnn", "build_small_cnn", points=3,
    description=f"a compiled Keras CNN with at most {SMALL_CNN_MAX_PARAMS:,} parameters that reaches the target test accuracy",
    forbidden=(REFERENCES, "course.models:build_lenet", "course.models:build_seed_cnn", "course.models:build_cnn_bn",
               "course.recipes:seed_cnn"),
    probe=small_cnn_probe, output_shape=(10,), output="probabilities", loss="sparse_categorical_crossentropy",
    max_params=SMALL_CNN_MAX_PARAMS,
    requires=requires_layer(*CONVOLUTIONS, what=N_("convolution layer (keras.layers.Conv2D, SeparableConv2D or DepthwiseConv2D)")),
    train=small_cnn_train, test_inputs=small_cnn_test_inputs, score=small_cnn_score, budget=SMALL_CNN_BUDGET,
    score_name=N_("test accuracy"), reference=f"{REFERENCES}:build_small_cnn",
)


EXERCISES = [conv2d_single, conv_output_shape, conv2d_forward, conv_param_count, max_pool2d, small_cnn]


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (the Sobel filter, comparing with Keras's Conv2D and
    MaxPooling2D, checking the formulas against ``summary()``) uses it so that
    it runs on the learner's own code once it is right, and still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer)
