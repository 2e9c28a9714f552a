"""Chapter 1 answers as learners write them: right ones in other idioms, wrong ones with real mistakes."""

from __future__ import annotations

import functools
import math

import numpy as np

from corpus import correct, wrong

CH = "01_mlp"


def _right(exercise, name, answer, slow=False):
    return correct(CH, exercise, name, answer, slow=slow)


def _wrong(exercise, name, answer, why, hint=None, slow=False):
    return wrong(CH, exercise, name, answer, why, hint, slow=slow)


def _references():
    from course.references import ch01_mlp

    return ch01_mlp


# --------------------------------------------------------------------------
# relu
# --------------------------------------------------------------------------


def relu_where(z):
    return np.where(z > 0, z, 0.0)


def relu_mask_product(z):
    return z * (z > 0)


def relu_clip(z):
    return np.clip(z, 0, None)


def relu_loop(z):
    out = np.empty_like(z)
    for index in np.ndindex(z.shape):
        out[index] = z[index] if z[index] > 0 else 0.0
    return out


def relu_copy_then_zero(z):
    out = z.copy()
    out[out < 0] = 0
    return out


def relu_float32(z):
    return np.maximum(np.asarray(z, np.float32), np.float32(0))


def relu_abs(z):
    return np.abs(z)


def relu_in_place(z):
    z[z < 0] = 0
    return z


def relu_identity(z):
    return z  # negative inputs pass through


def relu_booleans(z):
    return z > 0


def relu_min(z):
    return np.minimum(z, 0)


def relu_list(z):
    return np.maximum(z, 0).tolist()


def relu_leaky(z):
    return np.where(z > 0, z, 0.01 * z)


def relu_borrowed(z):
    from course.references.ch01_mlp import relu

    return relu(z)


# --------------------------------------------------------------------------
# relu_derivative
# --------------------------------------------------------------------------


def relu_derivative_where(z):
    return np.where(z > 0, 1.0, 0.0)


def relu_derivative_heaviside(z):
    return np.heaviside(z, 0.0)


def relu_derivative_times_one(z):
    return (z > 0) * 1.0


def relu_derivative_float32(z):
    return np.greater(z, 0).astype(np.float32)


def relu_derivative_booleans(z):
    return z > 0


def relu_derivative_at_zero_one(z):
    return (z >= 0).astype(float)


def relu_derivative_sign(z):
    return np.sign(z)


def relu_derivative_ints(z):
    return (z > 0).astype(int)


def relu_derivative_is_relu(z):
    return np.maximum(z, 0)


# --------------------------------------------------------------------------
# softmax
# --------------------------------------------------------------------------


def softmax_newaxis(z):
    e = np.exp(z - np.max(z, axis=1)[:, np.newaxis])
    return e / np.sum(e, axis=1)[:, np.newaxis]


def softmax_rows_loop(z):
    out = np.zeros_like(z, dtype=float)
    for i, row in enumerate(z):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def softmax_logsumexp(z):
    m = z.max(axis=-1, keepdims=True)
    log_sum = m + np.log(np.exp(z - m).sum(axis=-1, keepdims=True))
    return np.exp(z - log_sum)


def softmax_einsum_float32(z):
    z = np.asarray(z, np.float32)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / np.einsum("ij->i", e)[:, None]


def softmax_keras_ops(z):
    import keras

    return np.asarray(keras.ops.softmax(z, axis=-1))


def _shifted_softmax(shift):
    def softmax(z):
        e = np.exp(z - shift(z))
        return e / e.sum(axis=-1, keepdims=True)
    return softmax


softmax_row_min = _shifted_softmax(lambda z: z.min(axis=-1, keepdims=True))
softmax_row_mean = _shifted_softmax(lambda z: z.mean(axis=-1, keepdims=True))
softmax_global_max = _shifted_softmax(lambda z: z.max())
softmax_naive = _shifted_softmax(lambda z: 0.0)


def softmax_columns(z):
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def softmax_no_keepdims(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1)


def softmax_tensor(z):
    import tensorflow as tf

    return tf.nn.softmax(z, axis=-1)


def softmax_partial_reference(z):
    return functools.partial(_references().softmax)(z)


# --------------------------------------------------------------------------
# dense_forward
# --------------------------------------------------------------------------


