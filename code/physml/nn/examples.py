"""The experiments of the chapter "Feed-forward neural networks and backpropagation".

Small, seeded functions that the chapter, its reference checks and its exercises
share: the data sets (handwritten digits, the Franke function), training runs,
the universal-approximation sweep and the per-layer gradient norms.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from .. import data
from .._validate import (
    as_float_array,
    as_rng,
    check_bool,
    check_callable,
    check_choice,
    check_finite_result,
    check_int,
    check_same_length,
    check_scalar,
    check_string,
    check_type,
)
from .activations import HIDDEN_ACTIVATIONS
from .mlp import MLP


def _check_model(model) -> MLP:
    return check_type(model, MLP, "model", "physml.nn.MLP")


def _check_sizes(sizes, name: str) -> list[int]:
    """A non-empty list of positive integers (layer or hidden-layer sizes)."""
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"{name} must be a list of positive integers, got {type(sizes).__name__}")
    if len(sizes) == 0:
        raise ValueError(f"{name} must not be empty")
    return [check_int(s, f"{name}[{i}]", minimum=1) for i, s in enumerate(sizes)]


def _check_strings(values, name: str) -> list[str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{name} must be a list of strings, got {type(values).__name__}")
    return [check_string(v, f"{name}[{i}]") for i, v in enumerate(values)]


def digits_data(
    seed: int = 2026, test_size: float = 0.2, standardise: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8x8 handwritten digits, split at random and standardised.

    Returns ``X_train, X_test, labels_train, labels_test``: one row of 64 pixels per image
    and integer labels 0-9. The pixel columns are standardised with the mean and width of
    the *training* images (``standardise=False`` keeps the raw grey levels 0-16).
    """
    from sklearn.datasets import load_digits

    as_rng(seed)
    check_scalar(test_size, "test_size", minimum=0.0, maximum=1.0, include_min=False, include_max=False)
    check_bool(standardise, "standardise")
    digits = load_digits()
    X_train, X_test, y_train, y_test = data.train_test_split(
        digits.data, digits.target, test_size=test_size, seed=seed
    )
    if standardise:
        scaler = data.fit_scaler(X_train)
        X_train, X_test = data.scale(X_train, scaler), data.scale(X_test, scaler)
    return X_train, X_test, y_train.astype(int), y_test.astype(int)


def franke_data(n: int = 1000, noise: float = 0.1, seed: int = 2026, test_size: float = 0.2):
    """Noisy samples of the Franke function as a regression set.

    Returns ``X_train, X_test, z_train, z_test`` with ``X`` the ``(n, 2)`` points in the unit square.
    """
    check_int(n, "n", minimum=2)
    check_int(seed, "seed", minimum=0)
    x, y, z = data.franke_samples(n, noise, seed)
    X = np.column_stack([x, y])
    X_train, X_test, z_train, z_test = data.train_test_split(X, z, test_size=test_size, seed=seed + 1)
    return X_train, X_test, z_train, z_test


