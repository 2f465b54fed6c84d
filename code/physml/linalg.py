"""Linear algebra for machine learning: products, structured matrices, relations, conditioning.

Used in the chapter *Linear algebra for machine learning* (``chapters/linear_algebra.md``)
and its exercises. Course notation: the elements of an n x m matrix A are a_ij, with the
row index i and the column index j both starting at zero, exactly as NumPy indexes
``A[i, j]``. Docstrings write the equations in plain text: ``A^T`` is the transpose,
``A^H`` the hermitian conjugate (A-dagger in the chapter) and ``x^*`` a complex conjugate.

The module has four parts:

* the products written as the sums they are (inner, outer, Hadamard, matrix-vector,
  matrix-matrix) and the dense layer z = W^T a + b of a neural network;
* seeded generators of matrices with a given structure (symmetric, orthogonal, unitary,
  hermitian, banded, prescribed singular values, Hilbert);
* predicates that test the relations of the chapter's tables up to a tolerance;
* the tools of the conditioning section (condition number, the solve experiment, the
  equivalent statements for an invertible matrix, the numpy/torch comparison).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.linalg

from ._validate import as_device, as_rng, check_int, check_scalar, check_string

# ---------------------------------------------------------------------------------------
# input validation (matrices may be complex, which physml._validate.as_float_array refuses)
# ---------------------------------------------------------------------------------------


def _as_numeric_array(x, name: str, ndim: int) -> np.ndarray:
    """Return ``x`` as a finite float64 or complex128 array with ``ndim`` dimensions."""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name} must be an array of numbers, got {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array of numbers: {err}") from None
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number):
        raise TypeError(f"{name} must be an array of numbers, got dtype {arr.dtype}")
    arr = arr.astype(complex if np.iscomplexobj(arr) else float)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or inf values")
    return arr


def _as_matrix(A, name: str = "A", *, square: bool = False) -> np.ndarray:
    """Validate a (possibly complex) matrix; with ``square`` it must be n x n."""
    arr = _as_numeric_array(A, name, ndim=2)
    if square and arr.shape[0] != arr.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {arr.shape}")
    return arr


def _as_vector(x, name: str) -> np.ndarray:
    return _as_numeric_array(x, name, ndim=1)


def _as_vector_or_matrix(x, name: str) -> np.ndarray:
    """Validate a vector or a matrix (for a layer: one sample, or a batch stored row-wise)."""
    return _as_numeric_array(x, name, ndim=2 if np.ndim(x) == 2 else 1)


def _check_tol(tol) -> float:
    return float(check_scalar(tol, "tol", minimum=0.0))


def _check_size(n, name: str = "n") -> int:
    return check_int(n, name, minimum=1)


# ---------------------------------------------------------------------------------------
# products, written as the sums they are
# ---------------------------------------------------------------------------------------


def inner(x, y) -> float | complex:
    """Inner product x^T y = sum_{i=0}^{n-1} x_i y_i.

    No complex conjugation is applied; for complex vectors the hermitian inner product
    x^H y is ``inner(np.conj(x), y)``.
    """
    x = _as_vector(x, "x")
    y = _as_vector(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.shape[0]} and {y.shape[0]}")
    total = 0.0
    for i in range(x.shape[0]):
        total += x[i] * y[i]
    return total


def outer(x, y) -> np.ndarray:
    """Outer product A = x y^T, with elements a_ij = x_i y_j."""
    x = _as_vector(x, "x")
    y = _as_vector(y, "y")
    A = np.zeros((x.shape[0], y.shape[0]), dtype=np.result_type(x, y))
    for i in range(x.shape[0]):
        for j in range(y.shape[0]):
            A[i, j] = x[i] * y[j]
    return A


def hadamard(x, y) -> np.ndarray:
    """Hadamard (element-wise) product, (x o y)_i = x_i y_i; for matrices (A o B)_ij = a_ij b_ij."""
    x = _as_vector_or_matrix(x, "x")
    y = _as_vector_or_matrix(y, "y")
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    out = np.zeros(x.shape, dtype=np.result_type(x, y))
    for index in np.ndindex(x.shape):
        out[index] = x[index] * y[index]
    return out


def matvec(A, x) -> np.ndarray:
    """Matrix-vector product y = A x, with y_i = sum_j a_ij x_j."""
    A = _as_matrix(A, "A")
    x = _as_vector(x, "x")
    if A.shape[1] != x.shape[0]:
        raise ValueError(f"A has {A.shape[1]} columns but x has length {x.shape[0]}")
    y = np.zeros(A.shape[0], dtype=np.result_type(A, x))
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            y[i] += A[i, j] * x[j]
    return y


def matmul_counting(A, B) -> tuple[np.ndarray, int]:
    """Matrix-matrix product C = A B, c_ij = sum_k a_ik b_kj, and the number of flops it took.

    Each element c_ij is one inner product of a row of A with a column of B. The count
    returned is the number of multiplications and additions this loop actually performed
    (one of the exercises asks for the formula).
    """
    A = _as_matrix(A, "A")
    B = _as_matrix(B, "B")
    if A.shape[1] != B.shape[0]:
        raise ValueError(f"A has {A.shape[1]} columns but B has {B.shape[0]} rows")
    n, m = A.shape
    p = B.shape[1]
    C = np.zeros((n, p), dtype=np.result_type(A, B))
    flops = 0
    for i in range(n):
        for j in range(p):
            total = A[i, 0] * B[0, j]
            flops += 1
            for k in range(1, m):
                total += A[i, k] * B[k, j]
                flops += 2
            C[i, j] = total
    return C, flops


def matmul(A, B) -> np.ndarray:
    """Matrix-matrix product C = A B, with c_ij = sum_k a_ik b_kj (see :func:`matmul_counting`)."""
    C, _ = matmul_counting(A, B)
    return C


def dense_layer(a, W, b) -> np.ndarray:
    """Pre-activation of a neural-network layer, z = W^T a + b, that is z_j = sum_i w_ij a_i + b_j.

    ``W`` has shape (inputs, outputs): w_ij connects input i to output j. ``a`` has one
    entry per input and ``b`` one per output. A batch of inputs stored row-wise, ``a`` of
    shape (samples, inputs), gives Z = A W + b with one row per sample (computed with
    NumPy's ``@``). Used in the chapter's section on the building blocks of a layer.
    """
    a = _as_vector_or_matrix(a, "a")
    W = _as_matrix(W, "W")
    b = _as_vector(b, "b")
    if a.shape[-1] != W.shape[0]:
        raise ValueError(f"a has {a.shape[-1]} inputs but W has {W.shape[0]} rows")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b has length {b.shape[0]} but W has {W.shape[1]} columns (outputs)")
    if a.ndim == 1:
        return matvec(W.T, a) + b
    return a @ W + b


def dense_layer_gradients(a, W, b, y) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the cost C = ||z - y||^2 / 2 of one layer z = W^T a + b.

    Since dz_j/dw_ij = a_i, the weight gradient is an outer product,
    dC/dW = a (z - y)^T, and dC/db = z - y. Returns ``(dC/dW, dC/db)``.
    """
    a = _as_vector(a, "a")
    y = _as_vector(y, "y")
    z = dense_layer(a, W, b)
    if y.shape != z.shape:
        raise ValueError(f"y must have one entry per output ({z.shape[0]}), got length {y.shape[0]}")
    delta = z - y
    return outer(a, delta), delta


# ---------------------------------------------------------------------------------------
# generators of structured matrices (all seeded)
# ---------------------------------------------------------------------------------------


def random_matrix(n: int, m: int | None = None, *, seed) -> np.ndarray:
    """An n x m matrix (square if ``m`` is None) with independent N(0, 1) entries."""
    n = _check_size(n)
    m = n if m is None else _check_size(m, "m")
    return as_rng(seed).standard_normal((n, m))


def random_symmetric(n: int, *, seed) -> np.ndarray:
    """A real symmetric matrix A = (G + G^T)/2 from a Gaussian G, so that a_ij = a_ji."""
    G = random_matrix(n, seed=seed)
    return 0.5 * (G + G.T)


def _qr_with_sign_fix(G: np.ndarray) -> np.ndarray:
    """Q of the factorisation G = Q R, with the column phases chosen so that every r_jj > 0.

    NumPy's QR leaves the signs of the r_jj to the LAPACK routine. Multiplying column j of
    Q by r_jj/|r_jj| makes the factorisation unique, and for a Gaussian G the resulting Q
    is uniformly (Haar) distributed (Mezzadri 2007, Notices of the AMS 54, 592).
    """
    Q, R = np.linalg.qr(G)
    d = np.diagonal(R)
    magnitude = np.abs(d)
    phases = np.ones_like(d)
    nonzero = magnitude > 0
    phases[nonzero] = d[nonzero] / magnitude[nonzero]
    return Q * phases


def random_orthogonal(n: int, *, seed) -> np.ndarray:
    """A random real orthogonal matrix, Q^T Q = Q Q^T = I, by QR of a Gaussian matrix (sign-fixed)."""
    return _qr_with_sign_fix(random_matrix(n, seed=seed))


def _complex_gaussian(n: int, seed) -> np.ndarray:
    rng = as_rng(seed)
    return (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n))) / np.sqrt(2.0)