def _my_relu(z):
    return np.maximum(z, 0)


def _my_softmax(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def dense_dot_dict(X, W, b, activation):
    activations = {"relu": _my_relu, "softmax": _my_softmax, "linear": lambda z: z}
    return activations[activation](np.dot(X, W) + b)


def dense_einsum(X, W, b, activation):
    Z = np.einsum("nd,dm->nm", X, W) + b[None, :]
    if activation == "relu":
        return np.where(Z > 0, Z, 0)
    if activation == "softmax":
        return _my_softmax(Z)
    return Z


def dense_rows_loop(X, W, b, activation):
    Z = np.stack([x @ W + b for x in X])
    return {"relu": _my_relu, "softmax": _my_softmax}.get(activation, lambda z: z)(Z)


def dense_float32(X, W, b, activation):
    Z = np.matmul(X.astype(np.float32), W.astype(np.float32)) + b.astype(np.float32)
    return _my_relu(Z) if activation == "relu" else _my_softmax(Z) if activation == "softmax" else Z


def dense_no_bias(X, W, b, activation):
    Z = X @ W
    return _my_relu(Z) if activation == "relu" else _my_softmax(Z) if activation == "softmax" else Z


def dense_no_activation(X, W, b, activation):
    return X @ W + b


def dense_bias_after(X, W, b, activation):
    Z = X @ W
    return (_my_relu(Z) if activation == "relu" else _my_softmax(Z) if activation == "softmax" else Z) + b


def dense_transposed(X, W, b, activation):
    Z = X @ W.T + b
    return _my_relu(Z) if activation == "relu" else _my_softmax(Z) if activation == "softmax" else Z


def dense_softmax_columns(X, W, b, activation):
    Z = X @ W + b
    return _my_relu(Z) if activation == "relu" else softmax_columns(Z) if activation == "softmax" else Z


def dense_reshapes_b_in_place(X, W, b, activation):
    b.shape = (1, len(b))          # "make b a row vector": changes the caller's array
    Z = X @ W + b
    return _my_relu(Z) if activation == "relu" else _my_softmax(Z) if activation == "softmax" else Z


# --------------------------------------------------------------------------
# cross_entropy
# --------------------------------------------------------------------------


def cross_entropy_take_along(probs, labels):
    picked = np.take_along_axis(probs, labels[:, None], axis=1)[:, 0]
    return float(np.mean(-np.log(np.clip(picked, 1e-7, 1.0))))


def cross_entropy_one_hot(probs, labels):
    Y = np.eye(probs.shape[1])[labels]
    return float(-np.sum(Y * np.log(np.clip(probs, 1e-7, 1.0))) / len(labels))


def cross_entropy_loop(probs, labels):
    total = 0.0
    for p, y in zip(probs, labels):
        total -= math.log(max(float(p[y]), 1e-7))
    return total / len(labels)


def cross_entropy_float32_scalar(probs, labels):
    picked = np.asarray(probs, np.float32)[np.arange(len(labels)), labels]
    return -np.log(np.maximum(picked, np.float32(1e-7))).mean()


def cross_entropy_sum(probs, labels):
    return float(-np.sum(np.log(np.clip(probs[np.arange(len(probs)), labels], 1e-7, 1.0))))


def cross_entropy_no_minus(probs, labels):
    return float(np.mean(np.log(np.clip(probs[np.arange(len(probs)), labels], 1e-7, 1.0))))


def cross_entropy_all_classes(probs, labels):
    return float(-np.mean(np.sum(np.log(np.clip(probs, 1e-7, 1.0)), axis=1)))


def cross_entropy_unclipped(probs, labels):
    with np.errstate(divide="ignore"):
        return float(-np.mean(np.log(probs[np.arange(len(probs)), labels])))


def cross_entropy_log10(probs, labels):
    return float(-np.mean(np.log10(np.clip(probs[np.arange(len(probs)), labels], 1e-7, 1.0))))


def cross_entropy_array(probs, labels):
    return -np.mean(np.log(np.clip(probs[np.arange(len(probs)), labels], 1e-7, 1.0)), keepdims=True)


def cross_entropy_clips_in_place(probs, labels):
    np.clip(probs, 1e-7, 1.0, out=probs)
    return float(-np.mean(np.log(probs[np.arange(len(probs)), labels])))


# --------------------------------------------------------------------------
# backprop_step
# --------------------------------------------------------------------------


def _grads(params, X, y, *, sum_loss=False, db_mean=False, mask=True, subtract_y=True, at_zero=False):
    """The notebook's backprop with switches for the mistakes below."""
    N = len(X)
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0)
    P = _my_softmax(H @ params["W2"] + params["b2"])
    Y = np.zeros_like(P)
    Y[np.arange(N), y] = 1.0
    dZ2 = (P - Y) if subtract_y else P
    if not sum_loss:
        dZ2 = dZ2 / N
    dW2 = H.T @ dZ2
    db2 = dZ2.mean(axis=0) if db_mean else dZ2.sum(axis=0)
    dH = dZ2 @ params["W2"].T
    dZ1 = dH * ((Z1 >= 0) if at_zero else (Z1 > 0)) if mask else dH
    dW1 = X.T @ dZ1
    db1 = dZ1.mean(axis=0) if db_mean else dZ1.sum(axis=0)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}


