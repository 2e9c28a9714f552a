"""Reference answers of chapter 1 (multilayer perceptrons), in notebook order.

Trusted side only: see :mod:`course.references` for who may import this.
Each function computes in float64 whatever it is given, so it is the yardstick
the checkers compare learners' float32 or float64 answers with.
"""

from __future__ import annotations

import numpy as np

#: Probabilities are clipped to [EPS, 1] before the log in cross-entropy (Keras uses the same epsilon).
EPS = 1e-7


def relu(z):
    """max(z, 0) element-wise, float64."""
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)


def relu_derivative(z):
    """1.0 where z > 0, else 0.0 (0 at exactly 0, as TensorFlow), float64."""
    return (np.asarray(z) > 0).astype(np.float64)


def softmax(z):
    """Row-wise softmax that does not overflow: subtract each row's maximum first."""
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def dense_forward(X, W, b, activation):
    """activation(X W + b) for a batch; activation is "relu", "softmax" or "linear"."""
    z = np.asarray(X, np.float64) @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
    if activation == "relu":
        return relu(z)
    if activation == "softmax":
        return softmax(z)
    return z


def cross_entropy(probs, labels):
    """Mean of -log(clip(p[i, labels[i]], EPS, 1)) over the batch, as a Python float."""
    p = np.asarray(probs, np.float64)
    picked = p[np.arange(len(p)), np.asarray(labels).astype(int)]
    return float(-np.mean(np.log(np.clip(picked, EPS, 1.0))))


def forward(params, X):
    """Forward pass of the chapter's NumPy network; returns (Z1, H, P)."""
    X = np.asarray(X, np.float64)
    Z1 = X @ np.asarray(params["W1"], np.float64) + np.asarray(params["b1"], np.float64)
    H = np.maximum(Z1, 0.0)
    P = softmax(H @ np.asarray(params["W2"], np.float64) + np.asarray(params["b2"], np.float64))
    return Z1, H, P


def backprop_step(params, X, y):
    """Gradients of the mean cross-entropy of softmax(relu(X W1 + b1) W2 + b2) w.r.t. W1, b1, W2, b2."""
    X = np.asarray(X, np.float64)
    n = len(X)
    Z1, H, P = forward(params, X)
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


def backprop_missing_relu_derivative(params, X, y):
    """A buggy backprop for the notebook's gradient-check demo: dZ1 = dH, without the (Z1 > 0) mask."""
    grads = backprop_step(params, X, y)
    _, _, P = forward(params, X)
    dZ2 = P.copy()
    dZ2[np.arange(len(P)), np.asarray(y).astype(int)] -= 1.0
    dH = dZ2 / len(P) @ np.asarray(params["W2"], np.float64).T
    return {**grads, "dW1": np.asarray(X, np.float64).T @ dH, "db1": dH.sum(axis=0)}


def build_my_mlp():
    """A compiled Keras MLP for flattened Fashion-MNIST: Dense 256-128 ReLU, softmax, Adam 1e-3."""
    import keras

    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def dropout(h, rate, rng, training):
    """Inverted dropout: in training, zero each entry with probability ``rate`` and scale the rest by 1 / (1 - rate).

    At inference (``training`` false) ``h`` comes back unchanged. The mask is drawn from ``rng``.
    """
    h = np.asarray(h, np.float64)
    if not training:
        return h.copy()
    keep = rng.random(h.shape) >= rate
    return np.where(keep, h / (1.0 - rate), 0.0)