def random_unitary(n: int, *, seed) -> np.ndarray:
    """A random unitary matrix, U^H U = U U^H = I, by QR of a complex Gaussian (phase-fixed)."""
    return _qr_with_sign_fix(_complex_gaussian(_check_size(n), seed))


def random_hermitian(n: int, *, seed) -> np.ndarray:
    """A random hermitian matrix A = (G + G^H)/2 from a complex Gaussian G, so that a_ij = a_ji^*."""
    G = _complex_gaussian(_check_size(n), seed)
    return 0.5 * (G + G.conj().T)


def matrix_with_singular_values(singular_values, *, seed) -> np.ndarray:
    """A square matrix A = U diag(sigma) V^T with prescribed singular values sigma.

    ``U`` and ``V`` are independent random orthogonal matrices; the singular values must
    be real and non-negative (their order does not matter).
    """
    s = _as_vector(singular_values, "singular_values")
    if np.iscomplexobj(s) or np.any(s < 0):
        raise ValueError("singular_values must be real and non-negative")
    rng = as_rng(seed)
    n = s.shape[0]
    U = random_orthogonal(n, seed=rng)
    V = random_orthogonal(n, seed=rng)
    return U @ np.diag(s) @ V.T


def matrix_with_condition_number(n: int, kappa: float, *, seed) -> np.ndarray:
    """An n x n matrix with condition number kappa = sigma_0 / sigma_{n-1}.

    The singular values are spaced geometrically from 1 down to 1/kappa.
    """
    n = _check_size(n)
    kappa = float(check_scalar(kappa, "kappa", minimum=1.0))
    return matrix_with_singular_values(np.geomspace(1.0, 1.0 / kappa, n), seed=seed)


