"""A valid example call of every public physml callable, with the kind of every argument.

``test_api_contract.py`` discovers physml's public functions, classes, methods and property
setters from the package and requires an entry here for each. An entry names the callable
(``module.function``, ``module.Class`` for the constructor, ``module.Class.method``) and
gives every argument as a kind of :mod:`api_kinds` wrapping a valid value; the layer calls
it once as given and then once per bad variant of each argument, and requires a
``ValueError`` or ``TypeError`` whose message names that argument.

* ``same_rows=[("X", "y")]``: these arguments must have the same number of samples (the layer
  also drops the last row of each in turn);
* a method of a class is looked up as ``module.Class.method`` and then under the class
  that defines it (so ``Adam.step`` uses the entry of ``Optimizer.step``), and is called on
  ``INSTANCES[module.Class]()``;
* a property setter is an entry with the single argument ``value``.

Adding a public function to physml means adding its entry here (the layer fails otherwise).
"""

from __future__ import annotations

import numpy as np
from api_kinds import (
    Any,
    Arr,
    Bad,
    Choice,
    Decay,
    Device,
    Each,
    Flag,
    Fn,
    Fraction,
    Int,
    Iterable,
    Lazy,
    Loader,
    LossFn,
    M,
    NonNeg,
    Obj,
    Rate,
    Real,
    Rng,
    Shape,
    Size,
    Str,
    T,
    V,
    huge,
)

EXAMPLES: dict[str, dict] = {}
INSTANCES: dict[str, object] = {}

#: Modules the walker skips for now.
SKIPPED_MODULES = {
    # Landed before the layer existed; their examples are being written (bad-input issue,
    # follow-up). Each name removed from here must get its entries below.
}
#: Subpackages that are registries filled by decorators, not API. physml.studies: the
#: chapters' experiments, whose one argument is a Settings object that checks itself
#: (tests/unit/test_experiment.py).
SKIPPED_PACKAGES = {"physml.checks", "physml.answers", "physml.studies"}


def example(target: str, /, *, same_rows=(), **args) -> None:
    """Register the valid call ``target(**args)`` (values wrapped in their kinds)."""
    if target in EXAMPLES:
        raise ValueError(f"{target} has two examples")
    EXAMPLES[target] = {"args": args, "rows": tuple(same_rows)}


def instance(target: str, factory) -> None:
    """How to build an object of class ``target`` for its methods."""
    INSTANCES[target] = factory


def record(target: str, **values) -> None:
    """A plain result record (dataclass or NamedTuple) that physml returns; its fields are not
    validated because users read these records rather than build them."""
    example(target, **{k: Any(v) for k, v in values.items()})


#: A user function that returns NaN stops an iteration with a FloatingPointError (naming it).
_NAN_ERRORS = (ValueError, TypeError, FloatingPointError)


def short(value, label="wrong length") -> Bad:
    """The value without its last row: a length that does not match."""
    return Bad(label, np.asarray(value)[:-1])


# ----------------------------------------------------------------------------- shared data

_rng = np.random.default_rng(0)
X8 = _rng.normal(size=(8, 2))
Y8 = _rng.normal(size=8)
X8_3 = np.column_stack([X8, X8[:, 0] + X8[:, 1]])  # rank 2: X^T X is singular
A3 = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 2.0]])
SINGULAR3 = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
A23 = _rng.normal(size=(2, 3))
B34 = _rng.normal(size=(3, 4))
Z23 = np.array([[0.5, -1.0, 2.0], [0.0, 1.5, -0.5]])
P23 = np.array([[0.2, 0.3, 0.5], [0.1, 0.6, 0.3]])  # probability rows
ONEHOT23 = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])


def _axes():
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


# ----------------------------------------------------------------------------- physml.intro

example(
    "physml.intro.noisy_line",
    n=Int(5, minimum=2),
    slope=Real(1.0),
    intercept=Real(0.5),
    noise=NonNeg(0.1),
    seed=Rng(0),
)
example(
    "physml.intro.fit_line_gradient_descent",
    same_rows=[("x", "y")],
    x=V(X8[:, 0]),
    y=V(Y8),
    eta=Rate(0.1),
    n_steps=Size(3),
)

# ----------------------------------------------------------------------------- physml.data

example(
    "physml.data.franke",
    x=Arr(X8[:, 0], empty_ok=True),
    y=Arr(X8[:, 1], empty_ok=True, extra=[short(X8[:, 1], "other shape")]),
)
example("physml.data.franke_samples", n=Size(5), noise=NonNeg(0.1), seed=Rng(0))
example("physml.data.noisy_polynomial", n=Size(5), coefficients=V([1.0, 2.0]), noise=NonNeg(0.1), seed=Rng(0))
example(
    "physml.data.train_test_split",
    arrays=Each([M(X8), V(Y8)], optional=True, extra=[Bad("mismatched rows", [X8, Y8[:-1]])]),
    test_size=Fraction(0.25),
    seed=Rng(0),
)
example(
    "physml.data.Scaler",
    mean=Arr(np.zeros(2), ndim=(0, 1)),
    scale=Arr(np.ones(2), ndim=(0, 1), extra=[Bad("zero width", np.array([1.0, 0.0])), short(np.ones(2))]),
)
example("physml.data.fit_scaler", X=Arr(X8, ndim=(1, 2)), with_std=Flag(True))
example(
    "physml.data.scale",
    X=Arr(X8, ndim=(1, 2), extra=[Bad("other columns", X8[:, :1])]),
    scaler=Obj(Lazy(lambda: _data().fit_scaler(X8)), wrong=[Lazy(lambda: _linear_model())]),
)


def _data():
    from physml import data

    return data


def _linear_model():
    from physml import regression

    return regression.fit_linear(X8, Y8)


# ----------------------------------------------------------------------------- physml.linalg

_sq = {"extra": [Bad("not square", A23)]}

example(
    "physml.linalg.inner",
    same_rows=[("x", "y")],
    x=V([1.0, 2.0, 3.0], complex_ok=True),
    y=V([1.0, 0.0, 1.0], complex_ok=True),
)
example("physml.linalg.outer", x=V([1.0, 2.0], complex_ok=True), y=V([1.0, 0.0, 1.0], complex_ok=True))
example(
    "physml.linalg.hadamard",
    same_rows=[("x", "y")],
    x=Arr(A23, ndim=(1, 2), complex_ok=True),
    y=Arr(A23, ndim=(1, 2), complex_ok=True),
)
example(
    "physml.linalg.matvec",
    A=M(A3, complex_ok=True),
    x=V([1.0, 2.0, 3.0], complex_ok=True, extra=[short([1.0, 2, 3])]),
)
for _name in ("matmul_counting", "matmul"):
    example(
        f"physml.linalg.{_name}", A=M(A23, complex_ok=True), B=M(B34, complex_ok=True, extra=[short(B34)])
    )
example(
    "physml.linalg.dense_layer",
    a=Arr([1.0, 2.0, 3.0], ndim=(1, 2), complex_ok=True, extra=[short([1.0, 2, 3])]),
    W=M(A23.T, complex_ok=True),
    b=V([0.5, -0.5], complex_ok=True, extra=[short([0.5, -0.5])]),
)
example(
    "physml.linalg.dense_layer_gradients",
    a=V([1.0, 2.0, 3.0], complex_ok=True, extra=[short([1.0, 2, 3])]),
    W=M(A23.T, complex_ok=True),
    b=V([0.5, -0.5], complex_ok=True),
    y=V([1.0, 0.0], complex_ok=True, extra=[short([1.0, 0.0])]),
)
example("physml.linalg.random_matrix", n=Size(3), m=Size(2, optional=True), seed=Rng(0))
for _name in ("random_symmetric", "random_orthogonal", "random_unitary", "random_hermitian"):
    example(f"physml.linalg.{_name}", n=Size(3), seed=Rng(0))
example(
    "physml.linalg.matrix_with_singular_values",
    singular_values=V([3.0, 2.0, 1.0], extra=[Bad("negative", np.array([1.0, -1.0]))]),
    seed=Rng(0),
)
example("physml.linalg.matrix_with_condition_number", n=Size(3), kappa=Real(10.0, minimum=1.0), seed=Rng(0))
example("physml.linalg.hilbert", n=Size(3))
_SPD3 = np.array([[2.0, 0.5, 0.0], [0.5, 1.5, 0.2], [0.0, 0.2, 1.0]])
example(
    "physml.linalg.cholesky",
    A=M(
        _SPD3,
        extra=[
            Bad("not square", np.ones((2, 3))),
            Bad("not symmetric", np.triu(_SPD3)),
            Bad("indefinite", np.diag([1.0, -1.0, 1.0])),
        ],
    ),
)
example(
    "physml.linalg.gaussian_samples",
    mean=V([0.0, 1.0, 2.0]),
    cov=M(_SPD3, extra=[Bad("other size", np.eye(2)), Bad("indefinite", -_SPD3)]),
    n=Size(4),
    seed=Rng(0),
)
example("physml.linalg.pinv", A=M(np.arange(6.0).reshape(3, 2)), rcond=Real(1e-12, minimum=0.0, maximum=1.0))
example(
    "physml.linalg.truncated_svd",
    A=M(np.arange(6.0).reshape(3, 2) + np.eye(3, 2)),
    k=Int(1, minimum=1, extra=[Bad("above rank", 3)]),
)
example(
    "physml.linalg.als_low_rank",
    A=M(np.arange(6.0).reshape(3, 2) + np.eye(3, 2)),
    k=Int(1, minimum=1, extra=[Bad("above rank", 3)]),
    n_iter=Size(2),
    seed=Rng(0),
)
example(
    "physml.linalg.quadratic_form_gradient",
    A=M(_SPD3, extra=[Bad("not square", np.ones((3, 2)))]),
    x=V([1.0, 0.0, -1.0], extra=[Bad("other length", np.ones(2))]),
)
example("physml.linalg.band_mask", n=Size(3), lower=Int(1, minimum=0), upper=Int(1, minimum=0))
example(
    "physml.linalg.random_banded", n=Size(3), lower=Int(1, minimum=0), upper=Int(1, minimum=0), seed=Rng(0)
)
example("physml.linalg.random_structured", kind=Choice("upper Hessenberg"), n=Size(3), seed=Rng(0))
example("physml.linalg.is_real", A=M(A23, complex_ok=True), tol=NonNeg(1e-10))
for _name in (
    "is_symmetric",
    "is_hermitian",
    "is_unitary",
    "is_orthogonal",
    "is_diagonal",
    "is_upper_triangular",
    "is_lower_triangular",
    "is_upper_hessenberg",
    "is_lower_hessenberg",
    "is_tridiagonal",
):
    example(f"physml.linalg.{_name}", A=M(A3, complex_ok=True, **_sq), tol=NonNeg(1e-10))
example("physml.linalg.bandwidths", A=M(A23, complex_ok=True), tol=NonNeg(1e-10))
example("physml.linalg.is_banded", A=M(A3, complex_ok=True, **_sq), p=Int(1, minimum=0), tol=NonNeg(1e-10))
example(
    "physml.linalg.relation_table",
    matrices=Obj({"A": A3}, wrong=[{}, {"A": "abc"}, {"A": A23}]),
    tol=NonNeg(1e-10),
)
example(
    "physml.linalg.table_html",
    table=Obj(
        {"row": {"col": True}},
        wrong=[{}],
        extra=[
            Bad("rows with other keys", {"A": {"x": 1}, "B": {"y": 2}}),
            Bad("row with an extra key", {"A": {"x": 1}, "B": {"x": 1, "y": 2}}),
            Bad("row not a dict", {"A": 3}),
            Bad("empty row", {"A": {}}),
        ],
    ),
    corner=Str(""),
)
example("physml.linalg.singular_values", A=M(A23, complex_ok=True))
example("physml.linalg.condition_number", A=M(A23, complex_ok=True))
example(
    "physml.linalg.elementary_factors",
    A=M(A3, complex_ok=True, extra=[Bad("not square", A23), Bad("singular", SINGULAR3)]),
    tol=Real(1e-10, minimum=0.0, maximum=1.0, include_max=False),
)
example("physml.linalg.invertibility_statements", A=M(A3, complex_ok=True, **_sq), tol=NonNeg(1e-10))
example(
    "physml.linalg.solve_relative_error",
    A=M(A3, complex_ok=True, extra=[Bad("not square", A23), Bad("singular", SINGULAR3)]),
    x_true=V([1.0, 2.0, 3.0], complex_ok=True, extra=[short([1.0, 2, 3]), Bad("zero vector", np.zeros(3))]),
)
example(
    "physml.linalg.condition_experiment",
    kappas=V([1.0, 10.0], extra=[Bad("below 1", np.array([0.5]))]),
    n=Size(2),
    repeats=Size(1),
    seed=Rng(0),
)
example("physml.linalg.polynomial_design_matrix", x=V([0.0, 0.5, 1.0]), degree=Int(2, minimum=0))
example(
    "physml.linalg.numpy_torch_deviations",
    A=M(A3, extra=[Bad("not square", A23), Bad("singular", SINGULAR3), Bad("complex", A3 + 1j)]),
    b=V([1.0, 2.0, 3.0], extra=[short([1.0, 2, 3])]),
    device=Device("cpu"),
)

# ----------------------------------------------------------------------------- physml.regression

_xy = {"same_rows": [("X", "y")], "X": M(X8), "y": V(Y8)}

example(
    "physml.regression.polynomial_powers",
    degree=Int(2, minimum=0),
    two_dimensional=Flag(True),
    intercept=Flag(True),
)
example(
    "physml.regression.polynomial_design_matrix",
    same_rows=[("x", "y")],
    x=V(X8[:, 0]),
    y=V(X8[:, 1], optional=True),
    degree=Int(2, minimum=0),
    intercept=Flag(True),
)
example(
    "physml.regression.ols_fit",
    same_rows=[("X", "y")],
    X=M(X8, extra=[Bad("rank-deficient with method='normal'", X8_3)]),
    y=V(Y8),
    method=Choice("normal"),
)
example("physml.regression.ridge_fit", **_xy, lam=NonNeg(0.1))
example("physml.regression.soft_threshold", z=Arr([-1.0, 0.2, 3.0], empty_ok=True), gamma=NonNeg(0.5))
example(
    "physml.regression.lasso_fit",
    **_xy,
    lam=NonNeg(0.1),
    tol=Rate(1e-10),
    max_sweeps=Size(100),
    theta0=V(np.zeros(2), optional=True, extra=[short(np.zeros(2))]),
    return_n_sweeps=Flag(False),
)
example("physml.regression.lasso_lambda_max", **_xy)
example("physml.regression.mse", same_rows=[("y", "y_pred")], y=V(Y8), y_pred=V(Y8 + 0.1))
example(
    "physml.regression.r2",
    same_rows=[("y", "y_pred")],
    y=V(Y8, extra=[Bad("constant", np.ones(8))]),
    y_pred=V(Y8 + 0.1),
)
example(
    "physml.regression.ols_confidence",
    same_rows=[("X", "y")],
    X=M(np.column_stack([np.ones(6), np.arange(6.0)]), extra=[Bad("too few rows", np.ones((2, 2)))]),
    y=V(np.array([0.1, 1.2, 1.9, 3.2, 3.9, 5.1])),
    level=Real(0.95, minimum=0.0, maximum=1.0, include_min=False, include_max=False),
)
example(
    "physml.regression.ising_chain_energies",
    spins=M(np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]]), extra=[Bad("not spins", np.array([[1.0, 0.5]]))]),
    coupling=Real(1.0),
)
record(
    "physml.regression.ConfidenceIntervals",
    theta=np.zeros(1),
    stderr=np.zeros(1),
    lower=np.zeros(1),
    upper=np.zeros(1),
    sigma2_hat=0.0,
    level=0.95,
)
example("physml.regression.pair_features", spins=M(np.array([[1.0, -1.0, 1.0], [1.0, 1.0, 1.0]])))
example(
    "physml.regression.LinearModel",
    theta=V([1.0, 2.0]),
    intercept=Real(0.5),
    scaler=Obj(
        Lazy(lambda: _data().fit_scaler(X8)), optional=True, wrong=[Lazy(lambda: _data().fit_scaler(X8_3))]
    ),
)
instance("physml.regression.LinearModel", _linear_model)
example("physml.regression.LinearModel.predict", X=M(X8, extra=[Bad("other columns", X8_3)]))
example(
    "physml.regression.fit_linear",
    **_xy,
    method=Choice("ridge"),
    lam=NonNeg(0.1),
    standardize=Flag(True),
)

# ----------------------------------------------------------------------------- physml.resampling


def _fit_ols(X, y):
    from physml import regression

    return regression.fit_linear(X, y)


def _returns_none(X, y):
    return None


class _Predicts:
    """A model whose predict(X) returns ``value(X)``: NaN, complex, the wrong length ..."""

    def __init__(self, value):
        self.value = value

    def predict(self, X):
        return self.value(X)


def _fit_predicting(value):
    def fit(X, y):
        return _Predicts(value)

    return fit


_diverged = (FloatingPointError,)  # a user function that returns NaN or inf (check_finite_result)
_bad_models = [
    Bad("model predicts NaN", _fit_predicting(lambda X: np.full(len(X), np.nan)), errors=_diverged),
    Bad("model predicts inf", _fit_predicting(lambda X: np.full(len(X), np.inf)), errors=_diverged),
    Bad("model predicts complex", _fit_predicting(lambda X: np.zeros(len(X)) + 1j)),
    Bad("model predicts strings", _fit_predicting(lambda X: np.full(len(X), "a"))),
    Bad("model predicts too few", _fit_predicting(lambda X: np.zeros(len(X) - 1))),
]


example(
    "physml.resampling.bootstrap",
    same_rows=[("X_train", "y_train")],
    fit=Fn(_fit_ols, extra=[Bad("returns no model", _returns_none), *_bad_models]),
    X_train=M(X8),
    y_train=V(Y8),
    X_test=M(X8[:3], extra=[Bad("other columns", X8_3[:3])]),
    n_bootstraps=Size(2),
    seed=Rng(0),
)
record("physml.resampling.BiasVariance", error=1.0, bias2=0.5, variance=0.5)
example(
    "physml.resampling.bias_variance",
    predictions=M(np.ones((3, 4))),
    y_test=V(np.zeros(4), extra=[short(np.zeros(4))]),
)
example(
    "physml.resampling.kfold_indices",
    n=Int(6, minimum=2),
    k=Int(2, minimum=2, extra=[Bad("k > n", 7)]),
    seed=Rng(0),
)
example(
    "physml.resampling.cross_validate",
    **_xy,
    fit=Fn(_fit_ols, extra=[Bad("returns no model", _returns_none), *_bad_models]),
    k=Int(2, minimum=2, extra=[Bad("k > n", 9)]),
    seed=Rng(0),
    metric=Fn(
        Lazy(lambda: __import__("physml.regression").regression.mse),
        extra=[
            Bad("returns an array", lambda y, y_pred: (y - y_pred) ** 2),
            Bad("returns a 1-element array", lambda y, y_pred: np.array([0.5])),
            Bad("returns complex", lambda y, y_pred: 0.5 + 1j),
            Bad("returns a string", lambda y, y_pred: "0.5"),
            Bad("returns None", lambda y, y_pred: None),
            Bad("returns NaN", lambda y, y_pred: float("nan"), errors=_diverged),
        ],
    ),
)

# ----------------------------------------------------------------------------- physml.optim


def _square(x):
    return x * x - 2.0


def _square_slope(x):
    return 2.0 * x


def _nan_function(x):
    return float("nan")


def _quad_grad(theta):
    return 2.0 * theta


def _quad_hess(theta):
    return 2.0 * np.eye(theta.size)


def _quad_cost(theta):
    return float(theta @ theta)


def _nan_grad(theta, *batch):
    return np.full_like(theta, np.nan)


def _batch_grad(theta, batch):
    return 2.0 * theta


def _nan_cost(theta):
    return float("nan")


record("physml.optim.RootResult", root=1.0, iterates=np.ones(2), n_iter=1, converged=True)
record(
    "physml.optim.OptimizationResult",
    theta=np.ones(2),
    path=np.ones((2, 2)),
    costs=None,
    grad_norms=np.ones(2),
    converged=True,
)
example(
    "physml.optim.newton_root",
    f=Fn(_square, extra=[Bad("returns NaN", _nan_function, _NAN_ERRORS)]),
    df=Fn(_square_slope, extra=[Bad("returns NaN", _nan_function, _NAN_ERRORS)]),
    x0=Real(1.0),
    tol=Rate(1e-12),
    max_iter=Size(50),
)
example(
    "physml.optim.bisection",
    f=Fn(_square, extra=[Bad("returns NaN", _nan_function, _NAN_ERRORS)]),
    a=Real(0.0, extra=[Bad("a >= b", 3.0)]),
    b=Real(2.0),
    tol=Rate(1e-12),
    max_iter=Size(200),
)
_nan_fn = Bad("returns NaN", _nan_grad, _NAN_ERRORS)
example(
    "physml.optim.newton_minimize",
    grad_fn=Fn(_quad_grad, extra=[_nan_fn]),
    hess_fn=Fn(_quad_hess, extra=[_nan_fn]),
    theta0=V([1.0, -1.0]),
    tol=Rate(1e-10),
    max_iter=Size(5),
    cost_fn=Fn(
        _quad_cost,
        optional=True,
        extra=[Bad("returns NaN", _nan_cost, _NAN_ERRORS)],
    ),
)

_opt_args = {"learning_rate": Rate(0.1)}
example("physml.optim.Optimizer", **_opt_args)
example("physml.optim.GradientDescent", **_opt_args)
example("physml.optim.Momentum", **_opt_args, momentum=Decay(0.9), nesterov=Flag(False))
example("physml.optim.AdaGrad", **_opt_args, eps=Rate(1e-10))
example("physml.optim.RMSprop", **_opt_args, rho=Decay(0.99), eps=Rate(1e-8))
example("physml.optim.Adam", **_opt_args, beta1=Decay(0.9), beta2=Decay(0.999), eps=Rate(1e-8))


def _optimizer(name):
    def factory():
        from physml import optim

        return getattr(optim, name)(0.1)

    return factory


example(
    "physml.optim.AdamW",
    **_opt_args,
    beta1=Decay(0.9),
    beta2=Decay(0.999),
    eps=Rate(1e-8),
    weight_decay=NonNeg(0.01),
)
for _name in ("GradientDescent", "Momentum", "AdaGrad", "RMSprop", "Adam", "AdamW"):
    instance(f"physml.optim.{_name}", _optimizer(_name))
instance(
    "physml.optim.Optimizer", _optimizer("GradientDescent")
)  # the base class, through its simplest subclass
example(
    "physml.optim.Optimizer.step",
    params=Each([Arr(np.ones((2, 3)))]),
    grads=Each(
        [Arr(np.full((2, 3), 0.5), extra=[Bad("other shape", np.ones(3))])],
        extra=[Bad("too many", [np.ones((2, 3))] * 2)],
    ),
)
example("physml.optim.Optimizer.learning_rate", value=Rate(0.05))

example("physml.optim.Schedule", initial=Rate(0.1))
example("physml.optim.ConstantRate", initial=Rate(0.1))
example(
    "physml.optim.StepDecay",
    initial=Rate(0.1),
    factor=Real(0.5, minimum=0.0, maximum=1.0, include_min=False),
    every=Size(10),
)
example(
    "physml.optim.ExponentialDecay",
    initial=Rate(0.1),
    gamma=Real(0.95, minimum=0.0, maximum=1.0, include_min=False),
)
example("physml.optim.InverseTimeDecay", initial=Rate(0.1), decay=NonNeg(0.1))
example(
    "physml.optim.CosineDecay",
    initial=Rate(0.1),
    n_epochs=Size(10),
    minimum=Real(0.0, minimum=0.0, maximum=0.1),
)


def _schedule(name, *args):
    def factory():
        from physml import optim

        return getattr(optim, name)(0.1, *args)

    return factory


instance("physml.optim.Schedule", _schedule("ConstantRate"))  # the base class, through its simplest subclass
for _name in ("ConstantRate", "StepDecay", "ExponentialDecay", "InverseTimeDecay"):
    instance(f"physml.optim.{_name}", _schedule(_name))
instance("physml.optim.CosineDecay", _schedule("CosineDecay", 10))
example("physml.optim.Schedule.__call__", epoch=Int(3, minimum=0))

_gd = Obj(Lazy(_optimizer("GradientDescent")), wrong=[Lazy(_schedule("ConstantRate"))])
example(
    "physml.optim.minimize",
    grad_fn=Fn(_quad_grad, extra=[_nan_fn]),
    theta0=V([1.0, -1.0]),
    optimizer=_gd,
    n_steps=Int(3, minimum=0),
    cost_fn=Fn(_quad_cost, optional=True),
    tol=NonNeg(0.0),
    schedule=Fn(Lazy(_schedule("ConstantRate")), optional=True),
)
example(
    "physml.optim.minibatches",
    n_samples=Size(10),
    batch_size=Size(3),
    rng=Rng(Lazy(lambda: np.random.default_rng(0))),
)
example(
    "physml.optim.sgd",
    grad_fn=Fn(_batch_grad, extra=[_nan_fn]),
    theta0=V([1.0, -1.0]),
    n_samples=Size(6),
    optimizer=_gd,
    batch_size=Size(2, extra=[Bad("larger than n_samples", 7)]),
    n_epochs=Int(1, minimum=0),
    seed=Rng(0),
    cost_fn=Fn(_quad_cost, optional=True),
    schedule=Fn(Lazy(_schedule("ConstantRate")), optional=True),
)
example(
    "physml.optim.critical_learning_rate",
    hessian=M(A3, extra=[Bad("not square", A23), Bad("not symmetric", np.triu(A3))]),
)
example("physml.optim.RidgeProblem", **_xy, lam=NonNeg(0.01))
instance("physml.optim.RidgeProblem", lambda: __import__("physml.optim").optim.RidgeProblem(X8, Y8, 0.01))
example("physml.optim.RidgeProblem.cost", theta=V([1.0, -1.0], extra=[short([1.0, -1.0])]))
example(
    "physml.optim.RidgeProblem.gradient",
    theta=V([1.0, -1.0], extra=[short([1.0, -1.0])]),
    batch=Arr(
        np.array([0, 3]),
        ndim=1,
        optional=True,
        extra=[Bad("out of range", np.array([0, 8])), Bad("fractional", np.array([0.5]))],
    ),
)
example("physml.optim.RidgeProblem.hessian", theta=V([1.0, -1.0], optional=True, extra=[short([1.0, -1.0])]))
example(
    "physml.optim.make_ridge_problem",
    n_samples=Int(10, minimum=2),
    n_features=Size(2),
    lam=NonNeg(0.01),
    noise=NonNeg(0.5),
    seed=Rng(0),
)
example(
    "physml.optim.rosenbrock",
    theta=Arr(  # a point (2,) or a batch (2, ...) of points
        [0.5, 0.5],
        extra=[
            Bad("0-d", np.asarray(0.5)),
            Bad("length 3", np.ones(3)),
            Bad("points as rows", np.ones((3, 2))),
            Bad("one point as a row", np.ones((1, 2))),
            Bad("empty batch", np.ones((2, 0))),
        ],
    ),
    a=Real(1.0),
    b=Real(100.0),
)
for _name in ("rosenbrock_gradient", "rosenbrock_hessian"):
    example(
        f"physml.optim.{_name}",
        theta=V([0.5, 0.5], extra=[Bad("length 3", np.ones(3))]),
        a=Real(1.0),
        b=Real(100.0),
    )

# ----------------------------------------------------------------------------- physml.autodiff


def _tensor(shape=(2, 3)):
    def factory():
        from physml.autodiff import Tensor

        return Tensor(np.arange(1.0, 1.0 + np.prod(shape)).reshape(shape))

    return factory


def _graph():
    from physml.autodiff import Tensor

    x = Tensor(2.0, name="x")
    y = (x * x + x.sin()) * 3.0
    y.backward()
    return y


def _dual():
    from physml.autodiff import Dual

    return Dual(1.5, 1.0)


_other = Arr(np.full((2, 3), 2.0), extra=[Bad("incompatible shape", np.ones(4))])
example(
    "physml.autodiff.unbroadcast",
    grad=Arr(np.ones((3, 4))),
    shape=Shape((3, 1), extra=[Bad("incompatible", (5,)), Bad("more axes", (1, 3, 4, 1))]),
)
example("physml.autodiff.Tensor", data=Arr(np.ones((2, 3)), empty_ok=True), name=Str("x", optional=True))
instance("physml.autodiff.Tensor", _tensor())
for _op in (
    "__add__",
    "__sub__",
    "__mul__",
    "__truediv__",
    "__radd__",
    "__rsub__",
    "__rmul__",
    "__rtruediv__",
):
    example(f"physml.autodiff.Tensor.{_op}", other=_other)
example(
    "physml.autodiff.Tensor.__matmul__",
    other=M(np.ones((3, 2)), extra=[Bad("inner mismatch", np.ones((2, 2)))]),
)
example(
    "physml.autodiff.Tensor.__rmatmul__",
    other=M(np.ones((4, 2)), empty_ok=True, extra=[Bad("inner mismatch", np.ones((4, 3)))]),
)
example("physml.autodiff.Tensor.__pow__", exponent=Real(2.0))
example(
    "physml.autodiff.Tensor.accumulate",
    grad=Arr(np.ones((2, 3)), extra=[Bad("incompatible shape", np.ones(4))]),
)
example("physml.autodiff.Tensor.backward", grad=Arr(np.ones((2, 3)), extra=[Bad("other shape", np.ones(3))]))
_axis = Int(1, optional=True, extra=[Bad("out of range", 5)])
example("physml.autodiff.Tensor.sum", axis=_axis, keepdims=Flag(False))
example("physml.autodiff.Tensor.mean", axis=_axis, keepdims=Flag(False))
example(
    "physml.autodiff.Tensor.transpose",
    axes=Each([Int(1), Int(0)], optional=True, extra=[Bad("repeated", [0, 0])]),
)
example(
    "physml.autodiff.Tensor.reshape",
    shape=Each([Int(3, minimum=-1), Int(2, minimum=-1)], optional=True, extra=[Bad("other size", [4])]),
)
example(
    "physml.autodiff.make_node",
    data=Arr(np.ones(3), empty_ok=True, extra=[Bad("object array", np.array([1.0, 2.0, 3.0], dtype=object))]),
    parents=Each([Obj(Lazy(_tensor()))], empty_ok=True),
    op=Str("add"),
)
example("physml.autodiff.as_tensor", x=Arr(np.ones(3), empty_ok=True), name=Str("x"))
example(
    "physml.autodiff.gradient",
    f=Fn(lambda a: (a * a).sum(), extra=[Bad("returns a number", lambda a: 1.0)]),
    arrays=Each([Arr(np.ones(3))], empty_ok=True, optional=True),  # *arrays: None is not a call
)
for _name in ("log_softmax", "softmax"):
    example(f"physml.autodiff.{_name}", z=Arr(Z23), axis=Int(-1, extra=[Bad("out of range", 5)]))
example("physml.autodiff.leaky_relu", z=Arr(Z23), slope=NonNeg(0.01))
_W1, _b1, _W2, _b2 = np.ones((2, 3)) * 0.1, np.zeros(3), np.ones((3, 1)) * 0.1, np.zeros(1)
example(
    "physml.autodiff.mlp_cost",
    same_rows=[("X", "Y")],
    params=Each([M(_W1), V(_b1), M(_W2), V(_b2)], extra=[Bad("odd length", [_W1])]),
    X=M(X8, extra=[Bad("other columns", X8_3)]),
    Y=M(Y8[:, None], extra=[Bad("zero width", np.zeros((8, 0))), Bad("other width", np.zeros((8, 2)))]),
    hidden_activation=Choice("tanh"),
    output_activation=Choice("identity"),
    loss=Choice("mse"),
    l2=NonNeg(0.1),
    l1=NonNeg(0.1),
)
example("physml.autodiff.Dual", value=Real(1.5), deriv=Real(1.0))
instance("physml.autodiff.Dual", _dual)
for _op in (
    "__add__",
    "__sub__",
    "__mul__",
    "__truediv__",
    "__radd__",
    "__rsub__",
    "__rmul__",
    "__rtruediv__",
):
    example(f"physml.autodiff.Dual.{_op}", other=Real(2.0))
example("physml.autodiff.Dual.__pow__", exponent=Real(2.0))
example("physml.autodiff.as_dual", x=Real(2.0), name=Str("x"))
for _name in ("exp", "log", "sin", "cos", "tanh", "sigmoid", "relu"):
    example(f"physml.autodiff.{_name}", x=Arr([0.5, 1.0], empty_ok=True))
example(
    "physml.autodiff.derivative_forward",
    f=Fn(lambda d: d * d, extra=[Bad("returns a string", lambda d: "x")]),
    x=Real(1.5),
)
for _name in ("jacobian_forward", "jacobian_reverse"):
    example(
        f"physml.autodiff.{_name}",
        f=Fn(lambda v: [v[0] * v[1], v[0]], extra=[Bad("returns strings", lambda v: ["x"])]),
        x=V([1.0, 2.0]),
    )
example(
    "physml.autodiff.finite_difference",
    f=Fn(np.sin, extra=[Bad("returns NaN", _nan_function, _NAN_ERRORS)]),
    x=Real(0.5),
    h=Rate(1e-3),
    scheme=Choice("central"),
)
example(
    "physml.autodiff.numerical_gradient",
    f=Fn(
        lambda v: float(v @ v),
        extra=[Bad("returns NaN", _nan_function, _NAN_ERRORS)],
    ),
    x=Arr([1.0, 2.0]),
    h=Rate(1e-6),
)
_root = Obj(Lazy(_graph), wrong=[np.ones(2)])
for _name in ("graph_depths", "node_labels", "graph_table"):
    example(f"physml.autodiff.{_name}", root=_root)
example("physml.autodiff.draw_graph", root=_root, ax=Obj(Lazy(_axes), optional=True))

# ----------------------------------------------------------------------------- physml.nn.activations

_z = Arr(Z23)
_a_of = {
    "identity": Z23,
    "sigmoid": 1 / (1 + np.exp(-Z23)),
    "tanh": np.tanh(Z23),
    "relu": np.maximum(Z23, 0),
    "leaky_relu": np.where(Z23 > 0, Z23, 0.01 * Z23),
}
for _name, _a in _a_of.items():
    example(f"physml.nn.activations.{_name}", z=_z)
    example(
        f"physml.nn.activations.{_name}_derivative",
        z=_z,
        a=Arr(_a, optional=True, extra=[Bad("other shape", _a[:1])]),
    )
