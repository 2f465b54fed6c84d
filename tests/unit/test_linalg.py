"""Tests of physml.linalg: products, generators, predicates, conditioning and input validation."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from physml import linalg

sizes = st.integers(min_value=1, max_value=12)
seeds = st.integers(min_value=0, max_value=2**32 - 1)
kinds = st.sampled_from(sorted(linalg.STRUCTURES))


# ----------------------------------------------------------------------------- products


@given(n=sizes, m=sizes, p=sizes, seed=seeds)
def test_products_match_numpy(n, m, p, seed):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((n, m)), rng.standard_normal((m, p))
    x, y = rng.standard_normal(m), rng.standard_normal(m)
    np.testing.assert_allclose(linalg.inner(x, y), x @ y, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(linalg.outer(x, y), np.outer(x, y))
    np.testing.assert_array_equal(linalg.hadamard(x, y), x * y)
    np.testing.assert_array_equal(linalg.hadamard(A, A), A * A)
    np.testing.assert_allclose(linalg.matvec(A, x), A @ x, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(linalg.matmul(A, B), A @ B, rtol=1e-12, atol=1e-12)


@given(n=sizes, m=sizes, p=sizes)
def test_matmul_flop_count(n, m, p):
    _, flops = linalg.matmul_counting(np.ones((n, m)), np.ones((m, p)))
    assert flops == n * p * (2 * m - 1)


def test_complex_products():
    x = np.array([1 + 2j, 3 - 1j])
    y = np.array([2 - 1j, 1j])
    assert linalg.inner(np.conj(x), x) == pytest.approx(np.vdot(x, x))
    np.testing.assert_allclose(linalg.outer(x, y), np.outer(x, y))


def test_dense_layer_single_and_batch_agree_with_torch():
    rng = np.random.default_rng(0)
    A, W, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    Z = linalg.dense_layer(A, W, b)
    for k in range(4):
        np.testing.assert_allclose(linalg.dense_layer(A[k], W, b), Z[k], rtol=1e-12)
    reference = torch.nn.functional.linear(torch.from_numpy(A), torch.from_numpy(W.T), torch.from_numpy(b))
    torch.testing.assert_close(torch.from_numpy(Z), reference)


def test_dense_layer_gradient_is_outer_product_and_matches_autograd():
    rng = np.random.default_rng(1)
    a, W, b, y = (
        rng.standard_normal(4),
        rng.standard_normal((4, 2)),
        rng.standard_normal(2),
        rng.standard_normal(2),
    )
    dW, db = linalg.dense_layer_gradients(a, W, b, y)
    Wt = torch.from_numpy(W).requires_grad_(True)
    bt = torch.from_numpy(b).requires_grad_(True)
    cost = 0.5 * torch.sum((Wt.T @ torch.from_numpy(a) + bt - torch.from_numpy(y)) ** 2)
    cost.backward()
    torch.testing.assert_close(torch.from_numpy(dW), Wt.grad)
    torch.testing.assert_close(torch.from_numpy(db), bt.grad)
    assert np.linalg.matrix_rank(dW) <= 1


# ----------------------------------------------------------------------------- generators


@given(n=sizes, seed=seeds)
def test_random_symmetric(n, seed):
    A = linalg.random_symmetric(n, seed=seed)
    assert A.shape == (n, n)
    assert linalg.is_symmetric(A) and linalg.is_real(A) and linalg.is_hermitian(A)


@given(n=sizes, seed=seeds)
def test_random_orthogonal(n, seed):
    Q = linalg.random_orthogonal(n, seed=seed)
    assert linalg.is_orthogonal(Q) and linalg.is_unitary(Q)
    assert abs(abs(np.linalg.det(Q)) - 1) < 1e-10
    # the sign fix: Q is exactly the Q of a QR factorisation with positive diagonal of R
    R = Q.T @ np.random.default_rng(seed).standard_normal((n, n))
    assert np.all(np.diagonal(R) > 0)
    assert linalg.is_upper_triangular(R, tol=1e-9)


@given(n=sizes, seed=seeds)
def test_random_unitary_and_hermitian(n, seed):
    U = linalg.random_unitary(n, seed=seed)
    H = linalg.random_hermitian(n, seed=seed)
    assert linalg.is_unitary(U) and linalg.is_hermitian(H)
    assert not linalg.is_real(U) and not linalg.is_orthogonal(U)
    if n > 1:  # a 1 x 1 hermitian matrix is a real number
        assert not linalg.is_real(H) and not linalg.is_symmetric(H)


def test_generators_are_reproducible():
    for make in (
        linalg.random_symmetric,
        linalg.random_orthogonal,
        linalg.random_unitary,
        linalg.random_hermitian,
    ):
        np.testing.assert_array_equal(make(5, seed=42), make(5, seed=42))
        assert not np.array_equal(make(5, seed=42), make(5, seed=43))
    rng_a, rng_b = np.random.default_rng(7), np.random.default_rng(7)
    np.testing.assert_array_equal(
        linalg.random_matrix(3, 4, seed=rng_a), linalg.random_matrix(3, 4, seed=rng_b)
    )


@given(seed=seeds, s=st.lists(st.floats(0.01, 100.0), min_size=1, max_size=8))
def test_prescribed_singular_values(seed, s):
    A = linalg.matrix_with_singular_values(s, seed=seed)
    np.testing.assert_allclose(linalg.singular_values(A), np.sort(s)[::-1], rtol=1e-10, atol=1e-12)


@given(n=st.integers(2, 12), seed=seeds, log_kappa=st.floats(0.0, 10.0))
def test_prescribed_condition_number(n, seed, log_kappa):
    A = linalg.matrix_with_condition_number(n, 10.0**log_kappa, seed=seed)
    assert linalg.condition_number(A) == pytest.approx(10.0**log_kappa, rel=1e-5)
    assert linalg.condition_number(A) == pytest.approx(np.linalg.cond(A), rel=1e-5)


@given(n=sizes, lower=st.integers(0, 12), upper=st.integers(0, 12), seed=seeds)
def test_random_banded_has_the_requested_bandwidths(n, lower, upper, seed):
    A = linalg.random_banded(n, lower, upper, seed=seed)
    assert linalg.bandwidths(A) == (min(lower, n - 1), min(upper, n - 1))
    assert np.all(A[~linalg.band_mask(n, lower, upper)] == 0)


@given(kind=kinds, n=st.integers(3, 12), seed=seeds)
def test_random_structured_satisfies_its_own_predicate_only(kind, n, seed):
    A = linalg.random_structured(kind, n, seed=seed)
    table = linalg.relation_table({"A": A})["A"]
    implied = {
        "diagonal": set(linalg.STRUCTURES),
        "upper triangular": {"upper triangular", "upper Hessenberg"},
        "lower triangular": {"lower triangular", "lower Hessenberg"},
        "upper Hessenberg": {"upper Hessenberg"},
        "lower Hessenberg": {"lower Hessenberg"},
        "tridiagonal": {"tridiagonal", "upper Hessenberg", "lower Hessenberg"},
    }[kind]
    for structure in linalg.STRUCTURES:
        assert table[structure] == (structure in implied), (kind, structure)


def test_hilbert_matches_scipy_and_is_ill_conditioned():
    import scipy.linalg

    np.testing.assert_array_equal(linalg.hilbert(7), scipy.linalg.hilbert(7))
    kappas = [linalg.condition_number(linalg.hilbert(n)) for n in range(2, 10)]
    assert np.all(np.diff(np.log(kappas)) > 2.5)  # grows roughly like exp(3.5 n)


# ----------------------------------------------------------------------------- predicates


def test_predicates_reject_counterexamples():
    rng = np.random.default_rng(3)
    S = linalg.random_symmetric(5, seed=1)
    S_bad = S.copy()
    S_bad[0, 3] += 1e-3
    assert not linalg.is_symmetric(S_bad)
    Q = linalg.random_orthogonal(5, seed=2)
    assert not linalg.is_orthogonal(1.01 * Q)
    assert not linalg.is_orthogonal(Q + 1e-6 * rng.standard_normal((5, 5)))
    assert not linalg.is_orthogonal(1j * Q)  # unitary but not real
    assert linalg.is_unitary(1j * Q)
    H = linalg.random_hermitian(5, seed=3)
    assert not linalg.is_hermitian(H + 0.1j * np.eye(5))  # the diagonal of a hermitian matrix is real
    U = linalg.random_structured("upper triangular", 5, seed=4)
    U_bad = U.copy()
    U_bad[4, 0] = 1.0
    assert not linalg.is_upper_triangular(U_bad)
    assert not linalg.is_upper_hessenberg(U_bad)
    T = linalg.random_structured("tridiagonal", 5, seed=5)
    T_bad = T.copy()
    T_bad[0, 2] = 0.5
    assert (
        not linalg.is_tridiagonal(T_bad)
        and linalg.is_lower_hessenberg(T)
        and not linalg.is_lower_hessenberg(T_bad)
    )
    assert not linalg.is_diagonal(T)
    assert linalg.is_banded(T_bad, 2) and not linalg.is_banded(T_bad, 1)


def test_tolerance_is_relative():
    S = linalg.random_symmetric(4, seed=0)
    S_noisy = S + 1e-13 * np.triu(np.ones((4, 4)))
    assert linalg.is_symmetric(S_noisy) and not linalg.is_symmetric(S_noisy, tol=0.0)
    assert linalg.is_symmetric(1e8 * S_noisy)  # the same matrix in other units
    assert linalg.bandwidths(np.diag([1.0, 2.0]) + 1e-14 * np.ones((2, 2))) == (0, 0)
    assert linalg.bandwidths(np.zeros((3, 3))) == (0, 0)


def test_invertibility_statements_agree():
    A = linalg.random_matrix(6, seed=0)
    assert all(linalg.invertibility_statements(A).values())
    singular = A.copy()
    singular[:, 5] = singular[:, 0] - 3 * singular[:, 2]
    assert not any(linalg.invertibility_statements(singular).values())
    assert not any(linalg.invertibility_statements(np.zeros((3, 3))).values())


@given(n=sizes, seed=seeds)
def test_elementary_factors_reproduce_matrix(n, seed):
    A = linalg.random_matrix(n, seed=seed)
    factors = linalg.elementary_factors(A)
    product = np.eye(n)
    for F in factors:
        product = product @ F
        # each factor is the identity changed by one row operation
        assert np.count_nonzero(F != np.eye(n)) <= 4
    np.testing.assert_allclose(product, A, atol=1e-8 * np.linalg.cond(A))


def test_elementary_factors_refuse_singular():
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        linalg.elementary_factors(np.array([[1.0, 2.0], [2.0, 4.0]]))


# ----------------------------------------------------------------------------- conditioning


def test_solve_error_grows_with_condition_number():
    sweep = linalg.condition_experiment([1.0, 1e4, 1e8, 1e12], n=10, repeats=3, seed=0)
    eps = np.finfo(float).eps
    assert sweep["error"].shape == (12,)
    assert np.all(sweep["error"] <= 10 * sweep["kappa"] * eps)
    assert np.median(sweep["error"][-3:]) > 1e3 * np.median(sweep["error"][:3])
    again = linalg.condition_experiment([1.0, 1e4, 1e8, 1e12], n=10, repeats=3, seed=0)
    np.testing.assert_array_equal(sweep["error"], again["error"])


def test_normal_equations_square_the_condition_number():
    X = linalg.polynomial_design_matrix(np.linspace(0, 1, 50), 5)
    assert X.shape == (50, 6)
    np.testing.assert_array_equal(X[:, 2], np.linspace(0, 1, 50) ** 2)
    assert linalg.condition_number(X.T @ X) == pytest.approx(linalg.condition_number(X) ** 2, rel=1e-4)


def test_numpy_torch_deviations_are_at_rounding_level():
    A = linalg.random_matrix(20, seed=0)
    deviations = linalg.numpy_torch_deviations(A, np.ones(20))
    assert set(deviations) == {"eigvalsh", "singular values", "solve"}
    assert all(0 <= d < 1e-12 for d in deviations.values())


def test_condition_number_of_singular_matrix_is_infinite():
    assert linalg.condition_number(np.zeros((2, 2))) == float("inf")


def test_table_html():
    html = linalg.table_html({"A": {"symmetric": True, "x": 0.5, "n": 3}}, corner="m")
    assert "&#10003;" in html and "5.00e-01" in html and "<td style='text-align:center'>3</td>" in html
    with pytest.raises(TypeError, match="table"):
        linalg.table_html({})


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "call, error, name",
    [
        (lambda: linalg.is_symmetric(np.ones((2, 3))), ValueError, "A must be a square"),
        (lambda: linalg.is_upper_hessenberg(np.ones((3, 2))), ValueError, "A must be a square"),
        (lambda: linalg.condition_number(np.ones(3)), ValueError, "A must be 2-dimensional"),
        (lambda: linalg.elementary_factors(np.ones((2, 3))), ValueError, "A must be a square"),
        (lambda: linalg.is_orthogonal(np.array([[1.0, np.nan], [0.0, 1.0]])), ValueError, "A contains NaN"),
        (lambda: linalg.bandwidths(np.array([[np.inf]])), ValueError, "A contains NaN or inf"),
        (lambda: linalg.is_hermitian("matrix"), TypeError, "A must be an array"),
        (lambda: linalg.is_real(None), TypeError, "A must be an array"),
        (lambda: linalg.is_symmetric(np.array([[True]])), TypeError, "A must be an array of numbers"),
        (lambda: linalg.is_symmetric([["a", "b"], ["c", "d"]]), TypeError, "A must be an array"),
        (lambda: linalg.is_symmetric(np.ones((2, 2)), tol=-1.0), ValueError, "tol"),
        (lambda: linalg.is_symmetric(np.ones((2, 2)), tol="1e-8"), TypeError, "tol"),
        (lambda: linalg.is_symmetric(np.zeros((0, 0))), ValueError, "A must not be empty"),
        (lambda: linalg.is_banded(np.eye(3), -1), ValueError, "p must be >= 0"),
        (lambda: linalg.is_banded(np.eye(3), 1.5), TypeError, "p must be"),
        (lambda: linalg.band_mask(4, -1, 2), ValueError, "lower must be >= 0"),
        (lambda: linalg.random_banded(4, 1, -2, seed=0), ValueError, "upper must be >= 0"),
        (lambda: linalg.random_matrix(0, seed=0), ValueError, "n must be >= 1"),
        (lambda: linalg.random_matrix(3.0, seed=0), TypeError, "n must be"),
        (lambda: linalg.random_matrix(3, 0, seed=0), ValueError, "m must be >= 1"),
        (lambda: linalg.random_orthogonal(3, seed=None), TypeError, "seed"),
        (lambda: linalg.random_symmetric(3, seed=-1), ValueError, "seed"),
        (lambda: linalg.random_structured("pentadiagonal", 3, seed=0), ValueError, "kind"),
        (lambda: linalg.random_structured(3, 3, seed=0), TypeError, "kind"),
        (lambda: linalg.matrix_with_singular_values([1.0, -1.0], seed=0), ValueError, "singular_values"),
        (lambda: linalg.matrix_with_singular_values([[1.0]], seed=0), ValueError, "singular_values"),
        (lambda: linalg.matrix_with_condition_number(3, 0.5, seed=0), ValueError, "kappa must be >= 1"),
        (lambda: linalg.matrix_with_condition_number(3, np.nan, seed=0), ValueError, "kappa"),
        (lambda: linalg.hilbert(-2), ValueError, "n must be >= 1"),
        (lambda: linalg.inner([1.0, 2.0], [1.0]), ValueError, "x and y"),
        (lambda: linalg.inner([1.0, np.nan], [1.0, 2.0]), ValueError, "x contains NaN"),
        (
            lambda: linalg.hadamard(np.ones(2), np.ones((2, 2))),
            ValueError,
            "x and y must have the same shape",
        ),
        (lambda: linalg.hadamard(np.ones((2, 2, 2)), np.ones(2)), ValueError, "x must be 1-dimensional"),
        (lambda: linalg.matvec(np.ones((2, 3)), np.ones(2)), ValueError, "columns but x"),
        (lambda: linalg.matmul(np.ones((2, 3)), np.ones((2, 3))), ValueError, "A has 3 columns but B"),
        (lambda: linalg.dense_layer(np.ones(3), np.ones((4, 2)), np.ones(2)), ValueError, "W has 4 rows"),
        (lambda: linalg.dense_layer(np.ones(4), np.ones((4, 2)), np.ones(3)), ValueError, "b has length 3"),
        (
            lambda: linalg.dense_layer_gradients(np.ones(4), np.ones((4, 2)), np.ones(2), np.ones(3)),
            ValueError,
            "y",
        ),
        (lambda: linalg.solve_relative_error(np.eye(3), np.ones(2)), ValueError, "x_true"),
        (lambda: linalg.condition_experiment([0.5], 3, 1, seed=0), ValueError, "kappas"),
        (lambda: linalg.condition_experiment([2.0], 3, 0, seed=0), ValueError, "repeats"),
        (lambda: linalg.polynomial_design_matrix([0.0, 1.0], -1), ValueError, "degree"),
        (lambda: linalg.relation_table([np.eye(2)]), TypeError, "matrices"),
        (lambda: linalg.relation_table({"rect": np.ones((2, 3))}), ValueError, "matrices\\['rect'\\]"),
        (lambda: linalg.numpy_torch_deviations(np.eye(2), np.ones(3)), ValueError, "b must have length 2"),
        (lambda: linalg.numpy_torch_deviations(np.eye(2), np.ones(2), device=0), TypeError, "device"),
    ],
)
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=name):
        call()


def test_table_html_rows_with_different_keys():
    html = linalg.table_html({"A": {"x": 1, "y": True}, "B": {"y": False, "x": 2}})  # order may differ
    assert html.count("<tr>") == 3
    with pytest.raises(ValueError, match=r"rows of table.*'B'.*missing keys \['x'\].*extra keys \['y'\]"):
        linalg.table_html({"A": {"x": 1}, "B": {"y": 2}})
    with pytest.raises(ValueError, match=r"table.*extra keys \['z'\]"):
        linalg.table_html({"A": {"x": 1}, "B": {"x": 2, "z": 3}})
    with pytest.raises(ValueError, match=r"table.*missing keys \['x'\]"):
        linalg.table_html({"A": {"x": 1}, "B": {}})
    with pytest.raises(ValueError, match="table"):
        linalg.table_html({"A": {}})
    with pytest.raises(TypeError, match="table"):
        linalg.table_html({"A": 3})


def test_elementary_factors_refuses_a_relative_tolerance_of_one_or_more():
    """tol is relative to max |a_ij|: tol >= 1 would call every matrix singular (issue 26)."""
    A = np.array([[4.0, 1.0], [1.0, 3.0]])
    for tol in (1.0, 1e300):
        with pytest.raises(ValueError, match="^tol must be < 1"):
            linalg.elementary_factors(A, tol)
    factors = linalg.elementary_factors(A, 0.5)
    np.testing.assert_allclose(np.linalg.multi_dot(factors), A)


# --------------------------------------------------------------------------- factorisations


def test_cholesky_against_scipy_and_refuses_indefinite():
    import scipy.linalg

    rng = np.random.default_rng(3)
    G = rng.standard_normal((7, 7))
    A = G @ G.T + 0.1 * np.eye(7)
    np.testing.assert_allclose(linalg.cholesky(A), scipy.linalg.cholesky(A, lower=True), atol=1e-12)
    with pytest.raises(ValueError, match="positive definite"):
        linalg.cholesky(np.diag([1.0, -1.0, 2.0]))
    with pytest.raises(ValueError, match="symmetric"):
        linalg.cholesky(np.array([[2.0, 1.0], [0.0, 2.0]]))


def test_gaussian_samples_covariance():
    cov = np.array([[1.0, -0.5], [-0.5, 2.0]])
    x = linalg.gaussian_samples([0.0, 3.0], cov, 40_000, seed=0)
    # standard error of a sample covariance entry: sqrt((S_ij^2 + S_ii S_jj)/n)
    se = np.sqrt((cov**2 + np.outer(np.diag(cov), np.diag(cov))) / len(x))
    assert np.all(np.abs(np.cov(x.T) - cov) < 4 * se)


def test_pinv_gives_the_minimum_norm_least_squares_solution():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((10, 4))
    X = np.column_stack([X, X[:, 0] - X[:, 2]])
    y = rng.standard_normal(10)
    theta = linalg.pinv(X) @ y
    np.testing.assert_allclose(theta, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-12)
    null = np.array([1.0, 0.0, -1.0, 0.0, -1.0])  # X @ null = 0
    np.testing.assert_allclose(X @ null, 0, atol=1e-12)
    assert np.linalg.norm(theta) < np.linalg.norm(theta + 0.1 * null)


def test_eckart_young_in_the_two_norm_and_the_frobenius_norm():
    A = np.random.default_rng(2).standard_normal((9, 6))
    s = np.linalg.svd(A, compute_uv=False)
    for k in (1, 3, 5):
        Ak = linalg.truncated_svd(A, k)
        assert np.linalg.matrix_rank(Ak) == k
        assert np.linalg.norm(A - Ak, 2) == pytest.approx(s[k], rel=1e-12)
        assert np.linalg.norm(A - Ak) == pytest.approx(np.sqrt(np.sum(s[k:] ** 2)), rel=1e-12)
        # no random rank-k matrix does better
        rng = np.random.default_rng(k)
        for _ in range(20):
            B = rng.standard_normal((9, k)) @ rng.standard_normal((k, 6))
            assert np.linalg.norm(A - B) >= np.linalg.norm(A - Ak)


def test_quadratic_form_gradient_by_finite_differences():
    rng = np.random.default_rng(4)
    A, x = rng.standard_normal((5, 5)), rng.standard_normal(5)
    h = 1e-6
    fd = [((x + h * e) @ A @ (x + h * e) - (x - h * e) @ A @ (x - h * e)) / (2 * h) for e in np.eye(5)]
    np.testing.assert_allclose(linalg.quadratic_form_gradient(A, x), fd, atol=1e-7)
    with pytest.raises(ValueError, match="x"):
        linalg.quadratic_form_gradient(A, x[:3])
