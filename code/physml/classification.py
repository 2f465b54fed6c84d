r"""Logistic and softmax regression, fitted by gradient descent and by Newton's method.

Used in the classification chapter (``chapters/classification.md``). With ``n`` samples,
features ``X`` (n x p, *without* a column of ones), an intercept :math:`b` and weights
:math:`\boldsymbol w`, binary logistic regression models

.. math::

    p(y_i = 1 \mid \boldsymbol x_i) = \sigma(z_i), \qquad z_i = b + \boldsymbol x_i^T\boldsymbol w,
    \qquad \sigma(z) = \frac{1}{1 + e^{-z}},

and is fitted by minimising the mean cross-entropy (the negative log-likelihood per
sample) with an L2 penalty on the weights only,

.. math::

    C(b, \boldsymbol w) = -\frac1n \sum_{i=0}^{n-1}\left[y_i\ln\sigma(z_i)
    + (1-y_i)\ln\bigl(1-\sigma(z_i)\bigr)\right] + \lambda\lVert\boldsymbol w\rVert_2^2 .

Softmax (multinomial) regression with :math:`K` classes has one intercept and one weight
vector per class and the cost
:math:`-\frac1n\sum_i \ln a_{i,y_i} + \lambda\lVert\boldsymbol W\rVert_F^2`, with
:math:`a_{ik} = e^{z_{ik}}/\sum_m e^{z_{im}}`.

**Mapping to scikit-learn.** ``sklearn.linear_model.LogisticRegression`` (L2 penalty,
``fit_intercept=True``) minimises :math:`C_{\rm sk}\sum_i \ell_i + \frac12\lVert\boldsymbol
w\rVert^2`. Multiplying our cost by :math:`1/(2\lambda)` gives
:math:`\frac{1}{2n\lambda}\sum_i\ell_i + \frac12\lVert\boldsymbol w\rVert^2`, the same
function and hence the same minimiser when

.. math::

    C_{\rm sk} = \frac{1}{2 n \lambda}.

Neither side penalises the intercept. The parameters are stored as ``theta`` with the
intercept first: ``theta = (b, w_0, ..., w_{p-1})`` (binary, shape ``(p+1,)``) or a
matrix of shape ``(p+1, K)`` whose first row holds the intercepts (softmax).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._validate import (
    as_float_array,
    check_finite_loss,
    check_int,
    check_same_length,
    check_scalar,
    check_type,
)

# --------------------------------------------------------------------------- input checks


def _check_real(x, name: str) -> None:
    try:
        is_complex = np.iscomplexobj(np.asarray(x))
    except (TypeError, ValueError):
        return  # not an array at all: as_float_array says what is wrong
    if is_complex:
        raise TypeError(f"{name} must be real, got complex values")


def _check_X(X, name: str = "X") -> np.ndarray:
    """Features (n, p) with n, p >= 1, finite and real."""
    _check_real(X, name)
    X = as_float_array(X, name, ndim=2)
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"{name} must have at least one sample and one feature, got shape {X.shape}")
    return X


def _check_binary_labels(y, X: np.ndarray, both: bool = True) -> np.ndarray:
    """Labels (n,) that are all 0 or 1 (and, for fitting, contain both classes)."""
    _check_real(y, "y")
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must contain only the labels 0 and 1 for binary logistic regression")
    if both and (y.min() == y.max()):
        raise ValueError("y must contain both classes, 0 and 1, to fit a classifier")
    return y


def _check_class_labels(y, X: np.ndarray, n_classes: int | None) -> tuple[np.ndarray, int]:
    """Integer class labels 0..K-1 (n,) and the number of classes K >= 2.

    The range is checked before the labels become integers (a label of 2**63 would wrap
    around to a negative one). Without ``n_classes``, K = max(y) + 1 must not exceed the
    number of samples: a larger label is a typo or a class code, not a class index.
    """
    _check_real(y, "y")
    y = as_float_array(y, "y", ndim=1)
    check_same_length(X, "X", y, "y")
    if not np.all(y == np.round(y)) or y.min() < 0:
        raise ValueError("y must contain integer class labels 0, 1, ..., K-1")
    if n_classes is None:
        if y.max() >= max(y.size, 2):
            raise ValueError(
                f"y has the label {y.max():.0f}, which would mean more classes than the {y.size} "
                "samples: use the labels 0, 1, ..., K-1 (or pass n_classes)"
            )
        K = int(y.max()) + 1
    else:
        K = check_int(n_classes, "n_classes", minimum=2)
        if y.max() >= K:
            raise ValueError(f"y must be < n_classes = {K}, got label {y.max():.0f}")
    if K < 2:
        raise ValueError("y must contain at least two classes")
    return y.astype(np.int64), K


def _check_scale(X: np.ndarray, name: str = "X") -> None:
    """Refuse features whose squares overflow: the Hessian :math:`X_1^T S X_1` (and the
    Lipschitz bound) sums products of two features, which must stay below the float limit."""
    with np.errstate(over="ignore"):
        gram = float(np.sum(np.square(X)))
    if not np.isfinite(gram) or gram > _GRAM_MAX:
        raise ValueError(
            f"{name} has entries up to {np.max(np.abs(X)):.3g}: the sum of their squares overflows "
            "(Hessian X^T S X); standardise the features first (physml.data.fit_scaler and scale)"
        )


#: The largest sum of squared features the solvers accept (the float limit is 1.8e308;
#: the margin leaves room for the linear algebra of the Hessian).
_GRAM_MAX = 1e300


def _check_lam(lam) -> float:
    return float(check_scalar(lam, "lam", minimum=0.0))


def _with_ones(X: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(X.shape[0]), X])


def _penalty_mask(q: int) -> np.ndarray:
    """1 for the weights, 0 for the intercept (the first parameter)."""
    mask = np.ones(q)
    mask[0] = 0.0
    return mask


# --------------------------------------------------------------------------- activations


def sigmoid(z) -> np.ndarray:
    r"""The logistic function :math:`\sigma(z) = 1/(1+e^{-z}) = e^{z}/(1+e^{z})`, evaluated stably.

    Only :math:`e^{-|z|} \le 1` is ever computed, so no overflow occurs for large
    :math:`|z|`; the first form is used for :math:`z \ge 0`, the second for :math:`z < 0`.
    """
    return _sigmoid(as_float_array(z, "z", nonempty=True))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """:func:`sigmoid` without input checks (the costs and gradients call it every iteration)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def softmax(Z) -> np.ndarray:
    r"""Row-wise softmax :math:`a_{ik} = e^{z_{ik} - m_i}/\sum_k e^{z_{ik} - m_i}`.

    Here :math:`m_i = \max_k z_{ik}`. Subtracting the row maximum changes nothing mathematically and
    keeps every exponential :math:`\le 1`, so large inputs cannot overflow.
    """
    Z = as_float_array(Z, "Z", nonempty=True)
    if Z.ndim == 0:
        raise ValueError("Z must have at least one dimension (softmax acts on the last axis)")
    return _softmax(Z)