example("physml.nn.activations.softmax", z=_z)
_sm = np.exp(Z23) / np.exp(Z23).sum(axis=1, keepdims=True)
example(
    "physml.nn.activations.softmax_backward",
    z=_z,
    a=Arr(_sm, extra=[Bad("other shape", _sm[:1])]),
    grad_a=Arr(np.ones((2, 3)), extra=[Bad("other shape", np.ones((1, 3)))]),
)
example(
    "physml.nn.activations.activation_backward",
    name=Choice("tanh"),
    z=_z,
    a=Arr(np.tanh(Z23), extra=[Bad("other shape", np.ones((1, 3)))]),
    grad_a=Arr(np.ones((2, 3)), extra=[Bad("other shape", np.ones((1, 3)))]),
)
example("physml.nn.activations.apply_activation", name=Choice("softmax"), z=_z)

# ----------------------------------------------------------------------------- physml.nn.losses

for _name, (_a, _y) in {
    "mse": (Z23, np.zeros((2, 3))),
    "cross_entropy": (P23, ONEHOT23),
    "binary_cross_entropy": (P23, ONEHOT23),
}.items():
    for _suffix in ("", "_derivative"):
        example(
            f"physml.nn.losses.{_name}{_suffix}",
            same_rows=[("a", "y")],
            a=Arr(_a, ndim=(1, 2), extra=[Bad("other width", _a[:, :2])]),
            y=Arr(_y, ndim=(1, 2), extra=[Bad("other width", _y[:, :2])]),
        )

# ----------------------------------------------------------------------------- physml.nn.mlp


def _mlp(loss="mse"):
    def factory():
        from physml.nn import MLP

        if loss == "cross_entropy":
            return MLP([2, 3, 2], hidden_activation="tanh", output_activation="softmax", loss=loss, seed=0)
        return MLP([2, 3, 1], hidden_activation="tanh", seed=0)

    return factory


_LABELS8 = (X8[:, 0] > 0).astype(int)
_model = Obj(Lazy(_mlp()), wrong=[Lazy(_linear_model)])
_classifier = Obj(Lazy(_mlp("cross_entropy")), wrong=[Lazy(_linear_model), Lazy(_mlp())])

example(
    "physml.nn.mlp.initial_weights",
    n_in=Size(3),
    n_out=Size(2),
    init=Choice("xavier"),
    rng=Rng(Lazy(lambda: np.random.default_rng(0))),
)
example(
    "physml.nn.mlp.MLP",
    layer_sizes=Each([Size(2), Size(3), Size(1)], extra=[Bad("one layer", [2])]),
    hidden_activation=Choice("tanh", extra=[Bad("list of wrong length", ["tanh", "relu"])]),
    output_activation=Choice("identity"),
    loss=Choice("mse"),
    l2=NonNeg(0.0),
    l1=NonNeg(0.0),
    init=Choice("xavier"),
    seed=Rng(0),
    dtype=Obj(np.float64, wrong=[np.int64, np.float16]),
)
instance("physml.nn.mlp.MLP", _mlp())
example(
    "physml.nn.mlp.MLP.from_weights",
    weights=Each(
        [M(np.ones((2, 3))), M(np.ones((3, 1)))],
        extra=[Bad("do not chain", [np.ones((2, 3)), np.ones((2, 1))])],
    ),
    biases=Each([V(np.zeros(3)), V(np.zeros(1))], extra=[Bad("wrong length", [np.zeros(2), np.zeros(1)])]),
)
_X = M(X8, extra=[Bad("other columns", X8_3)])
_y = Arr(Y8, ndim=(1, 2), extra=[Bad("other width", np.zeros((8, 2)))])
for _name in ("loss", "gradients", "loss_and_gradients"):
    example(f"physml.nn.mlp.MLP.{_name}", same_rows=[("X", "y")], X=_X, y=_y)
example("physml.nn.mlp.MLP.forward", X=_X)
example("physml.nn.mlp.MLP.predict", X=_X)
example(
    "physml.nn.mlp.MLP.fit",
    same_rows=[("X", "y"), ("X_val", "y_val")],
    X=_X,
    y=_y,
    optimizer=_gd,
    epochs=Size(1),
    batch_size=Size(4),
    seed=Rng(0),
    X_val=M(X8[:4], optional=True, extra=[Bad("other columns", X8_3[:4])]),
    y_val=Arr(Y8[:4], ndim=(1, 2), optional=True),
    patience=Size(2, optional=True),
)
example("physml.nn.mlp.accuracy", same_rows=[("X", "labels")], model=_classifier, X=_X, labels=V(_LABELS8))

# ----------------------------------------------------------------------------- physml.nn.torch_twin


def _net():
    from physml.nn import torch_twin

    return torch_twin.to_torch(_mlp()())


def _torch(array):
    def factory():
        import torch

        return torch.as_tensor(np.asarray(array, dtype=float))

    return factory


def _l2_model():
    from physml.nn import MLP

    return MLP([2, 3, 1], hidden_activation="tanh", l2=0.1, seed=0)


def _net_weights():
    from physml.nn import torch_twin

    return torch_twin._torch_weights(torch_twin.to_torch(_l2_model()))


def _nan_net_weights():
    import torch

    weights = _net_weights()
    with torch.no_grad():
        weights[0][0, 0] = float("nan")
    return weights


def _bad_tensors(array):
    """Tensors like ``array`` holding NaN, inf, complex or integer numbers."""

    def put(fill):
        out = np.array(array, dtype=float)
        out.flat[0] = fill
        return Lazy(_torch(out))

    def as_dtype(dtype):
        def factory():
            import torch

            return torch.as_tensor(np.asarray(array)).to(getattr(torch, dtype))

        return Lazy(factory)

    return [
        Bad("NaN tensor", put(np.nan)),
        Bad("inf tensor", put(np.inf)),
        Bad("complex tensor", as_dtype("complex128")),
        Bad("integer tensor", as_dtype("int64")),
    ]


_twin_xy = {"same_rows": [("X", "y")], "model": _model, "X": _X, "y": _y}
example("physml.nn.torch_twin.to_torch", model=_model, device=Device("cpu"))
example(
    "physml.nn.torch_twin.torch_cost",
    model=Obj(Lazy(_l2_model), wrong=[Lazy(_linear_model)]),
    logits=Obj(
        Lazy(_torch(np.zeros((4, 1)))),
        wrong=[np.zeros((4, 1)), Lazy(_torch(np.zeros((4, 2))))],
        extra=_bad_tensors(np.zeros((4, 1))),
    ),
    targets=Obj(
        Lazy(_torch(np.ones((4, 1)))),
        wrong=[np.ones((4, 1)), Lazy(_torch(np.ones((3, 1))))],
        extra=_bad_tensors(np.ones((4, 1))),
    ),
    weights=Obj(
        Lazy(_net_weights),
        optional=True,
        wrong=[[np.ones((3, 2))]],
        extra=[Bad("NaN weight", Lazy(_nan_net_weights))],
    ),
)
example("physml.nn.torch_twin.autograd_gradients", **_twin_xy)
example("physml.nn.torch_twin.torch_params_as_numpy", net=Obj(Lazy(_net), wrong=[Lazy(_mlp())]))
example(
    "physml.nn.torch_twin.make_torch_optimizer",
    net=Obj(Lazy(_net), wrong=[Lazy(_mlp())]),
    optimizer=Choice("sgd"),
    learning_rate=Rate(0.1),
)
example("physml.nn.torch_twin.torch_threads", n=Size(1, optional=True), name=Str("n"))
example(
    "physml.nn.torch_twin.train_twin",
    **_twin_xy,
    optimizer=Choice("sgd"),
    learning_rate=Rate(0.1),
    epochs=Size(1),
    batch_size=Size(4),
    seed=Rng(0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)

# ----------------------------------------------------------------------------- physml.nn.examples

example("physml.nn.examples.digits_data", seed=Rng(0), test_size=Fraction(0.2), standardise=Flag(True))
example(
    "physml.nn.examples.franke_data",
    n=Int(20, minimum=2),
    noise=NonNeg(0.1),
    seed=Int(0, minimum=0),
    test_size=Fraction(0.2),
)
example(
    "physml.nn.examples.sklearn_digits_classifier",
    same_rows=[("X_train", "labels_train")],
    X_train=M(X8),
    labels_train=V(_LABELS8),
    hidden=Each([Size(3)]),
    activation=Choice("relu"),
    epochs=Size(1),
    batch_size=Size(4),
    seed=Int(0, minimum=0),
)
example("physml.nn.examples.wiggly_function", x=Arr(np.linspace(0, 1, 5), empty_ok=True))
example("physml.nn.examples.flat_parameters", model=_model)
example(
    "physml.nn.examples.set_flat_parameters",
    model=_model,
    theta=V(np.zeros(13), extra=[short(np.zeros(13))]),
)
example("physml.nn.examples.fit_bfgs", **_twin_xy, max_iter=Size(2))
example(
    "physml.nn.examples.universal_approximation",
    widths=Each([Size(2)]),
    target=Fn(np.sin, extra=[Bad("returns NaN", lambda x: np.full_like(x, np.nan), _NAN_ERRORS)]),
    n_points=Int(10, minimum=2),
    activation=Choice("tanh"),
    max_iter=Size(2),
    seed=Rng(0),
)
example("physml.nn.examples.layer_gradient_norms", **_twin_xy)
example(
    "physml.nn.examples.staircase_network",
    target=Fn(np.sin, extra=[Bad("returns NaN", lambda x: np.full_like(x, np.nan), _NAN_ERRORS)]),
    width=Size(3),
    steepness=Rate(20.0),
    interval=Each([Real(0.0), Real(1.0)], extra=[Bad("reversed", [1.0, 0.0])]),
)
example("physml.nn.examples.noisy_sine", n=Size(5), noise=NonNeg(0.1), seed=Rng(0))
example(
    "physml.nn.examples.draw_network",
    ax=Obj(Lazy(_axes)),
    layer_sizes=Each([Size(2), Size(3)]),
    labels=Each([Str("in"), Str("out")], optional=True),
)
example(
    "physml.nn.examples.html_table",
    header=Each([Str("a"), Str("b")]),
    rows=Obj([[1, 2]], wrong=[[[1]], [3]]),
)

# ----------------------------------------------------------------------------- physml.plotting, progress

example(
    "physml.plotting.new_figure",
    ncols=Size(1),
    nrows=Size(1),
    width=Rate(4.0, optional=True),
    height=Rate(3.0, optional=True),
)
example("physml.plotting.axis_labels", fig=Obj(Lazy(lambda: _axes().figure)))
example(
    "physml.progress.progress",
    iterable=Iterable([1, 2, 3]),
    desc=Str("steps", optional=True),
    total=Int(3, minimum=0, optional=True),
)

# ----------------------------------------------------------------------------- physml.selfcheck


def _exercise_name():
    from physml import selfcheck

    return selfcheck.available()[0]


record("physml.selfcheck.Answer", name="x", compute=lambda: 1.0, rtol=1e-6, atol=0.0, hint="h")
example(
    "physml.selfcheck.answer",
    name=Str("an-exercise"),
    hint=Str("a hint"),
    rtol=NonNeg(1e-6),
    atol=NonNeg(0.0),
)
example(
    "physml.selfcheck.check",
    name=Choice(Lazy(_exercise_name)),
    given=Any(1.0),  # any answer is a valid answer (right or wrong)
    quiet=Flag(True),
)


# ----------------------------------------------------------------------------- physml.ising

_SPINS = np.array([[1, -1, 1, 1], [1, 1, -1, 1], [-1, 1, 1, 1], [1, 1, 1, -1]], dtype=np.int8)
_not_spins = [Bad("not +-1", np.zeros((4, 4))), Bad("not square", np.ones((4, 3)))]
_gen = Rng(Lazy(lambda: np.random.default_rng(0)))


def _state(*shape):
    return Lazy(lambda: _SPINS.reshape(shape).copy())


for _name in ("energy", "magnetization"):
    example(
        f"physml.ising.{_name}",
        spins=Arr(_SPINS, ndim=(2, 3), extra=_not_spins),
        per_spin=Flag(False),
    )
record(
    "physml.ising.MonteCarloRun",
    L=4,
    T=2.0,
    method="metropolis",
    energy=np.zeros((1, 1)),
    magnetization=np.zeros((1, 1)),
    spins=_SPINS[None],
    acceptance=0.5,
    mean_cluster_size=None,
)
example("physml.ising.sublattice_masks", L=Int(4, minimum=2))
example(
    "physml.ising.metropolis_sweep",
    spins=Obj(
        _state(1, 4, 4), wrong=[_SPINS.astype(float)[None], _SPINS, np.zeros((1, 4, 4), dtype=np.int8)]
    ),
    T=Rate(2.0),
    rng=_gen,
    masks=Obj(
        Lazy(lambda: __import__("physml.ising").ising.sublattice_masks(4)),
        optional=True,
        wrong=[[np.ones(3)]],
    ),
)
example(
    "physml.ising.wolff_flip",
    spins=Obj(_state(4, 4), wrong=[_SPINS.astype(float), _SPINS[None]]),
    T=Rate(2.0),
    rng=_gen,
)
example(
    "physml.ising.clusters_per_sweep",
    spins=Obj(_state(4, 4), wrong=[_SPINS.astype(float)]),
    T=Rate(2.0),
    rng=_gen,
    warmup_sweeps=Int(1, minimum=0),
    pilot_sweeps=Size(1),
)
_initial = Choice("random", extra=[Bad("wrong shape", np.ones((2, 3, 3)))])
example(
    "physml.ising.metropolis",
    L=Int(4, minimum=2),
    T=Rate(2.0),
    n_sweeps=Size(2),
    seed=Rng(0),
    n_chains=Size(2),
    initial=_initial,
    thermalization=Int(1, minimum=0),
)
example(
    "physml.ising.wolff",
    L=Int(4, minimum=2),
    T=Rate(2.0),
    n_steps=Size(2),
    seed=Rng(0),
    initial=_initial,
    thermalization=Int(1, minimum=0),
)
record(
    "physml.ising.IsingSamples",
    spins=_SPINS[None],
    temperatures=np.ones(1),
    labels=np.ones(1),
    methods={1.0: "metropolis"},
)
_temperatures = Arr([1.5, 3.0], ndim=(0, 1), extra=[Bad("zero", np.array([0.0, 1.0]))])
example(
    "physml.ising.sample",
    L=Int(4, minimum=2),
    temperatures=_temperatures,
    n_samples=Size(2),
    seed=Rng(0),
    thermalization=Int(1, minimum=0, optional=True),
    spacing=Size(1, optional=True),
    method=Choice("metropolis"),
    n_chains=Size(2),
)
record(
    "physml.ising.ExactResult",
    **{k: np.ones(1) for k in ("T", "log_Z", "energy", "abs_magnetization", "specific_heat", "binder")},
    L=2,
)
example("physml.ising.all_states", L=Int(2, minimum=2, extra=[Bad("too large", 5)]))
example("physml.ising.exact", L=Int(2, minimum=2, extra=[Bad("too large", 5)]), T=_temperatures)
for _name in ("onsager_magnetization", "onsager_energy"):
    example(f"physml.ising.{_name}", T=_temperatures)

# ----------------------------------------------------------------------------- physml.metrics

_S62 = _rng.normal(size=(6, 2))
_PD = Bad("not positive definite", np.array([[1.0, 2.0], [2.0, 1.0]]))
record("physml.metrics.Estimate", value=1.0, error=0.1)
record("physml.metrics.MMDResult", value=0.1, error=0.01, bandwidth=1.0, unbiased=True, n_x=3, n_y=3)
record(
    "physml.metrics.JudgeResult",
    test_accuracy=0.9,
    counts=np.ones(10),
    coverage=1.0,
    accuracy=None,
    accuracy_error=None,
)
example(
    "physml.metrics.kl_gaussians",
    mu0=Arr([0.0, 0.0], ndim=(0, 1)),
    cov0=Arr(np.eye(2), ndim=(0, 1, 2), extra=[_PD]),
    mu1=Arr([1.0, 0.0], ndim=(0, 1), extra=[Bad("other dimension", np.zeros(3))]),
    cov1=Arr(np.eye(2), ndim=(0, 1, 2), extra=[_PD]),
)
example("physml.metrics.kl_monte_carlo", same_rows=[("log_p", "log_q")], log_p=V(Y8), log_q=V(Y8 - 0.5))
example(
    "physml.metrics.median_bandwidth",
    x=Arr(_S62, extra=[Bad("identical samples", np.ones((6, 2))), huge(_S62), huge(_S62 * 1e-200)]),
)
example(
    "physml.metrics.gaussian_kernel",
    a=Arr(_S62),
    b=Arr(_S62[:3], extra=[Bad("other features", np.ones((3, 3)))]),
    bandwidth=Rate(1.0),
)
example(
    "physml.metrics.mmd2",
    x=Arr(_S62, extra=[huge(_S62)]),
    y=Arr(_S62 + 1.0, extra=[Bad("other features", np.ones((6, 3))), huge(_S62 + 1.0)]),
    bandwidth=Rate(1.0),
    unbiased=Flag(True),
)
example(
    "physml.metrics.mmd2_baseline", held_out=Arr(X8), seed=Rng(0), bandwidth=Rate(1.0), unbiased=Flag(True)
)
example(
    "physml.metrics.gaussian_mmd2",
    mu1=Arr([0.0], ndim=(0, 1)),
    mu2=Arr([1.0], ndim=(0, 1), extra=[Bad("other dimension", np.zeros(2)), huge([1.0])]),
    s=Rate(1.0),
    bandwidth=Rate(1.0),
)
example("physml.metrics.digits_judge", seed=Int(0, minimum=0))
example(
    "physml.metrics.judge_classifier",
    generated=Arr(np.full((3, 64), 8.0), extra=[Bad("not 64 pixels", np.ones((3, 10)))]),
    labels=V(
        [0.0, 1.0, 2.0],
        optional=True,
        extra=[short([0.0, 1, 2]), Bad("not a digit", np.array([0.0, 1.0, 12.0]))],
    ),
    seed=Int(0, minimum=0),
    min_fraction=Real(0.1, minimum=0.0, maximum=1.0),
)

# ----------------------------------------------------------------------------- physml.digit_benchmark

_DIGIT_ROWS = np.full((3, 64), 8.0)
example(
    "physml.digit_benchmark.to_features",
    pixels=Arr(_DIGIT_ROWS, extra=[Bad("not 64 pixels", np.ones((3, 10)))]),
    features=Choice("binary"),
)
example("physml.digit_benchmark.split", features=Choice("grey"))
example("physml.digit_benchmark.bandwidth", features=Choice("grey"))
example(
    "physml.digit_benchmark.score",
    samples=Arr(np.tile(np.arange(64.0) % 17, (6, 1)), extra=[Bad("not 64 pixels", np.ones((6, 10)))]),
    features=Choice("grey"),
    seed=Int(0, minimum=0),
)
example(
    "physml.digit_benchmark.baseline_samples",
    kind=Choice("gaussian"),
    n=Size(5),
    seed=Int(0, minimum=0),
    features=Choice("grey"),
)
example(
    "physml.digit_benchmark.baseline_scores",
    seeds=Iterable((0,), extra=[Bad("empty", ()), Bad("negative seed", (-1,))]),
    features=Choice("binary"),
)
example(
    "physml.digit_benchmark.bernoulli_mixture_nll",
    n_components=Size(2),
    seed=Int(0, minimum=0),
    n_iter=Size(3),
    alpha=Rate(1.0),
)

# ----------------------------------------------------------------------------- physml.stats

_SERIES = _rng.normal(size=64)
record(
    "physml.stats.BlockingResult",
    mean=0.0,
    error=0.1,
    naive_error=0.1,
    variance=1.0,
    tau=1.0,
    n=64,
    n_blocked=64,
    level=2,
    converged=True,
)
for _name in ("blocking", "estimate"):
    example(f"physml.stats.{_name}", x=V(_SERIES, extra=[Bad("too short", _SERIES[:4])]))
_phi = Real(0.5, minimum=-1.0, maximum=1.0, include_min=False, include_max=False)
example("physml.stats.ar1_series", n=Size(64), phi=_phi, sigma=Rate(1.0), seed=Rng(0))
example("physml.stats.ar1_error_of_mean", n=Size(64), phi=_phi, sigma=Rate(1.0))


# ----------------------------------------------------------------------------- physml.classification

_LABELS3 = np.arange(8) % 3


def _logistic_model():
    from physml import classification

    return classification.fit_logistic_newton(X8, _LABELS8)


_binary = {"same_rows": [("X", "y")], "X": M(X8), "y": V(_LABELS8, extra=[Bad("not 0/1", np.full(8, 2.0))])}
_theta3 = V([0.1, 0.2, 0.3], extra=[short([0.1, 0.2, 0.3])])
_softmax_y = V(
    _LABELS3,
    extra=[
        Bad("fractional", np.full(8, 0.5)),
        # a label of 2**63 wraps around to a negative int64: refused before the cast
        Bad("label 2**63", np.array([0, 1, 2**63, 0, 1, 2, 0, 1], dtype=np.uint64)),
        huge(_LABELS3),
    ],
)
#: Features whose squares overflow (X x 1e200): the solvers refuse them by name.
_X8_huge = M(X8, extra=[huge(X8)])
_Theta = M(np.zeros((3, 3)), extra=[Bad("other shape", np.zeros((2, 3)))])

example("physml.classification.sigmoid", z=Arr(Z23))
example("physml.classification.softmax", Z=Arr(Z23))
example("physml.classification.binary_cross_entropy", **_binary, theta=_theta3, lam=NonNeg(0.1))
example("physml.classification.binary_gradient", **_binary, theta=_theta3, lam=NonNeg(0.1))
example(
    "physml.classification.binary_hessian",
    same_rows=[("X", "y")],
    theta=_theta3,
    X=M(X8),
    y=V(_LABELS8, optional=True),
    lam=NonNeg(0.1),
)
record(
    "physml.classification.LogisticModel",
    intercept=0.1,
    coef=np.ones(2),
    n_iter=1,
    converged=True,
    costs=np.ones(1),
)
instance("physml.classification.LogisticModel", _logistic_model)
for _name in ("decision_function", "predict_proba", "predict"):
    example(f"physml.classification.LogisticModel.{_name}", X=M(X8, extra=[Bad("other columns", X8_3)]))
    if _name != "decision_function":
        example(
            f"physml.classification.{_name}",
            model=Obj(Lazy(_logistic_model), wrong=[Lazy(_linear_model)]),
            X=M(X8, extra=[Bad("other columns", X8_3)]),
        )
example("physml.classification.accuracy", same_rows=[("y", "y_pred")], y=V(_LABELS8), y_pred=V(_LABELS8))
example("physml.classification.logistic_lipschitz", X=_X8_huge, lam=NonNeg(0.1))
example(
    "physml.classification.fit_logistic_gd",
    **{**_binary, "X": _X8_huge},
    lam=NonNeg(0.1),
    learning_rate=Rate(0.5, optional=True),
    max_iter=Size(5),
    tol=Rate(1.0),  # met after a few steps: no warning that it did not converge
)
_CLS_Y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
_cls_y = V(_CLS_Y, extra=[Bad("not 0/1", np.array([0.0, 2.0, 0.0, 1.0, 1.0, 0.0]))])
example(
    "physml.classification.confusion_matrix",
    same_rows=[("y", "y_pred")],
    y=_cls_y,
    y_pred=V(np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0]), extra=[Bad("not 0/1", np.full(6, 0.5))]),
)
example(
    "physml.classification.precision_recall",
    same_rows=[("y", "y_pred")],
    y=V(_CLS_Y, extra=[Bad("no positives", np.zeros(6))]),
    y_pred=V(np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0])),
)
_cls_scores = V(np.array([0.1, 0.8, 0.4, 0.9, 0.6, 0.2]))
example(
    "physml.classification.roc_curve",
    same_rows=[("y", "scores")],
    y=V(_CLS_Y, extra=[Bad("one class", np.zeros(6))]),
    scores=_cls_scores,
)
example(
    "physml.classification.auc",
    same_rows=[("y", "scores")],
    y=V(_CLS_Y, extra=[Bad("one class", np.ones(6))]),
    scores=_cls_scores,
)
example(
    "physml.classification.calibration_table",
    same_rows=[("y", "p")],
    y=_cls_y,
    p=V(np.array([0.1, 0.8, 0.4, 0.9, 0.6, 0.2]), extra=[Bad("above one", np.full(6, 1.5))]),
    n_bins=Size(3),
)
example(
    "physml.classification.fit_logistic_newton",
    **{**_binary, "X": _X8_huge},
    lam=NonNeg(0.1),
    max_iter=Size(20),
    tol=Rate(1e-10),
)
_multi = {"same_rows": [("X", "y")], "X": M(X8), "y": _softmax_y}
example("physml.classification.softmax_cross_entropy", **_multi, Theta=_Theta, lam=NonNeg(0.1))
example("physml.classification.softmax_gradient", **_multi, Theta=_Theta, lam=NonNeg(0.1))
example("physml.classification.softmax_hessian", Theta=_Theta, X=M(X8), lam=NonNeg(0.1))
example(
    "physml.classification.fit_softmax",
    **{**_multi, "X": _X8_huge},
    lam=NonNeg(0.1),
    method=Choice("newton"),
    n_classes=Int(3, minimum=2, optional=True, extra=[Bad("fewer than the labels", 2)]),
    learning_rate=Rate(0.5, optional=True),
    max_iter=Size(5, optional=True),
    tol=Rate(1e-10),
)

# ----------------------------------------------------------------------------- physml.quasi_newton

record("physml.quasi_newton.LineSearchResult", alpha=1.0, cost=0.0, gradient=np.zeros(2), n_evaluations=1)
record(
    "physml.quasi_newton.QuasiNewtonResult",
    theta=np.zeros(2),
    path=np.zeros((1, 2)),
    costs=np.zeros(1),
    grad_norms=np.zeros(1),
    converged=True,
    n_evaluations=1,
)
_problem = {
    "cost_fn": Fn(_quad_cost, extra=[Bad("returns NaN", _nan_cost, _NAN_ERRORS)]),
    "grad_fn": Fn(_quad_grad, extra=[_nan_fn]),
    "theta0": V([1.0, -1.0]),
    "tol": Rate(1e-5),
    "max_iter": Size(5),
}
example(
    "physml.quasi_newton.wolfe_line_search",
    cost_fn=_problem["cost_fn"],
    grad_fn=_problem["grad_fn"],
    theta=V([1.0, -1.0]),
    direction=V([-1.0, 1.0], extra=[short([-1.0, 1.0]), Bad("ascent", np.array([1.0, -1.0]))]),
    cost0=Real(2.0, optional=True),
    grad0=V([2.0, -2.0], optional=True, extra=[short([2.0, -2.0])]),
    c1=Real(1e-4, minimum=0.0, maximum=1.0, include_min=False, include_max=False),
    c2=Real(0.9, maximum=1.0, include_max=False, extra=[Bad("below c1", 1e-5)]),
    alpha0=Rate(1.0),
    max_iter=Size(30),
)
example("physml.quasi_newton.bfgs", **_problem, scale_h0=Flag(False))
example("physml.quasi_newton.lbfgs", **_problem, memory=Size(3))
example("physml.quasi_newton.nonlinear_cg", **_problem)
example(
    "physml.quasi_newton.lbfgs_direction",
    g=V([1.0, 2.0]),
    s_list=Each(
        [V([0.1, 0.2], extra=[short([0.1, 0.2])])],
        empty_ok=True,
        extra=[Bad("longer than y_list", [np.ones(2)] * 2)],
    ),
    y_list=Each(
        [V([0.2, 0.3], extra=[short([0.2, 0.3])])],
        empty_ok=True,
        # y^T s ~ 2e-16 > 0 for s = (0.1, 0.2), but ~ 0 next to |y| |s|: the direction would blow up
        extra=[Bad("curvature violated", [np.array([2.0, -1.0 + 1e-15])])],
    ),
)

# ----------------------------------------------------------------------------- physml.book

_table_header = Each([Str("model"), Str("MSE")], extra=[Bad("number", 3)])
_table_rows = Each(
    [Each([Any("OLS"), Any(0.01)])],
    extra=[
        Bad("short row", [["OLS"]]),
        Bad("NaN cell", [["OLS", float("nan")]]),
        Bad("inf cell", [["OLS", float("inf")]]),
        Bad("None cell", [["OLS", None]]),
    ],
)
example(
    "physml.book.glue",
    name=Str("api-example"),
    value=Any(1.5, extra=[Bad("NaN", float("nan")), Bad("inf", float("inf")), Bad("None", None)]),
    display=Flag(False),
)
example("physml.book.Table", header=_table_header, rows=_table_rows)
example("physml.book.glued", name=Str("api-glued"), spec=Str(".3f"))
example("physml.book.Glued", name=Str("api-glued"), spec=Str(".3f"))
example("physml.book.table", header=_table_header, rows=_table_rows)
example(
    "physml.book.package_digest",
    # a page that imports nothing of physml has an empty list of files
    files=Each([Str("book.py")], empty_ok=True, extra=[Bad("number", 3)]),
)

# ----------------------------------------------------------------------------- physml.validation

_CHECK_ID = "introduction.gd-line"  # cheap


def _validation():
    from physml import validation

    return validation


def _check():
    validation = _validation()
    validation.check_ids("introduction")
    return validation._CHECKS[_CHECK_ID]


def _check_result():
    return _validation().run_check(_CHECK_ID, short=True)