def sklearn_digits_classifier(
    X_train, labels_train, hidden: Sequence[int], activation: str, epochs: int, batch_size: int, seed: int
):
    """scikit-learn's ``MLPClassifier`` with Adam (learning rate 1e-3), no L2 penalty, ``epochs`` passes.

    Training runs for exactly ``epochs`` epochs (no early stopping, no tolerance), so
    scikit-learn's warning that it stopped before converging is expected and silenced.
    Returns the fitted classifier.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    names = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu"}
    check_choice(activation, "activation", names)
    X_train = as_float_array(X_train, "X_train", ndim=2, nonempty=True)
    labels_train = as_float_array(labels_train, "labels_train", ndim=1, nonempty=True)
    check_same_length(X_train, "X_train", labels_train, "labels_train")
    if np.any(labels_train != np.round(labels_train)):
        raise ValueError("labels_train must hold integer class labels")
    hidden = _check_sizes(hidden, "hidden")
    check_int(epochs, "epochs", minimum=1)
    check_int(batch_size, "batch_size", minimum=1)
    check_int(seed, "seed", minimum=0)
    clf = MLPClassifier(
        hidden_layer_sizes=tuple(hidden),
        activation=names[activation],
        solver="adam",
        alpha=0.0,
        batch_size=batch_size,
        learning_rate_init=1e-3,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, labels_train)
    return clf


def wiggly_function(x: np.ndarray) -> np.ndarray:
    r"""The 1-D target of the universal-approximation demonstration,
    :math:`f(x) = \sin(2\pi x) + \tfrac12\cos(5\pi x) + x^2` on :math:`[0, 1]`."""
    x = as_float_array(x, "x")
    return np.sin(2 * np.pi * x) + 0.5 * np.cos(5 * np.pi * x) + x**2


def flat_parameters(model: MLP) -> np.ndarray:
    """All weights and biases of ``model`` as one vector (in the order of ``model.params``)."""
    _check_model(model)
    return np.concatenate([p.ravel() for p in model.params])


def set_flat_parameters(model: MLP, theta: np.ndarray) -> None:
    """Copy the vector ``theta`` (as from :func:`flat_parameters`) into the parameters of ``model``."""
    _check_model(model)
    theta = as_float_array(theta, "theta", ndim=1)
    if theta.shape != (model.n_parameters,):
        raise ValueError(f"theta must have shape ({model.n_parameters},), got {theta.shape}")
    start = 0
    for p in model.params:
        p[...] = theta[start : start + p.size].reshape(p.shape)
        start += p.size


def fit_bfgs(model: MLP, X, y, max_iter: int = 1500) -> MLP:
    """Minimise the full-batch cost of ``model`` with the quasi-Newton method BFGS.

    The cost and its gradient come from :meth:`MLP.loss_and_gradients` (backpropagation);
    :func:`physml.quasi_newton.bfgs` (chapter *Optimization*) builds an approximation of
    the inverse Hessian from successive gradients and chooses each step by a Wolfe line
    search. For a small network fitted to a few hundred points this converges far further
    than stochastic gradient descent in the same time. ``model`` is updated in place and
    returned.
    """
    from ..quasi_newton import bfgs

    _check_model(model)
    X = model._check_X(X)
    y = model._check_targets(y, X.shape[0])
    check_int(max_iter, "max_iter", minimum=1)
    last = {}

    def evaluate(theta):  # cost and gradient come together; keep the last pair
        key = theta.tobytes()
        if key not in last:
            set_flat_parameters(model, theta)
            cost, grads = model.loss_and_gradients(X, y)
            last.clear()
            last[key] = (cost, np.concatenate([g.ravel() for g in grads]))
        return last[key]

    result = bfgs(lambda t: evaluate(t)[0], lambda t: evaluate(t)[1], flat_parameters(model), 1e-10, max_iter)
    set_flat_parameters(model, result.theta)
    return model


def universal_approximation(
    widths: Sequence[int],
    target: Callable[[np.ndarray], np.ndarray] = wiggly_function,
    n_points: int = 200,
    activation: str = "sigmoid",
    max_iter: int = 1500,
    seed: int = 0,
) -> dict[int, tuple[MLP, float]]:
    """Fit ``target`` on ``n_points`` equidistant points in [0, 1] with one hidden layer of each width.

    Each network (``[1, width, 1]``, identity output, mean squared error, Xavier start) is
    trained with :func:`fit_bfgs`. Returns ``{width: (model, mse on a fine grid)}``.
    """
    widths = _check_sizes(widths, "widths")
    check_callable(target, "target", "a function of an array x")
    check_int(n_points, "n_points", minimum=2)
    check_choice(activation, "activation", HIDDEN_ACTIVATIONS)
    check_int(max_iter, "max_iter", minimum=1)
    as_rng(seed)
    x = np.linspace(0.0, 1.0, n_points)[:, None]
    y = check_finite_result(target(x), "target", "on [0, 1]")
    grid = np.linspace(0.0, 1.0, 2001)[:, None]
    results = {}
    for width in widths:
        model = MLP([1, width, 1], hidden_activation=activation, init="xavier", seed=seed)
        fit_bfgs(model, x, y, max_iter=max_iter)
        error = float(np.mean((model.forward(grid) - target(grid)) ** 2))
        results[width] = (model, error)
    return results


def layer_gradient_norms(model: MLP, X, y) -> np.ndarray:
    r"""Frobenius norms :math:`\|\partial C/\partial\boldsymbol W^l\|` for :math:`l = 1, \dots, L`."""
    _check_model(model)
    grads = model.gradients(X, y)
    return np.array([np.linalg.norm(g) for g in grads[0::2]])


def staircase_network(
    target: Callable[[np.ndarray], np.ndarray], width: int, steepness: float = 20.0, interval=(0.0, 1.0)
) -> MLP:
    r"""A one-hidden-layer sigmoid network, built by hand, that follows ``target`` as a staircase.

    This is the idea behind the universal approximation theorem. The interval is cut
    into ``width`` cells of length :math:`h` with centres :math:`c_k`. Hidden unit
    :math:`k` is a smooth step :math:`\sigma(s(x - t_k))` that switches on at the left
    edge :math:`t_k` of cell :math:`k` (unit 0 just outside the interval, so it is on
    everywhere), and its output weight is the jump :math:`f(c_k) - f(c_{k-1})` (for unit
    0, :math:`f(c_0)`). Inside cell :math:`k` the sum of the steps that are on telescopes to
    :math:`f(c_k)`. The steepness is :math:`s = \mathtt{steepness}/h`, so the steps
    sharpen as the cells shrink, and the mean squared error falls like :math:`h^2`.
    """
    check_callable(target, "target", "a function of an array x")
    width = check_int(width, "width", minimum=1)
    check_scalar(steepness, "steepness", minimum=0.0, include_min=False)
    if isinstance(interval, (str, bytes)) or not isinstance(interval, Sequence) or len(interval) != 2:
        raise TypeError(f"interval must be a pair (low, high), got {interval!r}")
    lo, hi = (float(check_scalar(v, f"interval[{i}]")) for i, v in enumerate(interval))
    if not hi > lo:
        raise ValueError(f"interval must be (low, high) with high > low, got {interval!r}")
    h = (hi - lo) / width
    centres = lo + h * (np.arange(width) + 0.5)
    values = np.asarray(check_finite_result(target(centres), "target", f"on {interval!r}"), dtype=float)
    jumps = np.diff(values, prepend=0.0)  # f(c_0), f(c_1) - f(c_0), f(c_2) - f(c_1), ...
    switch_on = lo + h * np.arange(width)  # left edges of the cells ...
    switch_on[0] = lo - h / 2  # ... but unit 0 is on everywhere in the interval
    s = steepness / h
    return MLP.from_weights(
        [np.full((1, width), s), jumps[:, None]],
        [-s * switch_on, np.zeros(1)],
        hidden_activation="sigmoid",
        output_activation="identity",
    )


def noisy_sine(n: int, noise: float, seed) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` points :math:`y = \sin(\pi x) + \epsilon` with :math:`x` uniform in [-1, 1] and
    :math:`\epsilon\sim N(0, \mathtt{noise}^2)`, as ``(n, 1)`` columns (the overfitting example)."""
    check_int(n, "n", minimum=1)
    check_scalar(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 1))
    return x, np.sin(np.pi * x) + noise * rng.standard_normal((n, 1))


