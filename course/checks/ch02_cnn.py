"""Checkers of chapter 2 (convolutional networks), in notebook order.

In the notebook::

    from course.checks import ch02_cnn as check
    check.conv2d_single(conv2d_single)

Function exercises compare the learner's NumPy code with a reference on fresh
random cases (strides and paddings included) and, when a wrong answer matches
a known mistake (a flipped kernel, padding or stride ignored, ``ceil`` instead
of ``floor``, a forgotten bias), they say so. Layouts follow Keras: images
``(batch, height, width, channels)``, kernels ``(k_h, k_w, c_in, c_out)``.
``small_cnn`` trains the learner's compiled Keras CNN on Fashion-MNIST under a
parameter budget and scores its test accuracy itself.

:func:`yours_or_reference` lets the notebook's story run on the learner's
functions once they pass, and on the references until then.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from dataclasses import dataclass

from course.checks import core
from course.checks.core import HintedFunctionExercise as _FirstCaseHinted
from course.checks.core import ERROR, NOT_DONE, ModelExercise, compare_arrays
from course.config import sized

CHAPTER = "02_cnn"


@dataclass
class HintedFunctionExercise(_FirstCaseHinted):
    """A FunctionExercise that names a typical mistake when it explains the learner's output on EVERY case.

    (The core version, course.checks.core.HintedFunctionExercise, looks at the first wrong case only; with integer
    formulas one case can fit two mistakes, e.g. p = 1 hides "n + p" behind
    "forgot the + 1".)
    """

    def judge(self, inputs, outcomes):
        result = super(_FirstCaseHinted, self).judge(inputs, outcomes)
        if result.passed or result.status in (ERROR, NOT_DONE):
            return result
        for wrong, hint in self.mistakes:
            if self._explains(wrong, inputs, outcomes):
                result.message = result.message.rstrip(".") + f". Hint: {hint}"
                break
        return result

    def _explains(self, wrong, inputs, outcomes) -> bool:
        for args, outcome in zip(inputs, outcomes):
            if not outcome.ok:
                return False
            try:
                with np.errstate(all="ignore"):
                    expected_wrong = wrong(*args)
            except Exception:  # a hint that does not apply to this case
                return False
            if compare_arrays(expected_wrong, outcome.value, self.rtol, self.atol) is not None:
                return False
        return True


# --------------------------------------------------------------------------
# 1. Output size of a convolution
# --------------------------------------------------------------------------


def conv_output_shape_reference(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """floor((n + 2p - k) / s) + 1."""
    return (n + 2 * p - k) // s + 1


def _shape_cases(rng):
    cases = [(28, 3, 1, 0), (28, 3, 1, 1), (28, 5, 2, 2), (7, 3, 2, 0), (32, 4, 3, 1)]  # (7-3)/2, (32+2-4)/3: exact and not
    for _ in range(5):
        k = int(rng.integers(1, 8))
        s = int(rng.integers(1, 5))
        p = int(rng.integers(0, 4))
        n = int(rng.integers(k, 64))
        cases.append((n, k, s, p))
    return cases


def _describe_shape(args):
    n, k, s, p = args
    return f"case n={n}, k={k}, s={s}, p={p}"


conv_output_shape = HintedFunctionExercise(
    CHAPTER, "conv_output_shape", "conv_output_shape", points=1,
    description="output size floor((n + 2p - k) / s) + 1 of a convolution or pooling",
    cases=_shape_cases, reference=conv_output_shape_reference, rtol=0, atol=0, describe_case=_describe_shape,
    mistakes=[
        (lambda n, k, s, p: int(np.ceil((n + 2 * p - k) / s)) + 1, "round down: the window must fit entirely, so use floor (//), not ceil."),
        (lambda n, k, s, p: (n + 2 * p - k) // s, "add 1: the first window position counts too."),
        (lambda n, k, s, p: (n + p - k) // s + 1, "padding p is added on both sides: n + 2p."),
        (lambda n, k, s, p: (n + 2 * p - k) + 1, "divide by the stride s: the window jumps s pixels at a time."),
    ],
)


# --------------------------------------------------------------------------
# 2. Parameters of a convolution layer
# --------------------------------------------------------------------------


def conv_param_count_reference(k_h: int, k_w: int, c_in: int, c_out: int) -> int:
    """(k_h * k_w * c_in + 1) * c_out: one k_h x k_w x c_in kernel and one bias per output channel."""
    return (k_h * k_w * c_in + 1) * c_out


def _param_cases(rng):
    cases = [(3, 3, 1, 32), (3, 3, 32, 64), (5, 5, 3, 6), (1, 1, 64, 16)]
    for _ in range(4):
        cases.append(tuple(int(v) for v in (rng.integers(1, 8), rng.integers(1, 8), rng.integers(1, 129), rng.integers(1, 257))))
    return cases


def _describe_params(args):
    k_h, k_w, c_in, c_out = args
    return f"case kernel {k_h}x{k_w}, c_in={c_in}, c_out={c_out}"


conv_param_count = HintedFunctionExercise(
    CHAPTER, "conv_param_count", "conv_param_count", points=1,
    description="weights of a Conv2D layer: (k_h * k_w * c_in + 1) * c_out",
    cases=_param_cases, reference=conv_param_count_reference, rtol=0, atol=0, describe_case=_describe_params,
    mistakes=[
        (lambda kh, kw, ci, co: kh * kw * ci * co, "each output channel also has one bias: add c_out."),
        (lambda kh, kw, ci, co: (kh * kw + 1) * co, "each kernel spans every input channel: it has k_h * k_w * c_in weights."),
        (lambda kh, kw, ci, co: (kh * kw + 1) * ci * co, "there is one bias per output channel, not one per (input, output) pair."),
    ],
)


# --------------------------------------------------------------------------
# 3. One-channel convolution with stride and padding
# --------------------------------------------------------------------------


def conv2d_single_reference(image, kernel, stride: int = 1, padding: int = 0):
    """Cross-correlation of a 2-D image with a 2-D kernel (no flip, as Keras's Conv2D), zero padding."""
    image = np.pad(np.asarray(image, dtype=np.float64), padding)
    kernel = np.asarray(kernel, dtype=np.float64)
    k_h, k_w = kernel.shape
    out_h = (image.shape[0] - k_h) // stride + 1
    out_w = (image.shape[1] - k_w) // stride + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            patch = image[i * stride:i * stride + k_h, j * stride:j * stride + k_w]
            out[i, j] = np.sum(patch * kernel)
    return out


def _single_cases(rng):
    f32 = np.float32
    return [
        (rng.normal(size=(6, 6)).astype(f32), rng.normal(size=(3, 3)).astype(f32), 1, 0),
        (rng.normal(size=(7, 9)).astype(f32), rng.normal(size=(3, 2)).astype(f32), 1, 0),   # not square
        (rng.normal(size=(8, 8)).astype(f32), rng.normal(size=(3, 3)).astype(f32), 1, 1),   # "same" padding
        (rng.normal(size=(9, 9)).astype(f32), rng.normal(size=(3, 3)).astype(f32), 2, 0),   # stride 2
        (rng.normal(size=(10, 7)).astype(f32), rng.normal(size=(4, 4)).astype(f32), 3, 2),  # all at once
    ]


def _describe_single(args):
    image, kernel, stride, padding = args
    return f"case image {image.shape}, kernel {kernel.shape}, stride={stride}, padding={padding}"


conv2d_single = HintedFunctionExercise(
    CHAPTER, "conv2d_single", "conv2d_single", points=2,
    description="one-channel 2-D convolution (cross-correlation) with stride and zero padding",
    cases=_single_cases, reference=conv2d_single_reference, rtol=1e-4, atol=1e-4, describe_case=_describe_single,
    mistakes=[
        (lambda x, k, s, p: conv2d_single_reference(x, k[::-1, ::-1], s, p),
         "the kernel is flipped: deep-learning 'convolution' (and Keras's Conv2D) is cross-correlation; slide the kernel as it is."),
        (lambda x, k, s, p: conv2d_single_reference(x, k, 1, p),
         "the stride is ignored: move the window by `stride` pixels, out[i, j] uses image[i*stride : i*stride + k_h, ...]."),
        (lambda x, k, s, p: conv2d_single_reference(x, k, s, 0),
         "the padding is ignored: surround the image with `padding` rows and columns of zeros first (np.pad)."),
    ],
)


# --------------------------------------------------------------------------
# 4. Multi-channel, multi-filter convolution (a Conv2D layer's forward pass)
# --------------------------------------------------------------------------


def conv2d_forward_reference(x, W, b, stride: int = 1, padding: int = 0):
    """Conv2D forward pass: x (N, H, W, C_in), W (k_h, k_w, C_in, C_out), b (C_out,) -> (N, H_out, W_out, C_out)."""
    x = np.asarray(x, dtype=np.float64)
    W = np.asarray(W, dtype=np.float64)
    x = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    k_h, k_w, _, c_out = W.shape
    out_h = (x.shape[1] - k_h) // stride + 1
    out_w = (x.shape[2] - k_w) // stride + 1
    out = np.empty((x.shape[0], out_h, out_w, c_out))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride:i * stride + k_h, j * stride:j * stride + k_w, :]
            out[:, i, j, :] = np.tensordot(patch, W, axes=([1, 2, 3], [0, 1, 2]))
    return out + np.asarray(b, dtype=np.float64)