def _tmp_dir():
    """A fresh temporary folder, removed when the test process exits."""
    import atexit
    import shutil
    import tempfile

    path = tempfile.mkdtemp(prefix="physml-api-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def _tmp_file():
    """The path of an existing file (where a folder is expected)."""
    from pathlib import Path

    path = Path(_tmp_dir()) / "a-file"
    path.write_text("")
    return str(path)


def _records_dir():
    """A folder with one current record (of the cheap check), and its pages entry."""
    from pathlib import Path

    from physml import book

    validation = _validation()
    directory = Path(_tmp_dir())
    record = validation.write_record("introduction", [_check_result()], directory)
    data = __import__("json").loads(record.read_text())
    data["page"], data["build"] = "chapters/introduction", "1"
    record.write_text(__import__("json").dumps(data))
    return str(directory), {
        "chapters/introduction": {"build": 1, "files": [], "digest": book.package_digest([])}
    }


def _build_dir():
    """A build folder with a current record of every registered check."""
    import json
    from pathlib import Path

    from physml import book

    validation = _validation()
    build = Path(_tmp_dir())
    (build / "records").mkdir()
    base = _check_result().to_json()
    results = [{**base, "id": i} for i in validation.registered_ids()]
    record = {"chapter": "all", "build": "1", "page": "p", "written": "", "results": results}
    (build / "records" / "all.json").write_text(json.dumps(record))
    deps = {"pages": {"p": {"build": 1, "files": [], "digest": book.package_digest([])}}}
    (build / "page-deps.json").write_text(json.dumps(deps))
    return str(build)


record(
    "physml.validation.ReferenceCheck",
    id="x",
    chapter="c",
    description="d",
    reference_source="r",
    kind="abs",
    tolerance=0.0,
    short_tolerance=0.0,
    k=3.0,
    systematic=0.0,
    short_systematic=0.0,
    variational=False,
    glued=(),
    compute=lambda short: (1.0, 1.0),
    reference_kind="exact",
    tolerance_from="bound",
    why="",
    better="lower",
    margin=0.0,
    short_margin=0.0,
    known_failure="",
)
record(
    "physml.validation.CheckResult",
    id="x",
    chapter="c",
    description="d",
    reference_source="r",
    kind="abs",
    short=False,
    tolerance=0.0,
    k=3.0,
    systematic=0.0,
    variational=False,
    value=1.0,
    reference=1.0,
    deviation=0.0,
    passed=True,
    summary="value",
    sigma=None,
    n_sigma=None,
    glued=(),
    build={},
    reference_kind="exact",
    tolerance_from="bound",
    why="",
    better="lower",
    margin=0.0,
    spread=None,
    reference_spread=None,
    n_seeds=None,
    variant=False,
    known_failure="",
)
example(
    "physml.validation.CheckResult.from_json",
    data=Obj(Lazy(lambda: _check_result().to_json()), wrong=[{}, {"id": "x"}]),
)
example(
    "physml.validation.reference_check",
    id=Str("api.example", extra=[Bad("empty", "")]),
    chapter=Str("api", extra=[Bad("empty", "")]),
    description=Str("d", extra=[Bad("empty", "")]),
    reference_source=Str("r", extra=[Bad("empty", "")]),
    kind=Choice("stat"),
    tolerance=NonNeg(0.0),
    short_tolerance=NonNeg(0.0, optional=True),
    k=NonNeg(3.0),
    systematic=NonNeg(0.0),
    short_systematic=NonNeg(0.0, optional=True),
    variational=Flag(True),
    glued=Each([Str("api-glue")], empty_ok=True),
    reference_kind=Choice("exact", optional=True),
    tolerance_from=Choice("sigma", optional=True),
    why=Str("a reason"),
    better=Choice("lower"),
    margin=NonNeg(0.0),
    short_margin=NonNeg(0.0, optional=True),
    known_failure=Str(""),
)
example("physml.validation.check_ids", chapter=Str("introduction", optional=True))
example(
    "physml.validation.evaluate",
    chk=Obj(Lazy(_check), wrong=[Lazy(_check_result)]),
    output=Obj((1.0, 1.0), wrong=[(1.0,), (1.0, 1.0, 1.0), ("a", "b"), (np.ones(2), np.ones(3))]),
    short=Flag(False),
)
example(
    "physml.validation.run_check",
    id=Str(_CHECK_ID, extra=[Bad("unknown", "no-such-check")]),
    short=Flag(True),
)
example("physml.validation.run_all", chapter=Str("introduction", optional=True), short=Flag(True))
example(
    "physml.validation.write_record",
    chapter=Str("api", extra=[Bad("empty", "")]),
    results=Each([Obj(Lazy(_check_result), wrong=[Lazy(_check)])]),
    directory=Str(Lazy(_tmp_dir), extra=[Bad("a file", Lazy(lambda: _tmp_file()))]),
)
example(
    "physml.validation.read_records",
    directory=Str(Lazy(lambda: _records_dir()[0])),
    pages=Obj(Lazy(lambda: _records_dir()[1])),
    current_digest=Fn(Lazy(lambda: __import__("physml.book").book.package_digest)),
)
# None: the build in progress (a RuntimeError outside a build)
example("physml.validation.recorded_results", build_dir=Str(Lazy(_build_dir), optional=True))
example("physml.validation.show", chapter=Str("introduction", extra=[Bad("no checks", "no-such-chapter")]))
example(
    "physml.validation.results_html",
    results=Each([Obj(Lazy(_check_result), wrong=[Lazy(_check)])], empty_ok=True),
    with_build=Flag(False),
)
example(
    "physml.validation.ResultsTable",
    iterable=Each([Obj(Lazy(_check_result), wrong=[Lazy(_check)])], empty_ok=True),
)

# ----------------------------------------------------------------------------- physml.experiment


def _toy_settings():
    from physml import experiment

    class ApiToy(experiment.Settings):
        steps: int = experiment.setting(3, low=1)
        seed: int = 0

    return ApiToy


_TOY = None


def _toy():
    global _TOY
    if _TOY is None:
        from physml import experiment

        settings = _toy_settings()

        @experiment.study("api-example", settings)
        def toy_run(cfg):
            return cfg.steps

        _TOY = (settings, toy_run)
    return _TOY


example("physml.experiment.setting", default=Any(1), low=Any(None), high=Any(None), doc=Any(""))
example(
    "physml.experiment.study",
    chapter=Str("api-example", extra=[Bad("empty", "")]),
    settings=Obj(Lazy(lambda: _toy()[0]), wrong=[int, 3]),
)
example("physml.experiment.studies_of", chapter=Str("api-example"))
example(
    "physml.experiment.current",
    run=Fn(Lazy(lambda: _toy()[1]), extra=[Bad("not a study", len)]),
    short=Flag(False),
)
example("physml.experiment.variants", chapter=Str("api-example"))
example("physml.experiment.reset", chapter=Str("api-example", optional=True))
instance("physml.experiment.Settings", lambda: _toy()[0]())
example("physml.experiment.Settings.replace")
example("physml.experiment.Settings.changes", other=Obj(None, optional=True, wrong=[3]))
example("physml.experiment.Settings.variant_change", cfg=Obj(Lazy(lambda: _toy()[0]())))

# ------------------------------------------------------------------ physml.projects, physml.project


def _milestone():
    from physml.projects import milestone

    return milestone("api", True, "ok", "hint", error=0.1)


example(
    "physml.projects.milestone",
    name=Str("api", extra=[Bad("empty", "")]),
    passed=Flag(True),
    success=Str("reached"),
    hint=Str("try again"),
)
example("physml.projects.show", milestones=Each([Obj(Lazy(_milestone), wrong=[3])]), strict=Flag(True))
record("physml.projects.Milestone", name="m", passed=True, message="ok", details=())
record(
    "physml.projects.Template",
    path="p",
    title="t",
    question="q",
    tasks=("a",),
    solution="",
    tests="",
)
example("physml.project.load_template", path=Str("differential_equations", extra=[Bad("unknown", "x")]))
example(
    "physml.project.new",
    path=Str("differential_equations", extra=[Bad("unknown", "x")]),
    folder=Str(Lazy(lambda: _tmp_dir() + "/p")),
    overwrite=Flag(False),
)
example("physml.project.report_markdown", title=Str("A title"))
example("physml.project.report_latex", title=Str("A title"))
example(
    "physml.project.readme",
    template=Obj(Lazy(lambda: __import__("physml.project").project.load_template("networks"))),
)
example("physml.project.main", argv=Obj(["list"], optional=True, wrong=[["no-such-command"], 3]))

# ----------------------------------------------------------------------------- physml.conv

_img4 = _rng.normal(size=(2, 1, 5, 5))
_w4 = _rng.normal(size=(3, 1, 3, 3))
_pool_x = _rng.normal(size=(2, 1, 4, 4))
_argmax = np.array([[[[0, 1], [2, 3]]], [[[3, 2], [1, 0]]]])

example(
    "physml.conv.output_size",
    n=Size(5),
    kernel=Size(3, extra=[Bad("larger than the padded input", 9)]),
    padding=Int(0, minimum=0),
    stride=Size(1),
)
example(
    "physml.conv.conv_n_parameters",
    c_in=Size(1),
    c_out=Size(2),
    kernel=Size(3, extra=[Bad("three entries", (3, 3, 3)), Bad("pair with a float", (3, 2.5))]),
    bias=Flag(True),
)
example(
    "physml.conv.receptive_field",
    # no layers: the field is one pixel
    layers=Each([Obj([3, 1], wrong=[[3, 1, 1], [3.5, 1], [3, 0], "ab"])], empty_ok=True),
)
for _name in ("correlate2d", "convolve2d"):
    example(
        f"physml.conv.{_name}",
        image=M(_rng.normal(size=(6, 6))),
        kernel=M(np.ones((3, 3)) / 9, extra=[Bad("larger than the image", np.ones((7, 7)))]),
    )
example("physml.conv.pad", x=Arr(_pool_x, ndim=4), padding=Int(1, minimum=0))
example(
    "physml.conv.im2col",
    x_padded=Arr(_img4, ndim=4),
    kh=Size(3, extra=[Bad("larger than the image", 6)]),
    kw=Size(3, extra=[Bad("larger than the image", 6)]),
    stride=Size(1),
)
_conv_weight = Arr(
    _w4, ndim=4, extra=[Bad("other channels", np.ones((3, 2, 3, 3))), Bad("too large", np.ones((3, 1, 8, 8)))]
)
example(
    "physml.conv.conv2d_forward",
    x=Arr(_img4, ndim=4),
    weight=_conv_weight,
    bias=V(np.zeros(3), optional=True, extra=[short(np.zeros(3))]),
    stride=Size(1),
    padding=Int(1, minimum=0),
)
example(
    "physml.conv.conv2d_backward",
    grad_out=Arr(np.ones((2, 3, 5, 5)), ndim=4, extra=[Bad("other shape", np.ones((2, 3, 4, 4)))]),
    x=Arr(_img4, ndim=4),
    weight=_conv_weight,
    stride=Size(1),
    padding=Int(1, minimum=0, extra=[Bad("other output shape", 0)]),
)
example(
    "physml.conv.maxpool2d_forward",
    x=Arr(_pool_x, ndim=4),
    size=Size(2, extra=[Bad("larger than the image", 5)]),
    stride=Size(2, optional=True),
)
example(
    "physml.conv.maxpool2d_backward",
    grad_out=Arr(np.ones((2, 1, 2, 2)), ndim=4, extra=[Bad("other shape", np.ones((2, 1, 3, 3)))]),
    argmax=Arr(
        _argmax,
        ndim=4,
        extra=[
            Bad("other shape", _argmax[:1]),
            Bad("fractional", _argmax + 0.5),
            Bad("outside the window", _argmax + 4),
        ],
    ),
    x_shape=Shape((2, 1, 4, 4), extra=[Bad("3 entries", (1, 4, 4)), Bad("other batch", (3, 1, 4, 4))]),
    size=Size(2, extra=[Bad("other output shape", 3)]),
    stride=Size(2, optional=True, extra=[Bad("other output shape", 1)]),
)
example(
    "physml.conv.digits_cnn",
    channels=Each([Size(8), Size(16)], extra=[Bad("three entries", (8, 16, 32))]),
    hidden=Size(64),
    dropout=Real(0.25, minimum=0.0, maximum=1.0),
)
example("physml.conv.ising_cnn", channels=Size(8))


def _conv_lattices(*shape):
    import torch

    return torch.ones(*shape)


def _conv():
    from physml import conv

    return conv


example(
    "physml.conv.lattice_symmetry",
    spins=Arr(np.ones((2, 3, 3)), extra=[Bad("not square", np.ones((2, 3, 4)))]),
    element=Int(3, minimum=0, extra=[Bad("above 15", 16)]),
)
_group_order = Int(2, minimum=1, extra=[Bad("not a group order", 3)])
example(
    "physml.conv.SymmetrizedNet",
    model=Obj(Lazy(lambda: _conv().ising_cnn(2)), wrong=[np.ones(3)]),
    elements=_group_order,
)
instance("physml.conv.SymmetrizedNet", Lazy(lambda: _conv().SymmetrizedNet(_conv().ising_cnn(2), 2)).build)
_lattice_kind = T(
    Lazy(lambda: _conv_lattices(2, 1, 4, 4)),
    wrong=[
        Lazy(lambda: _conv_lattices(2, 1, 4, 5)),
        Lazy(lambda: _conv_lattices(1, 4, 4)),
        np.ones((2, 1, 4, 4)),
    ],
    model_dtype=True,
)
example("physml.conv.SymmetrizedNet.forward", x=_lattice_kind)
example("physml.conv.RandomLatticeSymmetry", elements=_group_order)
instance("physml.conv.RandomLatticeSymmetry", Lazy(lambda: _conv().RandomLatticeSymmetry(16)).build)
example(
    "physml.conv.RandomLatticeSymmetry.forward",
    x=T(
        Lazy(lambda: _conv_lattices(2, 1, 4, 4)),
        wrong=[Lazy(lambda: _conv_lattices(2, 1, 4, 5)), np.ones((2, 1, 4, 4))],
    ),
)
example("physml.conv.ConvResidualBlock", channels=Size(4))
instance("physml.conv.ConvResidualBlock", Lazy(lambda: _conv().ConvResidualBlock(4)).build)
example(
    "physml.conv.ConvResidualBlock.forward",
    x=T(
        Lazy(lambda: _conv_lattices(2, 4, 5, 5)),
        wrong=[Lazy(lambda: _conv_lattices(2, 3, 5, 5)), Lazy(lambda: _conv_lattices(4, 5, 5))],
        model_dtype=True,
    ),
)
example("physml.conv.ising_resnet", channels=Size(4), blocks=Size(2))
example(
    "physml.conv.transposed_output_size",
    n=Size(8),
    kernel=Size(3),
    padding=Int(1, minimum=0, extra=[Bad("too large", 9)]),
    stride=Size(2),
    output_padding=Int(1, minimum=0, extra=[Bad("not below the stride", 2)]),
)
example(
    "physml.conv.finite_size_fit",
    same_rows=[("L", "crossing", "sigma")],
    L=V(
        [8.0, 12.0, 16.0],
        extra=[Bad("one size", np.full(3, 8.0)), Bad("negative", np.array([-8.0, 12.0, 16.0]))],
    ),
    crossing=V([2.40, 2.38, 2.36]),
    sigma=V([0.02, 0.02, 0.01], extra=[Bad("zero", np.array([0.0, 0.02, 0.01]))]),
    nu=Rate(1.0),
)
example(
    "physml.conv.half_crossing",
    same_rows=[("temperatures", "probability")],
    temperatures=V([1.0, 2.0, 3.0, 4.0], extra=[Bad("not increasing", np.array([1.0, 3.0, 2.0, 4.0]))]),
    probability=V([1.0, 0.8, 0.3, 0.1], extra=[Bad("no crossing", np.array([0.9, 0.8, 0.7, 0.6]))]),
)

# ----------------------------------------------------------------------------- physml.attention


def _at():
    from physml import attention

    return attention


def _torch_mha(**kw):
    import torch

    torch.manual_seed(0)
    return torch.nn.MultiheadAttention(6, 2, batch_first=True, **kw)


def _tensor(*shape, dtype=None):
    import torch

    return torch.zeros(*shape, dtype=dtype or torch.float32)


def _bool_tensor(rows, cols):
    import torch

    return torch.tril(torch.ones(rows, cols, dtype=torch.bool))


_at_rng = np.random.default_rng(12)
_at_mask = np.array([[True, False, True, False], [True, True, False, False], [False, True, True, True]])
_at_params = Lazy(lambda: _at().init_mha_parameters(6, seed=0))
_at_bad_params = [
    Lazy(lambda: _at().init_mha_parameters(4, seed=0)),  # another embed dim
    Lazy(lambda: {"in_proj_bias": np.zeros(18), "out_proj.weight": np.eye(6)}),  # no in_proj_weight
    Lazy(lambda: {**_at().init_mha_parameters(6, seed=0), "bias_k": np.zeros(6)}),  # unknown key
    Lazy(lambda: {**_at().init_mha_parameters(6, seed=0), "out_proj.bias": np.full(6, np.nan)}),
]


def _at_sdpa_args():
    return {
        "Q": Arr(
            _at_rng.normal(size=(3, 2)), extra=[Bad("1-d", np.ones(2)), Bad("other d_k", np.ones((3, 5)))]
        ),
        "K": Arr(
            _at_rng.normal(size=(4, 2)), extra=[Bad("1-d", np.ones(2)), Bad("no keys", np.ones((0, 2)))]
        ),
        "V": Arr(_at_rng.normal(size=(4, 3)), extra=[Bad("one key short", np.ones((3, 3)))]),
        "mask": Arr(
            _at_mask,
            optional=True,
            extra=[
                Bad("not boolean", np.ones((3, 4))),
                Bad("other shape", np.ones((3, 3), dtype=bool)),
                Bad("a query that sees no key", np.zeros((3, 4), dtype=bool)),
            ],
        ),
    }


def _at_mha_args():
    return {
        "query": Arr(
            _at_rng.normal(size=(2, 3, 6)), ndim=3, extra=[Bad("other embed dim", np.ones((2, 3, 4)))]
        ),
        "key": Arr(_at_rng.normal(size=(2, 4, 6)), ndim=3, extra=[Bad("length 0", np.ones((2, 0, 6)))]),
        "value": Arr(_at_rng.normal(size=(2, 4, 6)), ndim=3, extra=[Bad("other length", np.ones((2, 5, 6)))]),
        "params": Obj(_at_params, wrong=_at_bad_params),
        "n_heads": Size(2, extra=[Bad("does not divide the embed dim", 4)]),
        "mask": Arr(
            _at_mask,
            optional=True,
            extra=[Bad("not boolean", np.ones((3, 4))), Bad("other shape", np.ones((3, 3), dtype=bool))],
        ),
    }


example("physml.attention.causal_mask", n=Size(4))
example(
    "physml.attention.sinusoidal_encoding",
    n_positions=Size(5),
    d_model=Size(4),
    base=Real(10000.0, minimum=1.0, include_min=False),
)
example(
    "physml.attention.encoding_rotation",
    k=Int(3),
    d_model=Int(6, minimum=2, extra=[Bad("odd", 5)]),
    base=Real(10000.0, minimum=1.0, include_min=False),
)
example("physml.attention.scaled_dot_product_attention", **_at_sdpa_args())
example(
    "physml.attention.scaled_dot_product_attention_backward",
    grad_out=Arr(np.ones((3, 3)), extra=[Bad("other shape", np.ones((3, 2)))]),
    **_at_sdpa_args(),
)
example("physml.attention.mha_n_parameters", embed_dim=Size(6), bias=Flag(True))
example("physml.attention.init_mha_parameters", embed_dim=Size(6), seed=Rng(0), bias=Flag(True))
example(
    "physml.attention.mha_parameters",
    module=Obj(
        Lazy(_torch_mha),
        wrong=[
            Lazy(lambda: __import__("torch").nn.Linear(6, 6)),
            Lazy(lambda: _torch_mha(kdim=3, vdim=3)),
            Lazy(lambda: _torch_mha(add_bias_kv=True)),
        ],
    ),
)
example("physml.attention.multi_head_attention", same_rows=[("query", "key", "value")], **_at_mha_args())
example(
    "physml.attention.multi_head_attention_backward",
    same_rows=[("query", "key", "value")],
    grad_out=Arr(np.ones((2, 3, 6)), ndim=3, extra=[Bad("other shape", np.ones((2, 4, 6)))]),
    **_at_mha_args(),
)
example(
    "physml.attention.EncoderBlock",
    d_model=Size(8),
    n_heads=Size(2, extra=[Bad("does not divide d_model", 3)]),
    d_ff=Size(16),
    dropout=Real(0.0, minimum=0.0, maximum=1.0, include_max=False),
)
instance("physml.attention.EncoderBlock", Lazy(lambda: _at().EncoderBlock(8, 2, 16)).build)
example(
    "physml.attention.EncoderBlock.forward",
    x=T(
        Lazy(lambda: _tensor(3, 5, 8)),
        wrong=[Lazy(lambda: _tensor(3, 5, 7)), Lazy(lambda: _tensor(3, 0, 8)), np.zeros((3, 5, 8))],
        width=True,
        model_dtype=True,
    ),
    mask=Obj(
        Lazy(lambda: _bool_tensor(5, 5)),
        optional=True,
        wrong=[Lazy(lambda: _bool_tensor(4, 4)), Lazy(lambda: _tensor(5, 5)), np.ones((5, 5), dtype=bool)],
    ),
)
example(
    "physml.attention.TransformerForecaster",
    n_in=Size(4),
    d_model=Size(8),
    n_heads=Size(2, extra=[Bad("does not divide d_model", 3)]),
    n_layers=Size(1),
    d_ff=Size(8),
    n_out=Size(2, optional=True, extra=[Bad("more than n_in", 5)]),
    max_len=Size(6),
    causal=Flag(True),
    positional=Choice("sinusoidal"),
    dropout=Real(0.0, minimum=0.0, maximum=1.0, include_max=False),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance(
    "physml.attention.TransformerForecaster",
    Lazy(lambda: _at().TransformerForecaster(4, 8, 2, 1, 8, n_out=2, max_len=6)).build,
)
_at_windows = T(  # any float dtype: the forecaster converts it to its own
    Lazy(lambda: _tensor(2, 5, 4)),
    width=True,
    wrong=[
        Lazy(lambda: _tensor(2, 5, 3)),
        Lazy(lambda: _tensor(2, 0, 4)),
        Lazy(lambda: _tensor(2, 7, 4)),  # longer than max_len
        np.zeros((2, 5, 4)),
    ],
)
example("physml.attention.TransformerForecaster.forward", x=_at_windows)
example("physml.attention.TransformerForecaster.encode", x=_at_windows)
example(
    "physml.attention.TransformerForecaster.attention_maps",
    x=Arr(
        np.zeros((2, 5, 4)),
        ndim=3,
        extra=[Bad("other features", np.zeros((2, 5, 3))), Bad("longer than max_len", np.zeros((2, 7, 4)))],
    ),
)
example("physml.attention.TransformerForecaster.predict_all", x=_at_windows)


def _at_cross_params():
    state = {k: v.numpy() for k, v in _torch_mha(kdim=3, vdim=3).state_dict().items()}
    return {k: state[k] for k in sorted(state)}


example(
    "physml.attention.cross_attention",
    query=Arr(_at_rng.normal(size=(2, 3, 6)), ndim=3, extra=[Bad("other embed dim", np.ones((2, 3, 4)))]),
    memory=Arr(
        _at_rng.normal(size=(2, 4, 3)),
        ndim=3,
        extra=[
            Bad("other batch", np.ones((1, 4, 3))),
            Bad("length 0", np.ones((2, 0, 3))),
            Bad("other width", np.ones((2, 4, 5))),
        ],
    ),
    params=Obj(
        Lazy(_at_cross_params),
        wrong=[
            Lazy(lambda: {k: v for k, v in _at_cross_params().items() if k != "k_proj_weight"}),
            Lazy(lambda: {**_at_cross_params(), "bias_k": np.zeros(6)}),
            Lazy(lambda: _at().init_mha_parameters(6, seed=0)),
        ],
    ),
    n_heads=Size(2, extra=[Bad("does not divide the embed dim", 4)]),
    mask=Arr(
        _at_mask,
        optional=True,
        extra=[Bad("not boolean", np.ones((3, 4))), Bad("other shape", np.ones((3, 3), dtype=bool))],
    ),
)
example(
    "physml.attention.ParticleTransformer",
    n_in=Size(2),
    n_out=Size(2),
    d_model=Size(8),
    n_heads=Size(2, extra=[Bad("does not divide d_model", 3)]),
    n_layers=Size(1),
    d_ff=Size(8),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance(
    "physml.attention.ParticleTransformer", Lazy(lambda: _at().ParticleTransformer(2, 2, 8, 2, 1, 8)).build
)
example(
    "physml.attention.ParticleTransformer.forward",
    x=T(
        Lazy(lambda: _tensor(3, 5, 2)),
        wrong=[Lazy(lambda: _tensor(3, 5, 3)), Lazy(lambda: _tensor(3, 0, 2)), np.zeros((3, 5, 2))],
        width=True,
        model_dtype=True,
    ),
)

# ----------------------------------------------------------------------------- physml.gnn


def _gn():
    from physml import gnn

    return gnn


_GN_TETRA = np.array([[1.0, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]]) * 2 ** (1 / 6) / np.sqrt(8.0)
_GN_TRIANGLE = _GN_TETRA[:3] + 0.05
_GN_E = np.array([-6.0, -3.0])  # energies of the two configurations (values need not be exact)
_GN_F = np.zeros((7, 3))


def _gn_graph(cutoff=3.0, dtype=None):
    import torch

    return _gn().make_graphs([_GN_TETRA, _GN_TRIANGLE], cutoff, dtype=dtype or torch.float64)


def _gn_long(*rows):
    import torch

    return torch.tensor(rows, dtype=torch.long)


def _gn_dtype(name):
    import torch

    return getattr(torch, name)


example(
    "physml.gnn.lj_energy",
    positions=Arr(_GN_TETRA, extra=[Bad("two coordinates", np.zeros((4, 2))), Bad("1-d", np.zeros(3))]),
    epsilon=Rate(1.0, maximum=1e6),
    sigma=Rate(1.0, maximum=1e6),
)
example(
    "physml.gnn.lj_forces",
    positions=Arr(_GN_TETRA, extra=[Bad("two coordinates", np.zeros((4, 2))), Bad("1-d", np.zeros(3))]),
    epsilon=Rate(1.0, maximum=1e6),
    sigma=Rate(1.0, maximum=1e6),
)
example(
    "physml.gnn.sample_lj_clusters",
    n_atoms=Int(3, minimum=2),
    n_samples=Size(2),
    temperature=Rate(0.2),
    seed=Rng(0),
    n_sweeps=Int(2, minimum=0),
    step=Rate(0.1, maximum=10.0),
    radius=Rate(3.0, maximum=1e6, optional=True, extra=[Bad("smaller than the cluster", 0.1)]),
)
example(
    "physml.gnn.radius_graph",
    positions=Arr(_GN_TETRA, ndim=2, extra=[Bad("two coordinates", np.zeros((4, 2)))]),
    cutoff=Rate(2.0),
)
example(
    "physml.gnn.scatter_sum",
    src=T(Lazy(lambda: _tensor(5, 2, dtype=_gn_dtype("float64"))), wrong=[np.zeros((5, 2))]),
    index=Obj(
        Lazy(lambda: _gn_long(0, 1, 1, 2, 0)),
        wrong=[
            Lazy(lambda: _gn_long(0, 1, 1, 2, 0).double()),
            Lazy(lambda: _gn_long(0, 1, 1)),
            Lazy(lambda: _gn_long(0, 1, 9, 2, 0)),
            [0, 1, 1, 2, 0],
        ],
    ),
    dim_size=Int(3, minimum=0),
)
record(
    "physml.gnn.GraphBatch",
    positions=Lazy(lambda: _gn_graph().positions),
    edge_index=Lazy(lambda: _gn_graph().edge_index),
    batch=Lazy(lambda: _gn_graph().batch),
    n_atoms=Lazy(lambda: _gn_graph().n_atoms),
    cutoff=3.0,
)
example(
    "physml.gnn.make_graphs",
    clusters=Obj([_GN_TETRA, _GN_TRIANGLE], wrong=[[], [np.zeros((2, 2))], [np.zeros((0, 3))]]),
    cutoff=Rate(3.0),
    dtype=Obj(Lazy(lambda: _gn_dtype("float64")), wrong=[Lazy(lambda: _gn_dtype("int64"))]),
    device=Device("cpu"),
)
example(
    "physml.gnn.MessagePassingLayer",
    n_features=Size(4),
    n_edge_features=Int(2, minimum=0),
    seed=Int(0, minimum=0),
)
instance("physml.gnn.MessagePassingLayer", Lazy(lambda: _gn().MessagePassingLayer(4, 2)).build)
_gn_features = T(
    Lazy(lambda: _tensor(3, 4)),
    width=True,
    model_dtype=True,
    wrong=[np.zeros((3, 4)), Lazy(lambda: _tensor(4))],
)
example(
    "physml.gnn.MessagePassingLayer.forward",
    h=_gn_features,
    edge_index=Obj(
        Lazy(lambda: _gn_long([0, 1, 2], [1, 2, 0])),
        wrong=[
            Lazy(lambda: _gn_long([0, 1, 2], [1, 2, 0]).float()),
            Lazy(lambda: _gn_long([0, 1, 2])),
            Lazy(lambda: _gn_long([0, 1, 7], [1, 2, 0])),
        ],
    ),
    edge_attr=T(Lazy(lambda: _tensor(3, 2)), width=True, wrong=[Lazy(lambda: _tensor(2, 2))]),
    edge_weight=T(
        Lazy(lambda: _tensor(3)), optional=True, wrong=[Lazy(lambda: _tensor(2)), Lazy(lambda: _tensor(3, 1))]
    ),
)
example("physml.gnn.EGNNLayer", n_features=Size(4), seed=Int(0, minimum=0))
instance("physml.gnn.EGNNLayer", Lazy(lambda: _gn().EGNNLayer(4)).build)
example(
    "physml.gnn.EGNNLayer.forward",
    h=_gn_features,
    x=T(
        Lazy(lambda: _tensor(3, 3)),
        wrong=[np.zeros((3, 3)), Lazy(lambda: _tensor(2, 3)), Lazy(lambda: _tensor(3))],
    ),
    edge_index=Obj(
        Lazy(lambda: _gn_long([0, 1, 2], [1, 2, 0])),
        wrong=[
            Lazy(lambda: _gn_long([0, 1, 2], [1, 2, 0]).float()),
            Lazy(lambda: _gn_long([0, 1, 7], [1, 2, 0])),
        ],
    ),
)
example(
    "physml.gnn.GNNPotential",
    n_features=Size(4),
    n_layers=Int(1, minimum=0),
    n_rbf=Size(4),
    cutoff=Rate(3.0, maximum=1e3),
    seed=Int(0, minimum=0),
    dtype=Obj(Lazy(lambda: _gn_dtype("float64")), wrong=[Lazy(lambda: _gn_dtype("int64"))]),
    device=Device("cpu"),
)
instance(
    "physml.gnn.GNNPotential",
    Lazy(lambda: _gn().GNNPotential(n_features=4, n_layers=1, n_rbf=4, dtype=_gn_dtype("float64"))).build,
)
_gn_graph_kind = Obj(
    Lazy(lambda: _gn_graph()),
    wrong=[
        Lazy(lambda: _gn_graph(cutoff=2.0)),
        Lazy(lambda: _gn_graph(dtype=_gn_dtype("float32"))),
        (1, 2, 3),
    ],
)
example("physml.gnn.GNNPotential.forward", graph=_gn_graph_kind)
example("physml.gnn.GNNPotential.energy_and_forces", graph=_gn_graph_kind, create_graph=Flag(False))
example(
    "physml.gnn.fit_potential",
    model=Obj(
        Lazy(lambda: _gn().GNNPotential(n_features=4, n_layers=1, n_rbf=4, dtype=_gn_dtype("float64"))),
        wrong=[Lazy(lambda: __import__("torch").nn.Linear(2, 2))],
    ),
    graph=_gn_graph_kind,
    energies=Arr(_GN_E, ndim=1, extra=[Bad("one per atom", np.zeros(7))]),
    forces=Arr(_GN_F, ndim=2, extra=[Bad("one per configuration", np.zeros((2, 3)))]),
    epochs=Size(1),
    lr=Rate(1e-3, maximum=10.0),
    force_weight=NonNeg(1.0, maximum=1e6),
    batch_size=Size(2),
    seed=Rng(0),
)

# ----------------------------------------------------------------------------- physml.torchtools


def _tt():
    from physml import torchtools

    return torchtools


def _tt_model():
    import torch

    torch.manual_seed(0)
    return _tt().mlp([2, 4, 3])


def _tt_loader():
    return _tt().make_loader(X8, _LABELS8 % 3, batch_size=4, seed=0)


def _tt_optimizer(model=None):
    import torch

    return torch.optim.SGD((model or _tt_model()).parameters(), lr=0.1)


def _tt_fit_args():
    model = _tt_model()
    return model, _tt_optimizer(model)


def _tt_saved():
    import os

    path = os.path.join(_tmp_dir(), "model.pt")
    _tt().save_model(_tt_model(), path, note="api")
    return path


def _tt_file(content):
    """A file that :func:`physml.torchtools.load_model` cannot read: text, or a saved tensor."""
    import torch

    path = _tmp_dir() + "/model.pt"
    if content is None:
        torch.save(torch.zeros(2), path)
    else:
        with open(path, "wb") as f:
            f.write(content)
    return path


def _cross_entropy():
    import torch

    return torch.nn.functional.cross_entropy


def _tensor_of(*shape):
    import torch

    return torch.zeros(*shape)


_tt_optimizer_kind = Obj(
    Lazy(_tt_optimizer), wrong=[Lazy(lambda: __import__("physml.optim").optim.GradientDescent(0.1))]
)
_tt_model_kind = Obj(Lazy(_tt_model), wrong=[Lazy(_linear_model)])
_tt_loader_kind = Loader(Lazy(_tt_loader), wrong=[[(X8, Y8)]])
_tt_dtype = Obj(
    Lazy(lambda: __import__("torch").float32), wrong=[Lazy(lambda: __import__("torch").int64), np.float32]
)
_tt_y = V(_LABELS8 % 3, extra=[short(_LABELS8)])

example("physml.torchtools.as_device", device=Device("cpu"))
example("physml.torchtools.seed_everything", seed=Int(0, minimum=0), deterministic=Flag(False))
example("physml.torchtools.deterministic_algorithms", enabled=Flag(True))
example("physml.torchtools.make_generator", seed=Int(0, minimum=0), device=Device("cpu"))
example("physml.torchtools.ArrayDataset", same_rows=[("X", "y")], X=M(X8), y=_tt_y, dtype=_tt_dtype)
example("physml.torchtools.NumpyBatchSampler", n_samples=Size(8), batch_size=Size(4), seed=Rng(0))
example(
    "physml.torchtools.make_loader",
    same_rows=[("X", "y")],
    X=M(X8),
    y=_tt_y,
    batch_size=Size(4),
    shuffle=Flag(True),
    seed=Int(0, minimum=0),
    dtype=_tt_dtype,
)
example(
    "physml.torchtools.evaluate",
    model=_tt_model_kind,
    loader=_tt_loader_kind,
    loss_fn=LossFn(Lazy(_cross_entropy)),
    device=Device("cpu"),
)
example("physml.torchtools.accuracy", model=_tt_model_kind, loader=_tt_loader_kind, device=Device("cpu"))
example(
    "physml.torchtools.train_epoch",
    model=_tt_model_kind,
    loader=_tt_loader_kind,
    optimizer=Obj(
        Lazy(_tt_optimizer), wrong=[Lazy(lambda: __import__("physml.optim").optim.GradientDescent(0.1))]
    ),
    loss_fn=LossFn(Lazy(_cross_entropy)),
    device=Device("cpu"),
    step=Int(0, minimum=0),
)
example(
    "physml.torchtools.fit",
    model=_tt_model_kind,
    train_loader=_tt_loader_kind,
    val_loader=Loader(Lazy(_tt_loader), optional=True, wrong=[[(X8, Y8)]]),
    optimizer=Obj(
        Lazy(_tt_optimizer), wrong=[Lazy(lambda: __import__("physml.optim").optim.GradientDescent(0.1))]
    ),
    loss_fn=LossFn(Lazy(_cross_entropy)),
    epochs=Size(1),
    device=Device("cpu"),
    early_stopping_patience=Size(1, optional=True),
    seed=Int(0, minimum=0, optional=True),
    num_threads=Size(1, optional=True),
)
example(
    "physml.torchtools.save_model",
    model=_tt_model_kind,
    path=Str(
        Lazy(lambda: _tmp_dir() + "/model.pt"),
        extra=[
            Bad("a folder", Lazy(_tmp_dir)),
            Bad("in a missing folder", Lazy(lambda: _tmp_dir() + "/no/m.pt")),
        ],
    ),
)
example(
    "physml.torchtools.load_model",
    model=Obj(Lazy(_tt_model), wrong=[Lazy(lambda: _tt().mlp([2, 5, 3]))]),
    path=Str(
        Lazy(_tt_saved),
        extra=[
            Bad("missing file", "no-such-file.pt"),
            Bad("not a torch file", Lazy(lambda: _tt_file(b"not a torch file"))),
            Bad("a torch file without parameters", Lazy(lambda: _tt_file(None))),
        ],
    ),
    device=Device("cpu"),
)
example(
    "physml.torchtools.mlp",
    sizes=Each([Size(2), Size(4), Size(3)], extra=[Bad("one size", [2])]),
    activation=Choice("relu"),
    dropout=Real(0.1, minimum=0.0, maximum=1.0, include_max=False),
    batch_norm=Flag(True),
)
for _name in ("ResidualBlock", "PlainBlock"):
    example(f"physml.torchtools.{_name}", width=Size(4), activation=Choice("tanh"))
    instance(f"physml.torchtools.{_name}", Lazy(lambda n=_name: getattr(_tt(), n)(4)).build)
    example(
        f"physml.torchtools.{_name}.forward",
        h=T(
            Lazy(lambda: _tensor_of(3, 4)),
            wrong=[Lazy(lambda: _tensor_of(3, 5)), np.zeros((3, 4))],
            width=True,
            model_dtype=True,
        ),
    )
example(
    "physml.torchtools.deep_net",
    n_in=Size(2),
    width=Size(4),
    depth=Size(2),
    n_out=Size(3),
    residual=Flag(True),
    activation=Choice("tanh"),
)
example("physml.torchtools.n_parameters", model=_tt_model_kind)
example(
    "physml.torchtools.profile_steps",
    step=Fn(Lazy(lambda: lambda: _tensor_of(4, 4).sum())),
    steps=Size(2),
    warmup=Int(1, minimum=0),
    device=Device("cpu"),
)

# ----------------------------------------------------------------------------- physml.rbm

_rbm_rng = np.random.default_rng(3)
_GA, _GB, _GW = _rbm_rng.normal(size=3), _rbm_rng.normal(size=2), 0.3 * _rbm_rng.normal(size=(3, 2))
_GX = _rbm_rng.normal(size=(5, 3))
_GH = np.array([[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])
_BX = (_rbm_rng.random((6, 4)) < 0.5).astype(float)
_BH = (_rbm_rng.random((6, 3)) < 0.5).astype(float)
_BW = 0.3 * _rbm_rng.normal(size=(4, 3))


def _rbm():
    from physml import rbm

    return rbm


def _gauss_rbm():
    return _rbm().GaussianBinaryRBM(_GA, _GB, _GW, sigma=0.8)


def _binary_rbm():
    return _rbm().BinaryRBM(np.zeros(4), np.zeros(3), _BW)


def _other_binary_rbm():
    return _rbm().BinaryRBM(np.zeros(5), np.zeros(3), np.zeros((5, 3)))


_rbm_params = {
    "a": V(_GA, extra=[short(_GA)]),
    "b": V(_GB),
    "W": M(_GW, extra=[Bad("other shape", _GW.T)]),
}
for _name in ("softplus", "sigmoid"):
    example(f"physml.rbm.{_name}", t=Arr(Z23))
example("physml.rbm.GaussianBinaryRBM", **_rbm_params, sigma=Rate(0.8))
example(
    "physml.rbm.GaussianBinaryRBM.random",
    n_visible=Size(3),
    n_hidden=Size(2),
    seed=Rng(0),
    scale=NonNeg(0.01),
    sigma=Rate(1.0),
)
instance("physml.rbm.GaussianBinaryRBM", _gauss_rbm)
_gx = M(_GX, extra=[Bad("other width", _GX[:, :2])])
_gh = M(_GH, extra=[Bad("other width", _GH[:, :1]), Bad("not binary", _GH + 0.5)])
for _name in (
    "hidden_activation",
    "free_energy",
    "log_marginal",
    "free_energy_grad",
    "p_h_given_x",
    "log_density",
):
    example(f"physml.rbm.GaussianBinaryRBM.{_name}", x=_gx)
example("physml.rbm.GaussianBinaryRBM.energy", same_rows=[("x", "h")], x=_gx, h=_gh)
example("physml.rbm.GaussianBinaryRBM.mean_x_given_h", h=_gh)
example("physml.rbm.GaussianBinaryRBM.sample_h", x=_gx, seed=Rng(0))
example("physml.rbm.GaussianBinaryRBM.sample_x", h=_gh, seed=Rng(0))
example("physml.rbm.GaussianBinaryRBM.gibbs_step", x=_gx, seed=Rng(0))

example("physml.rbm.binary_states", n=Int(3, minimum=0, extra=[Bad("too many states", 21)]))
example("physml.rbm.ising_rbm", L=Int(3, minimum=2), T=Real(2.0, minimum=0.0, include_min=False))
example(
    "physml.rbm.spins_to_binary",
    spins=Arr(np.ones((2, 3, 3)), ndim=(2, 3), extra=[Bad("not +-1", np.zeros((2, 3, 3)))]),
)
example(
    "physml.rbm.binary_to_spins",
    x=M(
        np.ones((2, 9)), extra=[Bad("other width", np.ones((2, 8))), Bad("not binary", np.full((2, 9), 0.5))]
    ),
    L=Size(3, extra=[Bad("other width", 2)]),
)


def _gradient(n=4):
    return _rbm().Gradient(np.zeros(n), np.zeros(3), np.zeros((n, 3)))


# built by the RBMs in every training step (a record: not checked there; __sub__ checks its operand)
record("physml.rbm.Gradient", a=np.zeros(4), b=np.zeros(3), W=np.zeros((4, 3)))
instance("physml.rbm.Gradient", _gradient)
example("physml.rbm.Gradient.__sub__", other=Obj(Lazy(_gradient), wrong=[Lazy(lambda: _gradient(5))]))

_brbm_params = {
    "a": V(np.zeros(4), extra=[short(np.zeros(4))]),
    "b": V(np.zeros(3)),
    "W": M(_BW, extra=[Bad("other shape", _BW.T)]),
}
example("physml.rbm.BinaryRBM", **_brbm_params)
example("physml.rbm.BinaryRBM.random", n_visible=Size(4), n_hidden=Size(3), seed=Rng(0), scale=NonNeg(0.01))
instance("physml.rbm.BinaryRBM", _binary_rbm)
_bx_bad3 = [Bad("other width", _BX[:3, :3]), Bad("not binary", _BX[:3] + 0.5)]
_bx = M(_BX, extra=[Bad("other width", _BX[:, :3]), Bad("not binary", _BX + 0.5)])
_bh = M(_BH, extra=[Bad("other width", _BH[:, :2]), Bad("not binary", _BH + 0.5)])
for _name in (
    "free_energy",
    "p_h_given_x",
    "log_likelihood",
    "positive_phase",
    "exact_gradient",
    "pseudo_log_likelihood",
):
    example(f"physml.rbm.BinaryRBM.{_name}", x=_bx)
example("physml.rbm.BinaryRBM.energy", same_rows=[("x", "h")], x=_bx, h=_bh)
example("physml.rbm.BinaryRBM.p_x_given_h", h=_bh)
example("physml.rbm.BinaryRBM.sample_h", x=_bx, seed=Rng(0))
example("physml.rbm.BinaryRBM.sample_x", h=_bh, seed=Rng(0))
example("physml.rbm.BinaryRBM.gibbs", x=_bx, n_steps=Int(2, minimum=0), seed=Rng(0))
example(
    "physml.rbm.BinaryRBM.cd_gradient",
    x=_bx,
    k=Size(1),
    seed=Rng(0),
    chains=M(
        _BX[:3], optional=True, extra=[Bad("other width", _BX[:3, :3]), Bad("not binary", _BX[:3] + 0.5)]
    ),
)
record("physml.rbm.TrainingHistory", monitor=[], grad_norm=[])
example(
    "physml.rbm.fit",
    rbm=Obj(Lazy(_binary_rbm), wrong=[Lazy(_gauss_rbm)]),
    x=_bx,
    epochs=Size(2),
    batch_size=Size(3, extra=[Bad("more than the samples", 7)]),
    optimizer=Obj(Lazy(_optimizer("Adam")), wrong=[Lazy(_binary_rbm)]),
    k=Size(1),
    persistent=Flag(True),
    seed=Rng(0),
    monitor=M(
        _BX[:3], optional=True, extra=[Bad("other width", _BX[:3, :3]), Bad("not binary", _BX[:3] + 0.5)]
    ),
    exact=Flag(True),
    schedule=Fn(Lazy(_schedule("ExponentialDecay", 0.9)), optional=True),
)

# ----------------------------------------------------------------------------- physml.ebm

_EX = np.array([[0.1, -0.2], [0.5, 0.3], [-0.4, 0.8], [1.0, 0.0], [0.2, 0.2]])


def _energy_net():
    import torch

    from physml import ebm

    torch.manual_seed(0)
    return ebm.EnergyNet(2, width=8, depth=1)


def _quad_energy(x):
    return (x * x).sum(-1) / 2


def _scalar_energy(x):
    return (x * x).sum()


_energy_kind = Fn(_quad_energy, extra=[Bad("one energy for all rows", _scalar_energy)])
_enet_kind = Obj(Lazy(_energy_net), wrong=[Lazy(_binary_rbm)])
example("physml.ebm.EnergyNet", dim=Size(2), width=Size(8), depth=Size(1), confine=Rate(4.0))
instance("physml.ebm.EnergyNet", _energy_net)
example(
    "physml.ebm.EnergyNet.forward",
    x=T(Lazy(lambda: _t(_EX)), wrong=[_EX, Lazy(lambda: _t(_EX[:, :1]))], width=True, model_dtype=True),
)
example(
    "physml.ebm.langevin",
    energy=_energy_kind,
    x=M(_EX),
    step_size=Rate(0.01),
    n_steps=Int(3, minimum=0),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.ebm.ula_gaussian_variance",
    sigma=Rate(1.0),
    step_size=Rate(0.1, extra=[Bad("2 sigma^2 or more", 2.0)]),
)
example(
    "physml.ebm.fit_pcd",
    model=_enet_kind,
    data=M(_EX, extra=[Bad("other width", _EX[:, :1])]),
    steps=Size(2),
    batch_size=Size(2, extra=[Bad("more than the chains", 50)]),
    n_chains=Size(4),
    langevin_steps=Size(2),
    step_size=Rate(0.01),
    restart=Real(0.1, minimum=0.0, maximum=1.0),
    lr=Rate(1e-3),
    alpha=NonNeg(0.01),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.ebm.dsm_loss",
    model=_enet_kind,
    x=T(
        Lazy(lambda: _t(_EX)),
        wrong=[_EX, Lazy(lambda: _t(_EX[:, :1]))],
        width=True,
        model_dtype=True,
        finite=True,
    ),
    sigma=Rate(0.3),
    seed=Int(0, minimum=0),
)
example(
    "physml.ebm.fit_dsm",
    model=_enet_kind,
    data=M(_EX, extra=[Bad("other width", _EX[:, :1])]),
    sigma=Rate(0.3),
    steps=Size(2),
    batch_size=Size(3),
    lr=Rate(1e-3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.ebm.grid_log_partition",
    energy=_energy_kind,
    bounds=V([-3.0, 3.0], extra=[Bad("reversed", np.array([3.0, -3.0])), Bad("three numbers", np.zeros(3))]),
    n_grid=Int(20, minimum=2),
    device=Device("cpu"),
)
record("physml.ebm.AISResult", log_z=0.0, error=0.1, log_weights=np.zeros(3), ess=3.0)
example(
    "physml.ebm.ais_log_partition",
    rbm=Obj(Lazy(_binary_rbm), wrong=[Lazy(_gauss_rbm)]),
    n_runs=Int(5, minimum=2),
    n_betas=Int(4, minimum=2),
    seed=Rng(0),
    base_bias=V(np.zeros(4), optional=True, extra=[Bad("other length", np.zeros(3))]),
)

# ----------------------------------------------------------------------------- physml.vae

_VX = _rng.random((6, 4))
_VCOV = np.eye(4) + 0.1


def _vae_mod():
    from physml import vae

    return vae


def _vae(likelihood="bernoulli"):
    import torch

    torch.manual_seed(0)
    return _vae_mod().VAE(4, n_latent=2, hidden=(5,), likelihood=likelihood)


def _linear_vae():
    return _vae_mod().LinearVAE(4, 2)


def _t(array, dtype="float32"):
    import torch

    return torch.as_tensor(np.asarray(array), dtype=getattr(torch, dtype))


def _tgen():
    import torch

    return torch.Generator().manual_seed(0)


_t_wrong = [np.zeros((3, 2)), Lazy(lambda: _t(np.zeros((3, 5))))]
# a loss refuses NaN/inf entries (finite); a forward pass (encode, decode_mean) keeps IEEE semantics
_mu_kind = T(Lazy(lambda: _t(np.zeros((3, 2)))), wrong=[np.zeros((3, 2))], width=True, finite=True)
_logvar_kind = T(Lazy(lambda: _t(np.zeros((3, 2)))), wrong=_t_wrong, width=True, finite=True)
_gen_kind = Obj(Lazy(_tgen), optional=True, wrong=[Lazy(lambda: np.random.default_rng(0))])
_net_t = {"width": True, "model_dtype": True}
_vx_t = T(Lazy(lambda: _t(_VX)), wrong=[_VX, Lazy(lambda: _t(_VX[:, :3]))], **_net_t)
_vx_loss = T(Lazy(lambda: _t(_VX)), wrong=[_VX, Lazy(lambda: _t(_VX[:, :3]))], **_net_t, finite=True)
_vz_wrong = [np.zeros((6, 2)), Lazy(lambda: _t(np.zeros((6, 3))))]
_vz_t = T(Lazy(lambda: _t(np.zeros((6, 2)))), wrong=_vz_wrong, **_net_t)
_vz_loss = T(Lazy(lambda: _t(np.zeros((6, 2)))), wrong=_vz_wrong, **_net_t, finite=True)
_vx64_wrong = [_VX, Lazy(lambda: _t(_VX[:, :3], "float64"))]
_vx64_t = T(Lazy(lambda: _t(_VX, "float64")), wrong=_vx64_wrong, **_net_t)
_vx64_loss = T(Lazy(lambda: _t(_VX, "float64")), wrong=_vx64_wrong, **_net_t, finite=True)
_vae_kind = Obj(Lazy(_vae), wrong=[Lazy(_linear_model)])
_vX = M(_VX, extra=[Bad("one sample", _VX[:1]), Bad("other width", _VX[:, :3])])

example("physml.vae.gaussian_kl", mu=_mu_kind, logvar=_logvar_kind)
example("physml.vae.reparametrise", mu=_mu_kind, logvar=_logvar_kind, generator=_gen_kind)
example(
    "physml.vae.VAE",
    n_in=Size(4),
    n_latent=Size(2),
    hidden=Each([Size(5)], empty_ok=True),
    likelihood=Choice("gaussian"),
    levels=Int(17, minimum=2),
)
instance("physml.vae.VAE", _vae)
example("physml.vae.VAE.encode", x=_vx_t)
example("physml.vae.VAE.log_likelihood", same_rows=[("x", "z")], x=_vx_loss, z=_vz_loss)
example("physml.vae.VAE.decode_mean", z=_vz_t)
example("physml.vae.VAE.decode_sample", z=_vz_t, generator=_gen_kind)
example("physml.vae.elbo", model=_vae_kind, x=_vx_loss, generator=_gen_kind)
example(
    "physml.vae.train_vae",
    model=Obj(Lazy(_vae), wrong=[Lazy(_linear_model), Lazy(lambda: _vae_mod().VAE(3))]),
    X=M(_VX, extra=[Bad("one sample", _VX[:1]), Bad("outside [0, 1]", _VX + 1.0)]),
    epochs=Size(1),
    batch_size=Size(3),
    lr=Rate(1e-3),
    X_val=M(_VX, optional=True, extra=[Bad("other width", _VX[:, :3]), Bad("outside [0, 1]", _VX - 1.0)]),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
    beta=NonNeg(1.0),
    warmup=Int(0, minimum=0),
    schedule=Choice("constant"),
)
example(
    "physml.vae.sample",
    model=_vae_kind,
    n=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    draw=Flag(False),
)
example("physml.vae.kl_per_dimension", model=_vae_kind, X=_vX, device=Device("cpu"))
example("physml.vae.active_units", model=_vae_kind, X=_vX, threshold=NonNeg(0.01), device=Device("cpu"))
example(
    "physml.vae.log_importance_weights",
    model=_vae_kind,
    X=_vX,
    k=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    chunk=Size(4),
)
example(
    "physml.vae.iwae_bound",
    log_w=M(-np.arange(12.0).reshape(3, 4), extra=[huge(-np.arange(12.0).reshape(3, 4))]),
    k=Size(2, extra=[Bad("more than the weights", 5)]),
)
for _name in ("reconstruct", "encode_mean"):
    example(f"physml.vae.{_name}", model=_vae_kind, X=_vX, device=Device("cpu"))
example("physml.vae.LinearVAE", n_in=Size(4), n_latent=Size(2))
instance("physml.vae.LinearVAE", _linear_vae)
example("physml.vae.LinearVAE.encode", x=_vx64_t)
example("physml.vae.LinearVAE.elbo", x=_vx64_loss, generator=_gen_kind)
example("physml.vae.LinearVAE.exact_elbo", x=_vx64_loss)
for _name in ("exact_log_likelihood", "total_exact_elbo"):
    example(f"physml.vae.LinearVAE.{_name}", X=_vX)
example(
    "physml.vae.gaussian_log_likelihood",
    X=M(_VX, extra=[Bad("one sample", _VX[:1])]),
    mean=V(np.zeros(4), extra=[short(np.zeros(4))]),
    cov=M(_VCOV, extra=[Bad("other shape", _VCOV[:3, :3]), Bad("not positive definite", -np.eye(4))]),
)
for _name in ("ppca_fit", "ppca_log_likelihood"):
    example(
        f"physml.vae.{_name}",
        X=M(_VX, extra=[Bad("one sample", _VX[:1]), huge(_VX)]),
        n_components=Size(2, extra=[Bad("not below the features", 4)]),
    )

# ----------------------------------------------------------------------------- physml.bnn

_BNN_X = np.random.default_rng(11).normal(size=(5, 2))
_BNN_Y = np.sin(_BNN_X.sum(axis=1))
_BNN_W = 0.5 * np.random.default_rng(12).normal(size=13)  # (2 + 2) * 3 + 1 weights: 2 inputs, 3 hidden
_BNN_F = np.random.default_rng(13).normal(size=(4, 5))


def _bnn():
    from physml import bnn

    return bnn


def _bnn_ensemble(**kw):
    return _bnn().EnsembleMLP(2, 3, n_members=2, noise=0.1, **kw)


def _bnn_meanfield():
    return _bnn().MeanFieldMLP(2, 3, n_members=2, noise=0.1)


def _bnn_gauss(x):
    return -0.5 * np.sum(x * x, axis=1), -x


def _bnn_laplace():
    return _bnn().laplace(_BNN_W, _BNN_X, _BNN_Y, 3, noise=0.2)


_bX = M(_BNN_X, extra=[Bad("other width", _BNN_X[:, :1])])
_bnet = {
    "w": Arr(_BNN_W, ndim=(1, 2), extra=[Bad("too few weights", _BNN_W[:-1])]),
    "X": _bX,
    "n_hidden": Size(3),
}
_bx_wrong = [_BNN_X, Lazy(lambda: _t(_BNN_X[:, :1], "float64"))]
_bx_t = T(Lazy(lambda: _t(_BNN_X, "float64")), wrong=_bx_wrong, **_net_t)
_bpred = {"y": V(_BNN_Y), "mean": V(_BNN_Y), "std": V(np.ones(5), extra=[Bad("zero std", np.zeros(5))])}
example("physml.bnn.n_weights", n_in=Size(2), n_hidden=Size(3))
example("physml.bnn.forward", **_bnet)
example(
    "physml.bnn.log_posterior",
    same_rows=[("X", "y")],
    **_bnet,
    y=V(_BNN_Y),
    noise=Rate(0.3),
    prior_std=Rate(1.0),
)
example(
    "physml.bnn.hmc",
    log_prob_grad=Fn(_bnn_gauss),
    x0=M(np.zeros((2, 3))),
    n_samples=Size(3),
    n_warmup=Int(2, minimum=0),
    n_leapfrog=Size(2),
    step_size=Rate(0.1),
    target_accept=Fraction(0.8),
    seed=Rng(0),
)
record(
    "physml.bnn.HMCResult",
    samples=np.zeros((2, 1, 1)),
    log_prob=np.zeros((2, 1)),
    accept_rate=1.0,
    step_size=np.ones(1),
    inverse_mass=np.ones(1),
    divergences=0,
)
example(
    "physml.bnn.laplace",
    same_rows=[("X", "y")],
    w_map=V(_BNN_W, extra=[Bad("too few weights", _BNN_W[:-1])]),
    X=_bX,
    y=V(_BNN_Y),
    n_hidden=Size(3),
    noise=Rate(0.2),
    prior_std=Rate(1.0),
)
record(
    "physml.bnn.LaplacePosterior",
    w_map=_BNN_W,
    covariance=np.eye(13),
    n_hidden=3,
    noise=0.2,
    log_evidence=0.0,
)
instance("physml.bnn.LaplacePosterior", _bnn_laplace)
example("physml.bnn.LaplacePosterior.predict", X=_bX)
_b_sizes = {"n_in": Size(2), "n_hidden": Size(3), "n_members": Size(2), "noise": Rate(0.1, optional=True)}
example(
    "physml.bnn.EnsembleMLP",
    **_b_sizes,
    dropout=Real(0.1, minimum=0.0, maximum=1.0, include_max=False),
    seed=Int(0, minimum=0),
)
instance("physml.bnn.EnsembleMLP", _bnn_ensemble)
example("physml.bnn.EnsembleMLP.forward", x=_bx_t, generator=_gen_kind)
example(
    "physml.bnn.MeanFieldMLP",
    **_b_sizes,
    prior_std=Rate(1.0),
    init_std=Rate(0.01),
    seed=Int(0, minimum=0),
)
instance("physml.bnn.MeanFieldMLP", _bnn_meanfield)
example("physml.bnn.MeanFieldMLP.sample_weights", n_samples=Size(2), generator=_gen_kind)
example("physml.bnn.MeanFieldMLP.forward", x=_bx_t, n_samples=Size(2), generator=_gen_kind)
example(
    "physml.bnn.mean_field_kl",
    mu=V(np.zeros(3)),
    s=V(np.ones(3), extra=[Bad("zero s", np.zeros(3)), short(np.ones(3))]),
    prior_std=Rate(1.5),
)
_b_train = {
    "X": _bX,
    "y": V(_BNN_Y),
    "epochs": Size(2),
    "lr": Rate(0.01),
    "seed": Int(0, minimum=0),
    "device": Device("cpu"),
}
example(
    "physml.bnn.train_map",
    same_rows=[("X", "y")],
    model=Obj(Lazy(_bnn_ensemble), wrong=[Lazy(_bnn_meanfield)]),
    **_b_train,
    prior_std=Rate(1.0),
)
example(
    "physml.bnn.train_bbb",
    same_rows=[("X", "y")],
    model=Obj(Lazy(_bnn_meanfield), wrong=[Lazy(_bnn_ensemble)]),
    **_b_train,
    n_samples=Size(2),
)
example(
    "physml.bnn.predictive_samples",
    model=Obj(Lazy(lambda: _bnn_ensemble(dropout=0.2)), wrong=[Lazy(_linear_vae)]),
    X=_bX,
    n_samples=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.bnn.mixture",
    f=M(_BNN_F),
    noise=Arr(np.ones(4), ndim=(0, 1), extra=[Bad("negative", -np.ones(4)), short(np.ones(4))]),
)
example("physml.bnn.gaussian_nll", same_rows=[("y", "mean", "std")], **_bpred)
example("physml.bnn.coverage", same_rows=[("y", "mean", "std")], **_bpred, level=Fraction(0.95))

# ----------------------------------------------------------------------------- physml.vmc.exact, hamiltonian

_VMC_X = np.random.default_rng(5).normal(size=(4, 2, 2))


def _gaussian_wf(n_particles=2):
    from physml import vmc

    return vmc.Gaussian(0.5, n_particles=n_particles, dims=2)


example(
    "physml.vmc.exact.two_electron_dot_energy",
    omega=Rate(1.0),
    n_grid=Int(100, minimum=100),
    r_max=Rate(16.0, optional=True),
)
record("physml.vmc.exact.TautSolution", omega=1.0, energy=3.0, coefficients=(1.0, 1.0))
example("physml.vmc.exact.gaussian_product_energy", omega=Rate(1.0))
example("physml.vmc.exact.taut_solution", degree=Size(2))
example(
    "physml.vmc.exact.hartree_fock_dot",
    omega=Rate(1.0),
    n_basis=Int(4, minimum=1, extra=[Bad("too many", 61)]),
    ratio=Real(1.5, minimum=1.0, include_min=False),
    coulomb=Flag(True),
    tol=Rate(1e-10),
    max_iter=Size(50),
)
record(
    "physml.vmc.exact.HartreeFockResult",
    omega=1.0,
    energy=3.16,
    kinetic=0.8,
    trap=1.5,
    interaction=0.86,
    orbital_energy=2.1,
    exponents=(0.5,),
    coefficients=(1.0,),
    n_iter=3,
)
example("physml.vmc.exact.noninteracting_energy", n_particles=Size(2), dims=Size(2), omega=Rate(1.0))
example("physml.vmc.hamiltonian.HarmonicTrap", omega=Rate(1.0), coulomb=Flag(True))
instance(
    "physml.vmc.hamiltonian.HarmonicTrap",
    lambda: __import__("physml.vmc").vmc.HarmonicTrap(1.0, coulomb=True),
)
example("physml.vmc.hamiltonian.HarmonicTrap.potential", x=Arr(_VMC_X, ndim=3))
example(
    "physml.vmc.hamiltonian.HarmonicTrap.local_energy",
    wf=Obj(Lazy(_gaussian_wf), wrong=[Lazy(_linear_model)]),
    x=Arr(_VMC_X, ndim=3, extra=[Bad("other particles", _VMC_X[:, :1])]),
)
example("physml.vmc.hamiltonian.HarmonicTrap.exact_noninteracting_energy", n_particles=Size(2), dims=Size(2))

# ----------------------------------------------------------------------------- physml.vmc.wavefunctions

_WF = "physml.vmc.wavefunctions"


def _wf(name):
    """An instance (2 particles in 2D) for the methods of class ``name``."""
    from physml.vmc import wavefunctions

    if name in ("PairJastrow", "PadeJastrow"):  # PairJastrow needs a pair function: Pade-Jastrow's
        return wavefunctions.PadeJastrow(0.5, 0.3)
    if name == "CuspGaussian":
        return wavefunctions.CuspGaussian(0.5)
    if name == "PolynomialCusp":
        return wavefunctions.PolynomialCusp(0.5, [1.0, 1.0])
    return wavefunctions.Gaussian(0.5, n_particles=2, dims=2)  # WaveFunction is abstract


_wf_x = Arr(_VMC_X, ndim=3, extra=[Bad("other particles", _VMC_X[:, :1]), Bad("other dims", _VMC_X[..., :1])])
_wf_params = {
    "WaveFunction": [0.5],
    "Gaussian": [0.5],
    "PairJastrow": [0.5, 0.3],  # its instance is a PadeJastrow
    "PadeJastrow": [0.5, 0.3],
    "CuspGaussian": [0.5],
    "PolynomialCusp": [0.5],
}
example(
    f"{_WF}.check_positions",
    x=Arr(_VMC_X, ndim=3, extra=[Bad("other particles", _VMC_X[:, :1])]),
    n_particles=Size(2),
    dims=Size(2),
    name=Str("x"),
)
example(
    f"{_WF}.WaveFunction",
    params=Arr(np.zeros(0), empty_ok=True, extra=[Bad("one entry", [1.0])]),  # the base class: none
    n_particles=Size(2),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
)
example(f"{_WF}.Gaussian", alpha=Rate(0.5), n_particles=Size(2), dims=Size(2, extra=[Bad("4 dimensions", 4)]))
example(
    f"{_WF}.PairJastrow",
    params=Arr([0.5], extra=[Bad("two entries", [0.5, 0.3])]),
    n_particles=Size(2, extra=[Bad("one particle", 1)]),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
)
example(
    f"{_WF}.PadeJastrow",
    alpha=Rate(0.5),
    beta=NonNeg(0.3),
    n_particles=Size(2, extra=[Bad("one particle", 1)]),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
    a=Real(1.0, optional=True),
)
example(
    f"{_WF}.CuspGaussian",
    alpha=Rate(0.5),
    n_particles=Size(2, extra=[Bad("one particle", 1)]),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
)
example(
    f"{_WF}.PolynomialCusp",
    alpha=Rate(0.5),
    coefficients=V(
        [1.0, 1.0, 1.0 / 6.0],
        extra=[Bad("c_0 != 1", [2.0, 1.0]), Bad("negative", [1.0, -1.0]), Bad("one coefficient", [1.0])],
    ),
    n_particles=Size(2, extra=[Bad("one particle", 1)]),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
)
for _cls, _p in _wf_params.items():
    instance(f"{_WF}.{_cls}", Lazy(lambda c=_cls: _wf(c)).build)
    _bad_domain = [Bad("alpha <= 0", [-0.5] + _p[1:])] + (
        [Bad("beta < 0", [0.5, -0.3])] if len(_p) > 1 else []
    )
    example(
        f"{_WF}.{_cls}.with_params",
        # one parameter may be given as a scalar; an array of any shape is flattened
        params=Arr(_p, extra=[Bad("wrong count", _p + [0.1]), *_bad_domain]),
    )
for _name in ("check", "log_psi", "grad_log_psi", "laplacian_log_psi", "param_grad_log_psi"):
    example(f"{_WF}.WaveFunction.{_name}", x=_wf_x)
example(f"{_WF}.PairJastrow.jastrow_terms", x=_wf_x)

# ----------------------------------------------------------------------------- physml.pca

_PX = _rng.normal(size=(6, 3))


def _pca(k=2):
    from physml import pca

    return pca.fit_pca(_PX, k)


_pca_kind = Obj(Lazy(_pca), wrong=[Lazy(_linear_model)])
record(
    "physml.pca.PCAResult",
    mean=np.zeros(3),
    components=np.eye(3)[:2],
    singular_values=np.ones(2),
    explained_variance=np.ones(2),
    explained_variance_ratio=np.full(2, 0.5),
    n_samples=6,
)
example(
    "physml.pca.fit_pca",
    X=M(_PX, extra=[Bad("one sample", _PX[:1])]),
    n_components=Size(2, optional=True, extra=[Bad("more than the features", 4)]),
)
example("physml.pca.project", pca=_pca_kind, X=M(_PX, extra=[Bad("other width", _PX[:, :2])]))
example("physml.pca.reconstruct", pca=_pca_kind, Z=M(_PX[:, :2], extra=[Bad("other width", _PX)]))
example(
    "physml.pca.principal_angles",
    A=M(_PX[:, :2], extra=[Bad("other rows", _PX[:5, :2]), Bad("dependent columns", np.ones((6, 2)))]),
    B=M(_PX[:, 1:], extra=[Bad("dependent columns", np.zeros((6, 2)))]),
)
example(
    "physml.pca.wiener_denoise",
    X_noisy=M(_PX[:3], extra=[Bad("other width", _PX[:3, :2])]),
    X_train=M(_PX, extra=[Bad("one sample", _PX[:1])]),
    noise_std=NonNeg(0.3),
)

# ----------------------------------------------------------------------------- physml.unsupervised

_UX = np.array([[0.0, 0.1], [0.2, -0.1], [0.1, 0.0], [3.0, 3.1], [3.2, 2.9], [2.9, 3.0]])
_UW = np.array([0.5, 0.5])
_UMU = np.array([[0.1, 0.0], [3.0, 3.0]])
_UCOV = np.stack([np.eye(2) * 0.05, np.eye(2) * 0.05])
_UT = np.array([1.0, 1.0, 2.0, 2.0, 3.0, 3.0])
_uns_spins = Arr(
    np.stack([_SPINS, -_SPINS, np.ones((4, 4)), _SPINS]),
    ndim=3,
    extra=[Bad("not +-1", np.zeros((2, 4, 4))), Bad("one configuration", _SPINS)],
)
_weights_kind = V(
    _UW, extra=[Bad("do not sum to 1", np.array([0.5, 0.6])), Bad("negative", np.array([1.5, -0.5]))]
)
_means_kind = M(_UMU, extra=[Bad("other width", _UMU[:, :1])])
_cov_kind = Arr(_UCOV, ndim=3, extra=[Bad("not positive definite", np.stack([np.eye(2), -np.eye(2)]))])

record(
    "physml.unsupervised.KMeansResult",
    centers=_UMU,
    labels=np.zeros(6, int),
    inertia=0.1,
    history=np.ones(2),
    n_iter=1,
)
example(
    "physml.unsupervised.kmeans_plus_plus",
    X=M(_UX),
    k=Size(2, extra=[Bad("more than samples", 7)]),
    seed=Rng(0),
)
example(
    "physml.unsupervised.kmeans",
    X=M(_UX),
    k=Size(2, extra=[Bad("more than samples", 7)]),
    init=Any("k-means++", extra=[Bad("unknown", "random"), Bad("other shape", np.zeros((3, 2)))]),
    max_iter=Size(50),
    seed=Rng(0),
)
record(
    "physml.unsupervised.MixtureResult",
    weights=_UW,
    means=_UMU,
    covariances=_UCOV,
    resp=np.ones((6, 2)) / 2,
    history=np.ones(2),
    n_iter=1,
)
example(
    "physml.unsupervised.em_step",
    X=M(_UX, extra=[Bad("other width", _UX[:, :1])]),
    weights=_weights_kind,
    means=_means_kind,
    covariances=_cov_kind,
    reg_covar=NonNeg(0.0),
)
example(
    "physml.unsupervised.mixture_log_likelihood",
    X=M(_UX, extra=[Bad("other width", _UX[:, :1])]),
    weights=_weights_kind,
    means=_means_kind,
    covariances=_cov_kind,
)
example(
    "physml.unsupervised.gaussian_mixture",
    X=M(_UX),
    k=Size(2, extra=[Bad("more than samples", 7)]),
    max_iter=Size(200),
    tol=NonNeg(1e-8),
    reg_covar=NonNeg(1e-6),
    seed=Rng(0),
)
example(
    "physml.unsupervised.distance_preservation",
    same_rows=[("X", "Z")],
    X=M(_UX),
    Z=M(_UX[:, :1]),
)
example("physml.unsupervised.gauge_fix", spins=_uns_spins)
record(
    "physml.unsupervised.ConfusionResult",
    trial_temperatures=np.ones(2),
    accuracy=np.ones(2),
    train_accuracy=np.ones(2),
    weights=np.ones((2, 2)),
)
example(
    "physml.unsupervised.confusion",
    same_rows=[("X", "temperatures")],
    X=M(_UX),
    temperatures=V(_UT, extra=[Bad("one temperature", np.ones(6))]),
    trial_temperatures=V(np.array([1.5, 2.5])),
    hidden=Int(0, minimum=0),
    epochs=Size(5),
    lr=Rate(0.05, maximum=10.0),
    weight_decay=NonNeg(1e-3),
    test_fraction=Fraction(0.5),
    seed=Rng(0),
    device=Device("cpu"),
)
example(
    "physml.unsupervised.confusion_peak",
    same_rows=[("trial_temperatures", "accuracy")],
    trial_temperatures=V(
        np.array([1.0, 2.0, 3.0, 4.0, 5.0]),
        extra=[Bad("not increasing", np.array([1.0, 3.0, 2.0, 4.0, 5.0]))],
    ),
    accuracy=V(np.array([1.0, 0.7, 0.9, 0.6, 1.0]), extra=[Bad("too few", np.array([1.0, 0.5]))]),
)

# ----------------------------------------------------------------------------- physml.interpret


def _interp_model():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Flatten(), torch.nn.Linear(4, 3), torch.nn.Tanh(), torch.nn.Linear(3, 2)
    )


_interp_model_kind = Obj(Lazy(_interp_model), wrong=[Lazy(lambda: lambda x: x)])
_IX = np.array([[[1.0, -1.0], [1.0, 1.0]], [[-1.0, 1.0], [1.0, -1.0]]])
example(
    "physml.interpret.path_quadrature",
    n_steps=Int(8, minimum=2),
    method=Choice("gausslegendre"),
)
example(
    "physml.interpret.saliency",
    model=_interp_model_kind,
    x=Arr(_IX, extra=[Bad("one number", np.ones(1))]),
    target=Int(1, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.interpret.integrated_gradients",
    model=_interp_model_kind,
    x=Arr(_IX, extra=[Bad("one number", np.ones(1))]),
    baseline=Arr(np.zeros_like(_IX), optional=True, extra=[Bad("other shape", np.zeros((3, 3)))]),
    target=Int(1, minimum=0),
    n_steps=Int(8, minimum=2),
    method=Choice("gausslegendre"),
    return_delta=Flag(False),
    device=Device("cpu"),
)
example("physml.interpret.local_energy", spins=Arr(_SPINS, ndim=(2, 3), extra=_not_spins))
# ----------------------------------------------------------------------------- physml.autoencoder


def _ae_mod():
    from physml import autoencoder

    return autoencoder


def _ae():
    import torch

    torch.manual_seed(0)
    return _ae_mod().linear_autoencoder(3, 2)


_ae_kind = Obj(Lazy(_ae), wrong=[Lazy(_linear_model), Lazy(lambda: _tt_model())])
_aeX = M(_PX, extra=[Bad("other width", _PX[:, :2])])
_module_kind = Obj(Lazy(lambda: __import__("torch").nn.Linear(3, 2)), wrong=[Lazy(_linear_model)])
example("physml.autoencoder.Autoencoder", encoder=_module_kind, decoder=_module_kind)
instance("physml.autoencoder.Autoencoder", _ae)
example(
    "physml.autoencoder.Autoencoder.forward",
    x=T(Lazy(lambda: _t(_PX)), wrong=[_PX, Lazy(lambda: _t(_PX[:, :2]))], **_net_t),
)
example(
    "physml.autoencoder.linear_autoencoder", n_in=Size(3), n_latent=Size(2, extra=[Bad("wider than n_in", 4)])
)
example(
    "physml.autoencoder.mlp_autoencoder",
    n_in=Size(3),
    hidden=Each([Size(4)], empty_ok=True),
    n_latent=Size(2),
    activation=Choice("relu"),
    output=Choice("sigmoid"),
)
example("physml.autoencoder.n_parameters", model=Obj(Lazy(_ae), wrong=[Lazy(_linear_model)]))
for _name in ("encode", "reconstruct", "reconstruction_errors"):
    example(f"physml.autoencoder.{_name}", model=_ae_kind, X=_aeX, device=Device("cpu"))
example(
    "physml.autoencoder.reconstruction_loss",
    model=_ae_kind,
    X=_aeX,
    X_target=M(_PX, optional=True, extra=[Bad("other shape", _PX[:3])]),
    device=Device("cpu"),
)
example(
    "physml.autoencoder.train_autoencoder",
    model=_ae_kind,
    X=_aeX,
    epochs=Size(1),
    batch_size=Size(3),
    lr=Rate(1e-3),
    noise_std=NonNeg(0.1),
    X_val=M(_PX, optional=True, extra=[Bad("other width", _PX[:, :2])]),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)

# ----------------------------------------------------------------------------- physml.bayes

_BX = np.column_stack([np.ones(6), np.linspace(0.0, 1.0, 6)])
_BY = np.array([0.1, 0.3, 0.4, 0.8, 0.9, 1.2])


def _bayes():
    from physml import bayes

    return bayes


def _beta_dist():
    import scipy.stats

    return scipy.stats.beta(2.0, 3.0)


def _posterior():
    return _bayes().linear_posterior(_BX, _BY, 0.1, 1.0)


def _gauss_logp(x):
    return -0.5 * np.sum(np.asarray(x) ** 2, axis=1)


def _nan_logp(x):
    return np.full(np.asarray(x).shape[0], np.nan)


def _scalar_logp(x):
    return 0.0


_CHAINS = np.random.default_rng(7).normal(size=(40, 3))

example(
    "physml.bayes.beta_binomial_posterior",
    k=Int(3, minimum=0, extra=[Bad("more than n", 11)]),
    n=Int(10, minimum=0),
    a=Rate(1.0),
    b=Rate(1.0),
)
example("physml.bayes.normal_normal_posterior", x=V(_BY), sigma=Rate(0.5), mu0=Real(0.0), tau0=Rate(1.0))
example(
    "physml.bayes.credible_interval",
    dist=Obj(Lazy(_beta_dist), wrong=[Lazy(_linear_model)]),
    level=Fraction(0.95),
)
example("physml.bayes.ridge_lambda", sigma=Rate(0.5), tau=Rate(1.0), n=Size(10))
record("physml.bayes.LinearPosterior", mean=np.zeros(2), cov=np.eye(2), log_evidence=0.0, sigma=0.1, tau=1.0)
instance("physml.bayes.LinearPosterior", _posterior)
example("physml.bayes.LinearPosterior.predict", X_star=M(_BX, extra=[Bad("other width", _BX[:, :1])]))
example(
    "physml.bayes.linear_posterior",
    same_rows=[("X", "y")],
    X=M(_BX),
    y=V(_BY),
    sigma=Rate(0.1),
    tau=Rate(1.0),
)
example("physml.bayes.model_weights", log_evidences=V([-3.0, -1.0, -2.0]))
example(
    "physml.bayes.bma_predict",
    means=M(np.zeros((2, 3)), extra=[Bad("other shape", np.zeros((2, 2)))]),
    stds=M(np.ones((2, 3)), extra=[Bad("other shape", np.ones((3, 3))), Bad("negative", -np.ones((2, 3)))]),
    weights=V(
        [0.4, 0.6],
        extra=[
            Bad("not summing to 1", np.array([0.5, 0.6])),
            Bad("negative", np.array([-0.5, 1.5])),
            short([0.4, 0.6]),
        ],
    ),
)
record("physml.bayes.MHResult", samples=np.zeros((3, 2, 1)), acceptance=0.5)
example(
    "physml.bayes.metropolis_hastings",
    log_prob=Fn(_gauss_logp, extra=[Bad("NaN", _nan_logp), Bad("a scalar", _scalar_logp)]),
    x0=M(np.zeros((2, 2))),
    n_steps=Size(5),
    proposal_cov=M(
        0.1 * np.eye(2), extra=[Bad("other shape", np.eye(3)), Bad("not positive definite", -np.eye(2))]
    ),
    seed=Rng(0),
    burn_in=Int(2, minimum=0),
)
example(
    "physml.bayes.gelman_rubin",
    chains=M(
        _CHAINS, extra=[Bad("one chain", _CHAINS[:, :1]), Bad("constant", np.ones((40, 3))), huge(_CHAINS)]
    ),
)
record("physml.bayes.ChainSummary", mean=0.0, error=0.1, std=1.0, std_error=0.1, rhat=1.0, ess=100.0)
example(
    "physml.bayes.summarise",
    chains=M(_CHAINS, extra=[Bad("one chain", _CHAINS[:, :1]), Bad("constant", np.ones((40, 3)))]),
)
example(
    "physml.bayes.gaussian_log_prob",
    mean=V(np.zeros(2)),
    cov=M(np.eye(2), extra=[Bad("other shape", np.eye(3)), Bad("not positive definite", -np.eye(2))]),
)


def _gauss_grad(x):
    return -np.asarray(x)


def _grid():
    return _bayes().grid_posterior(_gauss_logp, [np.linspace(-4, 4, 21), np.linspace(-4, 4, 21)])


_LABS_Y = np.array([1.0, 1.2, 0.9, 1.1])
_LABS_S = np.array([0.1, 0.2, 0.1, 0.15])
record("physml.bayes.GridPosterior", axes=(), points=np.zeros((1, 1)), weights=np.ones(1),
       mean=np.zeros(1), cov=np.eye(1), log_evidence=0.0)  # fmt: skip
instance("physml.bayes.GridPosterior", _grid)
example(
    "physml.bayes.GridPosterior.expect", f=Fn(lambda p: p[:, 0] ** 2, extra=[Bad("a scalar", _scalar_logp)])
)
example(
    "physml.bayes.grid_posterior",
    log_prob=Fn(_gauss_logp, extra=[Bad("NaN", _nan_logp), Bad("a scalar", _scalar_logp)]),
    axes=Any([np.linspace(-4, 4, 11)]),  # a list of 1D grids: checked by hand below
)
record("physml.bayes.LaplaceResult", mode=np.zeros(1), cov=np.eye(1), log_evidence=0.0)
example(
    "physml.bayes.laplace_approximation",
    log_prob=Fn(_gauss_logp, extra=[Bad("NaN", _nan_logp), Bad("a scalar", _scalar_logp)]),
    x0=V(np.array([0.5, -0.5])),
    step=Real(1e-4, minimum=0.0, maximum=1.0, include_min=False),
)
record("physml.bayes.HMCResult", samples=np.zeros((3, 2, 1)), acceptance=0.5, n_gradients=3)
example(
    "physml.bayes.hmc",
    log_prob=Fn(_gauss_logp, extra=[Bad("NaN", _nan_logp), Bad("a scalar", _scalar_logp)]),
    grad_log_prob=Fn(_gauss_grad, extra=[Bad("a scalar", _scalar_logp)]),
    x0=M(np.zeros((2, 2))),
    n_steps=Size(5),
    step_size=Real(0.3, minimum=0.0, maximum=1e6, include_min=False),
    n_leapfrog=Size(3),
    seed=Rng(0),
    mass=M(
        np.eye(2),
        optional=True,
        extra=[Bad("other shape", np.eye(3)), Bad("not positive definite", -np.eye(2))],
    ),
    burn_in=Int(2, minimum=0),
)
record("physml.bayes.HierarchicalPosterior", tau=np.zeros(3), p_tau=np.ones(3), mu_mean=0.0, mu_std=1.0,
       tau_mean=0.0, tau_std=1.0, theta_mean=np.zeros(3))  # fmt: skip
example(
    "physml.bayes.hierarchical_posterior",
    same_rows=[("y", "sigma")],
    y=V(_LABS_Y, extra=[Bad("two labs", _LABS_Y[:2])]),
    sigma=V(_LABS_S, extra=[Bad("negative", -_LABS_S)]),
    tau_grid=V(
        np.linspace(0.0, 2.0, 51),
        extra=[Bad("decreasing", np.linspace(2.0, 0.0, 51)), Bad("negative", np.linspace(-1.0, 1.0, 51))],
    ),
)
example(
    "physml.bayes.hierarchical_gibbs",
    same_rows=[("y", "sigma")],
    y=V(_LABS_Y, extra=[Bad("two labs", _LABS_Y[:2])]),
    sigma=V(_LABS_S, extra=[Bad("negative", -_LABS_S)]),
    n_steps=Size(5),
    n_chains=Size(2),
    seed=Rng(0),
    burn_in=Int(2, minimum=0),
)
example(
    "physml.bayes.autocorr_ess",
    chains=M(
        _CHAINS, extra=[Bad("too short", _CHAINS[:3]), Bad("constant", np.ones((40, 3))), huge(_CHAINS)]
    ),
    split=Flag(True),
)

# ----------------------------------------------------------------------------- physml.gp

_GPX = np.linspace(0.0, 1.0, 6)[:, None]
_GPY = np.sin(3 * _GPX[:, 0])


def _gp_mod():
    from physml import gp

    return gp


def _kernel():
    return _gp_mod().RBF(0.5, 1.0)


def _fitted_gp():
    return _gp_mod().GaussianProcess(_kernel(), 1e-2).fit(_GPX, _GPY)


_kernel_kind = Obj(Lazy(_kernel), wrong=[Lazy(_linear_model)])
_gpX = Arr(_GPX, ndim=(1, 2))
_gpy = V(_GPY)
example("physml.gp.RBF", length_scale=Rate(0.5), variance=Rate(1.0))
example(
    "physml.gp.Matern",
    length_scale=Rate(0.5),
    variance=Rate(1.0),
    nu=Real(1.5, extra=[Bad("unsupported", 1.0)]),
)
instance("physml.gp.RBF", _kernel)
instance("physml.gp.Matern", lambda: _gp_mod().Matern(0.5, 1.0, 1.5))
example(
    "physml.gp.RBF.__call__",
    X1=_gpX,
    X2=Arr(_GPX[:3], ndim=(1, 2), optional=True, extra=[Bad("other features", np.zeros((3, 2)))]),
)
example("physml.gp.RBF.gradient", X=_gpX)
for _cls in ("RBF", "Matern"):
    example(
        f"physml.gp.{_cls}.with_log_params",
        log_params=V([0.0, -0.5], extra=[short([0.0, -0.5]), Bad("overflowing", np.array([0.0, 800.0]))]),
    )
example(
    "physml.gp.cholesky",
    K=M(
        np.eye(3) + 0.1, extra=[Bad("not square", np.ones((2, 3))), Bad("not positive definite", -np.eye(3))]
    ),
    name=Str("K"),
)
example(
    "physml.gp.log_marginal_likelihood",
    same_rows=[("X", "y")],
    kernel=_kernel_kind,
    noise=NonNeg(1e-2),
    X=_gpX,
    y=_gpy,
    gradient=Flag(True),
)
example("physml.gp.GaussianProcess", kernel=_kernel_kind, noise=NonNeg(1e-2))
instance("physml.gp.GaussianProcess", _fitted_gp)
example("physml.gp.GaussianProcess.fit", same_rows=[("X", "y")], X=_gpX, y=_gpy)
_gpXs = Arr(_GPX[:4] + 0.05, ndim=(1, 2), extra=[Bad("other features", np.zeros((3, 2)))])
example("physml.gp.GaussianProcess.predict", X_star=_gpXs, return_cov=Flag(True))
example(
    "physml.gp.GaussianProcess.sample_posterior",
    X_star=_gpXs,
    n_samples=Size(2),
    seed=Rng(0),
    jitter=NonNeg(1e-10),
)
example(
    "physml.gp.sample_prior",
    kernel=_kernel_kind,
    X=_gpX,
    n_samples=Size(2),
    seed=Rng(0),
    jitter=NonNeg(1e-10),
)
record(
    "physml.gp.HyperparameterFit",
    gp=None,
    log_marginal_likelihood=0.0,
    history=np.zeros(2),
    starts=np.zeros(1),
    optima=np.zeros((1, 3)),
)
example(
    "physml.gp.fit_hyperparameters",
    same_rows=[("X", "y")],
    kernel=_kernel_kind,
    X=_gpX,
    y=_gpy,
    noise=NonNeg(1e-2, optional=True),
    n_starts=Size(2),
    seed=Rng(0),
    log_bounds=M(
        [[-3.0, 3.0], [-3.0, 3.0], [-12.0, 0.0]],
        extra=[
            Bad("two rows", np.array([[-3.0, 3.0], [-3.0, 3.0]])),
            Bad("lower above upper", np.array([[3.0, -3.0], [-3.0, 3.0], [-12.0, 0.0]])),
        ],
    ),
)
_ARDX = np.column_stack([np.linspace(0.0, 1.0, 6), np.cos(np.linspace(0.0, 3.0, 6))])


def _ard_kernel():
    return _gp_mod().ARDRBF((0.5, 1.0), 1.0)


example(
    "physml.gp.ARDRBF",
    length_scale=Arr(
        (0.5, 1.0),
        extra=[Bad("negative", (-0.5, 1.0)), Bad("empty", ()), Bad("string", "0.5")],
    ),
    variance=Rate(1.0),
)
instance("physml.gp.ARDRBF", _ard_kernel)
_ardX = Arr(_ARDX, ndim=2, extra=[Bad("other features", np.zeros((3, 3)))])
example(
    "physml.gp.ARDRBF.__call__",
    X1=_ardX,
    X2=Arr(_ARDX[:3], ndim=2, optional=True, extra=[Bad("other features", np.zeros((3, 1)))]),
)
example("physml.gp.ARDRBF.gradient", X=_ardX)
example(
    "physml.gp.ARDRBF.with_log_params",
    log_params=V(
        [0.0, -0.5, 0.2], extra=[short([0.0, -0.5, 0.2]), Bad("overflowing", np.array([0.0, 800.0, 0.0]))]
    ),
)
example(
    "physml.gp.expected_improvement",
    same_rows=[("mean", "std")],
    mean=V([0.1, -0.3, 0.5]),
    std=V([0.2, 0.0, 1.0], extra=[Bad("negative", np.array([0.2, -0.1, 1.0]))]),
    best=Real(0.0),
    xi=NonNeg(0.01),
)
record(
    "physml.gp.BayesOptResult",
    X=np.zeros((2, 1)),
    y=np.zeros(2),
    best_so_far=np.zeros(2),
    x_best=np.zeros(1),
    y_best=0.0,
    n_init=2,
)


def _bo_quadratic(x):
    return float((x[0] - 0.3) ** 2)


def _bo_nan(x):
    return float("nan")


example(
    "physml.gp.bayes_opt",
    f=Fn(_bo_quadratic, extra=[Bad("returns NaN", _bo_nan, _NAN_ERRORS)]),
    bounds=M(
        [[-1.0, 1.0]],
        extra=[Bad("one column", np.array([[0.0]])), Bad("lower above upper", np.array([[1.0, -1.0]]))],
    ),
    n_init=Int(3, minimum=2),
    n_iter=Int(1, minimum=0),
    seed=Rng(0),
    xi=NonNeg(0.01),
    n_candidates=Size(50),
    n_starts=Size(1),
)
_GPC_X = np.linspace(-1.0, 1.0, 8)[:, None]
_GPC_Y = (_GPC_X[:, 0] > 0).astype(float)


def _fitted_gpc():
    return _gp_mod().LaplaceGPClassifier(_kernel()).fit(_GPC_X, _GPC_Y)


example("physml.gp.LaplaceGPClassifier", kernel=_kernel_kind, max_iter=Size(100), tol=Rate(1e-12))
instance("physml.gp.LaplaceGPClassifier", _fitted_gpc)
example(
    "physml.gp.LaplaceGPClassifier.fit",
    same_rows=[("X", "y")],
    X=Arr(_GPC_X, ndim=(1, 2)),
    y=V(_GPC_Y, extra=[Bad("not labels", np.linspace(0.0, 2.0, 8))]),
)
_gpcXs = Arr(_GPC_X[:3] + 0.05, ndim=(1, 2), extra=[Bad("other features", np.zeros((3, 2)))])
example("physml.gp.LaplaceGPClassifier.latent", X_star=_gpcXs)
example("physml.gp.LaplaceGPClassifier.predict_proba", X_star=_gpcXs)

# ----------------------------------------------------------------------------- physml.rnn


def _rnn_mod():
    from physml import rnn

    return rnn


_RSEQ = np.random.default_rng(11).normal(size=(3, 4, 2))  # (batch, time, features)
_RSERIES = np.random.default_rng(12).normal(size=(2, 7, 2))


def _forecaster():
    import torch

    torch.manual_seed(0)
    return _rnn_mod().SequenceForecaster(2, 4)


def _window_mlp():
    import torch

    torch.manual_seed(0)
    return _rnn_mod().WindowMLP(2, 4, 5)


def _vanilla():
    return _rnn_mod().VanillaRNN(2, 3, seed=0)


def _lorenz_nan(t, y):
    return np.full(np.shape(y), np.nan)


_seq_wrong = [Lazy(lambda: _t(_RSEQ[:, :, :1])), Lazy(lambda: _t(_RSEQ[0])), Lazy(lambda: _t(_RSEQ[:, :0]))]
_seq_kind = T(Lazy(lambda: _t(_RSEQ)), wrong=_seq_wrong, **_net_t)
# VanillaRNN converts its input to its float64 weights: the precision does not matter
_vanilla_seq = T(Lazy(lambda: _t(_RSEQ)), wrong=_seq_wrong, width=True)
_rhs_kind = Fn(
    Lazy(lambda: _rnn_mod().lorenz_rhs),
    extra=[Bad("NaN", _lorenz_nan, (ValueError, TypeError, FloatingPointError))],
)
_Y3 = np.array([1.0, 2.0, 20.0])
_Y3x2 = np.array([[1.0, 2.0, 20.0], [-3.0, 2.0, 25.0]])
example(
    "physml.rnn.lorenz_rhs",
    t=Real(0.0),
    y=Arr(_Y3x2, extra=[Bad("two components", _Y3x2[:, :2])]),
    sigma=Real(10.0),
    rho=Real(28.0),
    beta=Real(8.0 / 3.0),
)
example(
    "physml.rnn.damped_driven_oscillator_rhs",
    t=Real(0.5),
    y=Arr(np.ones((3, 2)), extra=[Bad("three components", np.ones((3, 3)))]),
    omega0=Real(1.0),
    gamma=Real(0.1),
    force=Real(1.0),
    omega_d=Real(0.8),
)
example(
    "physml.rnn.rk4_step",
    rhs=_rhs_kind,
    t=Real(0.0),
    y=Arr(_Y3, extra=[Bad("two components", _Y3[:2])]),
    dt=Rate(0.01),
)
example(
    "physml.rnn.integrate",
    rhs=_rhs_kind,
    y0=Arr(_Y3, extra=[Bad("two components", _Y3[:2])]),
    dt=Rate(0.01),
    n_steps=Size(5),
    t0=Real(0.0),
)
example(
    "physml.rnn.make_windows",
    series=Arr(_RSERIES, ndim=(2, 3), extra=[Bad("too short", _RSERIES[:, :3])]),
    window=Size(3),
)
example(
    "physml.rnn.VanillaRNN",
    n_in=Size(2),
    n_hidden=Size(3),
    scale=NonNeg(1.0),
    activation=Choice("identity"),
    seed=Int(0, minimum=0),
)
instance("physml.rnn.VanillaRNN", _vanilla)
example("physml.rnn.VanillaRNN.forward", x=_vanilla_seq)
example(
    "physml.rnn.hidden_jacobians",
    rnn=Obj(Lazy(_vanilla), wrong=[Lazy(_forecaster)]),
    x=M(_RSEQ[0], extra=[Bad("other features", _RSEQ[0, :, :1])]),
)
example(
    "physml.rnn.SequenceForecaster",
    n_in=Size(2),
    n_hidden=Size(4),
    n_out=Size(2, optional=True, extra=[Bad("above n_in", 3)]),
    cell=Choice("gru"),
    n_layers=Size(1),
)
instance("physml.rnn.SequenceForecaster", _forecaster)
example("physml.rnn.SequenceForecaster.forward", x=_seq_kind)
example(
    "physml.rnn.WindowMLP",
    n_in=Size(2),
    window=Size(4),
    n_hidden=Size(5),
    n_out=Size(2, optional=True, extra=[Bad("above n_in", 3)]),
)
instance("physml.rnn.WindowMLP", _window_mlp)
example(
    "physml.rnn.WindowMLP.forward",
    x=T(
        Lazy(lambda: _t(_RSEQ)),
        wrong=[Lazy(lambda: _t(_RSEQ[:, :3])), Lazy(lambda: _t(_RSEQ[:, :, :1]))],
        **_net_t,
    ),
)
_rnn_model = Obj(Lazy(_forecaster), wrong=[Lazy(_linear_model), Lazy(lambda: _tt_model())])
example(
    "physml.rnn.train_forecaster",
    same_rows=[("X", "Y")],
    model=_rnn_model,
    X=Arr(_RSEQ, ndim=3, extra=[Bad("other features", _RSEQ[:, :, :1])]),
    Y=M(_RSEQ[:, -1], extra=[Bad("other features", _RSEQ[:, -1, :1])]),
    epochs=Size(1),
    lr=Rate(3e-3),
    batch_size=Size(2),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
_RSEQ3 = np.concatenate([_RSEQ, np.ones((3, 4, 1))], axis=2)  # two states and one drive
example(
    "physml.rnn.forecast",
    model=Obj(
        Lazy(lambda: _rnn_mod().SequenceForecaster(3, 4, n_out=2)),
        wrong=[Lazy(_linear_model), Lazy(lambda: _tt_model()), Lazy(_forecaster)],
    ),
    history=Arr(_RSEQ3, ndim=3, extra=[Bad("other features", _RSEQ3[:, :, :2])]),
    n_steps=Size(2),
    inputs=Arr(np.zeros((3, 2, 1)), ndim=3, optional=True, extra=[Bad("other shape", np.zeros((3, 1, 1)))]),
    device=Device("cpu"),
)
example(
    "physml.rnn.persistence_forecast",
    history=Arr(_RSEQ, ndim=3),
    n_steps=Size(2),
    n_out=Size(2, optional=True, extra=[Bad("above the features", 3)]),
)
example(
    "physml.rnn.horizon_error",
    predicted=Arr(_RSEQ, ndim=3),
    true=Arr(_RSEQ + 0.1, ndim=3, extra=[Bad("other shape", _RSEQ[:2])]),
)
example(
    "physml.rnn.lyapunov_exponent",
    rhs=_rhs_kind,
    y0=M(_Y3x2, extra=[Bad("two components", _Y3x2[:, :2])]),
    dt=Rate(0.01),
    n_steps=Size(20),
    renorm_every=Size(5, extra=[Bad("above n_steps", 21)]),
    d0=Rate(1e-8),
    seed=Int(0, minimum=0),
)
example(
    "physml.rnn.valid_time",
    predicted=Arr(_RSEQ, ndim=3),
    true=Arr(_RSEQ + 0.1, ndim=3, extra=[Bad("other shape", _RSEQ[:2])]),
    threshold=Rate(0.3),
)
example(
    "physml.rnn.dmd_eigenvalues",
    series=Arr(_RSERIES, ndim=(2, 3), extra=[Bad("one state", _RSERIES[:, :1])]),
)


def _linear_forecaster():
    return _rnn_mod().LinearForecaster().fit(_RSEQ, _RSEQ[:, -1, :1])


def _esn():
    return _rnn_mod().EchoStateNetwork(10, washout=2, seed=0).fit(_RSERIES)


example("physml.rnn.LinearForecaster", rank=Size(3, optional=True), rcond=Fraction(1e-10))
instance("physml.rnn.LinearForecaster", _linear_forecaster)
example(
    "physml.rnn.LinearForecaster.fit",
    same_rows=[("X", "Y")],
    X=Arr(_RSEQ, ndim=3),
    Y=M(_RSEQ[:, -1, :1], extra=[Bad("more columns than features", np.ones((3, 3)))]),
)
_rlin_X = Arr(_RSEQ, ndim=3, extra=[Bad("other window", _RSEQ[:, :3])])
example("physml.rnn.LinearForecaster.predict", X=_rlin_X)
example(
    "physml.rnn.LinearForecaster.forecast",
    history=_rlin_X,
    n_steps=Size(2),
    inputs=Arr(np.zeros((3, 2, 1)), ndim=3, extra=[Bad("other shape", np.zeros((3, 1, 1)))]),
)
example(
    "physml.rnn.EchoStateNetwork",
    n_reservoir=Size(10),
    spectral_radius=NonNeg(0.4),
    input_scale=NonNeg(0.5),
    ridge=NonNeg(1e-6),
    washout=Int(2, minimum=0),
    seed=Rng(0),
)
instance("physml.rnn.EchoStateNetwork", _esn)
example(
    "physml.rnn.EchoStateNetwork.fit",
    series=Arr(_RSERIES, ndim=3, extra=[Bad("too short", _RSERIES[:, :3])]),
)
_resn_series = Arr(_RSERIES, ndim=3, extra=[Bad("other features", _RSERIES[:, :, :1])])
example("physml.rnn.EchoStateNetwork.predict", series=_resn_series)
example("physml.rnn.EchoStateNetwork.forecast", history=_resn_series, n_steps=Size(2))
example(
    "physml.rnn.train_rollout",
    model=_rnn_model,
    series=Arr(
        _RSERIES,
        ndim=3,
        extra=[Bad("too short", _RSERIES[:, :4]), Bad("other features", _RSERIES[:, :, :1])],
    ),
    window=Size(3),
    n_rollout=Size(2),
    steps=Size(1),
    lr=Rate(1e-3),
    batch_size=Size(2),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    clip=Rate(1.0),
)

# ----------------------------------------------------------------------------- physml.autoregressive


def _ar():
    from physml import autoregressive

    return autoregressive


_ABITS = (np.random.default_rng(13).random((6, 4)) < 0.5).astype(float)
_AMASK = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]])


def _made():
    import torch

    torch.manual_seed(0)
    return _ar().MADE(4, (5,))


_bits = M(_ABITS, extra=[Bad("not binary", _ABITS + 0.5), Bad("other width", _ABITS[:, :3])])
_made_kind = Obj(Lazy(_made), wrong=[Lazy(_linear_model), Lazy(lambda: _tt_model())])
_ordering = Arr(
    [2, 0, 3, 1],
    ndim=1,
    optional=True,
    extra=[
        Bad("not a permutation", [0, 0, 1, 2]),
        Bad("fractional", [0.5, 1.0, 2.0, 3.0]),
        Bad("too short", [0, 1]),
    ],
)
example(
    "physml.autoregressive.check_binary",
    x=M(_ABITS, extra=[Bad("not binary", _ABITS + 0.5), Bad("other width", _ABITS[:, :3])]),
    name=Str("x"),
    n_inputs=Size(4, optional=True),
)
example(
    "physml.autoregressive.spins_to_bits",
    spins=Arr(np.ones((2, 3, 3)), ndim=(2, 3), extra=[Bad("not +-1", np.zeros((2, 3, 3)))]),
)
example(
    "physml.autoregressive.bits_to_spins",
    bits=M(
        np.ones((2, 9)), extra=[Bad("other width", np.ones((2, 8))), Bad("not binary", np.full((2, 9), 0.5))]
    ),
    L=Size(3, extra=[Bad("other width", 2)]),
)
for _name in ("made_degrees", "made_masks"):
    example(
        f"physml.autoregressive.{_name}",
        n_inputs=Int(4, minimum=2),
        hidden_sizes=Each([Size(5), Size(3)], empty_ok=True),
        ordering=_ordering,
    )
example(
    "physml.autoregressive.MaskedLinear",
    mask=M(_AMASK, extra=[Bad("not binary", _AMASK + 0.5)]),
)
instance("physml.autoregressive.MaskedLinear", lambda: _ar().MaskedLinear(_AMASK))
example(
    "physml.autoregressive.MaskedLinear.forward",
    h=T(Lazy(lambda: _t(_ABITS)), wrong=[_ABITS, Lazy(lambda: _t(_ABITS[:, :3]))], **_net_t),
)
example(
    "physml.autoregressive.MADE",
    n_inputs=Int(4, minimum=2),
    hidden_sizes=Each([Size(5)], empty_ok=True),
    ordering=_ordering,
)
instance("physml.autoregressive.MADE", _made)
example(
    "physml.autoregressive.MADE.forward",
    x=T(Lazy(lambda: _t(_ABITS)), wrong=[_ABITS, Lazy(lambda: _t(_ABITS[:, :3]))], **_net_t),
)
example("physml.autoregressive.MADE.log_prob", x=_bits)
example("physml.autoregressive.MADE.sample", n=Size(3), seed=Int(0, minimum=0))
example(
    "physml.autoregressive.n_made_parameters",
    n_inputs=Int(4, minimum=2),
    hidden_sizes=Each([Size(5)], empty_ok=True),
)
example(
    "physml.autoregressive.n_connections",
    masks=Each([M(_AMASK, extra=[Bad("not binary", _AMASK + 0.5)]), M(_AMASK.T)]),
)
example(
    "physml.autoregressive.fit_made",
    model=_made_kind,
    train=_bits,
    val=M(
        _ABITS[:3],
        optional=True,
        extra=[Bad("not binary", _ABITS[:3] + 0.5), Bad("other width", _ABITS[:3, :3])],
    ),
    epochs=Size(1),
    lr=Rate(3e-3),
    batch_size=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)
example(
    "physml.autoregressive.fit_independent",
    x=M(_ABITS, extra=[Bad("not binary", _ABITS + 0.5)]),
    alpha=NonNeg(1.0),
)
_q = V(
    [0.2, 0.5, 0.7, 0.4],
    extra=[Bad("zero", np.array([0.0, 0.5, 0.7, 0.4])), Bad("above one", np.array([1.2, 0.5, 0.7, 0.4]))],
)
example("physml.autoregressive.independent_log_prob", q=_q, x=_bits)
example(
    "physml.autoregressive.sample_independent",
    q=V(
        [0.0, 0.5, 1.0, 0.4],
        extra=[
            Bad("negative", np.array([-0.1, 0.5, 0.7, 0.4])),
            Bad("above one", np.array([1.2, 0.5, 0.7, 0.4])),
        ],
    ),
    n=Size(3),
    seed=Int(0, minimum=0),
)

# ----------------------------------------------------------------------------- physml.ising_benchmark


def _ib():
    from physml import ising_benchmark

    return ising_benchmark


def _van(z2=True):
    import torch

    torch.manual_seed(0)
    return _ib().VAN(4, (5,), z2=z2)


_IB_L = Int(2, minimum=2, extra=[Bad("too large to enumerate", 5)])
_IB_T = Real(2.27, minimum=0.0, include_min=False)
_IB_SPINS = np.array([[[1, -1], [1, 1]], [[-1, -1], [1, -1]], [[1, 1], [1, 1]], [[-1, 1], [1, -1]]])
_IB_LOGP = np.log(np.full(16, 1.0 / 16))
_van_kind = Obj(Lazy(_van), wrong=[Lazy(_made), Lazy(lambda: _ib().VAN(9, (5,)))])
_ib_bits = M(_ABITS, extra=[Bad("not binary", _ABITS + 0.5), Bad("other width", _ABITS[:, :3])])

example("physml.ising_benchmark.boltzmann_log_probs", L=_IB_L, T=_IB_T)
example("physml.ising_benchmark.exact_samples", n=Size(3), L=_IB_L, T=_IB_T, seed=Rng(0))
example("physml.ising_benchmark.exact_reference", L=_IB_L, T=_IB_T)
example("physml.ising_benchmark.ExactReference", L=_IB_L, T=_IB_T)
example("physml.ising_benchmark.kaufman_log_partition", L=Int(3, minimum=2), T=_IB_T)
example(
    "physml.ising_benchmark.kaufman_thermodynamics",
    L=Int(3, minimum=2),
    T=_IB_T,
    h=Real(1e-4, minimum=0.0, maximum=0.01, include_min=False),
)
example(
    "physml.ising_benchmark.observables",
    spins=Arr(
        _IB_SPINS, ndim=3, extra=[Bad("not +-1", np.zeros((4, 2, 2))), Bad("one sample", _IB_SPINS[:1])]
    ),
    T=_IB_T,
    n_blocks=Int(2, minimum=2, extra=[Bad("more blocks than samples", 5)]),
)
example(
    "physml.ising_benchmark.exact_kl",
    log_p=V(_IB_LOGP, extra=[Bad("not normalised", _IB_LOGP + 1.0)]),
    log_q=V(_IB_LOGP - 0.0, extra=[short(_IB_LOGP)]),
)
example(
    "physml.ising_benchmark.model_observables",
    log_q=V(_IB_LOGP, extra=[Bad("not normalised", _IB_LOGP + 1.0), short(_IB_LOGP)]),
    L=Int(2, minimum=2, extra=[Bad("other lattice", 3)]),
    T=_IB_T,
)
example(
    "physml.ising_benchmark.spins_from_signs",
    x=M(np.array([[0.3, -1.2, 0.0, 2.0]]), extra=[Bad("other width", np.ones((1, 3)))]),
    L=Int(2, minimum=1, extra=[Bad("other width", 3)]),
)
_ib_rbm = Obj(Lazy(_binary_rbm), wrong=[Lazy(_made)])
example("physml.ising_benchmark.fit_rbm_exact", rbm=_ib_rbm, x=_ib_bits, steps=Size(2), lr=Rate(0.05))
example("physml.ising_benchmark.rbm_log_prob", rbm=_ib_rbm, x=_ib_bits)
example("physml.ising_benchmark.rbm_sample", rbm=_ib_rbm, n=Size(3), n_steps=Size(2), seed=Rng(0))
example(
    "physml.ising_benchmark.iwae_log_likelihood",
    model=Obj(Lazy(_vae), wrong=[Lazy(lambda: _vae("gaussian")), Lazy(_made)]),
    x=_ib_bits,
    n_importance=Size(3),
    seed=Int(0, minimum=0),
)
example(
    "physml.ising_benchmark.VAN",
    n_spins=Int(4, minimum=2),
    hidden_sizes=Each([Size(5)], empty_ok=True),
    z2=Flag(True),
)
instance("physml.ising_benchmark.VAN", _van)
example(
    "physml.ising_benchmark.VAN.forward",
    x=T(Lazy(lambda: _t(_ABITS)), wrong=[_ABITS, Lazy(lambda: _t(_ABITS[:, :3]))], **_net_t),
)
example("physml.ising_benchmark.VAN.log_prob", x=_ib_bits)
example("physml.ising_benchmark.VAN.sample", n=Size(3), seed=Int(0, minimum=0))
example(
    "physml.ising_benchmark.train_van",
    model=_van_kind,
    L=Int(2, minimum=2, extra=[Bad("other lattice", 3)]),
    T=_IB_T,
    steps=Size(2),
    batch_size=Int(4, minimum=2),
    lr=Rate(1e-2),
    beta_anneal=Decay(0.9),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)
example(
    "physml.ising_benchmark.variational_free_energy",
    model=_van_kind,
    L=Int(2, minimum=2, extra=[Bad("other lattice", 3)]),
    T=_IB_T,
    n=Int(8, minimum=2),
    seed=Int(0, minimum=0),
)
example(
    "physml.ising_benchmark.exact_variational_free_energy",
    model=_van_kind,
    L=Int(2, minimum=2, extra=[Bad("other lattice", 3)]),
    T=_IB_T,
)

# ----------------------------------------------------------------------------- physml.gan


def _gan():
    from physml import gan

    return gan


def _gen_net():
    import torch

    torch.manual_seed(0)
    return _gan().generator_net(2, 2, hidden=(4,))


def _disc_net():
    import torch

    torch.manual_seed(1)
    return _gan().discriminator_net(2, hidden=(4,))


_GANX = np.random.default_rng(14).normal(size=(8, 2))
_logits = T(
    Lazy(lambda: _t(np.zeros((4, 1)))),
    wrong=[np.zeros((4, 1))],
    finite=True,
    extra=[Bad("empty batch", Lazy(lambda: _t(np.zeros((0, 1)))))],
)
example(
    "physml.gan.generator_net",
    n_latent=Size(2),
    n_out=Size(2),
    hidden=Each([Size(4)], empty_ok=True),
    output=Choice("tanh"),
    activation=Choice("leaky_relu"),
)
example(
    "physml.gan.discriminator_net",
    n_in=Size(2),
    hidden=Each([Size(4)], empty_ok=True),
    activation=Choice("relu"),
    dropout=Real(0.1, minimum=0.0, maximum=1.0, include_max=False),
)
example("physml.gan.discriminator_loss", logit_real=_logits, logit_fake=_logits)
example("physml.gan.generator_loss", logit_fake=_logits, kind=Choice("minimax"))
example(
    "physml.gan.GANConfig",
    steps=Size(2),
    batch_size=Size(4),
    lr_g=Rate(1e-3),
    lr_d=Rate(1e-3),
    betas=Each([Decay(0.5), Decay(0.999)], extra=[Bad("three entries", (0.5, 0.9, 0.99))]),
    d_steps=Size(1),
    g_steps=Size(1),
    loss=Choice("minimax"),
    record_every=Size(1),
    gp_weight=NonNeg(10.0),
    ema=Real(0.9, minimum=0.0, maximum=1.0, include_max=False),
    fused=Flag(False),
)
_gan_cfg = Obj(Lazy(lambda: _gan().GANConfig(steps=2, batch_size=4, record_every=1)), wrong=[{"steps": 2}])
example(
    "physml.gan.train_gan",
    generator=Obj(
        Lazy(_gen_net),
        wrong=[
            Lazy(_linear_model),
            Lazy(lambda: _gan().generator_net(3, 2, hidden=(4,))),
            Lazy(lambda: _gan().generator_net(2, 3, hidden=(4,))),
        ],
    ),
    discriminator=Obj(
        Lazy(_disc_net),
        wrong=[
            Lazy(_linear_model),
            Lazy(lambda: _gan().discriminator_net(3, hidden=(4,))),
            Lazy(lambda: _gan().generator_net(2, 2, hidden=(4,))),
        ],
    ),
    X=M(_GANX, extra=[Bad("one sample", _GANX[:1]), Bad("other width", _GANX[:, :1])]),
    n_latent=Size(2, extra=[Bad("other than the generator's", 3)]),
    config=_gan_cfg,
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
    # the classes of a conditional GAN: a valid value needs conditional networks, so their checks
    # (length, integers, networks that take the one-hot classes) are in tests/unit/test_gan.py
    labels=Any(None),
)
example(
    "physml.gan.sample",
    generator=Obj(
        Lazy(_gen_net), wrong=[Lazy(_linear_model), Lazy(lambda: _gan().generator_net(3, 2, hidden=(4,)))]
    ),
    n=Size(3),
    n_latent=Size(2, extra=[Bad("other than the generator's", 3)]),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    labels=Any(None),  # as in train_gan: checked in tests/unit/test_gan.py with a conditional generator
    n_classes=Int(10, minimum=2),
)
example("physml.gan.ring_centres", n_modes=Size(8), radius=Rate(2.0))
example(
    "physml.gan.ring_of_gaussians",
    n=Size(5),
    n_modes=Size(8),
    radius=Rate(2.0),
    sigma=Rate(0.05),
    seed=Rng(0),
)
record("physml.gan.ModeCoverage", n_covered=1, counts=np.ones(1), high_quality=1.0, high_quality_error=0.0)
_ring_c = np.array([[2.0, 0.0], [0.0, 2.0], [-2.0, 0.0], [0.0, -2.0]])
example(
    "physml.gan.mode_coverage",
    samples=M(_GANX),
    centres=M(_ring_c, extra=[Bad("other width", _ring_c[:, :1])]),
    sigma=Rate(0.5),
    min_fraction=Real(0.02, minimum=0.0, maximum=1.0),
)
_pd = np.array([0.1, 0.4, 0.3, 0.2])
_pg = np.array([0.25, 0.25, 0.25, 0.25])
_dens_bad = [Bad("negative", np.array([-0.1, 0.6, 0.3, 0.2]))]
example(
    "physml.gan.optimal_discriminator",
    p_data=Arr(_pd, extra=_dens_bad),
    p_g=Arr(_pg, extra=[*_dens_bad, short(_pg)]),
)
example(
    "physml.gan.js_divergence",
    p=Arr(_pd, extra=[*_dens_bad, Bad("not normalised", _pd * 2)]),
    q=Arr(_pg, extra=[*_dens_bad, short(_pg)]),
)
example(
    "physml.gan.gaussian_grid",
    mu0=Real(0.0),
    s0=Rate(1.0),
    mu1=Real(1.0),
    s1=Rate(0.5),
    n_points=Int(201, minimum=101),
    width=Rate(12.0),
)
example("physml.gan.normal_pdf", x=Arr(_pd), mu=Real(0.0), s=Rate(1.0))
example(
    "physml.gan.js_divergence_gaussians",
    mu0=Real(0.0),
    s0=Rate(1.0),
    mu1=Real(1.0),
    s1=Rate(0.5),
    n_points=Int(201, minimum=101),
)
_f_batch = T(
    Lazy(lambda: _t(np.zeros((4, 1)))),
    wrong=[np.zeros((4, 1))],
    finite=True,
    extra=[Bad("empty batch", Lazy(lambda: _t(np.zeros((0, 1)))))],
)
example("physml.gan.critic_loss", f_real=_f_batch, f_fake=_f_batch)
_gp_batch = T(
    Lazy(lambda: _t(_GANX[:4])),
    wrong=[_GANX[:4]],
    finite=True,
    width=True,
    extra=[Bad("empty batch", Lazy(lambda: _t(np.zeros((0, 2)))))],
)
example(
    "physml.gan.gradient_penalty",
    critic=Obj(
        Lazy(_disc_net), wrong=[Lazy(_linear_model), Lazy(lambda: _gan().discriminator_net(3, hidden=(4,)))]
    ),
    real=_gp_batch,
    fake=_gp_batch,
    seed=Int(0, minimum=0),
)
_X1 = np.random.default_rng(15).normal(size=(8, 1))
_critic1 = Obj(
    Lazy(lambda: _gan().discriminator_net(1, hidden=(4,))),
    wrong=[Lazy(_linear_model), Lazy(lambda: _gan().discriminator_net(2, hidden=(4,)))],
)
example(
    "physml.gan.train_critic",
    critic=_critic1,
    X_real=M(_X1, extra=[Bad("one sample", _X1[:1])]),
    X_fake=M(_X1 + 1, extra=[Bad("other width", _GANX)]),
    steps=Size(2),
    batch_size=Size(4),
    lr=Rate(1e-3),
    gp_weight=NonNeg(10.0),
    clip=Rate(0.1, optional=True),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)
example(
    "physml.gan.critic_w1",
    critic=_critic1,
    X_real=M(_X1, extra=[Bad("one sample", _X1[:1])]),
    X_fake=M(_X1 + 1, extra=[Bad("other width", _GANX)]),
    device=Device("cpu"),
)
example(
    "physml.gan.wasserstein1_gaussians",
    mu0=Real(0.0),
    s0=Rate(1.0),
    mu1=Real(1.0),
    s1=Rate(0.5),
    n_points=Int(201, minimum=101),
)
example(
    "physml.gan.interpolate_density",
    x=Arr(_pd),
    mu0=Real(0.0),
    s0=Rate(1.0),
    mu1=Real(1.0),
    s1=Rate(0.5),
    n_t=Int(20, minimum=2),
)
example(
    "physml.gan.gp_critic_estimate",
    mu0=Real(0.0),
    s0=Rate(1.0),
    mu1=Real(1.0),
    s1=Rate(0.5),
    gp_weight=Rate(10.0),
)
example(
    "physml.gan.game_value",
    d=V([0.5, 0.5, 0.5, 0.5], extra=[Bad("above one", np.array([1.5, 0.5, 0.5, 0.5])), short(_pg)]),
    p_data=V(_pd, extra=_dens_bad),
    p_g=V(_pg, extra=_dens_bad),
    dx=Rate(0.1),
)

# ----------------------------------------------------------------------------- physml.diffusion


def _dm():
    from physml import diffusion

    return diffusion


def _schedule5():
    return _dm().Schedule(_dm().linear_betas(5, 1e-3, 0.2))


def _noise_predictor():
    import torch

    torch.manual_seed(0)
    return _dm().NoisePredictor(2, 5, width=8, depth=1, n_frequencies=2)


def _steps(*values, dtype="int64"):
    return _t(np.array(values), dtype)


_DX = np.random.default_rng(15).normal(size=(4, 2))
_DMU, _DCOV = np.array([0.5, -0.5]), np.array([[1.0, 0.3], [0.3, 0.5]])
_sched_kind = Obj(Lazy(_schedule5), wrong=[Lazy(lambda: _dm().linear_betas(5))])
_np_kind = Obj(Lazy(_noise_predictor), wrong=[Lazy(_linear_model), Lazy(lambda: _tt_model())])
_cov_kind = M(_DCOV, extra=[Bad("other shape", np.eye(3)), Bad("not positive semi-definite", -np.eye(2))])
_mu_kind2 = V(_DMU)
_steps_kind = Obj(
    Lazy(lambda: _steps(1, 2, 5, 3)),
    wrong=[
        Lazy(lambda: _steps(0, 2, 5, 3)),
        Lazy(lambda: _steps(1, 2, 6, 3)),
        Lazy(lambda: _steps(1, 2, 5)),
        Lazy(lambda: _steps(1.0, 2.0, 5.0, 3.0, dtype="float32")),
        np.array([1, 2, 5, 3]),
    ],
)
_alpha_bars_kind = T(
    Lazy(lambda: _schedule5().tensors()["alpha_bars"]),
    wrong=[np.ones(5), Lazy(lambda: _t(np.zeros(5))), Lazy(lambda: _t(np.ones((5, 1))))],
    finite=True,
)
_x0_wrong = [_DX, Lazy(lambda: _t(_DX[:, :1])), Lazy(lambda: _t(_DX[:0]))]
_x0_t = T(Lazy(lambda: _t(_DX)), wrong=_x0_wrong, **_net_t)
_x0_loss = T(Lazy(lambda: _t(_DX)), wrong=_x0_wrong, **_net_t, finite=True)

example("physml.diffusion.linear_betas", T=Size(5), beta_1=Fraction(1e-4), beta_T=Fraction(0.02))
example("physml.diffusion.cosine_betas", T=Size(5), s=NonNeg(0.008), max_beta=Fraction(0.999))
example(
    "physml.diffusion.Schedule",
    betas=V([0.1, 0.2, 0.3], extra=[Bad("zero", np.array([0.0, 0.2])), Bad("one", np.array([0.5, 1.0]))]),
)
instance("physml.diffusion.Schedule", _schedule5)
example("physml.diffusion.Schedule.tensors", device=Device("cpu"))
example(
    "physml.diffusion.q_sample",
    x0=T(
        Lazy(lambda: _t(_DX)),
        wrong=[_DX, Lazy(lambda: _t(_DX[:0])), Lazy(lambda: _t(_DX[0]))],
        width=True,
        finite=True,
    ),
    t=_steps_kind,
    noise=T(
        Lazy(lambda: _t(np.ones((4, 2)))),
        wrong=[np.ones((4, 2)), Lazy(lambda: _t(np.ones((4, 1))))],
        width=True,
        finite=True,
    ),
    alpha_bars=_alpha_bars_kind,
)
example(
    "physml.diffusion.forward_steps",
    x0=M(_DX),
    schedule=_sched_kind,
    t=Int(3, minimum=0, extra=[Bad("above T", 6)]),
    seed=Int(0, minimum=0),
)
example(
    "physml.diffusion.time_embedding",
    t=Obj(
        Lazy(lambda: _steps(1, 2, 5, 3)),
        wrong=[Lazy(lambda: _steps(0, 2)), Lazy(lambda: _steps(1.0, 2.0, dtype="float32")), np.array([1, 2])],
    ),
    T=Size(5, extra=[Bad("below the steps", 4)]),
    n_frequencies=Size(2),
)
example(
    "physml.diffusion.NoisePredictor",
    dim=Size(2),
    T=Size(5),
    width=Size(8),
    depth=Size(1),
    n_frequencies=Size(2),
)
instance("physml.diffusion.NoisePredictor", _noise_predictor)
example("physml.diffusion.NoisePredictor.forward", x=_x0_t, t=_steps_kind)
example(
    "physml.diffusion.ResidualNoisePredictor",
    dim=Size(2),
    T=Size(5),
    width=Size(8),
    blocks=Size(1),
    n_frequencies=Size(2),
)
instance(
    "physml.diffusion.ResidualNoisePredictor",
    lambda: _dm().ResidualNoisePredictor(2, 5, width=8, blocks=1, n_frequencies=2),
)
example("physml.diffusion.ResidualNoisePredictor.forward", x=_x0_t, t=_steps_kind)
example("physml.diffusion.GaussianNoisePredictor", mu=_mu_kind2, cov=_cov_kind, schedule=_sched_kind)
instance(
    "physml.diffusion.GaussianNoisePredictor", lambda: _dm().GaussianNoisePredictor(_DMU, _DCOV, _schedule5())
)
example("physml.diffusion.GaussianNoisePredictor.forward", x=_x0_t, t=_steps_kind)
example(
    "physml.diffusion.ddpm_loss",
    model=_np_kind,
    x0=_x0_loss,
    alpha_bars=T(
        Lazy(lambda: _schedule5().tensors()["alpha_bars"]),
        wrong=[np.ones(5), Lazy(lambda: _t(np.ones(4)))],
        finite=True,
    ),
    generator=Obj(Lazy(_tgen), wrong=[Lazy(lambda: np.random.default_rng(0))]),
)
example(
    "physml.diffusion.fit_ddpm",
    model=_np_kind,
    data=M(_DX, extra=[Bad("other width", _DX[:, :1])]),
    schedule=Obj(Lazy(_schedule5), wrong=[Lazy(lambda: _dm().Schedule(_dm().linear_betas(4)))]),
    steps=Size(2),
    lr=Rate(1e-3),
    batch_size=Size(2),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
    warmup=Int(1, minimum=0),
    ema=Real(0.9, minimum=0.0, maximum=1.0, include_max=False),
    min_snr=Rate(5.0, optional=True),
)
example(
    "physml.diffusion.sample_ddpm",
    model=_np_kind,
    schedule=Obj(Lazy(_schedule5), wrong=[Lazy(lambda: _dm().Schedule(_dm().linear_betas(4)))]),
    n=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    clip=Rate(1.0, optional=True),
    variance=Choice("beta_tilde"),
)
example(
    "physml.diffusion.gaussian_noised_moments",
    mu=_mu_kind2,
    cov=_cov_kind,
    alpha_bar=Real(0.5, minimum=0.0, maximum=1.0),
)
example(
    "physml.diffusion.sample_ddim",
    model=_np_kind,
    schedule=Obj(Lazy(_schedule5), wrong=[Lazy(lambda: _dm().Schedule(_dm().linear_betas(4)))]),
    n=Size(3),
    steps=Int(2, minimum=1, extra=[Bad("more than T", 6)]),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    clip=Rate(1.0, optional=True),
)
example(
    "physml.diffusion.ddim_moments",
    mu=_mu_kind2,
    cov=_cov_kind,
    schedule=_sched_kind,
    steps=Int(2, minimum=1, extra=[Bad("more than T", 6)]),
)
example(
    "physml.diffusion.ancestral_moments",
    mu=_mu_kind2,
    cov=_cov_kind,
    schedule=_sched_kind,
    variance=Choice("beta_tilde"),
)
example(
    "physml.diffusion.gaussian_optimal_eps",
    x_t=M(_DX, extra=[Bad("other width", _DX[:, :1])]),
    t=Arr(
        np.array([1, 2, 5, 3]),
        extra=[
            Bad("zero", np.array([0, 2, 5, 3])),
            Bad("fractional", np.array([1.5, 2, 5, 3])),
            Bad("wrong length", np.array([1, 2])),
        ],
    ),
    mu=_mu_kind2,
    cov=_cov_kind,
    schedule=_sched_kind,
)

# ----------------------------------------------------------------------------- physml.pinn


def _pinn():
    from physml import pinn

    return pinn


def _pnet(n_in=1):
    return _pinn().network(n_in, width=4, depth=1, seed=0)


def _t1():
    return _pinn().collocation_1d(5, 1.0)


def _xt():
    return _pinn().collocation_2d(6, 0.5, seed=0)


_SHARED = {}


def _shared_t1():
    if "t1" not in _SHARED:
        _SHARED["t1"] = _t1()
    return _SHARED["t1"]


def _plain_tensor(shape=(5, 1)):
    import torch

    return torch.linspace(0.1, 1.0, int(np.prod(shape)), dtype=torch.float64).reshape(shape)


# collocation points of a loss: NaN/inf entries are bad, and so is float32 for the float64 networks
_t1_kind = T(
    Lazy(_t1),
    wrong=[Lazy(_plain_tensor), Lazy(_xt), np.linspace(0.0, 1.0, 5)[:, None]],
    **_net_t,
    finite=True,
)
_xt_kind = T(
    Lazy(_xt), wrong=[Lazy(lambda: _plain_tensor((6, 2))), Lazy(_t1), np.zeros((6, 2))], **_net_t, finite=True
)
_net1 = Obj(Lazy(_pnet), wrong=[Lazy(_linear_model)])
_net2 = Obj(Lazy(lambda: _pnet(2)), wrong=[Lazy(_linear_model)])
_decay_model = Obj(
    Lazy(lambda: _pinn().DecayTrial(_pnet())),
    wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().HeatTrial(_pnet(2)))],
)
_heat_model = Obj(
    Lazy(lambda: _pinn().HeatTrial(_pnet(2))),
    wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().DecayTrial(_pnet()))],
)
example(
    "physml.pinn.network",
    n_in=Size(1),
    width=Size(4),
    depth=Size(1),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.pinn.derivative",
    # u must be computed from this z: both come from one shared tensor
    u=T(Lazy(lambda: _shared_t1() ** 3), wrong=[Lazy(lambda: _plain_tensor()), Lazy(lambda: _t1() ** 3)]),
    z=T(Lazy(_shared_t1), wrong=[Lazy(_plain_tensor), Lazy(_xt), np.linspace(0.0, 1.0, 5)[:, None]]),
    order=Size(2),
    column=Int(0, minimum=0, extra=[Bad("beyond the columns", 1)]),
)
for _cls, _args, _net in (
    ("DecayTrial", {"u0": Real(1.0), "t_scale": Rate(2.0)}, _net1),
    ("OscillatorTrial", {"x0": Real(1.0), "v0": Real(0.0), "t_scale": Rate(2.0)}, _net1),
    ("HeatTrial", {"scale": Rate(1.0)}, _net2),
    ("SoftHeat", {}, _net2),
    ("BurgersTrial", {"scale": Rate(1.0)}, _net2),
):
    example(f"physml.pinn.{_cls}", net=_net, **_args)
    _two = _cls in ("HeatTrial", "SoftHeat", "BurgersTrial")
    instance(
        f"physml.pinn.{_cls}",
        Lazy(lambda c=_cls, two=_two: getattr(_pinn(), c)(_pnet(2 if two else 1))).build,
    )
    if _two:
        example(
            f"physml.pinn.{_cls}.forward",
            xt=T(Lazy(_xt), wrong=[np.zeros((6, 2)), Lazy(lambda: _plain_tensor((6, 1)))], **_net_t),
        )
    else:
        example(
            f"physml.pinn.{_cls}.forward",
            t=T(Lazy(_t1), wrong=[np.zeros((5, 1)), Lazy(lambda: _plain_tensor((5, 2)))], **_net_t),
        )