def hilbert(n: int) -> np.ndarray:
    """The n x n Hilbert matrix with zero-based indices, h_ij = 1/(i + j + 1).

    A classic ill-conditioned matrix: its condition number grows roughly like exp(3.5 n).
    """
    n = _check_size(n)
    i = np.arange(n)
    return 1.0 / (i[:, None] + i[None, :] + 1.0)


def band_mask(n: int, lower: int, upper: int) -> np.ndarray:
    """Boolean n x n mask of the entries allowed to be non-zero in a band matrix.

    Entry (i, j) lies in the band when i - j <= lower and j - i <= upper; outside it
    a_ij = 0 for i > j + lower (lower bandwidth) and for j > i + upper (upper bandwidth).
    """
    n = _check_size(n)
    lower = check_int(lower, "lower", minimum=0)
    upper = check_int(upper, "upper", minimum=0)
    i, j = np.indices((n, n))
    return (i - j <= lower) & (j - i <= upper)


def random_banded(n: int, lower: int, upper: int, *, seed) -> np.ndarray:
    """A Gaussian n x n matrix with every entry outside the band (see :func:`band_mask`) set to zero."""
    mask = band_mask(n, lower, upper)
    return np.where(mask, random_matrix(n, seed=seed), 0.0)


#: The special matrices of the chapter as (lower, upper) bandwidths; None means "no limit".
STRUCTURES: dict[str, tuple[int | None, int | None]] = {
    "diagonal": (0, 0),
    "upper triangular": (0, None),
    "lower triangular": (None, 0),
    "upper Hessenberg": (1, None),
    "lower Hessenberg": (None, 1),
    "tridiagonal": (1, 1),
}


def random_structured(kind: str, n: int, *, seed) -> np.ndarray:
    """A random n x n matrix of a special form in :data:`STRUCTURES`, e.g. ``"upper Hessenberg"``."""
    if not isinstance(kind, str):
        raise TypeError(f"kind must be a string, got {type(kind).__name__}")
    if kind not in STRUCTURES:
        raise ValueError(f"kind must be one of {sorted(STRUCTURES)}, got {kind!r}")
    n = _check_size(n)
    lower, upper = STRUCTURES[kind]
    lower = n - 1 if lower is None else lower
    upper = n - 1 if upper is None else upper
    return random_banded(n, lower, upper, seed=seed)


# ---------------------------------------------------------------------------------------
# predicates: the relations of the chapter's tables, up to a relative tolerance
# ---------------------------------------------------------------------------------------