def _forward_cases(rng):
    f32 = np.float32

    def case(n, h, w, c_in, k, c_out, stride, padding):
        return (rng.normal(size=(n, h, w, c_in)).astype(f32), rng.normal(size=(k, k, c_in, c_out)).astype(f32),
                rng.normal(size=(c_out,)).astype(f32), stride, padding)

    return [case(2, 6, 6, 1, 3, 2, 1, 0), case(3, 7, 7, 3, 3, 4, 1, 1), case(2, 9, 8, 2, 3, 5, 2, 1), case(1, 8, 8, 4, 2, 3, 2, 0)]


def _describe_forward(args):
    x, W, b, stride, padding = args
    return f"case x {x.shape}, W {W.shape}, stride={stride}, padding={padding}"


conv2d_forward = HintedFunctionExercise(
    CHAPTER, "conv2d_forward", "conv2d_forward", points=2,
    description="Conv2D forward pass over a batch: many input channels, many filters, bias, stride, padding",
    cases=_forward_cases, reference=conv2d_forward_reference, rtol=1e-4, atol=1e-4, describe_case=_describe_forward,
    mistakes=[
        (lambda x, W, b, s, p: conv2d_forward_reference(x, W, np.zeros_like(b), s, p), "the bias is missing: add b[c_out] to every output of filter c_out."),
        (lambda x, W, b, s, p: conv2d_forward_reference(x, W[::-1, ::-1], b, s, p),
         "the kernel is flipped: Keras's Conv2D slides the kernel as it is (cross-correlation)."),
        (lambda x, W, b, s, p: conv2d_forward_reference(x, W, b, 1, p), "the stride is ignored."),
        (lambda x, W, b, s, p: conv2d_forward_reference(x, W, b, s, 0), "the padding is ignored: pad height and width (not batch or channels) with zeros."),
    ],
)