_tgrid = np.linspace(0.0, 1.0, 5)
example("physml.pinn.decay_exact", t=Arr(_tgrid), gamma=Real(1.0), u0=Real(1.0))
example(
    "physml.pinn.oscillator_exact",
    t=Arr(_tgrid),
    omega=Rate(2.0),
    zeta=Real(0.1, minimum=0.0, maximum=1.0, include_max=False),
    x0=Real(1.0),
    v0=Real(0.0),
)
example("physml.pinn.heat_exact", x=Arr(_tgrid), t=Arr(_tgrid, extra=[Bad("other shape", _tgrid[:3])]))
example("physml.pinn.collocation_1d", n=Int(5, minimum=2), t_max=Rate(1.0), device=Device("cpu"))
example(
    "physml.pinn.collocation_2d",
    n=Size(5),
    t_max=Rate(1.0),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    x_range=Each(
        [Real(0.0), Real(1.0)], extra=[Bad("reversed", (1.0, 0.0)), Bad("three entries", (0.0, 0.5, 1.0))]
    ),
)
example("physml.pinn.decay_loss", model=_decay_model, t=_t1_kind, gamma=Real(1.0))
example(
    "physml.pinn.oscillator_loss",
    model=Obj(
        Lazy(lambda: _pinn().OscillatorTrial(_pnet())),
        wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().HeatTrial(_pnet(2)))],
    ),
    t=_t1_kind,
    omega=Real(2.0),
    zeta=Real(0.1),
)
for _name in ("heat_residual", "heat_loss"):
    example(f"physml.pinn.{_name}", model=_heat_model, xt=_xt_kind)
