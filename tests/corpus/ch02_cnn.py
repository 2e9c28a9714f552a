"""Chapter 2 answers as learners write them: right ones in other idioms, wrong ones with real mistakes."""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from corpus import correct, wrong

CH = "02_cnn"


def _right(exercise, name, answer, slow=False):
    return correct(CH, exercise, name, answer, slow=slow)


def _wrong(exercise, name, answer, why, hint=None, slow=False):
    return wrong(CH, exercise, name, answer, why, hint, slow=slow)


# --------------------------------------------------------------------------
# conv2d_single
# --------------------------------------------------------------------------


def single_windows_einsum(image, kernel, stride=1, padding=0):
    windows = sliding_window_view(np.pad(image, padding), kernel.shape)[::stride, ::stride]
    return np.einsum("ijuv,uv->ij", windows, kernel)


def single_zero_frame_four_loops(image, kernel, stride=1, padding=0):
    H, W = image.shape
    padded = np.zeros((H + 2 * padding, W + 2 * padding))
    padded[padding:padding + H, padding:padding + W] = image
    k_h, k_w = kernel.shape
    out = np.zeros(((H + 2 * padding - k_h) // stride + 1, (W + 2 * padding - k_w) // stride + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for u in range(k_h):
                for v in range(k_w):
                    out[i, j] += padded[i * stride + u, j * stride + v] * kernel[u, v]
    return out


def single_keras_ops(image, kernel, stride=1, padding=0):
    import keras

    padded = np.pad(image, padding).astype("float32")
    out = keras.ops.conv(padded[None, :, :, None], kernel.astype("float32")[:, :, None, None], strides=stride, padding="valid")
    return keras.ops.convert_to_numpy(out)[0, :, :, 0]


def single_float32_comprehension(image, kernel, stride=1, padding=0):
    image = np.pad(np.float32(image), padding)
    k_h, k_w = kernel.shape
    rows = range(0, image.shape[0] - k_h + 1, stride)
    cols = range(0, image.shape[1] - k_w + 1, stride)
    return np.array([[np.sum(image[r:r + k_h, c:c + k_w] * kernel) for c in cols] for r in rows], dtype=np.float32)


def _single(image, kernel, stride=1, padding=0, flip=False, patch_stride=None, transpose=False):
    """The notebook's loops, with switches for the mistakes below."""
    if flip:
        kernel = kernel[::-1, ::-1]
    if transpose:
        image = image.T
    image = np.pad(image, padding)
    k_h, k_w = kernel.shape
    out_h, out_w = (image.shape[0] - k_h) // stride + 1, (image.shape[1] - k_w) // stride + 1
    step = stride if patch_stride is None else patch_stride
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(image[i * step:i * step + k_h, j * step:j * step + k_w] * kernel)
    return out.T if transpose else out


def single_flipped(image, kernel, stride=1, padding=0):
    return _single(image, kernel, stride, padding, flip=True)


def single_no_stride(image, kernel, stride=1, padding=0):
    return _single(image, kernel, 1, padding)


def single_no_padding(image, kernel, stride=1, padding=0):
    return _single(image, kernel, stride, 0)


def single_stride_in_the_size_only(image, kernel, stride=1, padding=0):
    return _single(image, kernel, stride, padding, patch_stride=1)


def single_transposed_kernel(image, kernel, stride=1, padding=0):
    return _single(image, kernel, stride, padding, transpose=True)


def single_square_output(image, kernel, stride=1, padding=0):
    image = np.pad(image, padding)
    k = kernel.shape[0]
    size = (image.shape[0] - k) // stride + 1          # assumes a square image and kernel
    out = np.zeros((size, size))
    for i in range(size):
        for j in range(size):
            out[i, j] = np.sum(image[i * stride:i * stride + k, j * stride:j * stride + kernel.shape[1]] * kernel)
    return out


def single_nested_lists(image, kernel, stride=1, padding=0):
    return _single(image, kernel, stride, padding).tolist()


def single_borrowed(image, kernel, stride=1, padding=0):
    from course.references.ch02_cnn import conv2d_single

    return conv2d_single(image, kernel, stride, padding)


# --------------------------------------------------------------------------
# conv_output_shape
# --------------------------------------------------------------------------


def shape_math_floor(n, k, s=1, p=0):
    return math.floor((n + 2 * p - k) / s) + 1


def shape_truncating_int(n, k, s=1, p=0):
    return int((n + 2 * p - k) / s) + 1          # n + 2p >= k, so truncation is floor


def shape_count_positions(n, k, s=1, p=0):
    return len(range(0, n + 2 * p - k + 1, s))


def shape_numpy_int(n, k, s=1, p=0):
    return np.floor_divide(n + 2 * p - k, s) + 1


def shape_true_division(n, k, s=1, p=0):
    return (n + 2 * p - k) / s + 1


def shape_float_of_the_right_value(n, k, s=1, p=0):
    return float((n + 2 * p - k) // s + 1)


def shape_ceil(n, k, s=1, p=0):
    return math.ceil((n + 2 * p - k) / s) + 1


def shape_no_plus_one(n, k, s=1, p=0):
    return (n + 2 * p - k) // s


def shape_one_sided_padding(n, k, s=1, p=0):
    return (n + p - k) // s + 1


def shape_round(n, k, s=1, p=0):
    return round((n + 2 * p - k) / s) + 1


def shape_no_defaults(n, k, s, p):
    return (n + 2 * p - k) // s + 1


# --------------------------------------------------------------------------
# conv2d_forward
# --------------------------------------------------------------------------


def _pad_hw(x, padding):
    return np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))


def forward_windows_einsum(x, W, b, stride=1, padding=0):
    k_h, k_w = W.shape[:2]
    windows = sliding_window_view(_pad_hw(x, padding), (k_h, k_w), axis=(1, 2))[:, ::stride, ::stride]   # (N, H', W', C, k_h, k_w)
    return np.einsum("nijcuv,uvcd->nijd", windows, W) + b


def forward_im2col(x, W, b, stride=1, padding=0):
    x = _pad_hw(x, padding)
    k_h, k_w, c_in, c_out = W.shape
    out_h, out_w = (x.shape[1] - k_h) // stride + 1, (x.shape[2] - k_w) // stride + 1
    columns = np.stack([x[:, i * stride:i * stride + k_h, j * stride:j * stride + k_w, :].reshape(len(x), -1)
                        for i in range(out_h) for j in range(out_w)], axis=1)           # (N, positions, k_h*k_w*c_in)
    return (columns @ W.reshape(-1, c_out) + b).reshape(len(x), out_h, out_w, c_out)


def forward_filter_loop(x, W, b, stride=1, padding=0):
    x = _pad_hw(x, padding)
    k_h, k_w, _, c_out = W.shape
    out = np.zeros((x.shape[0], (x.shape[1] - k_h) // stride + 1, (x.shape[2] - k_w) // stride + 1, c_out))
    for c in range(c_out):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                patch = x[:, i * stride:i * stride + k_h, j * stride:j * stride + k_w, :]
                out[:, i, j, c] = np.sum(patch * W[:, :, :, c], axis=(1, 2, 3)) + b[c]
    return out


def forward_keras_ops(x, W, b, stride=1, padding=0):
    import keras

    out = keras.ops.conv(_pad_hw(x, padding).astype("float32"), W.astype("float32"), strides=stride, padding="valid")
    return keras.ops.convert_to_numpy(out) + b.astype("float32")


def _forward(x, W, b, stride=1, padding=0, bias=True, pad_all=False):
    x = np.pad(x, padding) if pad_all else _pad_hw(x, padding)
    k_h, k_w, _, c_out = W.shape
    out = np.zeros((x.shape[0], (x.shape[1] - k_h) // stride + 1, (x.shape[2] - k_w) // stride + 1, c_out))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j, :] = np.tensordot(x[:, i * stride:i * stride + k_h, j * stride:j * stride + k_w, :], W, axes=3)
    return out + b if bias else out


def forward_no_bias(x, W, b, stride=1, padding=0):
    return _forward(x, W, b, stride, padding, bias=False)


def forward_flipped(x, W, b, stride=1, padding=0):
    return _forward(x, W[::-1, ::-1], b, stride, padding)


def forward_no_stride(x, W, b, stride=1, padding=0):
    return _forward(x, W, b, 1, padding)


def forward_no_padding(x, W, b, stride=1, padding=0):
    return _forward(x, W, b, stride, 0)


def forward_kernel_axes_swapped(x, W, b, stride=1, padding=0):
    return _forward(x.transpose(0, 2, 1, 3), W, b, stride, padding).transpose(0, 2, 1, 3)


def forward_pads_every_axis(x, W, b, stride=1, padding=0):
    return _forward(x, W, b, stride, padding, pad_all=True)


def forward_reshapes_b_in_place(x, W, b, stride=1, padding=0):
    b.shape = (1, 1, 1, len(b))          # "make b broadcast over (N, H, W, C)": changes the caller's array
    return _forward(x, W, b, stride, padding)


def forward_bias_sum(x, W, b, stride=1, padding=0):
    return _forward(x, W, b, stride, padding, bias=False) + b.sum()


# --------------------------------------------------------------------------
# conv_param_count
# --------------------------------------------------------------------------


def params_expanded(k_h, k_w, c_in, c_out):
    return k_h * k_w * c_in * c_out + c_out


def params_numpy_prod(k_h, k_w, c_in, c_out):
    return int(np.prod([k_h, k_w, c_in]) + 1) * c_out


def params_keras_layer(k_h, k_w, c_in, c_out):
    import keras

    layer = keras.layers.Conv2D(c_out, (k_h, k_w))
    layer.build((None, k_h + 4, k_w + 4, c_in))
    return layer.count_params()


def params_no_bias(k_h, k_w, c_in, c_out):
    return k_h * k_w * c_in * c_out


def params_one_bias(k_h, k_w, c_in, c_out):
    return k_h * k_w * c_in * c_out + 1


def params_no_c_in(k_h, k_w, c_in, c_out):
    return (k_h * k_w + 1) * c_out


def params_square_kernel(k_h, k_w, c_in, c_out):
    return (k_h * k_h * c_in + 1) * c_out


def params_channels_swapped(k_h, k_w, c_in, c_out):
    return (k_h * k_w * c_out + 1) * c_in


def params_float(k_h, k_w, c_in, c_out):
    return (k_h * k_w * c_in + 1.0) * c_out


# --------------------------------------------------------------------------
# max_pool2d
# --------------------------------------------------------------------------


def pool_windows(x, size=2, stride=2):
    return sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride].max(axis=(-2, -1))


def pool_four_loops(x, size=2, stride=2):
    n, h, w, c = x.shape
    out = np.empty((n, (h - size) // stride + 1, (w - size) // stride + 1, c))
    for a in range(n):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                for d in range(c):
                    out[a, i, j, d] = x[a, i * stride:i * stride + size, j * stride:j * stride + size, d].max()
    return out


def pool_keras_ops(x, size=2, stride=2):
    import keras

    return keras.ops.convert_to_numpy(keras.ops.max_pool(x.astype("float32"), pool_size=size, strides=stride, padding="valid"))


def pool_running_maximum(x, size=2, stride=2):
    out_h, out_w = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    out = np.full((x.shape[0], out_h, out_w, x.shape[3]), -np.inf)
    for u in range(size):
        for v in range(size):
            out = np.maximum(out, x[:, u:u + stride * (out_h - 1) + 1:stride, v:v + stride * (out_w - 1) + 1:stride])
    return out


def _pool(x, size, stride, reduce=np.max, start=None, patch_stride=None):
    out_h, out_w = (x.shape[1] - size) // stride + 1, (x.shape[2] - size) // stride + 1
    step = stride if patch_stride is None else patch_stride
    out = np.zeros((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * step:i * step + size, j * step:j * step + size]
            out[:, i, j] = reduce(window, axis=(1, 2)) if start is None else np.maximum(start, window.max(axis=(1, 2)))
    return out


def pool_average(x, size=2, stride=2):
    return _pool(x, size, stride, reduce=np.mean)


def pool_reshape_trick(x, size=2, stride=2):
    n, h, w, c = x.shape
    h, w = h // size, w // size                       # windows side by side: right only when stride == size
    return x[:, :h * size, :w * size].reshape(n, h, size, w, size, c).max(axis=(2, 4))


def pool_from_zero(x, size=2, stride=2):
    return _pool(x, size, stride, start=0.0)


def pool_stride_in_the_size_only(x, size=2, stride=2):
    return _pool(x, size, stride, patch_stride=1)


def pool_over_channels_too(x, size=2, stride=2):
    return _pool(x, size, stride).max(axis=-1, keepdims=True)


def pool_list(x, size=2, stride=2):
    return pool_four_loops(x, size, stride).tolist()


# --------------------------------------------------------------------------
# small_cnn (each builds and compiles; the checker trains on its budget)
# --------------------------------------------------------------------------


def _compile(model, loss="sparse_categorical_crossentropy", learning_rate=2e-3):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def _features(keras):
    """Conv 16 -> Pool -> Conv 32 -> Pool -> Flatten -> Dense 48: the feature extractor the cases share (about 80k weights)."""
    return [keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(16, 3, padding="same", activation="relu"), keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"), keras.layers.MaxPooling2D(), keras.layers.Flatten(),
            keras.layers.Dense(48, activation="relu")]


def cnn_tf_nn_softmax():
    import keras
    import tensorflow as tf

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10, activation=tf.nn.softmax)]))


def cnn_softmax_layer():
    import keras

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10), keras.layers.Softmax()]))