def draw_network(ax, layer_sizes: Sequence[int], labels: Sequence[str] | None = None) -> None:
    """Draw a fully connected network: one column of circles per layer, a line per weight."""
    import matplotlib.axes

    check_type(ax, matplotlib.axes.Axes, "ax", "matplotlib Axes")
    sizes = _check_sizes(layer_sizes, "layer_sizes")
    if labels is not None:
        labels = _check_strings(labels, "labels")
        if len(labels) != len(sizes):
            raise ValueError(f"labels must have one entry per layer ({len(sizes)}), got {len(labels)}")
    top = max(sizes)
    positions = [[(l, (top - 1) / 2 - j) for j in range(m)] for l, m in enumerate(sizes)]
    for left, right in zip(positions[:-1], positions[1:], strict=True):
        for x0, y0 in left:
            for x1, y1 in right:
                ax.plot([x0, x1], [y0, y1], color="0.75", lw=0.8, zorder=1)
    colours = ["#56B4E9"] + ["#E69F00"] * (len(sizes) - 2) + ["#009E73"]
    for column, colour in zip(positions, colours, strict=True):
        xs, ys = zip(*column, strict=True)
        ax.scatter(xs, ys, s=380, color=colour, edgecolor="k", zorder=2)
    if labels is not None:
        for l, text in enumerate(labels):
            ax.text(l, (top - 1) / 2 + 0.9, text, ha="center", va="bottom")
    ax.set_xlim(-0.5, len(sizes) - 0.5)
    ax.set_ylim(-(top - 1) / 2 - 0.7, (top - 1) / 2 + 1.6)
    ax.axis("off")


def html_table(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    """A small HTML table (strings are inserted as given; numbers should be formatted already)."""
    header = _check_strings(header, "header")
    if not header:
        raise ValueError("header must not be empty")
    if isinstance(rows, (str, bytes)) or not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a list of rows, got {type(rows).__name__}")
    for i, row in enumerate(rows):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or len(row) != len(header):
            raise ValueError(f"rows[{i}] must be a list of {len(header)} cells, one per header entry")
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
