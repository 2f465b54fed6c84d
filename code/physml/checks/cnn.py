"""Reference checks and runs of the chapter "Convolutional neural networks".

The trained networks (the CNN on the 8x8 digits and on Ising configurations) are
computed once here, cached, and shared by the chapter page and its checks. Each run takes
``short``: the unit tests train the same code for fewer epochs on less data.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
from torch import nn

from .. import conv, ising, torchtools
from ..nn import examples
from ..validation import reference_check

DIGITS_CNN = {"channels": (8, 16), "hidden": 64, "lr": 2e-3, "batch_size": 32, "epochs": (20, 3), "seed": 0}
DIGITS_TARGET = (0.98, 0.90)  # full, short

ISING = {
    "L": (16, 8),
    "train_temperatures": (np.linspace(1.0, 1.6, 4), np.linspace(3.0, 3.6, 4)),  # far from T_c
    "test_temperatures": np.linspace(1.7, 2.9, 13),  # unseen, around T_c
    "n_train": (200, 60),  # configurations per training temperature
    "n_test": (100, 40),
    "channels": 8,
    "lr": 1e-2,
    "epochs": (6, 3),
    "seed": 5,
}
TC_TOLERANCE = (0.15, 0.15)  # full and short configuration (L = 16 and L = 8)


def digits_images(standardise: bool = False):
    """The NumPy chapter's digits split as ``(N, 1, 8, 8)`` images with grey levels scaled to [0, 1]."""
    X_train, X_test, y_train, y_test = examples.digits_data(standardise=False)
    return (X_train / 16).reshape(-1, 1, 8, 8), (X_test / 16).reshape(-1, 1, 8, 8), y_train, y_test


def digits_cnn_run(short: bool = False, device: str = "cpu") -> dict:
    """Train :func:`physml.conv.digits_cnn` with Adam; return model, history, accuracy and size."""
    return _digits_cnn_run(bool(short), str(device))  # one cache entry however it is called


@functools.cache
def _digits_cnn_run(short: bool, device: str) -> dict:
    cfg = DIGITS_CNN
    X_train, X_test, y_train, y_test = digits_images()
    torch.manual_seed(cfg["seed"])
    model = conv.digits_cnn(cfg["channels"], cfg["hidden"])
    history = torchtools.fit(
        model,
        torchtools.make_loader(X_train, y_train, cfg["batch_size"], seed=cfg["seed"]),
        None,
        torch.optim.Adam(model.parameters(), lr=cfg["lr"]),
        nn.functional.cross_entropy,
        epochs=cfg["epochs"][short],
        device=device,
        seed=cfg["seed"],
    )
    test = torchtools.make_loader(X_test, y_test, 256, shuffle=False)
    return {
        "model": model,
        "history": history,
        "accuracy": torchtools.accuracy(model, test, device),
        "n_parameters": torchtools.n_parameters(model),
    }


def ising_data(short: bool = False) -> tuple[ising.IsingSamples, ising.IsingSamples]:
    """Configurations far from T_c for training (labelled by phase), and at unseen temperatures to test."""
    return _ising_data(bool(short))


@functools.cache
def _ising_data(short: bool) -> tuple[ising.IsingSamples, ising.IsingSamples]:
    cfg = ISING
    L = cfg["L"][short]
    train = ising.sample(
        L, np.concatenate(cfg["train_temperatures"]), cfg["n_train"][short], seed=cfg["seed"]
    )
    test = ising.sample(L, cfg["test_temperatures"], cfg["n_test"][short], seed=cfg["seed"] + 1)
    return train, test


def _as_images(spins: np.ndarray) -> np.ndarray:
    return spins.astype(np.float64)[:, None, :, :]


def ising_cnn_run(short: bool = False, device: str = "cpu") -> dict:
    """Train :func:`physml.conv.ising_cnn` on ordered vs disordered configurations, then estimate T_c.

    Returns the model, its history, the mean predicted probability of the ordered phase at
    each test temperature, and the temperature where it crosses 1/2.
    """
    return _ising_cnn_run(bool(short), str(device))