example(
    "physml.pinn.soft_heat_loss",
    model=Obj(
        Lazy(lambda: _pinn().SoftHeat(_pnet(2))),
        wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().DecayTrial(_pnet()))],
    ),
    xt=_xt_kind,
    n_boundary=Int(5, minimum=2),
    weight=NonNeg(10.0),
)
example(
    "physml.pinn.burgers_loss",
    model=Obj(
        Lazy(lambda: _pinn().BurgersTrial(_pnet(2))),
        wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().DecayTrial(_pnet()))],
    ),
    xt=_xt_kind,
    nu=NonNeg(0.01),
)
example(
    "physml.pinn.train_pinn",
    model=_decay_model,
    loss_fn=Fn(Lazy(lambda: _pinn().decay_loss), extra=[Bad("returns a number", lambda model, t: 1.0)]),
    points=_t1_kind,
    adam_steps=Int(2, minimum=0),
    lr=Rate(1e-2),
    lbfgs_steps=Int(1, minimum=0),
    seed=Int(0, minimum=0),
    num_threads=Size(1, optional=True),
)
example(
    "physml.pinn.predict",
    model=_decay_model,
    points=M(_tgrid[:, None], extra=[Bad("other width", np.zeros((5, 2)))]),
)
example(
    "physml.pinn.relative_l2",
    u=Arr(_tgrid, extra=[huge(_tgrid)]),
    u_exact=Arr(_tgrid + 1.0, extra=[short(_tgrid), Bad("zero", np.zeros(5)), huge(_tgrid + 1.0)]),
)
example("physml.pinn.heat_grid", nx=Int(5, minimum=2), nt=Int(4, minimum=2), t_max=Rate(0.5))
example(
    "physml.pinn.ftcs_heat",
    nx=Int(5, minimum=3),
    dt=Rate(0.01, extra=[Bad("unstable", 0.1), Bad("not dividing t_end", 0.015)]),
    t_end=NonNeg(0.1),
    allow_unstable=Flag(False),
)
example(
    "physml.pinn.ftcs_error",
    nx=Int(5, minimum=3),
    r=Rate(0.4, extra=[Bad("unstable", 0.6)]),
    t_end=NonNeg(0.1),
)
example(
    "physml.pinn.convergence_order",
    h=V(
        [0.1, 0.05, 0.025],
        extra=[
            Bad("negative", np.array([-0.1, 0.05, 0.025])),
            Bad("one entry", np.array([0.1])),
            Bad("repeated step sizes", np.array([0.1, 0.1, 0.025])),
            Bad("equal step sizes", np.array([0.1, 0.1, 0.1])),
        ],
    ),
    errors=V([1e-2, 2.5e-3, 6.25e-4], extra=[short([1.0, 2.0, 3.0]), Bad("zero", np.zeros(3))]),
)
example(
    "physml.pinn.burgers_exact",
    x=Arr(_tgrid - 0.5),
    t=Arr(_tgrid, extra=[Bad("negative", -_tgrid - 0.1), Bad("other shape", _tgrid[:3])]),
    nu=Rate(0.05),
    n_nodes=Int(20, minimum=2),
)