def backprop_eye_one_hot(params, X, y):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = X @ W1 + b1
    H = np.where(Z1 > 0, Z1, 0)
    P = _my_softmax(H @ W2 + b2)
    dZ2 = (P - np.eye(W2.shape[1])[y]) / len(X)
    dZ1 = (dZ2 @ W2.T) * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": H.T @ dZ2, "db2": dZ2.sum(0)}


def backprop_einsum_float64(params, X, y):
    p = {k: np.asarray(v, np.float64) for k, v in params.items()}
    X = np.asarray(X, np.float64)
    Z1 = np.einsum("nd,dh->nh", X, p["W1"]) + p["b1"]
    H = np.maximum(Z1, 0)
    P = _my_softmax(np.einsum("nh,hk->nk", H, p["W2"]) + p["b2"])
    dZ2 = P.copy()
    np.subtract.at(dZ2, (np.arange(len(X)), y), 1.0)
    dZ2 /= len(X)
    dZ1 = np.einsum("nk,hk->nh", dZ2, p["W2"]) * (Z1 > 0)
    return {"dW1": np.einsum("nd,nh->dh", X, dZ1), "db1": dZ1.sum(axis=0), "dW2": np.einsum("nh,nk->hk", H, dZ2), "db2": dZ2.sum(axis=0)}


def backprop_per_example_loop(params, X, y):
    grads = {name: np.zeros_like(params[name[1:]], dtype=float) for name in ("dW1", "db1", "dW2", "db2")}
    for x, label in zip(X, y):
        z1 = x @ params["W1"] + params["b1"]
        h = np.maximum(z1, 0)
        p = _my_softmax((h @ params["W2"] + params["b2"])[None, :])[0]
        dz2 = p.copy()
        dz2[label] -= 1
        dz1 = (params["W2"] @ dz2) * (z1 > 0)
        grads["dW2"] += np.outer(h, dz2)
        grads["db2"] += dz2
        grads["dW1"] += np.outer(x, dz1)
        grads["db1"] += dz1
    return {name: g / len(X) for name, g in grads.items()}


def backprop_on_a_copy(params, X, y):
    params = {k: v.copy() for k, v in params.items()}
    params["b1"] += 0.0          # works on its own copy: allowed
    return _grads(params, X, y)


def backprop_summed(params, X, y):
    return _grads(params, X, y, sum_loss=True)


def backprop_updates_params(params, X, y):
    grads = _grads(params, X, y)
    for name in ("W1", "b1", "W2", "b2"):
        params[name] -= 0.1 * grads["d" + name]   # "trains" inside the function
    return grads


def backprop_db_mean(params, X, y):
    return _grads(params, X, y, db_mean=True)


def backprop_no_relu_derivative(params, X, y):
    return _grads(params, X, y, mask=False)


def backprop_mask_at_zero(params, X, y):
    return _grads(params, X, y, at_zero=True)


def backprop_forgets_y(params, X, y):
    return _grads(params, X, y, subtract_y=False)


def backprop_dW2_transposed(params, X, y):
    grads = _grads(params, X, y)
    return {**grads, "dW2": grads["dW2"].T}


def backprop_tuple(params, X, y):
    grads = _grads(params, X, y)
    return grads["dW1"], grads["db1"], grads["dW2"], grads["db2"]