def cnn_subclassed():
    import keras

    class SmallCNN(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv1 = keras.layers.Conv2D(16, 3, padding="same", activation="relu")
            self.conv2 = keras.layers.Conv2D(32, 3, padding="same", activation="relu")
            self.pool = keras.layers.MaxPooling2D()
            self.flatten = keras.layers.Flatten()
            self.hidden = keras.layers.Dense(48, activation="relu")
            self.out = keras.layers.Dense(10, activation="softmax")

        def call(self, x):
            return self.out(self.hidden(self.flatten(self.pool(self.conv2(self.pool(self.conv1(x)))))))

    return _compile(SmallCNN())


def cnn_from_logits_on_softmax():
    import keras

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10, activation="softmax")]),
                    loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def cnn_mse():
    import keras

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10, activation="softmax")]), loss="mse")


def cnn_no_softmax():
    import keras

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10)]))


def cnn_without_convolution():
    import keras

    return _compile(keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(96, activation="relu"),
                                      keras.layers.Dense(10, activation="softmax")]))


def cnn_over_budget():
    import keras

    return _compile(keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
                                      keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
                                      keras.layers.Dense(10, activation="softmax")]))


def cnn_not_compiled():
    import keras

    return keras.Sequential(_features(keras) + [keras.layers.Dense(10, activation="softmax")])