@functools.cache
def _ising_cnn_run(short: bool, device: str) -> dict:
    cfg = ISING
    train, test = ising_data(short)
    torch.manual_seed(cfg["seed"])
    model = conv.ising_cnn(cfg["channels"])
    history = torchtools.fit(
        model,
        torchtools.make_loader(_as_images(train.spins), train.labels, 32, seed=cfg["seed"]),
        None,
        torch.optim.Adam(model.parameters(), lr=cfg["lr"]),
        nn.functional.cross_entropy,
        epochs=cfg["epochs"][short],
        device=device,
        seed=cfg["seed"],
    )
    model.eval()
    with torch.no_grad():
        x = torch.from_numpy(_as_images(test.spins)).float().to(torchtools.as_device(device))
        p_ordered = torch.softmax(model(x), dim=1)[:, 1].cpu().numpy()
    temperatures = cfg["test_temperatures"]
    mean_p = np.array([p_ordered[test.temperatures == T].mean() for T in temperatures])
    return {
        "model": model,
        "history": history,
        "temperatures": temperatures,
        "p_ordered": mean_p,
        "p_ordered_all": p_ordered,
        "tc": conv.half_crossing(temperatures, mean_p),
    }


# (N, C_in, C_out, H, W, k, stride, padding) of the comparison with torch shown in the chapter
TORCH_CASES = [(2, 3, 4, 9, 7, 3, 1, 1), (1, 2, 5, 8, 8, 4, 2, 0), (3, 1, 2, 6, 11, 5, 3, 2)]


@functools.cache
def conv_vs_torch(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and gradients of physml's convolution and 2x2 max-pooling, and torch's, flattened (float64).

    For each case of ``TORCH_CASES``: random input, kernels, biases and output gradient;
    forward and backward with :mod:`physml.conv`, and with ``torch.nn.functional`` and autograd.
    """
    import torch.nn.functional as F

    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for n, c_in, c_out, h, w, k, stride, padding in TORCH_CASES:
        x = rng.normal(size=(n, c_in, h, w))
        weight, bias = rng.normal(size=(c_out, c_in, k, k)), rng.normal(size=c_out)
        out = conv.conv2d_forward(x, weight, bias, stride, padding)
        grad_out = rng.normal(size=out.shape)
        ours += [out, *conv.conv2d_backward(grad_out, x, weight, stride, padding)]
        xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, weight, bias))
        ref = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
        ref.backward(torch.from_numpy(grad_out))
        theirs += [ref.detach(), xt.grad, wt.grad, bt.grad]

        pooled, argmax = conv.maxpool2d_forward(x, 2)
        grad_pooled = rng.normal(size=pooled.shape)
        ours += [pooled, conv.maxpool2d_backward(grad_pooled, argmax, x.shape, 2)]
        xt = torch.tensor(x, requires_grad=True)
        ref_pool = F.max_pool2d(xt, 2)
        ref_pool.backward(torch.from_numpy(grad_pooled))
        theirs += [ref_pool.detach(), xt.grad]
    flat = np.concatenate([np.ravel(a) for a in ours])
    return flat, np.concatenate([t.numpy().ravel() for t in theirs])


@reference_check(
    "cnn.conv-torch",
    chapter="cnn",
    description="NumPy convolution and max-pooling, forward and backward, equal torch's (float64)",
    reference_source="torch.nn.functional.conv2d, max_pool2d and torch.autograd",
    kind="abs",
    tolerance=1e-10,
)
def _conv_vs_torch():
    return conv_vs_torch()


@reference_check(
    "cnn.digits-accuracy",
    chapter="cnn",
    description="Test accuracy of the CNN on the 8x8 digits reaches the target",
    reference_source="target of the chapter (short configuration: 3 epochs, target 0.90)",
    kind="at_least",
    glued=("cnn-digits-accuracy",),
)
def _digits_accuracy(short: bool):
    return digits_cnn_run(short)["accuracy"], DIGITS_TARGET[short]


@reference_check(
    "cnn.ising-tc",
    chapter="cnn",
    description="Temperature where the CNN's probability of the ordered phase crosses 1/2, "
    "at temperatures it was not trained on, equals Onsager's T_c within 0.15",
    reference_source="Onsager (1944), T_c = 2/ln(1+sqrt 2) "
    "(short configuration: L = 8, fewer samples and epochs, same tolerance)",
    kind="abs",
    tolerance=TC_TOLERANCE[0],
    short_tolerance=TC_TOLERANCE[1],
    glued=("cnn-ising-tc",),
)
def _ising_tc(short: bool):
    return ising_cnn_run(short)["tc"], ising.ONSAGER_TC