# --------------------------------------------------------------------------
# 5. Max pooling
# --------------------------------------------------------------------------


def max_pool2d_reference(x, size: int = 2, stride: int | None = None):
    """Max pooling over height and width of x (N, H, W, C), window size x size, no padding."""
    x = np.asarray(x, dtype=np.float64)
    stride = size if stride is None else stride
    out_h = (x.shape[1] - size) // stride + 1
    out_w = (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j, :] = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :].max(axis=(1, 2))
    return out


def _average_pool(x, size=2, stride=None):
    x = np.asarray(x, dtype=np.float64)
    stride = size if stride is None else stride
    out_h, out_w = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j, :] = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :].mean(axis=(1, 2))
    return out


def _pool_cases(rng):
    f32 = np.float32
    return [
        (rng.normal(size=(2, 4, 4, 3)).astype(f32), 2, 2),
        (rng.normal(size=(1, 7, 7, 2)).astype(f32), 2, 2),    # odd size: the last row and column are dropped
        (rng.normal(size=(3, 9, 8, 1)).astype(f32), 3, 2),    # overlapping windows
        (-np.abs(rng.normal(size=(2, 6, 6, 2))).astype(f32), 2, 2),  # all negative: max is not 0
    ]


def _describe_pool(args):
    x, size, stride = args
    return f"case x {x.shape}, size={size}, stride={stride}"