def backprop_reference_forward(params, X, y):
    from course.checks import ch01_mlp as check

    _, H, P = _references().forward(params, X)
    del check
    Y = np.eye(P.shape[1])[y]
    dZ2 = (P - Y) / len(X)
    Z1 = X @ params["W1"] + params["b1"]
    dZ1 = dZ2 @ params["W2"].T * (Z1 > 0)
    return {"dW1": X.T @ dZ1, "db1": dZ1.sum(0), "dW2": H.T @ dZ2, "db2": dZ2.sum(0)}


# --------------------------------------------------------------------------
# keras_mlp (each builds and compiles; the checker trains on its budget)
# --------------------------------------------------------------------------


def _compile(model, loss="sparse_categorical_crossentropy", learning_rate=1e-3):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=loss, metrics=["accuracy"])
    return model


def mlp_tf_nn_softmax():
    import keras
    import tensorflow as tf

    return _compile(keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10, activation=tf.nn.softmax),
    ]))


def mlp_softmax_layer():
    import keras

    return _compile(keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dense(10),
        keras.layers.Softmax(),
    ]))


def mlp_functional_loss_object():
    import keras

    inputs = keras.Input(shape=(784,))
    h = keras.layers.Dense(256, activation=keras.activations.relu)(inputs)
    h = keras.layers.Dense(128, activation="relu")(h)
    outputs = keras.layers.Dense(10, activation=keras.activations.softmax)(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(), metrics=["sparse_categorical_accuracy"])
    return model


def mlp_subclassed():
    import keras

    class MyMLP(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden1 = keras.layers.Dense(256, activation="relu")
            self.hidden2 = keras.layers.Dense(128, activation="relu")
            self.out = keras.layers.Dense(10, activation="softmax")

        def call(self, x):
            return self.out(self.hidden2(self.hidden1(x)))

    return _compile(MyMLP())


def mlp_from_logits_on_softmax():
    import keras

    model = mlp_softmax_layer()
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def mlp_mse():
    import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax")])
    return _compile(model, loss="mse")


def mlp_linear_output():
    import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
    return _compile(model)


def mlp_logits_with_from_logits():
    import keras

    model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10)])
    return _compile(model, loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))


def mlp_one_hot_loss():
    model = mlp_tf_nn_softmax()
    return _compile(model, loss="categorical_crossentropy")


def mlp_five_outputs():
    import keras

    return _compile(keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(5, activation="softmax")]))


def mlp_not_compiled():
    import keras

    return keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10, activation="softmax")])


def mlp_learning_rate_far_too_small():
    model = mlp_tf_nn_softmax()
    return _compile(model, learning_rate=1e-6)


def mlp_linear_model():
    """Softmax regression, no hidden layer: about 84% after full training, well under 87%."""
    import keras

    return _compile(keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, activation="softmax")]))


def mlp_course_builder():
    from course.models import build_mlp
    from course.training import compile_classifier

    return compile_classifier(build_mlp(784, hidden=(256, 128)), "adam", 1e-3, jit_compile=False)


# --------------------------------------------------------------------------
# dropout (inverted dropout; the mask comes from rng)
# --------------------------------------------------------------------------


def dropout_uniform_mask(h, rate, rng, training):
    if not training:
        return h
    mask = rng.random(h.shape) >= rate
    return h * mask / (1 - rate)


def dropout_binomial_where(h, rate, rng, training):
    if training:
        keep = rng.binomial(1, 1 - rate, size=h.shape).astype(bool)
        return np.where(keep, h / (1 - rate), 0.0)
    return h.copy()


def dropout_float32(h, rate, rng, training):
    h = np.asarray(h, np.float32)
    if not training:
        return h.copy()
    keep_probability = np.float32(1 - rate)
    mask = (rng.random(h.shape, dtype=np.float32) < keep_probability).astype(np.float32)
    return h * mask * (np.float32(1) / keep_probability)


def dropout_uniform_keep_below(h, rate, rng, training):
    out = np.array(h, dtype=float)
    if training:
        out[rng.uniform(0.0, 1.0, size=h.shape) >= 1 - rate] = 0.0
        out /= 1 - rate          # on its own copy: allowed
    return out