def _inv_model():
    return _pinn().InverseOscillator(_pnet(), t_scale=2.0, zeta0=0.2)


def _disk_pts():
    return _pinn().collocation_disk(6, seed=0)


def _bs_model():
    return _pinn().BlackScholesTrial(_pnet(2))


def _bs_pts():
    return _pinn().collocation_2d(6, 1.0, seed=0, x_range=(0.0, 3.0))


def _t_data():
    return _plain_tensor((4, 1))


example("physml.pinn.InverseOscillator", net=_net1, x0=Real(1.0), v0=Real(0.0), t_scale=Rate(2.0),
        zeta0=Real(0.2, minimum=1e-6, maximum=1e6))  # fmt: skip
instance("physml.pinn.InverseOscillator", _inv_model)
example(
    "physml.pinn.InverseOscillator.forward",
    t=T(Lazy(_t1), wrong=[np.zeros((5, 1)), Lazy(lambda: _plain_tensor((5, 2)))], **_net_t),
)
example(
    "physml.pinn.inverse_oscillator_loss",
    model=Obj(Lazy(_inv_model), wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().OscillatorTrial(_pnet()))]),
    t=_t1_kind,
    t_data=T(Lazy(_t_data), wrong=[np.zeros((4, 1)), Lazy(lambda: _plain_tensor((4, 2)))], finite=True),
    x_data=T(Lazy(_t_data), wrong=[np.zeros((4, 1)), Lazy(lambda: _plain_tensor((3, 1)))], finite=True),
    omega=Real(2.0, minimum=0.0, maximum=1e100),
    weight=Real(1.0, minimum=0.0, maximum=1e100),
)
example("physml.pinn.collocation_disk", n=Size(5), seed=Int(0, minimum=0), device=Device("cpu"))
example(
    "physml.pinn.disk_exact", x=Arr(_tgrid - 0.5), y=Arr(_tgrid * 0.5, extra=[Bad("other shape", _tgrid[:3])])
)
example(
    "physml.pinn.disk_source",
    xy=T(Lazy(_disk_pts), wrong=[np.zeros((6, 2)), Lazy(lambda: _plain_tensor((6, 1)))], finite=True),
)
example("physml.pinn.DiskTrial", net=_net2)
instance("physml.pinn.DiskTrial", lambda: _pinn().DiskTrial(_pnet(2)))
example(
    "physml.pinn.DiskTrial.forward",
    xy=T(Lazy(_disk_pts), wrong=[np.zeros((6, 2)), Lazy(lambda: _plain_tensor((6, 1)))], **_net_t),
)
example(
    "physml.pinn.poisson_disk_loss",
    model=Obj(
        Lazy(lambda: _pinn().DiskTrial(_pnet(2))),
        wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().DecayTrial(_pnet()))],
    ),
    xy=T(
        Lazy(_disk_pts),
        wrong=[Lazy(lambda: _plain_tensor((6, 2))), Lazy(_t1), np.zeros((6, 2))],
        **_net_t,
        finite=True,
    ),
)
example(
    "physml.pinn.rad_sample",
    residual=V(np.linspace(-1.0, 2.0, 10)),
    n=Int(4, minimum=1, extra=[Bad("more than the candidates", 11)]),
    seed=Rng(0),
    k=Real(1.0, minimum=0.0, maximum=10.0),
    c=Real(1.0, minimum=0.0, maximum=1e100),
)
example(
    "physml.pinn.black_scholes_call",
    x=Arr(_tgrid + 0.5, extra=[Bad("negative", -_tgrid - 0.1)]),
    tau=Arr(_tgrid, extra=[Bad("negative", -_tgrid - 0.1), Bad("other shape", _tgrid[:3])]),
    sigma=Real(0.2, minimum=0.0, maximum=100.0, include_min=False),
    rate=Real(0.05, minimum=-1.0, maximum=1.0),
)
example(
    "physml.pinn.BlackScholesTrial",
    net=_net2,
    x_max=Real(3.0, minimum=1.0, maximum=1e6, include_min=False),
    maturity=Real(1.0, minimum=0.0, maximum=1e6, include_min=False),
    rate=Real(0.05, minimum=-1.0, maximum=1.0),
)
instance("physml.pinn.BlackScholesTrial", _bs_model)
example(
    "physml.pinn.BlackScholesTrial.forward",
    z=T(Lazy(_bs_pts), wrong=[np.zeros((6, 2)), Lazy(lambda: _plain_tensor((6, 1)))], **_net_t),
)
example(
    "physml.pinn.black_scholes_loss",
    model=Obj(Lazy(_bs_model), wrong=[Lazy(_linear_model), Lazy(lambda: _pinn().HeatTrial(_pnet(2)))]),
    z=T(
        Lazy(_bs_pts),
        wrong=[Lazy(lambda: _plain_tensor((6, 2))), Lazy(_t1), np.zeros((6, 2))],
        **_net_t,
        finite=True,
    ),
    n_payoff=Int(5, minimum=2),
    sigma=Real(0.2, minimum=0.0, maximum=100.0, include_min=False),
    weight=Real(10.0, minimum=0.0, maximum=1e100),
)

# ----------------------------------------------------------------------------- physml.vmc (rest)


def _vmc():
    from physml import vmc

    return vmc


def _walkers(sampler="Langevin", n_particles=2):
    return getattr(_vmc(), sampler)().init_walkers(_gaussian_wf(n_particles), 4, 0)


def _rbm_wf(**kw):
    return _vmc().RBMWaveFunction.random(2, 2, 2, 0, **kw)


def _gibbs_walkers():
    return _vmc().Gibbs().init_walkers(_rbm_wf(), 4, 0)


def _mpi_self():
    from mpi4py import MPI

    return MPI.COMM_SELF