max_pool2d = HintedFunctionExercise(
    CHAPTER, "max_pool2d", "max_pool2d", points=1,
    description="max pooling over each size x size window, per image and channel",
    cases=_pool_cases, reference=max_pool2d_reference, rtol=1e-6, atol=1e-6, describe_case=_describe_pool,
    mistakes=[
        (_average_pool, "that is average pooling: take the maximum of each window."),
        (lambda x, size, stride: max_pool2d_reference(x, size, size), "the stride is ignored: windows start every `stride` pixels."),
        (lambda x, size, stride: np.maximum(max_pool2d_reference(x, size, stride), 0), "the maximum of negative numbers is negative: do not start from 0."),
    ],
)


# --------------------------------------------------------------------------
# 6. A small CNN under a parameter budget
# --------------------------------------------------------------------------

SMALL_CNN_MAX_PARAMS = 100_000
SMALL_CNN_TRAIN = {"full": None, "ci": 2000}
SMALL_CNN_TEST = {"full": None, "ci": 1000}
SMALL_CNN_EPOCHS = {"full": 10, "ci": 1}
SMALL_CNN_BATCH = {"full": 128, "ci": 32}
#: Full-mode target, calibrated: the reference answer (80,602 parameters) scored 0.9009 in full mode
#: (2-core CPU, 2026-11-23), so 0.89 leaves it a point of margin against other seeds and machines.
SMALL_CNN_TARGET = {"full": 0.89, "ci": 0.60}


def _small_cnn_data():
    from course.data import load_fashion_mnist

    (x, y), (x_test, y_test) = load_fashion_mnist(n_train=sized(**SMALL_CNN_TRAIN), n_test=sized(**SMALL_CNN_TEST))
    return (x[..., None], y), (x_test[..., None], y_test)


def small_cnn_train(model) -> None:
    """Train the learner's compiled model on Fashion-MNIST images (N, 28, 28, 1) in [0, 1]."""
    from course.training import set_seed

    (x, y), _ = _small_cnn_data()
    set_seed(0)
    model.fit(x, y, epochs=sized(**SMALL_CNN_EPOCHS), batch_size=sized(**SMALL_CNN_BATCH), verbose=0)


def small_cnn_evaluate(model) -> float:
    """Test accuracy computed here from the model's predictions (no metric of the learner's is trusted)."""
    _, (x_test, y_test) = _small_cnn_data()
    probabilities = np.asarray(model.predict(x_test, batch_size=1000, verbose=0))
    return float(np.mean(probabilities.argmax(axis=-1) == y_test))


def build_small_cnn_reference():
    """About 81k weights: Conv 16 -> Pool -> Conv 32 -> Pool -> Dense 48 -> Dropout -> softmax."""
    import keras

    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(48, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ], name="small_cnn")
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


small_cnn = ModelExercise(
    CHAPTER, "small_cnn", "build_small_cnn", points=3,
    description=f"a compiled Keras CNN with at most {SMALL_CNN_MAX_PARAMS:,} parameters that reaches the target test accuracy",
    train=small_cnn_train, evaluate=small_cnn_evaluate, min_score=lambda: sized(**SMALL_CNN_TARGET),
    output_shape=(10,), output_activation="softmax", max_params=SMALL_CNN_MAX_PARAMS,
)


EXERCISES = [conv2d_single, conv_output_shape, conv2d_forward, conv_param_count, max_pool2d, small_cnn]

REFERENCES = {
    "conv_output_shape": conv_output_shape_reference,
    "conv_param_count": conv_param_count_reference,
    "conv2d_single": conv2d_single_reference,
    "conv2d_forward": conv2d_forward_reference,
    "max_pool2d": max_pool2d_reference,
}


def yours_or_reference(name: str, answer: Any) -> Callable:
    """Return the learner's function if it passes its check, else the course's reference (and say which).

    The notebook's story (comparing with Keras's Conv2D) uses it so that it runs
    on the learner's own code once it is right, and still runs before that.
    """
    exercise = {e.name: e for e in EXERCISES}[name]
    return core.yours_or_reference(exercise, answer, REFERENCES[name])