def dropout_no_scaling(h, rate, rng, training):
    if not training:
        return h
    return h * (rng.random(h.shape) >= rate)


def dropout_scales_at_inference(h, rate, rng, training):
    if not training:
        return h * (1 - rate)
    return h * (rng.random(h.shape) >= rate) / (1 - rate)


def dropout_classic_not_inverted(h, rate, rng, training):
    """The original (2014) form: no scaling in training, multiply by the keep probability at inference."""
    if not training:
        return h * (1 - rate)
    return h * (rng.random(h.shape) >= rate)


def dropout_keeps_with_probability_rate(h, rate, rng, training):
    if not training:
        return h
    return h * (rng.random(h.shape) < rate) / (1 - rate)


def dropout_in_place(h, rate, rng, training):
    if training:
        h *= (rng.random(h.shape) >= rate) / (1 - rate)
    return h


def dropout_one_mask_per_batch(h, rate, rng, training):
    if not training:
        return h
    return h * (rng.random(h.shape[-1]) >= rate) / (1 - rate)


def dropout_global_random(h, rate, rng, training):
    if not training:
        return h
    return h * (np.random.random_sample(h.shape) >= rate) / (1 - rate)


def dropout_ignores_training(h, rate, rng, training):
    return h * (rng.random(h.shape) >= rate) / (1 - rate)


def dropout_returns_mask(h, rate, rng, training):
    if not training:
        return h
    return rng.random(h.shape) >= rate


def dropout_divides_by_rate(h, rate, rng, training):
    if not training:
        return h
    return h * (rng.random(h.shape) >= rate) / rate


def dropout_borrowed(h, rate, rng, training):
    from course.references.ch01_mlp import dropout

    return dropout(h, rate, rng, training)


# --------------------------------------------------------------------------

