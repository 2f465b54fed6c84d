"""Reference solution of the networks-from-scratch project (instructor material).

It implements the API of the template's ``solution.py`` in NumPy only: Xavier and He
initialisation, the forward and backward pass of an MLP with L1 and L2 penalties, a
convolution layer, and a phase classifier of Ising configurations (an MLP on the raw
spins with one tanh hidden layer and a sigmoid output, trained with Adam on the binary
cross-entropy, built from the same forward and backward pass).
"""

import numpy as np
from threadpoolctl import threadpool_limits

ACTIVATIONS = {
    # name: (f(z), f'(z) written with a = f(z))
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z, a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda z, a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
    "identity": (lambda z: z, lambda z, a: np.ones_like(z)),
}


def init_weights(sizes, scheme: str, seed: int = 0) -> list:
    """Initial weight matrices of an MLP with layer sizes ``sizes`` (inputs first).

    Return a list of len(sizes) - 1 arrays; W_l of shape (sizes[l], sizes[l + 1]), its
    entries of mean 0 and variance 2/(n_in + n_out) for scheme "xavier" (Glorot and Bengio
    2010) or 2/n_in for "he" (He et al. 2015), drawn with numpy.random.default_rng(seed).
    """
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        if scheme == "xavier":
            limit = np.sqrt(6.0 / (n_in + n_out))  # U(-a, a) has variance a^2/3 = 2/(n_in + n_out)
            weights.append(rng.uniform(-limit, limit, size=(n_in, n_out)))
        elif scheme == "he":
            weights.append(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out)))
        else:
            raise ValueError(f"scheme must be 'xavier' or 'he', got {scheme!r}")
    return weights


def forward(weights, biases, activations, X):
    """Z^l = A^{l-1} W^l + b^l and A^l = f_l(Z^l) for every layer (A^0 = X); return both lists."""
    zs, As = [], [X]
    for W, b, name in zip(weights, biases, activations, strict=True):
        zs.append(As[-1] @ W + b)
        As.append(ACTIVATIONS[name][0](zs[-1]))
    return zs, As


def backward(weights, activations, zs, As, delta, l2=0.0, l1=0.0):
    """Backpropagate the output error delta = dC/dZ^L; return [dC/dW1, dC/db1, ...].

    dC/dW^l = A^{l-1}^T Delta^l (+ 2 l2 W^l + l1 sign W^l), dC/db^l = sum_i delta^l_i,
    Delta^{l-1} = (Delta^l W^l^T) * f'_{l-1}(Z^{l-1}).
    """
    grads = [None] * (2 * len(weights))
    for layer in range(len(weights) - 1, -1, -1):
        W = weights[layer]
        grads[2 * layer] = As[layer].T @ delta + 2 * l2 * W + l1 * np.sign(W)
        grads[2 * layer + 1] = delta.sum(axis=0)
        if layer > 0:
            derivative = ACTIVATIONS[activations[layer - 1]][1]
            delta = (delta @ W.T) * derivative(zs[layer - 1], As[layer])
    return grads


def backprop(problem) -> list:
    """The gradient of the cost of a physml.projects.networks.BackpropProblem by backpropagation.

    The problem gives X, Y, weights, biases, activations, l2 and l1 (its docstring states the
    network and the cost). Return [dC/dW1, dC/db1, dC/dW2, dC/db2, ...], each array of the
    shape of its parameter, computed by your own forward and backward pass.
    """
    zs, As = forward(problem.weights, problem.biases, problem.activations, problem.X)
    n = problem.X.shape[0]
    # C = (1/n) sum (a - y)^2: dC/dA^L = 2 (A^L - Y)/n, times f'_L(Z^L) for the output layer
    delta = 2.0 * (As[-1] - problem.Y) / n * ACTIVATIONS[problem.activations[-1]][1](zs[-1], As[-1])
    return backward(problem.weights, problem.activations, zs, As, delta, problem.l2, problem.l1)


def conv2d(image, kernels, bias) -> np.ndarray:
    """One convolution layer, stride 1, no padding.

    image (C_in, H, W), kernels (C_out, C_in, k, k), bias (C_out,). Return O of shape
    (C_out, H - k + 1, W - k + 1) with
    O[o, i, j] = bias[o] + sum over c, p, q of kernels[o, c, p, q] * image[c, i + p, j + q].
    """
    image, kernels = np.asarray(image, dtype=float), np.asarray(kernels, dtype=float)
    k = kernels.shape[-1]
    height, width = image.shape[1] - k + 1, image.shape[2] - k + 1
    out = np.zeros((kernels.shape[0], height, width)) + np.asarray(bias, dtype=float)[:, None, None]
    for p in range(k):
        for q in range(k):  # one shifted copy of the image per kernel entry
            out += np.einsum("oc,cij->oij", kernels[:, :, p, q], image[:, p : p + height, q : q + width])
    return out


def train_classifier(spins, labels, hidden=16, epochs=300, lr=1e-2, l2=1e-2, scheme="xavier", seed=0):
    """Train an MLP (L^2 -> hidden tanh -> 1 sigmoid) on the binary cross-entropy with Adam, full batch.

    The cost is the binary cross-entropy plus l2 times the sum of the squared weights.
    Returns the parameters (weights, biases, activations) and the cross-entropy at every epoch.
    """
    with threadpool_limits(1):  # small matrices: one BLAS thread avoids contention between threads
        X = np.asarray(spins, dtype=float).reshape(len(spins), -1)
        y = np.asarray(labels, dtype=float)[:, None]
        weights = init_weights([X.shape[1], hidden, 1], scheme, seed)
        biases = [np.zeros(hidden), np.zeros(1)]
        activations = ("tanh", "sigmoid")
        params = [p for pair in zip(weights, biases, strict=True) for p in pair]
        m = [np.zeros_like(p) for p in params]
        v = [np.zeros_like(p) for p in params]
        beta1, beta2, eps = 0.9, 0.999, 1e-8
        costs = []
        for step in range(1, epochs + 1):
            zs, As = forward(params[0::2], params[1::2], activations, X)
            a = np.clip(As[-1], 1e-12, 1 - 1e-12)
            costs.append(float(-np.mean(y * np.log(a) + (1 - y) * np.log(1 - a))))
            delta = (As[-1] - y) / len(X)  # sigmoid output + binary cross-entropy: (a - y)/n
            grads = backward(params[0::2], activations, zs, As, delta, l2=l2)
            for i, g in enumerate(grads):
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g**2
                params[i] -= lr * (m[i] / (1 - beta1**step)) / (np.sqrt(v[i] / (1 - beta2**step)) + eps)
        return (params[0::2], params[1::2], activations), costs


def predict_proba(model, spins) -> np.ndarray:
    """The classifier's probability that each configuration is ordered."""
    weights, biases, activations = model
    X = np.asarray(spins, dtype=float).reshape(len(spins), -1)
    return forward(weights, biases, activations, X)[1][-1][:, 0]


def classify_phases(train_spins, train_labels, test_spins, seed: int = 0) -> np.ndarray:
    """Train a classifier of Ising configurations and predict the phases of test_spins.

    train_spins (n, L, L) of +1/-1 with train_labels (1: ordered, T < T_c; 0: disordered).
    Return one label 0 or 1 per configuration of test_spins (m, L, L), in its order.
    """
    model, _ = train_classifier(train_spins, train_labels, seed=seed)
    return (predict_proba(model, test_spins) > 0.5).astype(int)