def cnn_one_hot_loss():
    import keras

    return _compile(keras.Sequential(_features(keras) + [keras.layers.Dense(10, activation="softmax")]), loss="categorical_crossentropy")


def cnn_two_filters():
    """Two 3x3 filters and 4x4 pooling before the softmax: far under 89% after full training (course.references.ch02_calibration)."""
    import keras

    return _compile(keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(2, 3, padding="same", activation="relu"),
                                      keras.layers.MaxPooling2D(4), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")]),
                    learning_rate=1e-3)


def cnn_course_builder():
    from course.models import build_cnn_bn

    return _compile(build_cnn_bn(filters=(8, 16), dense=16))


# --------------------------------------------------------------------------

CASES = [
    # conv2d_single
    _right("conv2d_single", "sliding_window_view and einsum", single_windows_einsum),
    _right("conv2d_single", "a zero frame and four loops", single_zero_frame_four_loops),
    _right("conv2d_single", "keras.ops.conv on the padded image", single_keras_ops),
    _right("conv2d_single", "float32 list comprehension over window starts", single_float32_comprehension),
    _wrong("conv2d_single", "flips the kernel (true convolution)", single_flipped, "values", hint="the kernel is flipped"),
    _wrong("conv2d_single", "ignores the stride", single_no_stride, "values", hint="the stride is ignored"),
    _wrong("conv2d_single", "ignores the padding", single_no_padding, "values", hint="the padding is ignored"),
    _wrong("conv2d_single", "strides the output size but not the window", single_stride_in_the_size_only, "values",
           hint="must also move by `stride`"),
    _wrong("conv2d_single", "swaps the kernel's rows and columns", single_transposed_kernel, "values", hint="the kernel is used transposed"),
    _wrong("conv2d_single", "assumes a square image", single_square_output, "values", hint="wrong shape"),
    _wrong("conv2d_single", "returns nested lists", single_nested_lists, "type", hint="return a NumPy float array; got a list of lists"),
    _wrong("conv2d_single", "calls the course's conv2d_single", single_borrowed, "reference",
           hint="`course.references.ch02_cnn.conv2d_single`"),
    # conv_output_shape
    _right("conv_output_shape", "math.floor of the true quotient", shape_math_floor),
    _right("conv_output_shape", "int() truncation", shape_truncating_int),
    _right("conv_output_shape", "counts the window positions with range", shape_count_positions),
    _right("conv_output_shape", "np.floor_divide (a NumPy int)", shape_numpy_int),
    _wrong("conv_output_shape", "true division", shape_true_division, "type", hint="use floor division //"),
    _wrong("conv_output_shape", "a float of the right value", shape_float_of_the_right_value, "type",
           hint="return an int; got a Python float (the values are right"),
    _wrong("conv_output_shape", "ceil instead of floor", shape_ceil, "values", hint="not ceil"),
    _wrong("conv_output_shape", "forgets the + 1", shape_no_plus_one, "values", hint="add 1"),
    _wrong("conv_output_shape", "pads one side only", shape_one_sided_padding, "values", hint="n + 2p"),
    _wrong("conv_output_shape", "rounds the quotient", shape_round, "values", hint="not round"),
    _wrong("conv_output_shape", "no default stride and padding", shape_no_defaults, "error", hint="raised TypeError"),
    # conv2d_forward
    _right("conv2d_forward", "sliding_window_view and einsum", forward_windows_einsum),
    _right("conv2d_forward", "im2col and one matrix product", forward_im2col),
    _right("conv2d_forward", "a loop over filters and positions", forward_filter_loop),
    _right("conv2d_forward", "keras.ops.conv on the padded batch", forward_keras_ops),
    _wrong("conv2d_forward", "forgets the bias", forward_no_bias, "values", hint="the bias is missing"),
    _wrong("conv2d_forward", "adds the sum of the biases", forward_bias_sum, "values", hint="not the sum of all biases"),
    _wrong("conv2d_forward", "flips the kernel", forward_flipped, "values", hint="the kernel is flipped"),
    _wrong("conv2d_forward", "ignores the stride", forward_no_stride, "values", hint="the stride is ignored"),
    _wrong("conv2d_forward", "ignores the padding", forward_no_padding, "values", hint="the padding is ignored"),
    _wrong("conv2d_forward", "swaps the kernel's height and width", forward_kernel_axes_swapped, "values", hint="(k_h, k_w)"),
    _wrong("conv2d_forward", "pads the batch and channel axes too", forward_pads_every_axis, "error", hint="raised ValueError"),
    _wrong("conv2d_forward", "reshapes b in place", forward_reshapes_b_in_place, "in place", hint="changed its argument b in place"),
    # conv_param_count
    _right("conv_param_count", "weights plus one bias per filter", params_expanded),
    _right("conv_param_count", "np.prod of the kernel's shape", params_numpy_prod),
    _right("conv_param_count", "count_params of a Keras Conv2D", params_keras_layer),
    _wrong("conv_param_count", "forgets the biases", params_no_bias, "values", hint="add c_out"),
    _wrong("conv_param_count", "one bias for the layer", params_one_bias, "values", hint="add c_out, not 1"),
    _wrong("conv_param_count", "ignores the input channels", params_no_c_in, "values", hint="k_h * k_w * c_in weights"),
    _wrong("conv_param_count", "assumes a square kernel", params_square_kernel, "values", hint="need not be square"),
    _wrong("conv_param_count", "swaps c_in and c_out", params_channels_swapped, "values", hint="c_in and c_out are swapped"),
    _wrong("conv_param_count", "returns a float", params_float, "type", hint="return an int; got a Python float"),
    # max_pool2d
    _right("max_pool2d", "sliding_window_view and max", pool_windows),
    _right("max_pool2d", "four loops", pool_four_loops),
    _right("max_pool2d", "keras.ops.max_pool", pool_keras_ops),
    _right("max_pool2d", "a running maximum over strided slices", pool_running_maximum),
    _wrong("max_pool2d", "average pooling", pool_average, "values", hint="that is average pooling"),
    _wrong("max_pool2d", "the reshape trick that assumes stride == size", pool_reshape_trick, "values", hint="the stride is ignored"),
    _wrong("max_pool2d", "starts the maximum from 0", pool_from_zero, "values", hint="do not start from 0"),
    _wrong("max_pool2d", "strides the output size but not the window", pool_stride_in_the_size_only, "values",
           hint="must start at row i*stride"),
    _wrong("max_pool2d", "also takes the maximum over channels", pool_over_channels_too, "values", hint="wrong shape"),
    _wrong("max_pool2d", "returns nested lists", pool_list, "type", hint="got a list of lists"),
    # small_cnn
    _right("small_cnn", "Dense(10, activation=tf.nn.softmax)", cnn_tf_nn_softmax, slow=True),
    _right("small_cnn", "Dense(10) then keras.layers.Softmax()", cnn_softmax_layer, slow=True),
    _right("small_cnn", "a subclassed keras.Model", cnn_subclassed, slow=True),
    _wrong("small_cnn", "from_logits=True on a softmax output", cnn_from_logits_on_softmax, "loss", hint="drop from_logits=True"),
    _wrong("small_cnn", "mean squared error", cnn_mse, "loss", hint="mean squared error"),
    _wrong("small_cnn", "categorical_crossentropy with integer labels", cnn_one_hot_loss, "loss", hint="one-hot"),
    _wrong("small_cnn", "no softmax at the output", cnn_no_softmax, "output", hint="not probabilities"),
    _wrong("small_cnn", "no convolution at all", cnn_without_convolution, "form", hint="the model has no convolution layer"),
    _wrong("small_cnn", "over the parameter budget", cnn_over_budget, "size", hint="the budget is 100,000"),
    _wrong("small_cnn", "not compiled", cnn_not_compiled, "not compiled", hint="not compiled"),
    _wrong("small_cnn", "two filters and 4x4 pooling", cnn_two_filters, "accuracy", hint="below the target", slow=True),
    _wrong("small_cnn", "the course's build_cnn_bn", cnn_course_builder, "reference", hint="`course.models.build_cnn_bn`"),
]
