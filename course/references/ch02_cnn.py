"""Reference answers of chapter 2 (convolutional networks), in notebook order.

Trusted side only: see :mod:`course.references` for who may import this.
Layouts follow Keras: images ``(batch, height, width, channels)``, kernels
``(k_h, k_w, c_in, c_out)``. The array functions compute in float64 whatever
they are given, so they are the yardstick for learners' float32 or float64
answers; the two counting functions return Python ints.
"""

from __future__ import annotations

import numpy as np


def conv2d_single(image, kernel, stride=1, padding=0):
    """Cross-correlation of a 2-D image (H, W) with a 2-D kernel (k_h, k_w), zero padding, as Keras's Conv2D (no flip)."""
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


def conv_output_shape(n, k, s=1, p=0):
    """floor((n + 2p - k) / s) + 1, as a Python int."""
    return int((n + 2 * p - k) // s + 1)


def conv2d_forward(x, W, b, stride=1, padding=0):
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


def conv_param_count(k_h, k_w, c_in, c_out):
    """(k_h * k_w * c_in + 1) * c_out: one k_h x k_w x c_in kernel and one bias per output channel, as a Python int."""
    return int((k_h * k_w * c_in + 1) * c_out)


def max_pool2d(x, size=2, stride=2):
    """Max pooling over height and width of x (N, H, W, C), size x size windows every ``stride`` pixels, no padding."""
    x = np.asarray(x, dtype=np.float64)
    out_h = (x.shape[1] - size) // stride + 1
    out_w = (x.shape[2] - size) // stride + 1
    out = np.empty((x.shape[0], out_h, out_w, x.shape[3]))
    for i in range(out_h):
        for j in range(out_w):
            out[:, i, j, :] = x[:, i * stride:i * stride + size, j * stride:j * stride + size, :].max(axis=(1, 2))
    return out



def build_small_cnn():
    """About 81k weights: Conv 16 -> Pool -> Conv 32 -> Pool -> Dense 48 -> Dropout -> softmax; Adam 2e-3."""
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