def _softmax(Z: np.ndarray) -> np.ndarray:
    """:func:`softmax` without input checks."""
    e = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------- binary costs


def binary_cross_entropy(theta, X, y, lam: float = 0.0) -> float:
    r"""Mean cross-entropy of binary logistic regression plus :math:`\lambda\lVert\boldsymbol w\rVert^2`.

    With :math:`z_i = \theta_0 + \boldsymbol x_i^T\boldsymbol w`, each term is written as
    :math:`-[y_i \ln\sigma(z_i) + (1-y_i)\ln(1-\sigma(z_i))] = \ln(1+e^{z_i}) - y_i z_i`,
    evaluated with ``logaddexp`` so that it stays finite for any :math:`z_i`.
    """
    X = _check_X(X)
    y = _check_binary_labels(y, X, both=False)
    theta = _check_theta(theta, X.shape[1] + 1)
    lam = _check_lam(lam)
    return _binary_cost(theta, _with_ones(X), y, lam)


def binary_gradient(theta, X, y, lam: float = 0.0) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy`,
    :math:`\nabla C = \frac1n \boldsymbol X_1^T(\boldsymbol p - \boldsymbol y) + 2\lambda(0, \boldsymbol w)`,

    where :math:`\boldsymbol X_1 = [\boldsymbol 1, \boldsymbol X]` and :math:`p_i = \sigma(z_i)`.
    """
    X = _check_X(X)
    y = _check_binary_labels(y, X, both=False)
    theta = _check_theta(theta, X.shape[1] + 1)
    return _binary_grad(theta, _with_ones(X), y, _check_lam(lam))


def binary_hessian(theta, X, y=None, lam: float = 0.0) -> np.ndarray:
    r"""Hessian of :func:`binary_cross_entropy`,

    .. math::

        \boldsymbol H = \frac1n \boldsymbol X_1^T \boldsymbol S \boldsymbol X_1
        + 2\lambda\,\mathrm{diag}(0, 1, \dots, 1),

    with :math:`\boldsymbol S = \mathrm{diag}\bigl(p_i(1-p_i)\bigr)`. It does not depend on the
    labels (``y`` is accepted for symmetry with the gradient) and is positive semi-definite,
    so the cost is convex.
    """
    X = _check_X(X)
    if y is not None:
        _check_binary_labels(y, X, both=False)
    theta = _check_theta(theta, X.shape[1] + 1)
    return _binary_hess(theta, _with_ones(X), _check_lam(lam))


def _check_theta(theta, q: int) -> np.ndarray:
    _check_real(theta, "theta")
    theta = as_float_array(theta, "theta", ndim=1)
    if theta.shape != (q,):
        raise ValueError(f"theta must have shape ({q},) (intercept first), got {theta.shape}")
    return theta


def _binary_cost(theta, X1, y, lam) -> float:
    z = X1 @ theta
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + lam * theta[1:] @ theta[1:])


def _binary_grad(theta, X1, y, lam) -> np.ndarray:
    p = _sigmoid(X1 @ theta)
    return X1.T @ (p - y) / X1.shape[0] + 2.0 * lam * _penalty_mask(theta.size) * theta


def _binary_hess(theta, X1, lam) -> np.ndarray:
    p = _sigmoid(X1 @ theta)
    s = p * (1.0 - p)
    return (X1.T * s) @ X1 / X1.shape[0] + 2.0 * lam * np.diag(_penalty_mask(theta.size))


# --------------------------------------------------------------------------- fitted model


@dataclass(frozen=True)
class LogisticModel:
    r"""A fitted logistic (``coef`` of shape (p,)) or softmax (``coef`` (p, K)) regression.

    ``intercept`` is a float (binary) or an array (K,); ``n_iter`` counts the iterations
    the solver made, ``converged`` says whether it met its tolerance, ``costs`` holds the
    cost after every iteration.
    """

    intercept: float | np.ndarray
    coef: np.ndarray
    n_iter: int
    converged: bool
    costs: np.ndarray

    @property
    def theta(self) -> np.ndarray:
        """All parameters, intercept first: (p+1,) or (p+1, K)."""
        if self.multiclass:
            return np.vstack([self.intercept, self.coef])
        return np.concatenate([[self.intercept], self.coef])

    @property
    def multiclass(self) -> bool:
        return self.coef.ndim == 2

    def decision_function(self, X) -> np.ndarray:
        """The linear scores z = b + X w: (n,) for binary, (n, K) for softmax."""
        X = _check_X(X)
        if X.shape[1] != self.coef.shape[0]:
            raise ValueError(f"X must have {self.coef.shape[0]} columns, got {X.shape[1]}")
        return self.intercept + X @ self.coef

    def predict_proba(self, X) -> np.ndarray:
        """p(y = 1 | x) (n,) for binary, the class probabilities (n, K) for softmax."""
        z = self.decision_function(X)
        return _softmax(z) if self.multiclass else _sigmoid(z)

    def predict(self, X) -> np.ndarray:
        """The most probable label: 1 where p >= 1/2 (binary), the arg-max class (softmax)."""
        z = self.decision_function(X)
        return np.argmax(z, axis=1) if self.multiclass else (z >= 0).astype(np.int64)


def predict_proba(model: LogisticModel, X) -> np.ndarray:
    """``model.predict_proba(X)``."""
    return check_type(model, LogisticModel, "model", "physml.classification.LogisticModel").predict_proba(X)


def predict(model: LogisticModel, X) -> np.ndarray:
    """``model.predict(X)``."""
    return check_type(model, LogisticModel, "model", "physml.classification.LogisticModel").predict(X)


def accuracy(y, y_pred) -> float:
    """Fraction of labels predicted correctly, (1/n) sum_i [y_i = y_pred_i]."""
    _check_real(y, "y")
    _check_real(y_pred, "y_pred")
    y = as_float_array(y, "y", ndim=1)
    y_pred = as_float_array(y_pred, "y_pred", ndim=1)
    check_same_length(y, "y", y_pred, "y_pred")
    if y.size == 0:
        raise ValueError("y must not be empty")
    return float(np.mean(y == y_pred))


def _not_converged(name: str, max_iter: int) -> None:
    warnings.warn(
        f"{name} did not converge in max_iter = {max_iter} iterations; increase max_iter or tol",
        RuntimeWarning,
        stacklevel=3,
    )


def _binary_model(theta, n_iter, converged, costs) -> LogisticModel:
    return LogisticModel(
        intercept=float(theta[0]),
        coef=theta[1:].copy(),
        n_iter=n_iter,
        converged=converged,
        costs=np.array(costs),
    )


# --------------------------------------------------------------------------- binary solvers


def logistic_lipschitz(X, lam: float = 0.0) -> float:
    r"""A bound :math:`L = \lVert\boldsymbol X_1\rVert_2^2/(4n) + 2\lambda` of the Hessian eigenvalues.

    Because :math:`p(1-p) \le 1/4`, gradient descent with the learning rate
    :math:`\eta = 1/L` decreases the cost at every step.
    """
    X = _check_X(X)
    _check_scale(X)
    X1 = _with_ones(X)
    return float(np.linalg.norm(X1, 2) ** 2 / (4 * X1.shape[0]) + 2.0 * _check_lam(lam))


def fit_logistic_gd(
    X, y, lam: float = 0.0, *, learning_rate: float | None = None, max_iter: int = 100_000, tol: float = 1e-8
) -> LogisticModel:
    r"""Binary logistic regression by plain gradient descent,
    :math:`\boldsymbol\theta_{k+1} = \boldsymbol\theta_k - \eta\nabla C(\boldsymbol\theta_k)`.

    Starts at :math:`\boldsymbol\theta_0 = 0`; the default learning rate is
    :math:`\eta = 1/L` (:func:`logistic_lipschitz`). Stops when the largest component of
    the gradient is below ``tol``. A NaN or infinite cost stops with a ``FloatingPointError``.
    """
    X = _check_X(X)
    y = _check_binary_labels(y, X)
    lam = _check_lam(lam)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_scalar(tol, "tol", minimum=0.0, include_min=False))
    if learning_rate is None:
        learning_rate = 1.0 / logistic_lipschitz(X, lam)
    eta = float(check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False))
    X1 = _with_ones(X)
    theta = np.zeros(X1.shape[1])
    costs = []
    for k in range(1, max_iter + 1):
        with np.errstate(over="ignore", invalid="ignore"):  # a divergence is reported below
            theta = theta - eta * _binary_grad(theta, X1, y, lam)
            costs.append(_binary_cost(theta, X1, y, lam))
        check_finite_loss(costs[-1], k, "cross-entropy")
        if np.max(np.abs(_binary_grad(theta, X1, y, lam))) < tol:
            return _binary_model(theta, k, True, costs)
    _not_converged("fit_logistic_gd", max_iter)
    return _binary_model(theta, max_iter, False, costs)


def fit_logistic_newton(X, y, lam: float = 0.0, *, max_iter: int = 100, tol: float = 1e-10) -> LogisticModel:
    r"""Binary logistic regression by Newton's method, i.e. iteratively reweighted least squares.

    Each step solves :math:`\boldsymbol H(\boldsymbol\theta_k)\,\boldsymbol\Delta = \nabla
    C(\boldsymbol\theta_k)` and sets :math:`\boldsymbol\theta_{k+1} = \boldsymbol\theta_k -
    t\boldsymbol\Delta`. With :math:`\boldsymbol S = \mathrm{diag}(p_i(1-p_i))` the full step
    (:math:`t = 1`) is a weighted least-squares problem,

    .. math::

        \boldsymbol\theta_{k+1} = \bigl(\boldsymbol X_1^T\boldsymbol S\boldsymbol X_1
        + 2n\lambda\boldsymbol D\bigr)^{-1}\boldsymbol X_1^T\boldsymbol S\,\boldsymbol u,
        \qquad \boldsymbol u = \boldsymbol X_1\boldsymbol\theta_k
        + \boldsymbol S^{-1}(\boldsymbol y - \boldsymbol p),

    with :math:`\boldsymbol D = \mathrm{diag}(0, 1, \dots, 1)`. The step is halved while it
    would raise the cost (far from the minimum a full Newton step can overshoot). Stops when
    the largest component of the step is below ``tol``.
    """
    X = _check_X(X)
    _check_scale(X)
    y = _check_binary_labels(y, X)
    lam = _check_lam(lam)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_scalar(tol, "tol", minimum=0.0, include_min=False))
    X1 = _with_ones(X)
    theta = np.zeros(X1.shape[1])
    cost = _binary_cost(theta, X1, y, lam)
    costs = []
    for k in range(1, max_iter + 1):
        step = np.linalg.lstsq(_binary_hess(theta, X1, lam), _binary_grad(theta, X1, y, lam), rcond=None)[0]
        t = 1.0
        while True:
            new_cost = _binary_cost(theta - t * step, X1, y, lam)
            check_finite_loss(new_cost, k, "cross-entropy")
            if new_cost <= cost + 1e-14 * abs(cost) or t < 1e-10:
                break
            t /= 2
        theta = theta - t * step
        cost = new_cost
        costs.append(cost)
        if np.max(np.abs(t * step)) < tol:
            return _binary_model(theta, k, True, costs)
    _not_converged("fit_logistic_newton", max_iter)
    return _binary_model(theta, max_iter, False, costs)


# --------------------------------------------------------------------------- softmax regression


def _one_hot(y: np.ndarray, K: int) -> np.ndarray:
    Y = np.zeros((y.size, K))
    Y[np.arange(y.size), y] = 1.0
    return Y


def _softmax_cost(Theta, X1, Y, lam) -> float:
    Z = X1 @ Theta
    m = Z.max(axis=1, keepdims=True)
    log_norm = (m + np.log(np.exp(Z - m).sum(axis=1, keepdims=True)))[:, 0]
    return float(np.mean(log_norm - np.sum(Y * Z, axis=1)) + lam * np.sum(Theta[1:] ** 2))


def _softmax_grad(Theta, X1, Y, lam) -> np.ndarray:
    A = _softmax(X1 @ Theta)
    G = X1.T @ (A - Y) / X1.shape[0]
    G[1:] += 2.0 * lam * Theta[1:]
    return G


def _softmax_hess(Theta, X1, lam) -> np.ndarray:
    """Hessian of the softmax cost w.r.t. the parameters flattened class by class, (qK, qK)."""
    n, q = X1.shape
    K = Theta.shape[1]
    A = _softmax(X1 @ Theta)
    H = np.empty((K, q, K, q))
    for k in range(K):
        for m in range(k, K):
            s = A[:, k] * ((k == m) - A[:, m])
            H[k, :, m, :] = (X1.T * s) @ X1 / n
            H[m, :, k, :] = H[k, :, m, :].T
    H = H.reshape(K * q, K * q)
    return H + 2.0 * lam * np.diag(np.tile(_penalty_mask(q), K))


def softmax_cross_entropy(Theta, X, y, lam: float = 0.0) -> float:
    r"""Mean multiclass cross-entropy plus :math:`\lambda\lVert\boldsymbol W\rVert_F^2`,

    .. math::

        C(\boldsymbol\Theta) = \frac1n\sum_{i=0}^{n-1}\Bigl[\ln\sum_{k} e^{z_{ik}} - z_{i,y_i}\Bigr]
        + \lambda\lVert\boldsymbol W\rVert_F^2, \qquad \boldsymbol Z = \boldsymbol X_1\boldsymbol\Theta,

    where ``Theta`` (p+1, K) holds the intercepts in its first row and :math:`\boldsymbol W`
    is the rest; the log-sum-exp is evaluated stably.
    """
    X = _check_X(X)
    y, K = _check_class_labels(y, X, None if np.ndim(Theta) != 2 else np.shape(Theta)[1])
    Theta = _check_Theta(Theta, X.shape[1] + 1, K)
    return _softmax_cost(Theta, _with_ones(X), _one_hot(y, K), _check_lam(lam))


def softmax_gradient(Theta, X, y, lam: float = 0.0) -> np.ndarray:
    r"""Gradient of :func:`softmax_cross_entropy`,

    .. math::

        \nabla_{\boldsymbol\Theta} C = \frac1n\boldsymbol X_1^T(\boldsymbol A - \boldsymbol Y)
        + 2\lambda\begin{pmatrix}\boldsymbol 0^T\\ \boldsymbol W\end{pmatrix},

    with :math:`\boldsymbol A` the softmax probabilities and :math:`\boldsymbol Y` the one-hot labels.
    """
    X = _check_X(X)
    y, K = _check_class_labels(y, X, None if np.ndim(Theta) != 2 else np.shape(Theta)[1])
    Theta = _check_Theta(Theta, X.shape[1] + 1, K)
    return _softmax_grad(Theta, _with_ones(X), _one_hot(y, K), _check_lam(lam))


def softmax_hessian(Theta, X, lam: float = 0.0) -> np.ndarray:
    r"""Hessian of :func:`softmax_cross_entropy` w.r.t. ``Theta`` flattened column by column (class by class),

    .. math::

        \frac{\partial^2 C}{\partial\theta_{jk}\,\partial\theta_{j'm}} = \frac1n\sum_i
        a_{ik}(\delta_{km} - a_{im})\,x_{ij}x_{ij'} + 2\lambda\,\delta_{km}\delta_{jj'}[j \ge 1],

    with :math:`x_{i0} = 1`. Shape ``(K(p+1), K(p+1))``; it is singular along the shift of
    all intercepts by one constant, which leaves every probability unchanged.
    """
    X = _check_X(X)
    _check_real(Theta, "Theta")
    K = as_float_array(Theta, "Theta", ndim=2).shape[1]
    Theta = _check_Theta(Theta, X.shape[1] + 1, K)
    return _softmax_hess(Theta, _with_ones(X), _check_lam(lam))


def _check_Theta(Theta, q: int, K: int) -> np.ndarray:
    _check_real(Theta, "Theta")
    Theta = as_float_array(Theta, "Theta", ndim=2)
    if Theta.shape != (q, K):
        raise ValueError(f"Theta must have shape ({q}, {K}) (intercepts in the first row), got {Theta.shape}")
    return Theta


SOFTMAX_METHODS = ("newton", "gd")


def fit_softmax(
    X,
    y,
    lam: float = 0.0,
    *,
    method: str = "newton",
    n_classes: int | None = None,
    learning_rate: float | None = None,
    max_iter: int | None = None,
    tol: float = 1e-10,
) -> LogisticModel:
    r"""Softmax regression, by Newton's method (small problems) or gradient descent.

    Starts at :math:`\boldsymbol\Theta_0 = 0`. Newton solves with the full Hessian
    (:func:`softmax_hessian`) in the least-squares sense: its null direction (shifting all
    intercepts together) is left untouched, so the intercepts keep summing to zero, as in
    scikit-learn. Gradient descent uses :math:`\eta = 1/L` with
    :math:`L = \lVert\boldsymbol X_1\rVert_2^2/(2n) + 2\lambda` by default (the softmax
    Hessian is bounded by half the identity per sample). Newton stops when the largest
    step, gradient descent when the largest gradient component is below ``tol``.
    """
    X = _check_X(X)
    y, K = _check_class_labels(y, X, n_classes)
    lam = _check_lam(lam)
    if method not in SOFTMAX_METHODS:
        raise ValueError(f"method must be one of {SOFTMAX_METHODS}, got {method!r}")
    if method == "newton" or learning_rate is None:  # the Hessian, or the bound L, squares X
        _check_scale(X)
    if max_iter is None:
        max_iter = 100 if method == "newton" else 100_000
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    tol = float(check_scalar(tol, "tol", minimum=0.0, include_min=False))
    if learning_rate is not None:
        check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False)
    X1 = _with_ones(X)
    Y = _one_hot(y, K)
    q = X1.shape[1]
    Theta = np.zeros((q, K))
    cost = _softmax_cost(Theta, X1, Y, lam)
    costs = []
    if method == "gd":
        if learning_rate is None:
            learning_rate = 1.0 / (np.linalg.norm(X1, 2) ** 2 / (2 * X1.shape[0]) + 2.0 * lam)
        eta = float(check_scalar(learning_rate, "learning_rate", minimum=0.0, include_min=False))
    converged = False
    for k in range(1, max_iter + 1):
        G = _softmax_grad(Theta, X1, Y, lam)
        if method == "gd":
            Theta = Theta - eta * G
            cost = _softmax_cost(Theta, X1, Y, lam)
            check_finite_loss(cost, k, "cross-entropy")
            costs.append(cost)
            if np.max(np.abs(_softmax_grad(Theta, X1, Y, lam))) < tol:
                converged = True
                break
            continue
        step = np.linalg.lstsq(_softmax_hess(Theta, X1, lam), G.T.reshape(-1), rcond=None)[0]
        step = step.reshape(K, q).T
        t = 1.0
        while True:
            new_cost = _softmax_cost(Theta - t * step, X1, Y, lam)
            check_finite_loss(new_cost, k, "cross-entropy")
            if new_cost <= cost + 1e-14 * abs(cost) or t < 1e-10:
                break
            t /= 2
        Theta = Theta - t * step
        cost = new_cost
        costs.append(cost)
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    if not converged:
        _not_converged("fit_softmax", max_iter)
    return LogisticModel(
        intercept=Theta[0].copy(), coef=Theta[1:].copy(), n_iter=k, converged=converged, costs=np.array(costs)
    )


# --------------------------------------------------------------------------- judging a classifier


def _binary_pair(y, other, name: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(as_float_array(y, "y", ndim=1, nonempty=True))
    other = as_float_array(other, name, ndim=1, nonempty=True)
    if len(other) != len(y):
        raise ValueError(f"{name} must have the length of y, {len(y)}, got {len(other)}")
    if not np.all((y == 0) | (y == 1)):
        raise ValueError("y must hold the labels 0 and 1")
    return y.astype(int), other


def confusion_matrix(y, y_pred) -> np.ndarray:
    """The 2 x 2 confusion matrix [[TN, FP], [FN, TP]] of binary labels (chapter "Classification").

    Rows are the true classes 0, 1, columns the predicted ones, as in scikit-learn.
    """
    y, y_pred = _binary_pair(y, y_pred, "y_pred")
    if not np.all((y_pred == 0) | (y_pred == 1)):
        raise ValueError("y_pred must hold the labels 0 and 1")
    y_pred = y_pred.astype(int)
    return np.array([[np.sum((y == a) & (y_pred == b)) for b in (0, 1)] for a in (0, 1)])


def precision_recall(y, y_pred) -> tuple[float, float]:
    """Precision TP / (TP + FP) (purity of what is called signal) and recall TP / (TP + FN)
    (efficiency: the fraction of the signal that is found). NaN precision if nothing is called signal.
    """
    (_, fp), (fn, tp) = confusion_matrix(y, y_pred)
    if tp + fn == 0:
        raise ValueError("y has no positive (class 1) samples: recall is undefined")
    precision = tp / (tp + fp) if tp + fp else float("nan")
    return float(precision), float(tp / (tp + fn))


def roc_curve(y, scores) -> tuple[np.ndarray, np.ndarray]:
    r"""False-positive rate and true-positive rate of the rule "signal if score > t" for every threshold t.

    Sorting the samples by decreasing score and lowering the threshold past one sample at a
    time traces the curve from (0, 0) to (1, 1); tied scores are passed together.
    """
    y, scores = _binary_pair(y, scores, "scores")
    n_pos, n_neg = int(y.sum()), int(len(y) - y.sum())
    if n_pos == 0 or n_neg == 0:
        raise ValueError("y must contain both classes")
    order = np.argsort(-scores, kind="stable")
    s, yy = scores[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(yy)[last_of_tie]
    fp = (last_of_tie + 1) - tp
    return np.r_[0.0, fp / n_neg], np.r_[0.0, tp / n_pos]


def auc(y, scores) -> float:
    r"""Area under the ROC curve by the trapezoid rule.

    It equals the probability that a random signal sample scores higher than a random
    background sample (ties counting one half), the Mann-Whitney statistic:
    :math:`\mathrm{AUC} = P(s_+ > s_-) + \frac12 P(s_+ = s_-)`.
    """
    fpr, tpr = roc_curve(y, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def calibration_table(y, p, n_bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Reliability of predicted probabilities: per bin of p, the mean prediction, the observed
    fraction of class 1, its binomial standard error :math:`\sqrt{\bar p(1-\bar p)/n_b}` (from the
    mean prediction, the expectation if the model is calibrated) and the count. Empty bins are dropped.
    """
    y, p = _binary_pair(y, p, "p")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p must hold probabilities in [0, 1]")
    n_bins = check_int(n_bins, "n_bins", minimum=1)
    which = np.minimum((p * n_bins).astype(int), n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = which == b
        if sel.any():
            mean_p = p[sel].mean()
            rows.append((mean_p, y[sel].mean(), np.sqrt(mean_p * (1 - mean_p) / sel.sum()), sel.sum()))
    mean_p, observed, error, count = (np.array(c) for c in zip(*rows, strict=True))
    return mean_p, observed, error, count.astype(int)