_S = "physml.vmc.samplers"
_vwf = Obj(Lazy(_gaussian_wf), wrong=[Lazy(_linear_model), Lazy(lambda: _gaussian_wf(1))])
_vwalkers = Obj(
    Lazy(_walkers),
    wrong=[
        Lazy(lambda: _walkers(n_particles=1)),
        Lazy(lambda: _vmc().Walkers(np.zeros((4, 2, 2)), np.zeros(3), np.zeros((4, 2, 2)))),
    ],
)
_vrng = Rng(Lazy(lambda: np.random.default_rng(0)), extra=[Bad("torch Generator", Lazy(_tgen))])
example(f"{_S}.walker_streams", seed=Rng(0), n_streams=Size(2))
record(f"{_S}.Walkers", x=np.zeros((4, 2, 2)), log_psi=np.zeros(4), grad=None)
example(f"{_S}.Metropolis", step_size=Rate(1.0), moves=Choice("uniform"))
example(f"{_S}.Langevin", dt=Rate(0.1))
instance(f"{_S}.Sampler", lambda: _vmc().Metropolis(1.0))  # Sampler is abstract
instance(f"{_S}.Metropolis", lambda: _vmc().Metropolis(1.0))
instance(f"{_S}.Langevin", lambda: _vmc().Langevin(0.1))
_vwf_any = Obj(Lazy(_gaussian_wf), wrong=[Lazy(_linear_model)])
example(f"{_S}.Sampler.init_walkers", wf=_vwf_any, n_walkers=Size(4), seed=Rng(0), scale=Rate(1.0))
example(f"{_S}.Sampler.walkers_at", wf=_vwf_any, x=_wf_x)
example(
    f"{_S}.Sampler.refresh",
    wf=Obj(Lazy(_gaussian_wf), wrong=[Lazy(_linear_model), Lazy(lambda: _gaussian_wf(1))]),
    walkers=Obj(Lazy(_walkers), wrong=[Lazy(lambda: _walkers(n_particles=1))]),
)
example(f"{_S}.Sampler.step", wf=_vwf, walkers=_vwalkers, rng=_vrng)
example(
    f"{_S}.Sampler.sample", wf=_vwf, walkers=_vwalkers, n_steps=Size(2), seed=Rng(0), n_burn=Int(1, minimum=0)
)
example(
    f"{_S}.Langevin.step",
    wf=_vwf,
    walkers=Obj(
        Lazy(_walkers), wrong=[Lazy(lambda: _walkers("Metropolis")), Lazy(lambda: _walkers(n_particles=1))]
    ),
    rng=_vrng,
)

_N = "physml.vmc.nqs"
_rbm_wf_kind = Obj(
    Lazy(_rbm_wf),
    wrong=[Lazy(_gaussian_wf), Lazy(lambda: _rbm_wf(power=1.0)), Lazy(lambda: _rbm_wf(jastrow=True))],
)
example(
    f"{_N}.RBMWaveFunction",
    rbm=Obj(
        Lazy(lambda: _rbm().GaussianBinaryRBM.random(4, 2, 0)),
        wrong=[Lazy(lambda: _rbm().GaussianBinaryRBM.random(3, 2, 0)), Lazy(_binary_rbm)],
    ),
    n_particles=Size(2),
    dims=Size(2, extra=[Bad("4 dimensions", 4)]),
    power=Real(0.5, extra=[Bad("other power", 0.7)]),
    jastrow=Flag(True),
    beta=NonNeg(0.5),
    a_cusp=Real(1.0, optional=True),
)
example(
    f"{_N}.RBMWaveFunction.random",
    n_particles=Size(2),
    dims=Size(2),
    n_hidden=Size(2),
    seed=Rng(0),
    scale=NonNeg(0.01),
    sigma=Rate(1.0),
)
instance(f"{_N}.RBMWaveFunction", lambda: _rbm_wf(jastrow=True))
example(
    f"{_N}.RBMWaveFunction.with_params",
    params=Arr(
        np.zeros(4 + 2 + 8 + 1),
        extra=[Bad("wrong count", np.zeros(3)), Bad("beta < 0", np.r_[np.zeros(14), -1.0])],
    ),
)
instance(f"{_N}.Gibbs", lambda: _vmc().Gibbs())
example(f"{_N}.Gibbs.init_walkers", wf=_rbm_wf_kind, n_walkers=Size(4), seed=Rng(0), scale=Rate(1.0))
example(f"{_N}.Gibbs.walkers_at", wf=_rbm_wf_kind, x=_wf_x)
example(
    f"{_N}.Gibbs.refresh",
    wf=_rbm_wf_kind,
    walkers=Obj(Lazy(_gibbs_walkers), wrong=[Lazy(lambda: _walkers(n_particles=1))]),
)
_gwalkers = Obj(Lazy(_gibbs_walkers), wrong=[Lazy(lambda: _walkers(n_particles=1))])
example(f"{_N}.Gibbs.step", wf=_rbm_wf_kind, walkers=_gwalkers, rng=_vrng)
example(
    f"{_N}.Gibbs.sample",
    wf=_rbm_wf_kind,
    walkers=_gwalkers,
    n_steps=Size(2),
    seed=Rng(0),
    n_burn=Int(1, minimum=0),
)

_SL = "physml.vmc.slater"


def _slater_wf(n=2, jastrow=True):
    return _vmc().SlaterJastrow(n, 1.0, alpha=0.9, beta=0.4, jastrow=jastrow)


def _slater_walkers(n=2):
    return _vmc().SingleParticleMetropolis(1.0).init_walkers(_slater_wf(n), 4, 0)


_INV3 = np.linalg.inv(np.eye(3)[None] + 0.1 * _rng.normal(size=(4, 3, 3)))
_ROW3 = _rng.normal(size=(4, 3))
_slater_kind = Obj(Lazy(_slater_wf), wrong=[Lazy(_gaussian_wf), Lazy(lambda: _slater_wf(6))])
_slater_walkers_kind = Obj(
    Lazy(_slater_walkers),
    wrong=[Lazy(_walkers), Lazy(lambda: _slater_walkers(6)), Lazy(lambda: _walkers("Metropolis"))],
)
example(f"{_SL}.closed_shell_orbitals", n_particles=Size(6, extra=[Bad("open shell", 4), Bad("odd", 3)]))
example(f"{_SL}.n_shells", n_particles=Size(6, extra=[Bad("open shell", 8), Bad("odd", 5)]))
example(
    f"{_SL}.noninteracting_dot_energy", n_particles=Size(6, extra=[Bad("open shell", 4)]), omega=Rate(1.0)
)
example(
    f"{_SL}.SlaterJastrow",
    n_particles=Size(6, extra=[Bad("open shell", 4), Bad("odd", 7)]),
    omega=Rate(1.0),
    alpha=Rate(1.0),
    beta=NonNeg(0.5),
    jastrow=Flag(True),
    n_hidden=Int(2, minimum=0, extra=[Bad("more than 64", 65)]),
    seed=Rng(0),
)
instance(f"{_SL}.SlaterJastrow", _slater_wf)
example(
    f"{_SL}.SlaterJastrow.with_params",
    params=Arr(
        [0.9, 0.4],
        extra=[Bad("wrong count", [0.9]), Bad("alpha <= 0", [0.0, 0.4]), Bad("beta < 0", [0.9, -1.0])],
    ),
)
example(f"{_SL}.SlaterJastrow.slater_matrices", x=_wf_x)
example(f"{_SL}.SlaterJastrow.sign_psi", x=_wf_x)
example(
    f"{_SL}.determinant_ratio",
    inverse=Arr(_INV3, ndim=3, extra=[Bad("not square", _INV3[:, :, :2])]),
    row=Int(1, minimum=0, extra=[Bad("past the last row", 3)]),
    new_row=M(_ROW3, extra=[Bad("other width", _ROW3[:, :2])]),
)
example(
    f"{_SL}.sherman_morrison_update",
    inverse=Arr(_INV3, ndim=3, extra=[Bad("not square", _INV3[:, :, :2])]),
    row=Int(1, minimum=0, extra=[Bad("past the last row", 3)]),
    new_row=M(_ROW3, extra=[Bad("other width", _ROW3[:, :2])]),
    ratio=V(np.full(4, 0.8), extra=[Bad("zero", np.zeros(4)), Bad("other length", np.ones(3))]),
)
record(f"{_SL}.SlaterWalkers", x=np.zeros((4, 2, 2)), log_psi=np.zeros(4), grad=None, inverse=None, moves=0)
record(
    f"{_SL}.ClosedShellHF",
    n_particles=6,
    omega=1.0,
    n_basis_shells=4,
    energy=20.77,
    orbital_energies=(1.0, 2.0, 2.0),
    n_iter=10,
)
example(f"{_SL}.SingleParticleMetropolis", step_size=Rate(1.0), refresh_every=Size(100))
instance(f"{_SL}.SingleParticleMetropolis", lambda: _vmc().SingleParticleMetropolis(1.0))
example(
    f"{_SL}.SingleParticleMetropolis.init_walkers",
    wf=Obj(Lazy(_slater_wf), wrong=[Lazy(_gaussian_wf)]),
    n_walkers=Size(4),
    seed=Rng(0),
    scale=Rate(1.0),
)
example(f"{_SL}.SingleParticleMetropolis.walkers_at", wf=_slater_kind, x=_wf_x)
example(f"{_SL}.SingleParticleMetropolis.refresh", wf=_slater_kind, walkers=_slater_walkers_kind)
example(f"{_SL}.SingleParticleMetropolis.step", wf=_slater_kind, walkers=_slater_walkers_kind, rng=_vrng)
example(
    f"{_SL}.SingleParticleMetropolis.sample",
    wf=_slater_kind,
    walkers=_slater_walkers_kind,
    n_steps=Size(2),
    seed=Rng(0),
    n_burn=Int(1, minimum=0),
)
_DENS = _rng.normal(size=(3, 4, 2, 2))
example(
    f"{_SL}.radial_density",
    samples=Arr(
        _DENS, extra=[Bad("3 dimensions in space", _rng.normal(size=(3, 4, 2, 3))), Bad("2-d", _DENS[0, 0])]
    ),
    edges=V(np.linspace(0, 3, 7), extra=[Bad("decreasing", np.linspace(3, 0, 7)), Bad("one edge", [1.0])]),
)
example(
    f"{_SL}.hartree_fock_closed_shell",
    n_particles=Size(2, extra=[Bad("open shell", 4)]),
    omega=Rate(1.0),
    n_basis_shells=Size(2, extra=[Bad("more than 9", 10)]),
    tol=Rate(1e-10),
    max_iter=Size(300),
)

_TN = "physml.vmc.torch_nqs"
example(
    f"{_TN}.FeedForwardJastrow",
    alpha=Rate(0.5),
    beta=NonNeg(0.3),
    n_hidden=Size(2),
    seed=Rng(0),
    n_particles=Size(2, extra=[Bad("one particle", 1)]),
    dims=Size(2, extra=[Bad("1 dimension", 1), Bad("4 dimensions", 4)]),
    a=Real(1.0, optional=True),
    scale=NonNeg(0.1),
)
instance(
    f"{_TN}.FeedForwardJastrow",
    lambda: __import__("physml.vmc.torch_nqs").vmc.torch_nqs.FeedForwardJastrow(0.5, 0.3, n_hidden=2),
)
example(
    f"{_TN}.FeedForwardJastrow.with_params",
    params=Arr(
        np.r_[0.5, 0.3, np.zeros(4 * 2 + 1)],
        extra=[Bad("wrong count", np.zeros(3)), Bad("alpha <= 0", np.r_[-0.5, 0.3, np.zeros(9)])],
    ),
)

_D = "physml.vmc.driver"
_ham = Obj(Lazy(lambda: _vmc().HarmonicTrap(1.0)), wrong=[Lazy(_linear_model)])
_sampler = Obj(
    Lazy(lambda: _vmc().Metropolis(1.0)), wrong=[Lazy(_linear_model), Lazy(lambda: _vmc().Gibbs())]
)
_comm = Obj(None, optional=True, wrong=[Lazy(_linear_model)])
record(
    f"{_D}.Estimate",
    mean=0.0,
    error=0.1,
    naive_error=0.1,
    variance=0.0,
    tau=1.0,
    n_samples=16,
    acceptance=0.5,
    gradient=None,
    series=None,
)
record(
    f"{_D}.VMCResult",
    wf=None,
    params=np.zeros((1, 1)),
    energy=np.zeros(1),
    error=np.zeros(1),
    variance=np.zeros(1),
    acceptance=np.zeros(1),
    gradient=np.zeros((1, 1)),
    param_names=(),
)
for _cls in ("SerialComm", "MPIComm"):
    instance(
        f"{_D}.{_cls}",
        (lambda: _vmc().driver.SerialComm())
        if _cls == "SerialComm"
        else (lambda: _vmc().driver.MPIComm(_mpi_self())),
    )
    for _m in ("allreduce_sum", "bcast"):
        example(f"{_D}.{_cls}.{_m}", array=Arr(np.arange(3.0), empty_ok=True))
example(f"{_D}.MPIComm", comm=Obj(Lazy(_mpi_self), wrong=[Lazy(_linear_model)]))
example(f"{_D}.as_comm", comm=_comm)
example(
    f"{_D}.local_walkers",
    n_walkers=Int(10, minimum=0),
    rank=Int(1, minimum=0, extra=[Bad("not below size", 3)]),
    size=Size(3),
)
_vmc_common = {
    "n_walkers": Size(4),
    "n_steps": Int(16, minimum=16),
    "n_burn": Int(2, minimum=0),
    "seed": Rng(0),
    "comm": _comm,
    "init_scale": Rate(1.0),
}
example(f"{_D}.energy", hamiltonian=_ham, wf=_vwf_any, sampler=_sampler, **_vmc_common, gradient=Flag(True))
example(f"{_D}.energy_gradient", hamiltonian=_ham, wf=_vwf_any, sampler=_sampler, **_vmc_common)
example(
    f"{_D}.measure",
    hamiltonian=_ham,
    wf=_vwf,
    sampler=_sampler,
    walkers=_vwalkers,
    n_steps=Int(16, minimum=16),
    rng=_vrng,
    comm=_comm,
    gradient=Flag(True),
    where=Str(""),
)
example(
    f"{_D}.optimize",
    hamiltonian=_ham,
    wf=_vwf_any,
    sampler=_sampler,
    optimizer=Obj(Lazy(_optimizer("Adam")), wrong=[Lazy(_tt_optimizer)]),
    n_iter=Size(1),
    **_vmc_common,
    n_burn_iter=Int(1, minimum=0),
    schedule=Fn(Lazy(_schedule("ExponentialDecay", 0.9)), optional=True),
    callback=Fn(lambda it, wf, est: None, optional=True),
    desc=Str(None, optional=True),
)

_C = "physml.vmc.cli"
_ARGV = [
    "--iterations",
    "0",
    "--walkers",
    "4",
    "--final-steps",
    "16",
    "--burn",
    "2",
    "--particles",
    "1",
    "--dims",
    "1",
]


def _cli_args(argv=_ARGV):
    from physml.vmc import cli

    return cli.parser().parse_args(argv)


example(
    f"{_C}.build",
    args=Obj(
        Lazy(_cli_args), wrong=[{"omega": 1.0}, Lazy(lambda: __import__("argparse").Namespace(omega=1.0))]
    ),
)
example(
    f"{_C}.main",
    # None reads the command line (sys.argv), so it is valid: the bad values are given here
    argv=Any(
        _ARGV,
        extra=[
            Bad("unknown option", ["--no-such-option"]),
            Bad("not a number", ["--walkers", "many"]),
            Bad("a string", "--walkers 4"),
            Bad("a number entry", ["--walkers", 4]),
        ],
    ),
)

# ----------------------------------------------------------------------------- physml.vmc.lattice, sr


def _lat():
    from physml.vmc import lattice

    return lattice


_L = "physml.vmc.lattice"
_SRM = "physml.vmc.sr"
_S6 = np.array([[1.0, -1, 1, -1, 1, -1], [1, 1, -1, -1, 1, -1]])  # two configurations, S^z = 0
_lat_wf = Obj(
    Lazy(lambda: _lat().LatticeRBM.random(6, 1, 0, scale=0.1)),
    wrong=[Lazy(_linear_model), Lazy(lambda: _lat().LatticeRBM.random(4, 1, 0))],
)
_lat_wf_m = Obj(
    Lazy(lambda: _lat().LatticeRBM.random(6, 1, 0, scale=0.1, marshall=True)),
    wrong=[Lazy(_linear_model), Lazy(lambda: _lat().LatticeRBM.random(6, 1, 0))],
)
_spins6 = Arr(_S6, ndim=2, extra=[Bad("not +-1", np.zeros((2, 6))), Bad("wrong sites", np.ones((2, 4)))])
_lat_ham = Obj(
    Lazy(lambda: _lat().TransverseFieldIsing(6)),
    wrong=[Lazy(_linear_model), Lazy(lambda: _lat().TransverseFieldIsing(4))],
)
example(
    f"{_L}.TransverseFieldIsing",
    n_sites=Size(6, extra=[Bad("one site", 1), Bad("too many", 65)]),
    h=NonNeg(1.0),
    coupling=Real(1.0),
)
example(f"{_L}.Heisenberg", n_sites=Size(6, extra=[Bad("odd", 5), Bad("too many", 66)]), coupling=Rate(1.0))
instance(f"{_L}.TransverseFieldIsing", lambda: _lat().TransverseFieldIsing(6))
instance(f"{_L}.Heisenberg", lambda: _lat().Heisenberg(6))
instance(f"{_L}.SpinHamiltonian", lambda: _lat().TransverseFieldIsing(6))
example(f"{_L}.SpinHamiltonian.local_energy", wf=_lat_wf, s=_spins6)
example(f"{_L}.Heisenberg.local_energy", wf=_lat_wf_m, s=_spins6)
example(f"{_L}.check_spins", s=_spins6, n_sites=Size(6), name=Str("s"))
example(
    f"{_L}.exact_ground_state",
    hamiltonian=Obj(
        Lazy(lambda: _lat().TransverseFieldIsing(6)),
        wrong=[Lazy(_linear_model), Lazy(lambda: _lat().TransverseFieldIsing(21))],
    ),
)
example(
    f"{_L}.tfim_energy_free_fermions",
    n_sites=Size(6, extra=[Bad("odd", 7)]),
    h=NonNeg(1.0),
    coupling=Real(1.0),
)
example(
    f"{_L}.LatticeRBM",
    a=V(np.zeros(4)),
    b=V(np.zeros(2)),
    W=M(np.zeros((4, 2)), extra=[Bad("wrong shape", np.zeros((3, 2)))]),
    marshall=Flag(False),
)
example(
    f"{_L}.LatticeRBM.random",
    n_sites=Size(6),
    alpha=Rate(1.0, extra=[Bad("alpha N not integer", 0.3)]),
    seed=Rng(0),
    scale=NonNeg(0.01),
    marshall=Flag(False),
)
instance(f"{_L}.LatticeRBM", lambda: _lat().LatticeRBM.random(6, 1, 0, scale=0.1))
example(f"{_L}.LatticeRBM.log_psi", s=_spins6)
example(f"{_L}.LatticeRBM.sign", s=_spins6)
example(f"{_L}.LatticeRBM.log_derivatives", s=_spins6)
example(
    f"{_L}.LatticeRBM.with_params", params=V(np.zeros(6 + 6 + 36), extra=[Bad("wrong count", np.zeros(3))])
)
example(
    f"{_L}.SymmetricLatticeRBM",
    a0=Real(0.0),
    b=V(np.zeros(1)),
    w=M(np.zeros((1, 4)), extra=[Bad("rows do not match b", np.zeros((2, 4)))]),
    marshall=Flag(False),
)
example(
    f"{_L}.SymmetricLatticeRBM.random",
    n_sites=Size(6),
    alpha=Size(1),
    seed=Rng(0),
    scale=NonNeg(0.01),
    marshall=Flag(False),
)
instance(f"{_L}.SymmetricLatticeRBM", lambda: _lat().SymmetricLatticeRBM.random(6, 1, 0, scale=0.1))
example(
    f"{_L}.SymmetricLatticeRBM.with_params",
    params=V(np.zeros(1 + 1 + 6), extra=[Bad("wrong count", np.zeros(3))]),
)
example(f"{_L}.random_spins", n_chains=Size(3), n_sites=Size(6), seed=Rng(0), zero_magnetisation=Flag(True))
example(f"{_L}.sample_spins", wf=_lat_wf, s=_spins6, n_sweeps=Size(2), seed=Rng(0), move=Choice("exchange"))
record(
    f"{_L}.LatticeResult",
    wf=None,
    params=np.zeros((1, 1)),
    energy=np.zeros(1),
    error=np.zeros(1),
    variance=np.zeros(1),
    acceptance=np.zeros(1),
    param_names=(),
)
_lat_common = {
    "n_chains": Size(4, extra=[Bad("one chain", 1)]),
    "n_sweeps": Size(2),
    "n_burn": Int(1, minimum=0),
    "seed": Rng(0),
    "move": Choice(None, optional=True),
    "comm": _comm,
}
example(f"{_L}.lattice_energy", hamiltonian=_lat_ham, wf=_lat_wf, **_lat_common)
example(
    f"{_L}.optimize_lattice",
    hamiltonian=_lat_ham,
    wf=_lat_wf,
    optimizer=Obj(
        Lazy(lambda: __import__("physml.vmc.sr").vmc.sr.StochasticReconfiguration(0.05)),
        wrong=[Lazy(_linear_model)],
    ),
    n_iter=Size(1),
    **_lat_common,
    callback=Fn(lambda it, wf, est: None, optional=True),
    desc=Str(None, optional=True),
)
example(
    f"{_SRM}.sr_matrices",
    same_rows=[("o", "e_loc")],
    o=M(np.arange(8.0).reshape(4, 2) ** 1.5),
    e_loc=V(np.arange(4.0)),
)
example(
    f"{_SRM}.sr_solve",
    s=M(
        np.eye(2),
        extra=[Bad("not square", np.ones((2, 3))), Bad("not symmetric", np.array([[1.0, 1.0], [0.0, 1.0]]))],
    ),
    f=V(np.ones(2)),
    diag_shift=Rate(0.01, extra=[Bad("huge", 1e7)]),
)
example(f"{_SRM}.check_diag_shift", diag_shift=Rate(0.01), name=Str("diag_shift"))
example(f"{_SRM}.StochasticReconfiguration", learning_rate=Rate(0.05), diag_shift=Rate(0.01))
instance(
    f"{_SRM}.StochasticReconfiguration",
    lambda: __import__("physml.vmc.sr").vmc.sr.StochasticReconfiguration(0.05),
)
example(
    f"{_SRM}.StochasticReconfiguration.delta",
    same_rows=[("o", "e_loc")],
    o=M(np.arange(8.0).reshape(4, 2) ** 1.5),
    e_loc=V(np.arange(4.0)),
)
# ----------------------------------------------------------------------------- physml.rl


def _rl():
    from physml import rl

    return rl


def _mdp():
    return _rl().make_mdp(_RLP, _RLR, 0.9, terminal=[False, True])


_RLP = np.array([[[0.8, 0.2], [0.1, 0.9]], [[0.0, 1.0], [0.0, 1.0]]])  # 2 states, 2 actions
_RLR = np.array([[0.0, 1.0], [0.0, 0.0]])
_PI = np.array([[0.5, 0.5], [1.0, 0.0]])
_mdp_kind = Obj(Lazy(_mdp), wrong=[Lazy(_linear_model), {"P": _RLP}])
_rl_rng = Rng(Lazy(lambda: np.random.default_rng(0)))
_policy_kind = Arr(
    _PI,
    extra=[
        Bad("not normalised", _PI * 2),
        Bad("other shape", _PI[:1]),
        Bad("action out of range", np.array([0, 5])),
    ],
)
_V2 = V([0.5, 0.0], extra=[Bad("other length", np.zeros(3))])
example("physml.rl.check_gamma", gamma=Decay(0.9))
record("physml.rl.MDP", P=_RLP, R=_RLR, gamma=0.9, terminal=np.zeros(2, bool), start=0, cum_P=None)
example(
    "physml.rl.make_mdp",
    P=Arr(
        _RLP,
        ndim=3,
        extra=[Bad("not normalised", _RLP * 2), Bad("negative", -_RLP), Bad("not square", _RLP[:, :, :1])],
    ),
    R=Arr(_RLR, ndim=(2, 3), extra=[Bad("other shape", np.zeros((3, 2)))]),
    gamma=Decay(0.9),
    terminal=Arr(
        [False, True], optional=True, extra=[Bad("other length", [False]), Bad("not bools", [0.5, 1.0])]
    ),
    start=Int(0, minimum=0, extra=[Bad("terminal", 1), Bad("no such state", 2)]),
)
example("physml.rl.as_policy", policy=_policy_kind, mdp=_mdp_kind, name=Str("policy"))
record("physml.rl.GridWorld", mdp=None, layout=("S.G",), cells=((0, 0),), slip=0.0)
instance("physml.rl.GridWorld", lambda: _rl().grid_world(("S.G",), slip=0.1))
example(
    "physml.rl.GridWorld.to_grid",
    values=V([0.0, 1.0, 2.0], nan_ok=True, extra=[Bad("other length", np.zeros(2))]),  # NaN: no value
    fill=Any(0.0, extra=[Bad("string", "x"), Bad("inf", float("inf"))]),  # NaN (the default) marks walls
)
example(
    "physml.rl.grid_world",
    layout=Each(
        [Str("S.#"), Str("..G")],
        extra=[Bad("ragged", ("S.#", "G")), Bad("no goal", ("S..",)), Bad("unknown cell", ("S.Z", "..G"))],
    ),
    slip=Real(0.1, minimum=0.0, maximum=1.0),
    step_reward=Real(-0.04),
    goal_reward=Real(1.0),
    trap_reward=Real(-1.0),
    gamma=Decay(0.9),
)
record(
    "physml.rl.ParticleTask", mdp=None, x=np.zeros(1), v=np.zeros(1), forces=(-1, 1), fail=0.1, wall_cost=1.0
)
example(
    "physml.rl.particle_on_line",
    n_x=Size(4),
    n_v=Size(3),
    fail=Real(0.1, minimum=0.0, maximum=1.0, include_max=False),
    wall_cost=NonNeg(10.0),
    gamma=Decay(0.9),
)
example("physml.rl.discounted_return", rewards=V([1.0, 0.0, 2.0]), gamma=Decay(0.9))
example("physml.rl.policy_evaluation", mdp=_mdp_kind, policy=_policy_kind)
example(
    "physml.rl.policy_evaluation_iterative",
    mdp=_mdp_kind,
    policy=_policy_kind,
    tol=Rate(1e-8),
    max_sweeps=Size(1000),
)
for _name in ("q_from_v", "bellman_optimality"):
    example(f"physml.rl.{_name}", mdp=_mdp_kind, V=_V2)
record(
    "physml.rl.ValueIterationResult",
    V=np.zeros(2),
    Q=np.zeros((2, 2)),
    policy=np.zeros(2),
    sweeps=1,
    errors=np.zeros(1),
)
example(
    "physml.rl.value_iteration",
    mdp=_mdp_kind,
    tol=Rate(1e-8),
    max_sweeps=Size(1000),
)
_Q = np.array([[0.0, 1.0], [0.5, 0.2]])
example("physml.rl.greedy", Q=M(_Q))
example("physml.rl.policy_iteration", mdp=_mdp_kind, max_iterations=Size(100))
example("physml.rl.unique_optimum", Q=M(_Q, extra=[Bad("one action", _Q[:, :1])]), margin=NonNeg(1e-6))
example(
    "physml.rl.step",
    mdp=_mdp_kind,
    s=Int(0, minimum=0, extra=[Bad("no such state", 2)]),
    a=Int(1, minimum=0, extra=[Bad("no such action", 2)]),
    rng=_rl_rng,
)
example(
    "physml.rl.run_episode",
    mdp=_mdp_kind,
    policy=_policy_kind,
    seed=Rng(0),
    start=Int(0, minimum=0, optional=True, extra=[Bad("no such state", 2)]),
    max_steps=Size(5),
)
record("physml.rl.Estimate", value=0.0, error=0.1)
example(
    "physml.rl.evaluate_policy",
    mdp=_mdp_kind,
    policy=_policy_kind,
    n_episodes=Int(3, minimum=2),
    seed=Rng(0),
    max_steps=Size(5),
)
example(
    "physml.rl.epsilon_greedy", Q_row=V([0.0, 1.0]), epsilon=Real(0.2, minimum=0.0, maximum=1.0), rng=_rl_rng
)
record(
    "physml.rl.TDResult",
    Q=np.zeros((2, 2)),
    returns=np.zeros(1),
    checkpoints=np.ones(1),
    v_error=np.zeros(1),
    visits=np.zeros((2, 2)),
)
for _name in ("q_learning", "sarsa"):
    example(
        f"physml.rl.{_name}",
        mdp=_mdp_kind,
        n_episodes=Size(3),
        seed=Rng(0),
        epsilon=Real(0.2, minimum=0.0, maximum=1.0),
        alpha0=Real(1.0, minimum=0.0, maximum=1.0, include_min=False),
        alpha_decay=Real(0.6, minimum=0.0, maximum=1.0),
        exploring_starts=Flag(True),
        max_steps=Size(5),
        V_ref=V([0.5, 0.0], optional=True, extra=[Bad("other length", np.zeros(3))]),
        n_checkpoints=Size(2),
    )
example("physml.rl.softmax_policy", theta=M(_Q))
record("physml.rl.ReinforceResult", theta=np.zeros((2, 2)), baseline=np.zeros(2), returns=np.zeros(1))
example(
    "physml.rl.reinforce",
    mdp=_mdp_kind,
    n_episodes=Size(3),
    seed=Rng(0),
    learning_rate=Rate(0.5),
    baseline_rate=Real(0.1, minimum=0.0, maximum=1.0),
    use_baseline=Flag(True),
    max_steps=Size(5),
)
example("physml.rl.running_mean", x=V([1.0, 2.0, 3.0]), window=Size(2))
_THETA = np.array([[0.2, -0.1], [0.0, 0.0]])
_theta_kind = M(_THETA, extra=[Bad("other shape", np.zeros((3, 2)))])
example(
    "physml.rl.reinforce_gradient",
    mdp=_mdp_kind,
    theta=_theta_kind,
    seed=Rng(0),
    baseline=V([0.1, 0.0], optional=True, extra=[Bad("other length", np.zeros(3))]),
    max_steps=Size(20),
)
example("physml.rl.policy_gradient", mdp=_mdp_kind, theta=_theta_kind)


def _particle_task():
    return _rl().particle_on_line(2, 1, gamma=0.9)


def _particle_mdp():
    return _particle_task().mdp


example("physml.rl.particle_features", task=Obj(Lazy(_particle_task), wrong=[Lazy(_mdp)]))
record(
    "physml.rl.DeepRLResult",
    policy=np.zeros((2, 2)),
    returns=np.zeros(1),
    steps=np.zeros(1),
    losses=np.zeros(1),
)
_PARTICLE_FEATURES = np.column_stack([np.repeat(np.arange(-2, 3), 3) / 2, np.tile(np.arange(-1, 2), 5)])
_feat_kind = M(_PARTICLE_FEATURES, extra=[Bad("other rows", _PARTICLE_FEATURES[:-1])])
_particle_kind = Obj(Lazy(_particle_mdp), wrong=[Lazy(_linear_model)])
example(
    "physml.rl.dqn",
    mdp=_particle_kind,
    features=_feat_kind,
    n_steps=Size(64),
    seed=Rng(0),
    n_envs=Size(4),
    hidden=Size(8),
    lr=Real(1e-3, minimum=0.0, maximum=10.0, include_min=False),
    batch_size=Size(8),
    buffer_size=Size(100),
    target_every=Size(5),
    max_episode_steps=Size(10),
    device=Device("cpu"),
)
example(
    "physml.rl.actor_critic",
    mdp=_particle_kind,
    features=_feat_kind,
    n_steps=Size(64),
    seed=Rng(0),
    n_envs=Size(4),
    n_rollout=Size(4),
    hidden=Size(8),
    lr=Real(1e-3, minimum=0.0, maximum=10.0, include_min=False),
    entropy_weight=NonNeg(0.01),
    max_episode_steps=Size(10),
    device=Device("cpu"),
)

# ------------------------------------------------ physml.projects.differential_equations (project)

_de_x = np.linspace(0.0, 1.0, 11)
example("physml.projects.differential_equations.heat_exact", x=Arr(_de_x), t=NonNeg(0.1))
example(
    "physml.projects.differential_equations.check_ftcs",
    u=V(np.exp(-(np.pi**2) * 0.1) * np.sin(np.pi * _de_x)),
    dx=Real(0.1, minimum=0.0, maximum=0.5, include_min=False, extra=[Bad("not 1/N", 0.3)]),
    dt=Rate(0.005),
    t=Rate(0.1, extra=[Bad("not a whole number of steps", 0.1013)]),
)
example(
    "physml.projects.differential_equations.check_pinn",
    u=V(np.sin(np.pi * _de_x), extra=[Bad("too few points", np.ones(5))]),
    t=Rate(0.1),
    target=Rate(0.01),
)
example(
    "physml.projects.differential_equations.lorenz_trajectories", n_traj=Size(2), length=Size(3), seed=Rng(0)
)
example(
    "physml.projects.differential_equations.valid_time",
    same_rows=[("predicted", "true")],
    predicted=Arr(np.zeros((2, 4, 3)), ndim=3, extra=[Bad("2 components", np.zeros((2, 4, 2)))]),
    true=Arr(np.ones((2, 4, 3)), ndim=3),
    threshold=Rate(0.4),
)
example(
    "physml.projects.differential_equations.check_forecaster",
    forecaster=Arr(
        np.zeros((20, 300, 3)),
        ndim=3,
        extra=[
            Bad("wrong length", np.zeros((20, 10, 3))),
            Bad("function of the wrong shape", lambda history, n_steps: np.zeros((20, n_steps))),
            Bad("function returning NaN", lambda history, n_steps: np.full((20, n_steps, 3), np.nan)),
        ],
    ),
    target=Rate(1.0),
)

# ----------------------------------------------------------------- physml.projects.networks (project)


def _nw():
    from physml.projects import networks

    return networks