def _close(X: np.ndarray, Y: np.ndarray, tol: float) -> bool:
    """True if max_ij |x_ij - y_ij| <= tol * (largest |x_ij| or |y_ij|)."""
    scale = max(float(np.max(np.abs(X))), float(np.max(np.abs(Y))))
    return bool(np.max(np.abs(X - Y)) <= tol * scale)


def is_real(A, tol: float = 1e-10) -> bool:
    """Real matrix, A = A^*: every a_ij = a_ij^* (all imaginary parts vanish)."""
    A = _as_matrix(A)
    return _close(A, A.conj(), _check_tol(tol))


def is_symmetric(A, tol: float = 1e-10) -> bool:
    """Symmetric, A = A^T: a_ij = a_ji."""
    A = _as_matrix(A, square=True)
    return _close(A, A.T, _check_tol(tol))


def is_hermitian(A, tol: float = 1e-10) -> bool:
    """Hermitian, A = A^H: a_ij = a_ji^*."""
    A = _as_matrix(A, square=True)
    return _close(A, A.conj().T, _check_tol(tol))


def is_unitary(A, tol: float = 1e-10) -> bool:
    """Unitary, A = (A^H)^{-1}: sum_k a_ik a_jk^* = sum_k a_ki^* a_kj = delta_ij."""
    A = _as_matrix(A, square=True)
    tol = _check_tol(tol)
    eye = np.eye(A.shape[0])
    return _close(A @ A.conj().T, eye, tol) and _close(A.conj().T @ A, eye, tol)


def is_orthogonal(A, tol: float = 1e-10) -> bool:
    """Real orthogonal, A = (A^T)^{-1}: A is real and sum_k a_ik a_jk = sum_k a_ki a_kj = delta_ij."""
    return is_real(A, tol) and is_unitary(A, tol)


def bandwidths(A, tol: float = 1e-10) -> tuple[int, int]:
    """Lower and upper bandwidth (p, q): the smallest p and q with a_ij = 0 for i > j + p and for j > i + q.

    An entry counts as zero when |a_ij| <= tol * max_ij |a_ij|. Works for any 2-d matrix.
    """
    A = _as_matrix(A)
    tol = _check_tol(tol)
    magnitude = np.abs(A)
    i, j = np.nonzero(magnitude > tol * magnitude.max())
    if i.size == 0:  # the zero matrix
        return 0, 0
    return int(max(np.max(i - j), 0)), int(max(np.max(j - i), 0))


def is_banded(A, p: int, tol: float = 1e-10) -> bool:
    """Banded with bandwidth ``p``: a_ij = 0 whenever |i - j| > p."""
    p = check_int(p, "p", minimum=0)
    lower, upper = bandwidths(_as_matrix(A, square=True), tol)
    return lower <= p and upper <= p


def is_diagonal(A, tol: float = 1e-10) -> bool:
    """Diagonal: a_ij = 0 for i != j (both bandwidths 0)."""
    return bandwidths(_as_matrix(A, square=True), tol) == (0, 0)


def is_upper_triangular(A, tol: float = 1e-10) -> bool:
    """Upper triangular: a_ij = 0 for i > j (lower bandwidth 0)."""
    return bandwidths(_as_matrix(A, square=True), tol)[0] == 0


def is_lower_triangular(A, tol: float = 1e-10) -> bool:
    """Lower triangular: a_ij = 0 for i < j (upper bandwidth 0)."""
    return bandwidths(_as_matrix(A, square=True), tol)[1] == 0


def is_upper_hessenberg(A, tol: float = 1e-10) -> bool:
    """Upper Hessenberg: a_ij = 0 for i > j + 1 (lower bandwidth at most 1)."""
    return bandwidths(_as_matrix(A, square=True), tol)[0] <= 1


def is_lower_hessenberg(A, tol: float = 1e-10) -> bool:
    """Lower Hessenberg: a_ij = 0 for i < j - 1 (upper bandwidth at most 1)."""
    return bandwidths(_as_matrix(A, square=True), tol)[1] <= 1


def is_tridiagonal(A, tol: float = 1e-10) -> bool:
    """Tridiagonal: a_ij = 0 for |i - j| > 1 (both bandwidths at most 1)."""
    return is_banded(A, 1, tol)


#: Every relation of the chapter's two tables, by name, as a predicate ``f(A, tol) -> bool``.
RELATIONS = {
    "symmetric": is_symmetric,
    "real orthogonal": is_orthogonal,
    "real": is_real,
    "hermitian": is_hermitian,
    "unitary": is_unitary,
    "diagonal": is_diagonal,
    "upper triangular": is_upper_triangular,
    "lower triangular": is_lower_triangular,
    "upper Hessenberg": is_upper_hessenberg,
    "lower Hessenberg": is_lower_hessenberg,
    "tridiagonal": is_tridiagonal,
}