CASES = [
    # relu
    _right("relu", "np.where", relu_where),
    _right("relu", "z times the mask z > 0", relu_mask_product),
    _right("relu", "np.clip from 0", relu_clip),
    _right("relu", "a loop over every element", relu_loop),
    _right("relu", "copies, then zeroes the negatives", relu_copy_then_zero),
    _right("relu", "float32 arithmetic", relu_float32),
    _wrong("relu", "absolute value", relu_abs, "values", hint="absolute value"),
    _wrong("relu", "zeroes the negatives of its argument in place", relu_in_place, "in place", hint="changed its argument z in place"),
    _wrong("relu", "returns the boolean mask", relu_booleans, "type", hint="got a NumPy bool array"),
    _wrong("relu", "returns its input unchanged", relu_identity, "values"),
    _wrong("relu", "np.minimum instead of np.maximum", relu_min, "values", hint="not min(z, 0)"),
    _wrong("relu", "returns a list", relu_list, "type", hint="return a NumPy float array; got a list of"),
    _wrong("relu", "leaky ReLU", relu_leaky, "values"),
    _wrong("relu", "imports the course's relu", relu_borrowed, "reference", hint="uses the course's reference implementation"),
    # relu_derivative
    _right("relu_derivative", "np.where(z > 0, 1.0, 0.0)", relu_derivative_where),
    _right("relu_derivative", "np.heaviside with 0 at 0", relu_derivative_heaviside),
    _right("relu_derivative", "mask times 1.0", relu_derivative_times_one),
    _right("relu_derivative", "float32 result", relu_derivative_float32),
    _wrong("relu_derivative", "returns booleans", relu_derivative_booleans, "type",
           hint="return a NumPy float array; got a NumPy bool array (the values are right"),
    _wrong("relu_derivative", "1 at exactly 0", relu_derivative_at_zero_one, "values", hint="use z > 0, not z >= 0"),
    _wrong("relu_derivative", "np.sign", relu_derivative_sign, "values", hint="not -1"),
    _wrong("relu_derivative", "returns integers", relu_derivative_ints, "type", hint="got a NumPy int64 array"),
    _wrong("relu_derivative", "returns ReLU itself", relu_derivative_is_relu, "values", hint="that is ReLU itself"),
    # softmax
    _right("softmax", "max and sum through np.newaxis", softmax_newaxis),
    _right("softmax", "a loop over rows", softmax_rows_loop),
    _right("softmax", "exp(z - logsumexp)", softmax_logsumexp),
    _right("softmax", "einsum row sums in float32", softmax_einsum_float32),
    _right("softmax", "keras.ops.softmax converted to NumPy", softmax_keras_ops),
    _wrong("softmax", "subtracts the row minimum", softmax_row_min, "values", hint="after subtracting the row's minimum"),
    _wrong("softmax", "subtracts the row mean", softmax_row_mean, "values", hint="after subtracting the row's mean"),
    _wrong("softmax", "subtracts the global maximum", softmax_global_max, "values", hint="each row's own maximum"),
    _wrong("softmax", "normalises columns", softmax_columns, "values", hint="not each column"),
    _wrong("softmax", "no max subtraction (overflows)", softmax_naive, "values", hint="exp(1000) overflows"),
    _wrong("softmax", "sum without keepdims", softmax_no_keepdims, "error", hint="raised ValueError"),
    _wrong("softmax", "returns a TensorFlow tensor", softmax_tensor, "type", hint="got a TensorFlow tensor"),
    _wrong("softmax", "wraps the reference in functools.partial", softmax_partial_reference, "reference",
           hint="uses the course's reference implementation `course.references.ch01_mlp.softmax`"),
    # dense_forward
    _right("dense_forward", "np.dot and a dict of activations", dense_dot_dict),
    _right("dense_forward", "einsum and np.where", dense_einsum),
    _right("dense_forward", "a loop over examples", dense_rows_loop),
    _right("dense_forward", "float32 arithmetic", dense_float32),
    _wrong("dense_forward", "forgets the bias", dense_no_bias, "values", hint="bias b is missing"),
    _wrong("dense_forward", "forgets the activation", dense_no_activation, "values", hint="activation is missing"),
    _wrong("dense_forward", "adds the bias after the activation", dense_bias_after, "values", hint="add the bias before the activation"),
    _wrong("dense_forward", "transposes W", dense_transposed, "error", hint="raised ValueError"),
    _wrong("dense_forward", "softmax over columns", dense_softmax_columns, "values", hint="not each column"),
    _wrong("dense_forward", "reshapes b into a row in place", dense_reshapes_b_in_place, "in place", hint="changed its argument b in place"),
    # cross_entropy
    _right("cross_entropy", "np.take_along_axis", cross_entropy_take_along),
    _right("cross_entropy", "one-hot labels from np.eye", cross_entropy_one_hot),
    _right("cross_entropy", "a loop with math.log", cross_entropy_loop),
    _right("cross_entropy", "a NumPy float32 scalar", cross_entropy_float32_scalar),
    _wrong("cross_entropy", "sums over the batch", cross_entropy_sum, "values", hint="average over the batch"),
    _wrong("cross_entropy", "forgets the minus sign", cross_entropy_no_minus, "values", hint="MINUS"),
    _wrong("cross_entropy", "sums the log of every class", cross_entropy_all_classes, "values", hint="TRUE class"),
    _wrong("cross_entropy", "no clipping", cross_entropy_unclipped, "values", hint="clip the probabilities"),
    _wrong("cross_entropy", "log10", cross_entropy_log10, "values", hint="np.log10"),
    _wrong("cross_entropy", "returns a 1-element array", cross_entropy_array, "type", hint="return a float; got a NumPy float32 array"),
    _wrong("cross_entropy", "clips probs in place", cross_entropy_clips_in_place, "in place", hint="changed its argument probs in place"),
    # backprop_step
    _right("backprop_step", "one-hot from np.eye", backprop_eye_one_hot),
    _right("backprop_step", "einsum in float64 with np.subtract.at", backprop_einsum_float64),
    _right("backprop_step", "a loop over examples", backprop_per_example_loop),
    _right("backprop_step", "works on its own copy of params", backprop_on_a_copy),
    _wrong("backprop_step", "gradients of the summed loss", backprop_summed, "values", hint="N times too large"),
    _wrong("backprop_step", "updates params in place", backprop_updates_params, "in place", hint="changed its argument params['W1'] in place"),
    _wrong("backprop_step", "biases' gradients as means", backprop_db_mean, "values", hint="N times too small"),
    _wrong("backprop_step", "no ReLU derivative", backprop_no_relu_derivative, "values", hint="miss the ReLU derivative"),
    _wrong("backprop_step", "ReLU derivative 1 at Z1 = 0 (Z1 >= 0)", backprop_mask_at_zero, "values", hint="use Z1 > 0, not Z1 >= 0"),
    _wrong("backprop_step", "forgets to subtract Y", backprop_forgets_y, "values", hint="subtract the one-hot labels"),
    _wrong("backprop_step", "dW2 transposed", backprop_dW2_transposed, "values", hint="has the shape of W2"),
    _wrong("backprop_step", "returns a tuple", backprop_tuple, "type", hint="return a dict"),
    _wrong("backprop_step", "uses the course's forward pass", backprop_reference_forward, "reference",
           hint="`course.references.ch01_mlp.forward`"),
    # keras_mlp
    _right("keras_mlp", "Dense(10, activation=tf.nn.softmax)", mlp_tf_nn_softmax, slow=True),
    _right("keras_mlp", "Dense(10) then keras.layers.Softmax()", mlp_softmax_layer, slow=True),
    _right("keras_mlp", "functional, activation functions, loss object", mlp_functional_loss_object, slow=True),
    _right("keras_mlp", "a subclassed keras.Model", mlp_subclassed, slow=True),
    _wrong("keras_mlp", "from_logits=True on a softmax output", mlp_from_logits_on_softmax, "loss", hint="drop from_logits=True"),
    _wrong("keras_mlp", "mean squared error", mlp_mse, "loss", hint="mean squared error"),
    _wrong("keras_mlp", "no softmax at the output", mlp_linear_output, "output", hint="not probabilities"),
    _wrong("keras_mlp", "logits and from_logits=True", mlp_logits_with_from_logits, "output", hint="this exercise asks for probabilities"),
    _wrong("keras_mlp", "categorical_crossentropy with integer labels", mlp_one_hot_loss, "loss", hint="one-hot"),
    _wrong("keras_mlp", "5 outputs", mlp_five_outputs, "output", hint="expected (10,)"),
    _wrong("keras_mlp", "not compiled", mlp_not_compiled, "not compiled", hint="not compiled"),
    _wrong("keras_mlp", "learning rate 1e-6", mlp_learning_rate_far_too_small, "accuracy", hint="below the target", slow=True),
    _wrong("keras_mlp", "softmax regression without a hidden layer", mlp_linear_model, "accuracy", hint="below the target", slow=True),
    _wrong("keras_mlp", "the course's build_mlp", mlp_course_builder, "reference", hint="`course.models.build_mlp`"),
    # dropout
    _right("dropout", "uniform draws >= rate, times the mask, divided by 1 - rate", dropout_uniform_mask),
    _right("dropout", "rng.binomial and np.where", dropout_binomial_where),
    _right("dropout", "float32 draws and a float32 scale", dropout_float32),
    _right("dropout", "zeroes its own copy where the draw is >= 1 - rate", dropout_uniform_keep_below),
    _wrong("dropout", "forgets the 1 / (1 - rate) scaling", dropout_no_scaling, "values", hint="scale the kept entries by 1 / (1 - rate)"),
    _wrong("dropout", "also scales at inference", dropout_scales_at_inference, "values", hint="do not scale at inference"),
    _wrong("dropout", "classic dropout, scaled at inference instead of in training", dropout_classic_not_inverted, "values",
           hint="scale the kept entries by 1 / (1 - rate)"),
    _wrong("dropout", "drops with probability 1 - rate", dropout_keeps_with_probability_rate, "values", hint="probability of DROPPING"),
    _wrong("dropout", "multiplies h in place", dropout_in_place, "in place", hint="changed its argument h in place"),
    _wrong("dropout", "one mask for the whole batch", dropout_one_mask_per_batch, "values", hint="every example got the same mask"),
    _wrong("dropout", "draws from NumPy's global generator, not rng", dropout_global_random, "rng",
           hint="draw the mask from the `rng` argument"),
    _wrong("dropout", "drops at inference too", dropout_ignores_training, "values", hint="nothing is dropped or scaled"),
    _wrong("dropout", "returns the boolean mask", dropout_returns_mask, "type", hint="got a NumPy bool array"),
    _wrong("dropout", "divides by rate", dropout_divides_by_rate, "values", hint="not by the drop probability rate"),
    _wrong("dropout", "calls the course's dropout", dropout_borrowed, "reference",
           hint="`course.references.ch01_mlp.dropout`"),
]