_nw_sizes = [6, 5, 2]
example(
    "physml.projects.networks.check_initialisation",
    weights=Each([M(_rng.normal(size=(6, 5)) * 0.4), M(_rng.normal(size=(5, 2)) * 0.5)]),
    sizes=Each([Size(6), Size(5), Size(2)]),
    scheme=Choice("he"),
)
record(
    "physml.projects.networks.BackpropProblem",
    X=np.zeros((2, 3)),
    Y=np.zeros((2, 2)),
    weights=(np.zeros((3, 2)),),
    biases=(np.zeros(2),),
    activations=("identity",),
    l2=0.0,
    l1=0.0,
)
record(
    "physml.projects.networks.ConvProblem",
    image=np.zeros((1, 3, 3)),
    kernels=np.zeros((1, 1, 2, 2)),
    bias=np.zeros(1),
)
example("physml.projects.networks.backprop_problem", seed=Rng(0))
example("physml.projects.networks.conv_problem", seed=Rng(0))
example(
    "physml.projects.networks.check_gradient",
    grads=Each(
        [
            M(np.zeros((3, 4))),
            V(np.zeros(4)),
            M(np.zeros((4, 3))),
            V(np.zeros(3)),
            M(np.zeros((3, 2))),
            V(np.zeros(2)),
        ]
    ),
    problem=Obj(Lazy(lambda: _nw().backprop_problem(0)), wrong=[Lazy(lambda: _nw().conv_problem(0))]),
)
example(
    "physml.projects.networks.check_convolution",
    output=Arr(np.zeros((3, 5, 4)), ndim=3, extra=[Bad("same padding", np.zeros((3, 7, 6)))]),
    problem=Obj(Lazy(lambda: _nw().conv_problem(0)), wrong=[Lazy(lambda: _nw().backprop_problem(0))]),
)
example(
    "physml.projects.networks.ising_training_set",
    n_per_temperature=Size(2),
    seed=Rng(0),
    temperatures=V([1.5, 3.0], extra=[Bad("negative", np.array([1.5, -3.0]))]),
)
example(
    "physml.projects.networks.check_classifier",
    predicted=V(
        np.ones(360), extra=[Bad("not a label", np.full(360, 0.5)), Bad("wrong length", np.ones(10))]
    ),
    target=Real(0.9, minimum=0.0, maximum=1.0, include_min=False),
)


# ==============================================================================================
# physml.projects.generative (project path "generative")
# ==============================================================================================


def _pg_digits():
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data[:20], digits.target[:20].astype(float)


_PG_IMAGES, _PG_LABELS = _pg_digits()
_PG_SPINS = np.where(np.arange(4 * 9).reshape(4, 3, 3) % 3 == 0, 1.0, -1.0)
_pg_W = M(np.full((9, 2), 0.1), extra=[Bad("other rows", np.zeros((8, 2)))])
_pg_a = V(np.zeros(9), extra=[Bad("other length", np.zeros(8))])
_pg_b = V(np.zeros(2), extra=[Bad("other length", np.zeros(3))])
_pg_spins = Arr(
    _PG_SPINS,
    ndim=(2, 3),
    extra=[Bad("0/1 units", (_PG_SPINS + 1) / 2), Bad("other lattice", np.ones((4, 2, 2)))],
)
_pg_images = Arr(
    _PG_IMAGES,
    ndim=(2, 3),
    extra=[Bad("other width", _PG_IMAGES[:, :60]), Bad("above 16", _PG_IMAGES * 2 + 1)],
)
_pg_labels = V(_PG_LABELS, extra=[Bad("not integers", _PG_LABELS + 0.5), Bad("above 9", _PG_LABELS + 10)])
example("physml.projects.generative.ising_data", n_samples=Size(5), seed=Rng(0), T=Rate(2.5))
example(
    "physml.projects.generative.binarised_digits",
    threshold=Real(8.0, minimum=0.0, maximum=16.0, include_min=False),
)
for _name in ("judge_confusion", "check_digit_samples"):
    example(
        f"physml.projects.generative.{_name}",
        same_rows=[("images", "labels")],
        images=_pg_images,
        labels=_pg_labels,
    )
example(
    "physml.projects.generative.check_log_likelihood",
    W=_pg_W,
    a=_pg_a,
    b=_pg_b,
    log_likelihood=Real(-6.0),
    spins=_pg_spins,
)
example("physml.projects.generative.check_beats_independent", W=_pg_W, a=_pg_a, b=_pg_b, T=Rate(2.5))
example(
    "physml.projects.generative.check_sample_observables",
    samples=Arr(np.tile(_PG_SPINS, (5, 1, 1)), ndim=(2, 3), extra=[Bad("0/1 units", np.zeros((20, 9)))]),
    T=Rate(2.5),
)


# ==============================================================================================
# physml.projects.bayesian (project path "bayesian")
# ==============================================================================================

_PB_T = np.linspace(0.0, 10.0, 8)
_PB_Y = np.cos(2.0 * _PB_T) * np.exp(-0.3 * _PB_T)
_PB_TEST = np.array([0.5, 5.5, 11.0])
_pb_t = V(_PB_T)
_pb_y = V(_PB_Y)
_pb_hyper = {"length_scale": Rate(0.8), "signal_variance": Rate(0.2), "noise_variance": Rate(0.01)}
example("physml.projects.bayesian.oscillator", t=V(_PB_TEST))
example("physml.projects.bayesian.oscillator_data", n_samples=Size(5), seed=Rng(0))
example("physml.projects.bayesian.design_matrix", t=V(_PB_TEST))
example(
    "physml.projects.bayesian.check_gp_posterior",
    same_rows=[("t_train", "y_train"), ("t_test", "mean", "std")],
    t_train=_pb_t,
    y_train=_pb_y,
    t_test=V(_PB_TEST),
    mean=V(np.zeros(3)),
    std=V(np.full(3, 0.1), extra=[Bad("negative", np.full(3, -0.1))]),
    **_pb_hyper,
)
example(
    "physml.projects.bayesian.check_log_marginal_likelihood",
    same_rows=[("t_train", "y_train")],
    t_train=_pb_t,
    y_train=_pb_y,
    value=Real(1.0),
    **_pb_hyper,
)
example(
    "physml.projects.bayesian.check_evidence_maximum",
    same_rows=[("t_train", "y_train")],
    t_train=_pb_t,
    y_train=_pb_y,
    **_pb_hyper,
)
_PB_LOWER = np.full(400, -1.0)
example(
    "physml.projects.bayesian.check_coverage",
    lower=V(_PB_LOWER, extra=[Bad("other length", _PB_LOWER[:-1])]),
    upper=V(-_PB_LOWER, extra=[Bad("other length", -_PB_LOWER[:-1]), Bad("below lower", _PB_LOWER - 1)]),
)
example(
    "physml.projects.bayesian.check_mcmc_posterior",
    same_rows=[("t", "y")],
    t=_pb_t,
    y=_pb_y,
    means=V([0.8, -0.5], extra=[Bad("three coefficients", np.zeros(3))]),
    errors=V([0.01, 0.01], extra=[Bad("three coefficients", np.full(3, 0.01)), Bad("zero", np.zeros(2))]),
)


# ==============================================================================================
# physml.projects.own_data (project path "own_data")
# ==============================================================================================


def _od():
    from physml.projects import own_data

    return own_data


_OD_TABLE = _od().nuclear_table()
_OD_N = len(_OD_TABLE)
_OD_TRAIN = np.arange(0, _OD_N, 2).astype(float)
_OD_TEST = np.arange(1, _OD_N, 4).astype(float)
_OD_FEATURES = _OD_TABLE[["Z", "N"]].to_numpy(float)
_OD_COEF = np.array([15.7, 17.9, 0.716, 23.2, 11.5])
_od_index = {
    "extra": [Bad("not whole numbers", np.array([0.5, 1.0, 2.0])), Bad("no such row", np.array([0.0, 1e6]))]
}
example(
    "physml.projects.own_data.binding_energy",
    Z=Arr([26.0, 8.0], extra=[Bad("negative", np.array([-1.0, 8.0]))]),
    N=Arr([30.0, 8.0], extra=[Bad("other shape", np.array([30.0])), Bad("not whole", np.array([30.5, 8.0]))]),
    mass_u=Arr([55.93493633, 15.99491462], extra=[Bad("zero mass", np.array([0.0, 16.0]))]),
)
example(
    "physml.projects.own_data.nuclear_table",
    min_z=Int(8, minimum=1, extra=[Bad("no nucleus left", 500)]),
    min_n=Int(8, minimum=0),
    max_uncertainty_kev=Rate(100.0),
)
example(
    "physml.projects.own_data.liquid_drop_energy",
    coefficients=V(_OD_COEF, extra=[Bad("four terms", _OD_COEF[:4])]),
    Z=Arr([26.0, 8.0], extra=[Bad("Z = 0", np.array([0.0, 8.0]))]),
    N=Arr([30.0, 8.0], extra=[Bad("other shape", np.array([30.0]))]),
)
example(
    "physml.projects.own_data.rms_with_error",
    residuals=V([0.5, -1.0, 2.0, 0.1], extra=[Bad("one value", np.array([1.0]))]),
    n_bootstrap=Int(50, minimum=2),
    seed=Rng(0),
)
example(
    "physml.projects.own_data.check_liquid_drop",
    coefficients=V(_OD_COEF, extra=[Bad("four terms", _OD_COEF[:4])]),
    train_index=V(_OD_TRAIN, optional=True, **_od_index),
)
example(
    "physml.projects.own_data.check_no_leakage",
    train_index=V(_OD_TRAIN, **_od_index),
    test_index=V(_OD_TEST, **_od_index),
    features=M(_OD_FEATURES, optional=True, extra=[Bad("a row short", _OD_FEATURES[:-1])]),
    scaler_mean=V(_OD_FEATURES[::2].mean(axis=0), optional=True, extra=[Bad("three values", np.ones(3))]),
    scaler_scale=V(_OD_FEATURES[::2].std(axis=0), optional=True, extra=[Bad("three values", np.ones(3))]),
)
example(
    "physml.projects.own_data.check_heldout_rms",
    same_rows=[("predictions", "test_index")],
    predictions=V(_OD_TABLE["B_MeV"].to_numpy()[1::4]),
    test_index=V(_OD_TEST, **_od_index),
    train_index=V(_OD_TRAIN, extra=[Bad("too few", np.arange(5.0) * 2)]),
    margin=Real(0.25, minimum=0.0, maximum=1.0, include_max=False),
    n_bootstrap=Int(50, minimum=2),
    seed=Rng(0),
)


# ==============================================================================================
# physml.projects.hpc (project path "hpc")
# ==============================================================================================


def _hpc():
    from physml.projects import hpc

    return hpc


def _hpc_local_energy(x, alpha, beta, omega, a):
    return _hpc().loop_local_energy(x, alpha, beta, omega, a)


_HPC_X = np.array([[[0.3, -0.2], [-0.5, 0.4]], [[1.0, 0.1], [0.2, -0.7]]])
_HPC_P = np.array([1.0, 2.0, 4.0])
_HPC_T = 2.0 * (0.05 + 0.95 / _HPC_P)[:, None] * np.array([1.0, 1.01, 0.99])
example(
    "physml.projects.hpc.loop_local_energy",
    x=Arr(_HPC_X, ndim=3),
    alpha=Rate(0.5),
    beta=NonNeg(0.4),
    omega=Rate(1.0),
    a=Real(1.0),
)
example(
    "physml.projects.hpc.walker_positions",
    n_walkers=Size(3),
    n_particles=Size(2),
    dims=Size(2),
    seed=Rng(0),
)
example("physml.projects.hpc.trap_energy_draws", n=Size(5), seed=Rng(0))
record(
    "physml.projects.hpc.AmdahlFit",
    serial_fraction=0.05,
    serial_fraction_error=0.01,
    t1=2.0,
    t1_error=0.01,
    chi2=1.0,
    dof=1,
)
example(
    "physml.projects.hpc.amdahl_fit",
    same_rows=[("processes", "times")],
    processes=V(
        _HPC_P,
        extra=[Bad("a count twice", np.array([1.0, 2.0, 2.0])), Bad("zero", np.array([0.0, 2.0, 4.0]))],
    ),
    times=M(_HPC_T, extra=[Bad("negative", -_HPC_T)]),
)
example(
    "physml.projects.hpc.amdahl_efficiency",
    p=Arr([1.0, 64.0], extra=[Bad("zero processes", np.array([0.0]))]),
    serial_fraction=Real(0.05, minimum=0.0, maximum=1.0),
)
example("physml.projects.hpc.check_local_energy", local_energy=Fn(_hpc_local_energy))
example(
    "physml.projects.hpc.check_speedup",
    same_rows=[("processes", "times")],
    processes=V(_HPC_P, extra=[Bad("a count twice", np.array([1.0, 2.0, 2.0]))]),
    times=M(_HPC_T, extra=[Bad("negative", -_HPC_T)]),
)
_HPC_F = np.array([3.1, 2.9, 3.3, 3.0, 2.8])
example(
    "physml.projects.hpc.check_parallel_mean",
    same_rows=[("sums", "sums_of_squares", "counts")],
    mean=Real(3.0),
    error=NonNeg(0.1),
    sums=V([_HPC_F[:3].sum(), _HPC_F[3:].sum()]),
    sums_of_squares=V(
        [_HPC_F[:3] @ _HPC_F[:3], _HPC_F[3:] @ _HPC_F[3:]], extra=[Bad("negative", np.array([-1.0, 1.0]))]
    ),
    counts=V([3.0, 2.0], extra=[Bad("not whole", np.array([2.5, 2.5]))]),
    n_draws=Int(5, minimum=2),
    seed=Rng(0),
)


# ==============================================================================================
# physml.distributed (data parallelism with torch.distributed; chapter on fast and parallel codes)
# ==============================================================================================


def _ddp_cfg(**changes):
    """A tiny run: the launcher's example starts one torchrun process for three steps."""
    from physml.distributed import DDPRun

    return DDPRun(n_samples=32, n_features=2, width=4, global_batch=8, steps=3, **changes)


def _ddp_model():
    from physml import distributed

    return distributed.make_model(_ddp_cfg())


_DDP_CFG = Obj(Lazy(_ddp_cfg), wrong=[Lazy(lambda: _toy()[0]()), {"steps": 3}])
# A Settings object checks its own fields (types, ranges, NaN) when it is made and names each
# as "DDPRun.<field>" (tests/unit/test_experiment.py, tests/unit/test_distributed.py).
example(
    "physml.distributed.DDPRun",
    n_samples=Any(32),
    n_features=Any(2),
    width=Any(4),
    global_batch=Any(8),
    steps=Any(3),
    lr=Any(0.05),
    seed=Any(0),
    dtype=Any("float64"),
    device=Any("cpu"),
)
instance("physml.distributed.DDPRun", _ddp_cfg)
example(
    "physml.distributed.DDPRun.variant_change", cfg=Obj(Lazy(_ddp_cfg), wrong=[Lazy(lambda: _toy()[0]())])
)
example("physml.distributed.make_data", cfg=_DDP_CFG)
example("physml.distributed.make_model", cfg=_DDP_CFG)
example(
    "physml.distributed.allreduce_mean_gradients",
    model=Obj(Lazy(_ddp_model), wrong=[Lazy(_torch(np.zeros(3)))]),
    world_size=Size(1, extra=[Bad("no process group for two", 2)]),
)
example("physml.distributed.train_single", cfg=_DDP_CFG)
example(
    "physml.distributed.train_ddp",
    cfg=_DDP_CFG,
    world_size=Size(1, extra=[Bad("does not divide cfg.global_batch", 3)]),
    manual=Flag(False),
    timeout=Rate(120.0, maximum=86400.0),
)

# ----------------------------------------------------------------------------- physml.datasets


def _datasets_files():
    """A data folder with a tiny MNIST (IDX, gzipped) and one CIFAR-10 batch, written here."""
    import gzip
    import pickle
    import struct
    from pathlib import Path

    root = Path(_tmp_dir())
    folder = root / "MNIST" / "raw"
    folder.mkdir(parents=True)
    for split, n in (("train", 3), ("t10k", 2)):
        for kind, shape in (("images-idx3", (n, 28, 28)), ("labels-idx1", (n,))):
            header = bytes([0, 0, 0x08, len(shape)]) + struct.pack(f">{len(shape)}I", *shape)
            content = header + bytes(int(np.prod(shape)))
            (folder / f"{split}-{kind}-ubyte.gz").write_bytes(gzip.compress(content))
    batch = root / "data_batch_1"
    batch.write_bytes(
        pickle.dumps({b"data": np.zeros((2, 3072), dtype=np.uint8), b"labels": [0, 1]}, protocol=2)
    )
    return str(root), str(folder / "train-images-idx3-ubyte.gz"), str(batch)


_DATA_ROOT, _DATA_IDX, _DATA_BATCH = _datasets_files()
example("physml.datasets.read_idx", path=Str(_DATA_IDX))
example("physml.datasets.read_cifar_batch", path=Str(_DATA_BATCH))
example(
    "physml.datasets.load_images",
    name=Choice("mnist"),
    root=Str(_DATA_ROOT, optional=True, extra=[Bad("empty", "")]),
    download=Flag(False),
    allow_fallback=Flag(True),
    n_train=Size(2, optional=True),
    n_test=Size(1, optional=True),
)
record(
    "physml.datasets.ImageData",
    name="digits",
    X_train=np.zeros((2, 1, 8, 8), dtype=np.float32),
    y_train=np.zeros(2, dtype=np.int64),
    X_test=np.zeros((1, 1, 8, 8), dtype=np.float32),
    y_test=np.zeros(1, dtype=np.int64),
    fallback=False,
    source="sklearn.datasets.load_digits",
    classes=tuple("0123456789"),
    requested="digits",
    message="",
)


# ==============================================================================================
# physml.hpc (chapter "Fast and parallel ML codes")
# ==============================================================================================
_HPCC_T = np.array([[1.0e-3, 1.1e-3, 0.9e-3], [2.0e-3, 2.1e-3, 1.9e-3], [11e-3, 12e-3, 10e-3]])
_HPCC_F = np.array([1e5, 1e6, 1e7])
_HPCC_P = np.array([1.0, 2.0, 4.0])
_HPCC_X = np.array([[[0.3, -0.2], [-0.5, 0.4]], [[1.0, 0.1], [0.2, -0.7]]])
_HPCC_PROCESSES = Arr([1.0, 8.0, 64.0], extra=[Bad("zero processes", np.array([0.0]))])


def _hpc_noop():
    return None


def _hpc_torch_step():
    import torch

    return float(torch.ones(4, 4).sum())


def _hpc_step_model():
    from physml.hpc import StepModel

    return StepModel(1e-3, 1e-4, 1e10, 1e9, 1.0, 1)


def _hpc_amdahl_fit():
    from physml.hpc import AmdahlFit

    return AmdahlFit(0.05, 0.01, 2.0, 0.01, 1.0, 1)


record("physml.hpc.Timing", seconds=np.array([1e-3, 1.2e-3, 0.9e-3]), number=1)
record("physml.hpc.Kernel", name="GEMM", flops=2e6, bytes=2.4e4, timing=None)
record("physml.hpc.StepModel", t0=1e-3, t0_error=1e-4, rate=1e10, rate_error=1e9, chi2=1.0, dof=1)
record(
    "physml.hpc.AmdahlFit",
    serial_fraction=0.05,
    serial_fraction_error=0.01,
    t1=2.0,
    t1_error=0.01,
    chi2=1.0,
    dof=1,
)
record(
    "physml.hpc.ScalingPrediction",
    processes=np.ones(1),
    strong_time=np.ones(1),
    strong_efficiency=np.ones(1),
    weak_time=np.ones(1),
    weak_efficiency=np.ones(1),
    scaled_speedup=np.ones(1),
)
instance("physml.hpc.StepModel", _hpc_step_model)
instance("physml.hpc.AmdahlFit", _hpc_amdahl_fit)
example("physml.hpc.StepModel.predict", flops=Arr([1e6, 1e8]))
example("physml.hpc.AmdahlFit.efficiency", p=_HPCC_PROCESSES)
example("physml.hpc.AmdahlFit.efficiency_error", p=_HPCC_PROCESSES)
example("physml.hpc.synchronizer", device=Device("cpu"))
example(
    "physml.hpc.time_call",
    f=Fn(_hpc_noop),
    repeats=Size(3),
    min_seconds=NonNeg(0.0, maximum=60.0),
    sync=Fn(_hpc_noop, optional=True),
)
example("physml.hpc.threads", n=Size(1))
example("physml.hpc.matmul_cost", m=Size(2), k=Size(3), n=Size(4), itemsize=Size(8))
example(
    "physml.hpc.roofline",
    intensity=Arr([0.1, 10.0], extra=[Bad("negative", np.array([-1.0]))]),
    peak=Rate(1e10),
    bandwidth=Rate(1e9),
)
for _hpc_kernel in ("gemm", "matvec", "triad"):
    example(
        f"physml.hpc.measure_{_hpc_kernel}",
        n=Size(16),
        dtype=Choice("float32"),
        device=Device("cpu"),
        repeats=Size(2),
        seed=Int(0, minimum=0),
    )
example("physml.hpc.mlp_step_flops", batch=Size(4), layer_sizes=Shape([4, 3, 2]))
example(
    "physml.hpc.make_mlp_step",
    layer_sizes=Shape([4, 3, 2]),
    batch=Size(4),
    dtype=Choice("float64"),
    seed=Rng(0),
)
example(
    "physml.hpc.fit_step_model",
    same_rows=[("flops", "times")],
    flops=V(_HPCC_F, extra=[Bad("one value", np.full(3, 1e6)), Bad("negative", -_HPCC_F)]),
    times=M(_HPCC_T, extra=[Bad("negative", -_HPCC_T)]),
)
for _law in ("amdahl_speedup", "amdahl_efficiency", "gustafson_speedup", "gustafson_efficiency"):
    example(f"physml.hpc.{_law}", p=_HPCC_PROCESSES, serial_fraction=Real(0.05, minimum=0.0, maximum=1.0))
example(
    "physml.hpc.fit_serial_fraction",
    same_rows=[("processes", "times")],
    processes=V(
        _HPCC_P,
        extra=[Bad("one count", np.array([2.0, 2.0, 2.0])), Bad("zero", np.array([0.0, 2.0, 4.0]))],
    ),
    times=M(_HPCC_T[::-1] * 100, extra=[Bad("negative", -_HPCC_T)]),
)
example(
    "physml.hpc.ring_allreduce_time",
    p=_HPCC_PROCESSES,
    n_bytes=NonNeg(1e6),
    latency=NonNeg(1e-6),
    bandwidth=Rate(1e9),
)
example(
    "physml.hpc.predict_scaling",
    processes=_HPCC_PROCESSES,
    fixed=NonNeg(1e-3),
    work=NonNeg(1e-2),
    comm_bytes=NonNeg(1e6),
    latency=NonNeg(1e-6),
    bandwidth=Rate(1e9),
)
example("physml.hpc.loop_log_psi", x=Arr(_HPCC_X, ndim=3), alpha=Rate(0.5), beta=NonNeg(0.4), a=Real(1.0))
example(
    "physml.hpc.loop_metropolis",
    x=Arr(_HPCC_X, ndim=3),
    alpha=Rate(0.5),
    beta=NonNeg(0.4),
    step_size=Rate(1.2),
    n_sweeps=Size(2),
    seed=Int(0, minimum=0),
    a=Real(1.0),
)
example("physml.hpc.recursive_sum", x=V([1.0, 2.0, 3.5]))
example(
    "physml.hpc.summation_bound",
    x=V([1.0, 2.0, 3.5]),
    dtype=Choice("float32"),
)
example("physml.hpc.cprofile_top", func=Fn(_hpc_noop), n=Size(3))
example(
    "physml.hpc.torch_profile_top",
    step=Fn(_hpc_torch_step),
    n=Size(2),
    n_steps=Size(1),
    device=Device("cpu"),
)
example(
    "physml.hpc.vmc_iteration_timing",
    n_walkers=Size(8),
    n_steps=Int(16, minimum=16),
    repeats=Size(1),
    seed=Int(0, minimum=0),
)
example(
    "physml.hpc.mpi_scaling",
    ranks=Size(1),
    n_walkers=Size(8),
    n_steps=Int(16, minimum=16),
    repeats=Size(1),
    seed=Int(0, minimum=0),
    timeout=Rate(120.0, maximum=86400.0),
    sizes=Shape((8,)),
)

# ----------------------------------------------------------------------------- physml.operators


def _op():
    from physml import operators

    return operators


def _op_tensor(*shape, dtype=None):
    import torch

    return torch.linspace(-1.0, 1.0, int(np.prod(shape)), dtype=dtype or torch.float32).reshape(shape)


_op_coeffs = np.array([[1.0, 0.5, -0.25], [0.3, -1.0, 0.1]])
_op_x = np.linspace(0.0, 1.0, 6)
_op_f = np.sin(np.pi * np.arange(8) / 8)[None] * np.array([[1.0], [2.0], [-1.5], [0.5]])
_op_u = _op_f / np.pi**2


def _op_fno():
    return _op().FNO1d(width=4, modes=3, n_layers=1, seed=0)


def _op_deeponet():
    return _op().DeepONet(n_sensors=8, width=4, n_basis=3, depth=1, seed=0)


def _op_transformer():
    return _op().GridTransformer(d_model=4, n_heads=2, n_layers=1, d_ff=8, n_freq=1, seed=0)


def _op_wrong_model():
    import torch

    torch.manual_seed(0)
    return torch.nn.Linear(8, 3)  # maps sources to 3 values, not to a solution on the grid


example("physml.operators.grid", n=Int(8, minimum=2))
example(
    "physml.operators.source_coefficients",
    n_samples=Size(3),
    n_modes=Size(4),
    decay=Real(1.0, minimum=0.0, maximum=10.0),
    seed=Rng(0),
)
for _name in ("sine_series", "poisson_exact"):
    example(
        f"physml.operators.{_name}",
        coeffs=Arr(_op_coeffs, ndim=(1, 2), extra=[huge(_op_coeffs)]),
        x=V(_op_x),
    )
example(
    "physml.operators.solve_bvp",
    f=Arr(_op_f, ndim=(1, 2), extra=[Bad("two grid points", np.ones((2, 2))), huge(_op_f)]),
    kappa=Real(1.0, minimum=0.0, maximum=1e6),
    tol=Rate(1e-10),
    max_iter=Size(30, extra=[Bad("too few iterations to converge", 1, (ValueError,))]),
)
example(
    "physml.operators.SpectralConv1d",
    in_channels=Size(2),
    out_channels=Size(3),
    modes=Size(4),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance("physml.operators.SpectralConv1d", Lazy(lambda: _op().SpectralConv1d(2, 3, 4, seed=0)).build)
example(
    "physml.operators.SpectralConv1d.forward",
    v=T(
        Lazy(lambda: _op_tensor(2, 2, 8)),
        wrong=[Lazy(lambda: _op_tensor(2, 3, 8)), Lazy(lambda: _op_tensor(2, 8)), np.zeros((2, 2, 8))],
        model_dtype=True,
    ),
)
example(
    "physml.operators.spectral_conv_reference",
    weight=Arr(
        np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4),  # real weights are complex weights too
        ndim=3,
        complex_ok=True,
        extra=[Bad("2-d", np.ones((2, 3)))],
    ),
    v=Arr(np.ones((1, 2, 8)), ndim=3, extra=[Bad("other channels", np.ones((1, 3, 8)))]),
)
example(
    "physml.operators.FNO1d",
    width=Size(4),
    modes=Size(3),
    n_layers=Size(1),
    dirichlet=Flag(True),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance("physml.operators.FNO1d", Lazy(_op_fno).build)
_op_sources = T(
    Lazy(lambda: _op_tensor(3, 8)),
    wrong=[Lazy(lambda: _op_tensor(3, 8, 1)), Lazy(lambda: _op_tensor(3, 1)), np.zeros((3, 8))],
    model_dtype=True,
)
example("physml.operators.FNO1d.forward", f=_op_sources)
example(
    "physml.operators.DeepONet",
    n_sensors=Int(8, minimum=2),
    width=Size(4),
    n_basis=Size(3),
    depth=Size(1),
    dirichlet=Flag(True),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance("physml.operators.DeepONet", Lazy(_op_deeponet).build)
example(
    "physml.operators.DeepONet.forward",
    f=T(
        Lazy(lambda: _op_tensor(3, 16)),
        wrong=[Lazy(lambda: _op_tensor(3, 12)), Lazy(lambda: _op_tensor(3, 16, 1)), np.zeros((3, 16))],
        model_dtype=True,
    ),
)
example(
    "physml.operators.GridTransformer",
    d_model=Size(4),
    n_heads=Size(2, extra=[Bad("does not divide d_model", 3)]),
    n_layers=Size(1),
    d_ff=Size(8),
    n_freq=Int(1, minimum=0),
    dirichlet=Flag(True),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
instance("physml.operators.GridTransformer", Lazy(_op_transformer).build)
example("physml.operators.GridTransformer.forward", f=_op_sources)
example("physml.operators.GridTransformer.features", f=_op_sources)
example(
    "physml.operators.fit_linear_operator",
    same_rows=[("f", "u")],
    f=M(_op_f, extra=[huge(_op_f)]),
    u=M(_op_u),
    rcond=Real(1e-10, minimum=0.0, maximum=1.0),
)
example(
    "physml.operators.relative_errors",
    u_pred=M(_op_u * 1.1, extra=[huge(_op_u), Bad("other shape", _op_u[:, :4])]),
    u_true=M(_op_u, extra=[Bad("a zero row", np.vstack([_op_u[:3], np.zeros((1, 8))])), huge(_op_u)]),
)
_op_model = Obj(Lazy(_op_fno), wrong=[Lazy(_linear_model), Lazy(_op_wrong_model)])
example(
    "physml.operators.train_operator",
    same_rows=[("f", "u")],
    model=_op_model,
    f=M(_op_f, extra=[Bad("other grid than u", _op_f[:, :4])]),
    u=M(_op_u, extra=[Bad("a zero row", np.vstack([_op_u[:3], np.zeros((1, 8))]))]),
    steps=Size(2),
    lr=Rate(1e-3, maximum=10.0),
    batch_size=Size(2),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
)
example(
    "physml.operators.predict",
    model=_op_model,
    f=M(_op_f, extra=[Bad("3-d tensor-like", np.ones((2, 2, 8)))]),
    batch_size=Size(3),
)

# --------------------------------------------------------------------------- physml.higher_order


def _ho_point():
    return _t(np.array([0.5, -0.3, 1.2]), "float64")


def _ho_net():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Tanh(), torch.nn.Linear(3, 3), torch.nn.Tanh())


def _ho_f(x):
    return (x**2).sum()


_ho_x = T(Lazy(_ho_point), wrong=[np.zeros(3), Lazy(lambda: _t(np.zeros((2, 3)), "float64"))], finite=True)
example("physml.higher_order.rosenbrock", x=_ho_x)
example("physml.higher_order.rosenbrock_hessian", x=Arr(np.array([0.5, -0.3, 1.2])))
example(
    "physml.higher_order.hvp",
    f=Fn(_ho_f),
    x=_ho_x,
    v=T(Lazy(_ho_point), wrong=[np.zeros(3), Lazy(lambda: _t(np.zeros(4), "float64"))], finite=True),
    method=Choice("forward-over-reverse"),
)
example("physml.higher_order.laplacian", f=Fn(_ho_f), x=_ho_x)
example(
    "physml.higher_order.hutchinson_laplacian", f=Fn(_ho_f), x=_ho_x, n_probes=Int(4, minimum=2), seed=Rng(0)
)
example(
    "physml.higher_order.saved_activation_bytes",
    model=Obj(Lazy(_ho_net), wrong=[Lazy(lambda: __import__("torch").nn.Linear(3, 3))]),
    x=T(Lazy(lambda: _t(np.zeros((2, 3)))), wrong=[np.zeros((2, 3))], finite=True),
    segments=Int(2, minimum=0),
)


# ----------------------------------------------------------------------------- physml.flows


def _fl():
    from physml import flows

    return flows


_FX = np.random.default_rng(21).normal(size=(6, 2))
_FMASK = np.array([1.0, 0.0])


def _flow():
    import torch

    torch.manual_seed(0)
    return _fl().RealNVP(2, 2, (4,))


def _dw_log_density(x):
    return -_fl().double_well_energy(x)


_fx_t = T(Lazy(lambda: _t(_FX)), wrong=[_FX], **_net_t)
_flow_kind = Obj(Lazy(_flow), wrong=[Lazy(_made), Lazy(_linear_model)])
_hidden_kind = Each([Size(4)])
_fmask = V(
    _FMASK,
    extra=[
        Bad("not binary", np.array([0.5, 0.0])),
        Bad("all passed", np.ones(2)),
        Bad("none passed", np.zeros(2)),
    ],
)
example("physml.flows.alternating_masks", dim=Int(4, minimum=2), n_layers=Size(3))
example("physml.flows.AffineCoupling", mask=_fmask, hidden=_hidden_kind, scale_bound=Rate(2.0))
instance("physml.flows.AffineCoupling", lambda: _fl().AffineCoupling(_FMASK, (4,)))
example("physml.flows.AffineCoupling.scale_shift", x=Any(Lazy(lambda: _t(_FX))))
example("physml.flows.AffineCoupling.forward", x=_fx_t)
example("physml.flows.AffineCoupling.inverse", z=_fx_t)
example(
    "physml.flows.RealNVP",
    dim=Int(2, minimum=2),
    n_layers=Size(2),
    hidden=_hidden_kind,
    scale_bound=Rate(2.0),
    masks=Any(None),
)
instance("physml.flows.RealNVP", _flow)
example("physml.flows.RealNVP.forward", x=_fx_t)
example("physml.flows.RealNVP.inverse", z=_fx_t)
example("physml.flows.RealNVP.log_prob", x=_fx_t)
example("physml.flows.RealNVP.sample", n=Size(3), seed=Int(0, minimum=0))
example(
    "physml.flows.fit_flow",
    flow=_flow_kind,
    train=M(_FX, extra=[Bad("other width", np.ones((6, 3)))]),
    val=M(_FX[:3], optional=True, extra=[Bad("other width", np.ones((3, 3)))]),
    epochs=Size(1),
    lr=Rate(1e-3),
    batch_size=Size(3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)
example(
    "physml.flows.fit_reverse_kl",
    flow=_flow_kind,
    log_density=Fn(_dw_log_density),
    steps=Size(2),
    batch_size=Int(4, minimum=2),
    lr=Rate(1e-3),
    seed=Int(0, minimum=0),
    device=Device("cpu"),
    num_threads=Size(1, optional=True),
)
_lw = V([0.1, -0.3, 0.5, 0.0])
example(
    "physml.flows.importance_log_weights",
    same_rows=[("log_p", "log_q")],
    log_p=_lw,
    log_q=V([0.0, 0.1, 0.2, 0.3]),
)
example("physml.flows.effective_sample_size", log_w=_lw)
example(
    "physml.flows.reweighted_mean", same_rows=[("values", "log_w")], values=V([1.0, 2.0, 0.5, 3.0]), log_w=_lw
)
example(
    "physml.flows.log_partition", log_w=V([0.1, -0.3, 0.5, 0.0], extra=[Bad("one weight", np.array([0.1]))])
)
example(
    "physml.flows.double_well_energy",
    x=M(_FX, extra=[Bad("three columns", np.ones((3, 3)))]),
    barrier=NonNeg(2.0),
    tilt=Real(0.5),
)
