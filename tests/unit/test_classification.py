"""Logistic and softmax regression: gradients and Hessians against finite differences,
agreement with scikit-learn, the C <-> lambda mapping, and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from physml import classification as cl
from physml.studies import classification as study


def _binary_problem(seed, n=40, p=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (X @ rng.standard_normal(p) + 0.5 * rng.standard_normal(n) > 0).astype(int)
    y[:2] = [0, 1]
    return X, y, rng


def _numerical_gradient(f, theta, h=1e-6):
    g = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        g[idx] = (f(theta + e) - f(theta - e)) / (2 * h)
    return g


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.0, 1.0))
def test_binary_gradient_matches_finite_differences(seed, lam):
    X, y, rng = _binary_problem(seed)
    theta = rng.standard_normal(X.shape[1] + 1)
    numeric = _numerical_gradient(lambda t: cl.binary_cross_entropy(t, X, y, lam), theta)
    np.testing.assert_allclose(cl.binary_gradient(theta, X, y, lam), numeric, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.0, 1.0))
def test_binary_hessian_matches_finite_differences_of_gradient(seed, lam):
    X, y, rng = _binary_problem(seed)
    theta = rng.standard_normal(X.shape[1] + 1)
    H = cl.binary_hessian(theta, X, y, lam)
    numeric = np.array(
        [
            (cl.binary_gradient(theta + e, X, y, lam) - cl.binary_gradient(theta - e, X, y, lam)) / 2e-6
            for e in 1e-6 * np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(H, numeric, atol=1e-7)
    assert np.all(np.linalg.eigvalsh(H) >= -1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), lam=st.floats(0.0, 1.0), K=st.integers(2, 4))
def test_softmax_gradient_and_hessian_match_finite_differences(seed, lam, K):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 2))
    y = rng.integers(0, K, size=30)
    Theta = rng.standard_normal((3, K))
    numeric = _numerical_gradient(lambda t: cl.softmax_cross_entropy(t, X, y, lam), Theta)
    G = cl.softmax_gradient(Theta, X, y, lam)
    np.testing.assert_allclose(G, numeric, atol=1e-7)
    H = cl.softmax_hessian(Theta, X, lam)
    flat = lambda T: cl.softmax_gradient(T, X, y, lam).T.reshape(-1)  # noqa: E731
    cols = []
    for e in 1e-6 * np.eye(Theta.size):
        E = e.reshape(K, 3).T
        cols.append((flat(Theta + E) - flat(Theta - E)) / 2e-6)
    np.testing.assert_allclose(H, np.array(cols), atol=1e-6)


def test_sigmoid_and_softmax_are_stable():
    z = np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0])
    s = cl.sigmoid(z)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    np.testing.assert_allclose(s + cl.sigmoid(-z), 1.0)
    a = cl.softmax(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(a, [[0.5, 0.5, 0.0]])
    X = np.array([[1.0], [-1.0]])
    assert np.isfinite(cl.binary_cross_entropy([0.0, 1e4], X, [0, 1]))


def test_softmax_with_two_classes_is_logistic_regression():
    """With K = 2, w_1 - w_0 of the softmax fit equals the logistic weights at lambda/2.

    The penalty ||w_0||^2 + ||w_1||^2 with w_0 = -w_1 = -w/2 equals ||w||^2 / 2."""
    X, y, _ = _binary_problem(3)
    lam = 0.01
    soft = cl.fit_softmax(X, y, lam)
    logi = cl.fit_logistic_newton(X, y, lam / 2)
    np.testing.assert_allclose(soft.theta[:, 1] - soft.theta[:, 0], logi.theta, atol=1e-8)


@pytest.mark.parametrize("lam", [1e-3, 1e-1])
def test_fits_equal_sklearn_with_C_mapping(lam):
    X, y, _ = _binary_problem(5, n=80, p=4)
    C = study.sklearn_C(len(y), lam)
    sk = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-14, max_iter=1000).fit(X, y)
    ref = np.concatenate([sk.intercept_, sk.coef_[0]])
    np.testing.assert_allclose(cl.fit_logistic_newton(X, y, lam).theta, ref, atol=1e-9)
    np.testing.assert_allclose(cl.fit_logistic_gd(X, y, lam, tol=1e-11).theta, ref, atol=1e-8)
    # the objectives themselves: sklearn's = our cost times n C (up to a constant factor)
    w = ref[1:]
    loss = cl.binary_cross_entropy(ref, X, y, 0.0) * len(y)
    ours = cl.binary_cross_entropy(ref, X, y, lam)
    assert C * loss + 0.5 * w @ w == pytest.approx(ours / (2 * lam), rel=1e-12)


def test_softmax_equals_sklearn_multinomial():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((90, 3))
    y = np.argmax(X @ rng.standard_normal((3, 3)) + rng.standard_normal((90, 3)), axis=1)
    lam = 1e-2
    sk = LogisticRegression(C=study.sklearn_C(90, lam), tol=1e-14, max_iter=10_000).fit(X, y)
    ref = np.vstack([sk.intercept_ - sk.intercept_.mean(), sk.coef_.T])
    model = cl.fit_softmax(X, y, lam)
    np.testing.assert_allclose(model.theta, ref, atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(X), sk.predict_proba(X), atol=1e-6)
    assert np.array_equal(cl.predict(model, X), sk.predict(X))


def test_predict_and_accuracy():
    X, y, _ = _binary_problem(1)
    model = cl.fit_logistic_newton(X, y, 1e-2)
    p = cl.predict_proba(model, X)
    assert np.all((p > 0) & (p < 1))
    assert np.array_equal(cl.predict(model, X), (p >= 0.5).astype(int))
    assert cl.accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75


def test_bond_features_are_flip_symmetric_and_give_the_energy():
    from physml import ising

    rng = np.random.default_rng(0)
    s = rng.choice(np.array([-1, 1], dtype=np.int8), size=(3, 6, 6))
    F = study.bond_features(s)
    np.testing.assert_array_equal(F, study.bond_features(-s))
    np.testing.assert_allclose(-F.sum(axis=1), ising.energy(s))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"X": [[1.0], [2.0]], "y": [0, 2]}, ValueError, "only the labels 0 and 1"),
        ({"X": [[1.0], [2.0]], "y": [1, 1]}, ValueError, "both classes"),
        ({"X": [[1.0], [np.nan]], "y": [0, 1]}, ValueError, "X contains NaN"),
        ({"X": [[1.0], [np.inf]], "y": [0, 1]}, ValueError, "X contains NaN or inf"),
        ({"X": np.array([[1.0], [2.0]]) + 1j, "y": [0, 1]}, TypeError, "X must be real"),
        ({"X": np.zeros((0, 2)), "y": []}, ValueError, "X must have at least one sample"),
        ({"X": [1.0, 2.0], "y": [0, 1]}, ValueError, "X must be 2-dimensional"),
        ({"X": [[1.0], [2.0]], "y": [0, 1, 1]}, ValueError, "same number of samples"),
        ({"X": [[1.0], [2.0]], "y": [0, 1], "lam": -1.0}, ValueError, "lam must be >= 0"),
        ({"X": "abc", "y": [0, 1]}, TypeError, "X must be array-like"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    for fit in (cl.fit_logistic_gd, cl.fit_logistic_newton):
        with pytest.raises(error, match=match):
            fit(**kwargs)


def test_bad_multiclass_labels_and_method():
    X = np.zeros((3, 1))
    with pytest.raises(ValueError, match="integer class labels"):
        cl.fit_softmax(X, [0, 1.5, 2])
    with pytest.raises(ValueError, match="at least two classes"):
        cl.fit_softmax(X, [0, 0, 0])
    with pytest.raises(ValueError, match="method must be"):
        cl.fit_softmax(X, [0, 1, 2], method="sgd")
    with pytest.raises(ValueError, match="theta must have shape"):
        cl.binary_gradient([0.0], X, [0, 1, 0])


def test_diverging_gradient_descent_stops_with_clear_error():
    X, y, _ = _binary_problem(2)
    with pytest.raises(FloatingPointError, match="cross-entropy became"):
        cl.fit_logistic_gd(X * 1e154, y, learning_rate=1e300, max_iter=50)


def test_non_convergence_warns():
    X, y, _ = _binary_problem(2)
    with pytest.warns(RuntimeWarning, match="did not converge"):
        model = cl.fit_logistic_gd(X, y, 1e-2, max_iter=3)
    assert not model.converged and model.n_iter == 3


# --------------------------------------------------------------------------- labels and scale (issue 26)


def test_labels_beyond_int64_are_refused_before_they_wrap():
    X = np.random.default_rng(0).normal(size=(8, 2))
    y = np.array([0, 1, 2**63, 0, 1, 2, 0, 1], dtype=np.uint64)
    with pytest.raises(ValueError, match="y must be < n_classes = 3"):
        cl.softmax_cross_entropy(np.zeros((3, 3)), X, y)
    with pytest.raises(ValueError, match="more classes than the 8 samples"):
        cl.fit_softmax(X, y)
    with pytest.raises(ValueError, match="y must be < n_classes = 3"):
        cl.fit_softmax(X, y, n_classes=3)


def test_features_whose_squares_overflow_are_refused_by_name():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 2))
    y = (X[:, 0] > 0).astype(float)
    calls = (
        lambda Z: cl.fit_logistic_newton(Z, y),
        lambda Z: cl.fit_logistic_gd(Z, y, max_iter=2),  # its default rate 1/L squares X
        lambda Z: cl.fit_softmax(Z, y.astype(int)),
        lambda Z: cl.logistic_lipschitz(Z),
    )
    for call in calls:
        with pytest.raises(ValueError, match=r"^X has entries up to 2\.\d+e\+200.*standardise"):
            call(X * 1e200)
    assert cl.fit_logistic_newton(X * 1e100, y).converged  # large but representable: fitted


def test_confusion_roc_auc_and_calibration_against_sklearn():
    from sklearn import metrics

    rng = np.random.default_rng(7)
    y = (rng.random(400) < 0.2).astype(float)
    s = rng.normal(size=400) + 1.2 * y
    s[:50] = np.round(s[:50], 1)  # ties
    pred = (s > 0.8).astype(float)
    np.testing.assert_array_equal(cl.confusion_matrix(y, pred), metrics.confusion_matrix(y, pred))
    precision, recall = cl.precision_recall(y, pred)
    assert precision == pytest.approx(metrics.precision_score(y, pred))
    assert recall == pytest.approx(metrics.recall_score(y, pred))
    fpr, tpr = cl.roc_curve(y, s)
    fpr_sk, tpr_sk, _ = metrics.roc_curve(y, s, drop_intermediate=False)
    np.testing.assert_allclose(fpr, fpr_sk, atol=1e-15)
    np.testing.assert_allclose(tpr, tpr_sk, atol=1e-15)
    assert cl.auc(y, s) == pytest.approx(metrics.roc_auc_score(y, s), abs=1e-14)
    # Mann-Whitney: the probability that a signal score beats a background score
    pos, neg = s[y == 1], s[y == 0]
    mw = np.mean((pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :]))
    assert cl.auc(y, s) == pytest.approx(mw, abs=1e-14)
    p = 1 / (1 + np.exp(-s))
    mean_p, observed, error, count = cl.calibration_table(y, p, 5)
    assert count.sum() == len(y) and np.all(error > 0)
    with pytest.raises(ValueError, match="both classes"):
        cl.roc_curve(np.zeros(5), np.arange(5.0))
    with pytest.raises(ValueError, match="p must"):
        cl.calibration_table(y, s)