def relation_table(matrices: dict, tol: float = 1e-10) -> dict[str, dict[str, bool]]:
    """Evaluate every predicate of :data:`RELATIONS` on every named square matrix.

    Returns ``{matrix name: {relation name: bool}}``; the chapter shows it with :func:`table_html`.
    """
    if not isinstance(matrices, dict) or not matrices:
        raise TypeError("matrices must be a non-empty dict {name: square matrix}")
    tol = _check_tol(tol)
    table = {}
    for name, A in matrices.items():
        A = _as_matrix(A, f"matrices[{name!r}]", square=True)
        table[name] = {relation: predicate(A, tol) for relation, predicate in RELATIONS.items()}
    return table


def table_html(table: dict, corner: str = "") -> str:
    """An HTML table of a nested dict ``{row: {column: value}}``; booleans show as check marks.

    Every row must have the same columns (the keys of the first row); a row with missing or
    extra keys is a ``ValueError`` naming ``table``.
    """
    if not isinstance(table, dict) or not table:
        raise TypeError("table must be a non-empty dict {row: {column: value}}")
    check_string(corner, "corner")
    _check_table_rows(table)

    def cell(value) -> str:
        if isinstance(value, (bool, np.bool_)):
            return "&#10003;" if value else "&middot;"
        if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
            return f"{value:.2e}"
        return str(value)

    columns = list(next(iter(table.values())))
    head = "".join(f"<th>{c}</th>" for c in [corner, *columns])
    rows = []
    for row, values in table.items():
        cells = "".join(f"<td style='text-align:center'>{cell(values[c])}</td>" for c in columns)
        rows.append(f"<tr><th style='text-align:left'>{row}</th>{cells}</tr>")
    return (
        f"<table class='physml-linalg'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _check_table_rows(table: dict) -> None:
    """The rows of ``table`` must be non-empty dicts with the same keys (columns)."""
    first_row, first = None, None
    for row, values in table.items():
        if not isinstance(values, dict):
            raise TypeError(f"table[{row!r}] must be a dict {{column: value}}, got {type(values).__name__}")
        if first is None:
            if not values:
                raise ValueError(f"table rows must have at least one column, table[{row!r}] is empty")
            first_row, first = row, list(values)
            continue
        missing = [c for c in first if c not in values]
        extra = [c for c in values if c not in first]
        if missing or extra:
            raise ValueError(
                f"all rows of table must have the same columns as the first row {first_row!r}: "
                f"row {row!r} has missing keys {missing} and extra keys {extra}"
            )


# ---------------------------------------------------------------------------------------
# invertibility, conditioning and solving
# ---------------------------------------------------------------------------------------


def singular_values(A) -> np.ndarray:
    """Singular values sigma_0 >= sigma_1 >= ... >= 0 of A = U Sigma V^H."""
    return np.linalg.svd(_as_matrix(A), compute_uv=False)


def condition_number(A) -> float:
    """The 2-norm condition number kappa(A) = sigma_max / sigma_min (inf if sigma_min = 0).

    For a rectangular n x m matrix sigma_min is the smallest of its min(n, m) singular values.
    """
    s = singular_values(A)
    return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")


def _identity_with(n: int, dtype, entries: dict[tuple[int, int], complex]) -> np.ndarray:
    """The identity matrix with a few entries replaced: the form of every elementary matrix."""
    E = np.eye(n, dtype=dtype)
    for (i, j), value in entries.items():
        E[i, j] = value
    return E


def elementary_factors(A, tol: float = 1e-10) -> list[np.ndarray]:
    """Write an invertible A as a product of elementary matrices, A = F_0 F_1 ... F_{K-1}.

    Gauss-Jordan elimination with partial pivoting reduces A to the identity with
    elementary row operations, E_{K-1} ... E_1 E_0 A = I: swap two rows, scale a row,
    add a multiple of one row to another. Then A = E_0^{-1} E_1^{-1} ... E_{K-1}^{-1}, and
    the inverse F_k = E_k^{-1} of each elementary matrix is again elementary (swap back,
    scale back, subtract the multiple again) and is written down directly. Raises
    ``numpy.linalg.LinAlgError`` when no pivot exceeds tol * max_ij |a_ij|, that is when
    A is (numerically) singular; ``tol`` must be below 1 (else every matrix is "singular").
    """
    A = _as_matrix(A, square=True)
    tol = float(check_scalar(tol, "tol", minimum=0.0, maximum=1.0, include_max=False))
    n = A.shape[0]
    M = A.copy()
    threshold = tol * np.max(np.abs(A))
    factors: list[np.ndarray] = []
    for k in range(n):
        p = k + int(np.argmax(np.abs(M[k:, k])))
        if np.abs(M[p, k]) <= threshold:
            raise np.linalg.LinAlgError(f"A is singular: no pivot above {threshold:.2e} in column {k}")
        operations = []
        if p != k:  # swap rows k and p (a swap is its own inverse)
            swap = _identity_with(n, M.dtype, {(k, k): 0, (p, p): 0, (k, p): 1, (p, k): 1})
            operations.append((swap, swap))
        pivot = M[p, k]
        operations.append(  # scale row k by 1/pivot, undone by scaling with pivot
            (_identity_with(n, M.dtype, {(k, k): 1 / pivot}), _identity_with(n, M.dtype, {(k, k): pivot}))
        )
        for E, F in operations:
            M = E @ M
            factors.append(F)
        for i in range(n):
            if i != k and M[i, k] != 0:  # subtract m * row k from row i, undone by adding it
                m = M[i, k]
                M = _identity_with(n, M.dtype, {(i, k): -m}) @ M
                factors.append(_identity_with(n, M.dtype, {(i, k): m}))
    return factors


def invertibility_statements(A, tol: float = 1e-10) -> dict[str, bool]:
    """Test numerically the six equivalent statements for an invertible n x n matrix.

    Each statement is tested with its own algorithm and the same relative tolerance ``tol``:

    * the inverse exists: LU factorisation with partial pivoting finds n non-zero pivots;
    * A x = 0 implies x = 0: the null space of A (from its SVD) is empty;
    * the rows form a basis of R^n: rank n from a column-pivoted QR factorisation of A^T;
    * the columns form a basis of R^n: rank n from a column-pivoted QR factorisation of A;
    * A is a product of elementary matrices: :func:`elementary_factors` succeeds and their
      product reproduces A;
    * 0 is not an eigenvalue: the smallest |lambda| exceeds tol times the largest.
    """
    A = _as_matrix(A, square=True)
    tol = _check_tol(tol)
    n = A.shape[0]

    def full_rank(M: np.ndarray) -> bool:
        R = scipy.linalg.qr(M, mode="r", pivoting=True)[0]
        return bool(np.sum(np.abs(np.diagonal(R)) > tol * np.abs(R[0, 0])) == n)

    def product_of_elementary() -> bool:
        try:
            factors = elementary_factors(A, tol)
        except np.linalg.LinAlgError:
            return False
        product = np.eye(n, dtype=A.dtype)
        for F in factors:
            product = product @ F
        return _close(product, A, 1e-8)

    _, _, U = scipy.linalg.lu(A)  # A = P L U; the pivots are the diagonal of U
    eigenvalues = np.abs(np.linalg.eigvals(A))
    return {
        "inverse exists": bool(np.min(np.abs(np.diagonal(U))) > tol * np.max(np.abs(A))),
        "Ax = 0 only for x = 0": scipy.linalg.null_space(A, rcond=tol).shape[1] == 0,
        "rows form a basis": full_rank(A.T),
        "columns form a basis": full_rank(A),
        "product of elementary matrices": product_of_elementary(),
        "0 is not an eigenvalue": bool(eigenvalues.min() > tol * eigenvalues.max()),
    }


def solve_relative_error(A, x_true) -> float:
    """Relative error ||x_hat - x|| / ||x|| of solving A x_hat = b with b = A x, in float64.

    The right-hand side b = A x is formed in floating point and the system is solved by
    LU factorisation with partial pivoting (``numpy.linalg.solve``).
    """
    A = _as_matrix(A, square=True)
    x_true = _as_vector(x_true, "x_true")
    if x_true.shape[0] != A.shape[0]:
        raise ValueError(f"x_true must have length {A.shape[0]}, got {x_true.shape[0]}")
    if not np.any(x_true):
        raise ValueError("x_true must not be the zero vector: the relative error divides by ||x_true||")
    x_hat = _solve(A, A @ x_true)
    return float(np.linalg.norm(x_hat - x_true) / np.linalg.norm(x_true))


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``numpy.linalg.solve`` with an error that says which matrix is singular."""
    try:
        return np.linalg.solve(A, b)
    except np.linalg.LinAlgError:
        raise np.linalg.LinAlgError(
            f"A is singular (condition number {condition_number(A):.2e}): A x = b has no unique solution"
        ) from None


def condition_experiment(kappas, n: int, repeats: int, *, seed) -> dict[str, np.ndarray]:
    """Solve random systems with prescribed condition numbers and record the relative errors.

    For each kappa in ``kappas`` and each repeat: draw A = :func:`matrix_with_condition_number`
    and a Gaussian x, and solve A x_hat = A x. Returns the arrays ``kappa`` (measured from
    the SVD of each A) and ``error`` (:func:`solve_relative_error`), one entry per system.
    """
    kappas = _as_vector(kappas, "kappas")
    if np.iscomplexobj(kappas) or np.any(kappas < 1):
        raise ValueError("kappas must be real and >= 1")
    n = _check_size(n)
    repeats = _check_size(repeats, "repeats")
    rng = as_rng(seed)
    measured, errors = [], []
    for kappa in kappas:
        for _ in range(repeats):
            A = matrix_with_condition_number(n, float(kappa), seed=rng)
            measured.append(condition_number(A))
            errors.append(solve_relative_error(A, rng.standard_normal(n)))
    return {"kappa": np.array(measured), "error": np.array(errors)}


def polynomial_design_matrix(x, degree: int) -> np.ndarray:
    """Design matrix of polynomial regression, x_ij = (x_i)^j for j = 0, ..., degree."""
    x = _as_vector(x, "x")
    if np.iscomplexobj(x):
        raise TypeError("x must be real")
    degree = check_int(degree, "degree", minimum=0)
    return np.vander(x, degree + 1, increasing=True)


def numpy_torch_deviations(A, b, *, device: str = "cpu") -> dict[str, float]:
    """Largest absolute differences between ``numpy.linalg`` and ``torch.linalg``, both in float64.

    Compares the eigenvalues (``eigvalsh``) of the symmetric part (A + A^T)/2, the singular
    values of A, and the solution of A x = b. ``device`` is where torch computes.
    Both libraries run on one thread here: multithreaded BLAS changes the order of the
    floating-point sums, and with it the last digits, so the deviations (a few ulps) would
    otherwise depend on the machine's thread count.
    """
    import torch
    from threadpoolctl import threadpool_limits

    A = _as_matrix(A, square=True)
    b = _as_vector(b, "b")
    if np.iscomplexobj(A) or np.iscomplexobj(b):
        raise TypeError("A and b must be real")
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"b must have length {A.shape[0]}, got {b.shape[0]}")
    device = as_device(device)
    sym = 0.5 * (A + A.T)

    def to_torch(x: np.ndarray):
        return torch.tensor(x, dtype=torch.float64, device=device)

    def deviation(x_numpy: np.ndarray, x_torch) -> float:
        return float(np.max(np.abs(x_numpy - x_torch.cpu().numpy())))

    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            return {
                "eigvalsh": deviation(np.linalg.eigvalsh(sym), torch.linalg.eigvalsh(to_torch(sym))),
                "singular values": deviation(
                    np.linalg.svd(A, compute_uv=False), torch.linalg.svdvals(to_torch(A))
                ),
                "solve": deviation(_solve(A, b), torch.linalg.solve(to_torch(A), to_torch(b))),
            }
    finally:
        torch.set_num_threads(torch_threads)


# ---------------------------------------------------------------------------------------
# positive definite matrices, the pseudo-inverse and low-rank approximation
# ---------------------------------------------------------------------------------------


def _real_matrix(A, name: str = "A", *, square: bool = False) -> np.ndarray:
    A = _as_matrix(A, name, square=square)
    if np.iscomplexobj(A):
        raise TypeError(f"{name} must be real")
    return A.astype(float)


def cholesky(A) -> np.ndarray:
    """The Cholesky factor L of a symmetric positive definite A: A = L L^T, L lower triangular.

    Column by column (chapter "Linear algebra", the Cholesky factorisation),

        l_jj = sqrt(a_jj - sum_{k<j} l_jk^2),
        l_ij = (a_ij - sum_{k<j} l_ik l_jk) / l_jj   for i > j.

    The square root exists at every step exactly when A is positive definite, so the
    factorisation doubles as the cheapest test of definiteness: a pivot <= 0 raises a
    ValueError. Costs n^3/3 multiplications, half of an LU factorisation.
    """
    return _cholesky(A, "A")


def _cholesky(A, name: str) -> np.ndarray:
    """:func:`cholesky` with the caller's name of the matrix in the error messages."""
    A = _real_matrix(A, name, square=True)
    if not np.allclose(A, A.T, rtol=1e-12, atol=1e-12 * max(1.0, float(np.abs(A).max()))):
        raise ValueError(f"{name} must be symmetric")
    n = A.shape[0]
    L = np.zeros_like(A)
    for j in range(n):
        pivot = A[j, j] - L[j, :j] @ L[j, :j]
        if not pivot > 0:
            raise ValueError(f"{name} must be positive definite: pivot {j} is {pivot:.3g}")
        L[j, j] = np.sqrt(pivot)
        L[j + 1 :, j] = (A[j + 1 :, j] - L[j + 1 :, :j] @ L[j, :j]) / L[j, j]
    return L


def gaussian_samples(mean, cov, n: int, *, seed) -> np.ndarray:
    """n samples of the multivariate normal N(mean, cov) as x = mean + L z (L from :func:`cholesky`).

    With z ~ N(0, I), Cov(L z) = L E[z z^T] L^T = L L^T = cov. Returns an (n, d) array.
    """
    mean = _as_vector(mean, "mean")
    if np.iscomplexobj(mean):
        raise TypeError("mean must be real")
    cov = _real_matrix(cov, "cov", square=True)
    if cov.shape[0] != mean.shape[0]:
        raise ValueError(f"cov must be {mean.shape[0]} x {mean.shape[0]} like mean, got {cov.shape}")
    n = _check_size(n)
    L = _cholesky(cov, "cov")
    z = as_rng(seed).standard_normal((n, mean.shape[0]))
    return mean + z @ L.T


def pinv(A, rcond: float = 1e-12) -> np.ndarray:
    """The Moore-Penrose pseudo-inverse from the SVD: A^+ = V Sigma^+ U^T.

    Sigma^+ inverts the singular values above rcond * sigma_0 and sets the others to zero
    (they are zero up to rounding). x = A^+ b is the least-squares solution of A x = b with
    the smallest norm; for a matrix with independent columns it equals (A^T A)^{-1} A^T b.
    """
    A = _real_matrix(A)
    rcond = float(check_scalar(rcond, "rcond", minimum=0.0, maximum=1.0))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    keep = s > rcond * (s[0] if s.size else 0.0)
    s_inv = np.zeros_like(s)
    s_inv[keep] = 1.0 / s[keep]
    return (Vt.T * s_inv) @ U.T


def truncated_svd(A, k: int) -> np.ndarray:
    """The best rank-k approximation A_k = sum_{i<k} sigma_i u_i v_i^T (Eckart-Young).

    No matrix B of rank <= k is closer to A in the Frobenius norm,
    ||A - A_k||_F^2 = sum_{i>=k} sigma_i^2, or in the 2-norm, ||A - A_k||_2 = sigma_k.
    """
    A = _real_matrix(A)
    k = check_int(k, "k", minimum=1, maximum=min(A.shape))
    U, s, Vt = np.linalg.svd(A, full_matrices=False)
    return (U[:, :k] * s[:k]) @ Vt[:k]


def als_low_rank(A, k: int, n_iter: int = 100, *, seed) -> tuple[np.ndarray, np.ndarray]:
    """A rank-k approximation B C^T of A by alternating least squares, without any SVD.

    Starting from a random C (m x k), alternate the two linear least-squares problems
    B = argmin ||A - B C^T||_F (C fixed) and C = argmin ||A - B C^T||_F (B fixed). Each
    step can only lower the error; the chapter compares where it ends with Eckart-Young.
    Returns B (n x k) and C (m x k).
    """
    A = _real_matrix(A)
    k = check_int(k, "k", minimum=1, maximum=min(A.shape))
    n_iter = check_int(n_iter, "n_iter", minimum=1)
    C = as_rng(seed).standard_normal((A.shape[1], k))
    for _ in range(n_iter):
        B = np.linalg.lstsq(C, A.T, rcond=None)[0].T
        C = np.linalg.lstsq(B, A, rcond=None)[0].T
    return B, C


def quadratic_form_gradient(A, x) -> np.ndarray:
    """The gradient of the quadratic form f(x) = x^T A x: grad f = (A + A^T) x (= 2 A x for symmetric A).

    From f = sum_ij x_i a_ij x_j, df/dx_k = sum_j a_kj x_j + sum_i x_i a_ik. With the linear
    term, grad (b^T x) = b; together they give the gradient of the least-squares cost,
    grad ||y - X theta||^2 = -2 X^T (y - X theta), and the normal equations.
    """
    A = _real_matrix(A, square=True)
    x = _as_vector(x, "x")
    if np.iscomplexobj(x):
        raise TypeError("x must be real")
    if x.shape[0] != A.shape[0]:
        raise ValueError(f"x must have length {A.shape[0]}, got {x.shape[0]}")
    return (A + A.T) @ x
