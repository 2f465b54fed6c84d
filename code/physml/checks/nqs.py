"""Reference checks of the chapter "Neural-network quantum states".

The runs themselves (settings, training, the final measurements) are in
``physml.studies.nqs``; each Monte Carlo check reads the run the page made
(``experiment.current``: the book's settings in the book, the short ones in the unit tests)
and compares value +- blocking error with an exact energy (variational). The RBM free
energy, the autograd local energies and Hartree-Fock are cheap deterministic checks and
need no study.
"""

from __future__ import annotations

import itertools

import numpy as np

from .. import vmc
from ..experiment import current
from ..rbm import GaussianBinaryRBM
from ..studies import nqs as study
from ..validation import reference_check
from ..vmc import exact

N_HIDDEN = 4  # hidden units of the random RBMs of the deterministic checks


def noninteracting_study(short: bool = False) -> study.Run:
    return study.noninteracting_run(current(study.noninteracting_run, short))


def dot_study(short: bool = False) -> dict[str, study.Run]:
    return study.dot_rbm_run(current(study.dot_rbm_run, short))


def feed_forward_study(short: bool = False) -> study.Run:
    return study.feed_forward_run(current(study.feed_forward_run, short))


def gaussian_product_energy(omega: float = 1.0) -> tuple[float, float]:
    """(alpha, energy) of the best Gaussian product: see ``physml.vmc.exact``."""
    return exact.gaussian_product_energy(omega)


#: A published RBM study of the same dot (chapter table, ``nordhagen2019studies``): the final
#: thesis text, chapter "Selected Results", table ``tab:quantumdotswinteraction2D1`` ("The
#: ground state energy of two-dimensional quantum dots with N electrons and frequency omega"),
#: row N = 2, omega = 1.0, columns "RBM" and "RBM+PJ", as (energy, statistical error); read
#: from ``thesis/results.tex`` of github.com/evenmn/Master-thesis at commit afd830e ("Final
#: version", 2 Dec 2019). The thesis' convergence plot data (``pgf/convergence42.tex``) end at
#: 3.08033 for the RBM. The page number could not be determined (the thesis PDF is not in the
#: stored snapshot). An earlier draft (``doc/text/Results.tex``) had 3.0822(2) and 3.00002(2).
#: The RBM+PJ value lies 0.000413 = 83 of its own error bars *below* the exact 3: it is not a
#: variational upper bound, and the chapter says so. Quoted, not computed; nothing is checked
#: against them (the ansatz and the training differ).
PUBLISHED_RBM = {"RBM": (3.0803, 0.0002), "RBM + Pade-Jastrow": (2.999587, 0.000005)}

#: Same table and row, column "VMC" (the thesis' Gaussian x Pade-Jastrow trial function):
#: also below the exact 3; quoted in the chapter's text only.
PUBLISHED_THESIS_VMC = (2.99936, 0.00001)


def hartree_fock(omega: float = 1.0) -> exact.HartreeFockResult:
    """Restricted Hartree-Fock energy of the dot (16 even-tempered Gaussians), see ``physml.vmc.exact``."""
    return exact.hartree_fock_dot(omega)


@reference_check(
    "nqs.free-energy",
    chapter="nqs",
    description="The RBM free energy equals -log sum_h exp(-E(x, h)) by enumeration of the 2^4 hidden states",
    reference_source="direct enumeration of the hidden units",
    kind="abs",
    tolerance=1e-12,
    reference_kind="exact",
    tolerance_from="bound",
    why="the closed-form marginal and the explicit sum are the same number; 1e-12 bounds float64 rounding",
)
def _free_energy():
    rbm = GaussianBinaryRBM.random(4, N_HIDDEN, seed=1, scale=0.8, sigma=0.9)
    x = np.random.default_rng(2).standard_normal((6, 4))
    states = np.array(list(itertools.product([0.0, 1.0], repeat=N_HIDDEN)))
    brute = [-np.log(np.exp(-rbm.energy(np.repeat(v[None], len(states), axis=0), states)).sum()) for v in x]
    return rbm.free_energy(x), np.array(brute)


@reference_check(
    "nqs.local-energy-autograd",
    chapter="nqs",
    description="Local energy of the RBM x Pade-Jastrow trial function from the analytic derivatives "
    "equals the one from torch autograd",
    reference_source="torch.autograd (float64) on log psi",
    kind="abs",
    tolerance=1e-9,
    reference_kind="library",
    tolerance_from="bound",
    why="two exact derivatives of the same function in float64; 1e-9 bounds the rounding of E_L",
)
def _local_energy_autograd():
    import torch

    wf = vmc.RBMWaveFunction.random(2, 2, N_HIDDEN, seed=3, scale=0.5, sigma=0.8, jastrow=True, beta=0.4)
    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    x = np.random.default_rng(4).standard_normal((8, 2, 2))
    a, b, W = (torch.tensor(p) for p in wf._split())
    xt = torch.tensor(x, requires_grad=True)
    v = xt.reshape(8, 4)
    s2 = wf.sigma**2
    r12 = torch.sqrt(((xt[:, 0] - xt[:, 1]) ** 2).sum(dim=1))
    log_psi = 0.5 * (
        torch.nn.functional.softplus(b + v @ W / s2).sum(dim=1) - ((v - a) ** 2).sum(dim=1) / (2 * s2)
    )
    log_psi = log_psi + r12 / (1 + wf.params[-1] * r12)
    (grad,) = torch.autograd.grad(log_psi.sum(), xt, create_graph=True)
    flat = grad.reshape(8, 4)
    lap = sum(
        torch.autograd.grad(flat[:, k].sum(), xt, retain_graph=True)[0].reshape(8, 4)[:, k] for k in range(4)
    )
    e_torch = -0.5 * (lap + (flat**2).sum(dim=1)) + torch.tensor(ham.potential(x))
    return ham.local_energy(wf, x), e_torch.detach().numpy()


@reference_check(
    "nqs.noninteracting",
    chapter="nqs",
    description="RBM psi = sqrt(F) trained for two non-interacting particles in 2D (Gibbs sampling)",
    reference_source="exact E = N d omega / 2 = 2",
    kind="stat",
    k=3.0,
    systematic=2e-3,
    short_systematic=2e-2,
    variational=True,
    glued=("nqs-nonint-energy",),
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 2e-3 (short 2e-2) for the unconverged weights; not documented as fixed before",
)
def _noninteracting(short: bool):
    run = noninteracting_study(short)
    return run.final.mean, run.final.error, run.reference


@reference_check(
    "nqs.dot-rbm-jastrow",
    chapter="nqs",
    description="RBM x Pade-Jastrow trial function for the two-electron dot at omega = 1",
    reference_source="Taut's exact E = 3 (J. Phys. A 27, 1045 (1994))",
    kind="stat",
    k=3.0,
    systematic=5e-3,
    short_systematic=3e-2,
    variational=True,
    glued=("nqs-dot-rbmj-energy",),
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 5e-3 (short 3e-2) for the ansatz's own error; not documented as fixed before",
)
def _dot_rbm_jastrow(short: bool):
    run = dot_study(short)["RBM x Pade-Jastrow, psi = sqrt(F) J"]
    return run.final.mean, run.final.error, 3.0


@reference_check(
    "nqs.dot-rbm",
    chapter="nqs",
    description="RBM psi = sqrt(F) without Jastrow factor, dot at omega = 1: between 3 and 3.15 "
    "(no error bar: the local energy has infinite variance without the cusp)",
    reference_source="Taut's exact E = 3 (J. Phys. A 27, 1045 (1994)), plus 0.075",
    kind="abs",
    tolerance=0.075,
    short_tolerance=0.15,
    glued=("nqs-dot-rbm-energy",),
    reference_kind="exact",
    tolerance_from="after",
    why="the energy must lie in [3, 3.15] (short [3, 3.3]), the plain RBM's known gap to E = 3, chosen "
    "with the result in view; a bound, since a blocking error of an infinite-variance E_L is no sigma",
)
def _dot_rbm(short: bool):
    run = dot_study(short)["RBM, psi = sqrt(F), Gibbs"]
    half = 0.15 if short else 0.075
    return run.final.mean, 3.0 + half  # |E - (3 + half)| <= half  <=>  3 <= E <= 3 + 2 half


@reference_check(
    "nqs.hartree-fock",
    chapter="nqs",
    description="Restricted Hartree-Fock energy of the dot at omega = 1 is converged in the basis: "
    "16 Gaussians (ratio 1.5) against 24 (ratio 1.4)",
    reference_source="the same Roothaan equations in a larger, denser basis of Gaussians",
    kind="abs",
    tolerance=1e-6,
    glued=("nqs-hf-energy",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round convergence target, 1e-6, as the chapter states; no bound on the basis-set error derived",
)
def _hartree_fock():
    return hartree_fock(1.0).energy, exact.hartree_fock_dot(1.0, n_basis=24, ratio=1.4).energy


@reference_check(
    "nqs.hartree-fock-virial",
    chapter="nqs",
    description="Hartree-Fock solution obeys the virial theorem 2<T> - 2<V_trap> + <V_int> = 0",
    reference_source="virial theorem of the trap + Coulomb Hamiltonian (scaling argument)",
    kind="abs",
    tolerance=1e-5,
    reference_kind="exact",
    tolerance_from="target",
    why="the theorem gives 0 for a complete basis; 1e-5, a round target for the finite one, is not derived",
)
def _hartree_fock_virial():
    hf = hartree_fock(1.0)
    return 2 * hf.kinetic - 2 * hf.trap + hf.interaction, 0.0


@reference_check(
    "nqs.feed-forward-start",
    chapter="nqs",
    description="With zero output weights the torch (autograd) trial function has the local energy "
    "of the analytic Pade-Jastrow function",
    reference_source="physml.vmc.PadeJastrow with analytic derivatives",
    kind="abs",
    tolerance=1e-11,
    reference_kind="exact",
    tolerance_from="bound",
    why="at zero output weights both are the same function; 1e-11 bounds float64 rounding of E_L",
)
def _feed_forward_start():
    from ..vmc.torch_nqs import FeedForwardJastrow

    ham = vmc.HarmonicTrap(1.0, coulomb=True)
    cfg = study.FeedForwardRun.book()  # the start of the page's run: output weights zero
    x = np.random.default_rng(6).standard_normal((50, 2, 2))
    wf = FeedForwardJastrow(cfg.alpha_start, cfg.beta_start, n_hidden=cfg.n_hidden, seed=cfg.init_seed)
    return ham.local_energy(wf, x), ham.local_energy(vmc.PadeJastrow(cfg.alpha_start, cfg.beta_start), x)


@reference_check(
    "nqs.dot-feed-forward",
    chapter="nqs",
    description="Pade-Jastrow x exp(feed-forward network), Laplacian by torch autograd, dot at omega = 1",
    reference_source="Taut's exact E = 3 (J. Phys. A 27, 1045 (1994))",
    kind="stat",
    k=3.0,
    systematic=5e-3,
    short_systematic=3e-2,
    variational=True,
    glued=("nqs-ffnn-energy",),
    reference_kind="exact",
    tolerance_from="after",
    why="3 sigma plus 5e-3 (short 3e-2) for the ansatz's own error; not documented as fixed before",
)
def _dot_feed_forward(short: bool):
    run = feed_forward_study(short)
    return run.final.mean, run.final.error, 3.0


# ----------------------------------------------------------------------------------------------
# spin chains: RBM + stochastic reconfiguration against exact energies
# ----------------------------------------------------------------------------------------------


def tfim_study(short: bool = False) -> study.ChainResult:
    return study.tfim_chain_run(current(study.tfim_chain_run, short))


def heisenberg_study(short: bool = False) -> study.ChainResult:
    return study.heisenberg_chain_run(current(study.heisenberg_chain_run, short))


def race_study(short: bool = False) -> dict:
    return study.optimizer_race(current(study.optimizer_race, short))


def relative_error(result: study.ChainResult, alpha: int) -> tuple[float, float]:
    """((E - E0) / |E0|, sigma / |E0|) of the run with hidden-unit density ``alpha``."""
    final = result.runs[alpha][1]
    return (final.mean - result.exact) / abs(result.exact), final.error / abs(result.exact)


#: What the translation-invariant RBM is expected to reach after the book's 100 SR iterations,
#: as a relative error per alpha: fixed from trial runs of the critical TFIM at N = 40 (150
#: iterations, alpha = 1: 7e-4 to 2e-3) before the book's configuration was chosen; alpha = 2
#: is expected to do at least three times better.
EXPECTED_REL_ERROR = {1: 3e-3, 2: 1e-3}


def _chain_options(model: str, alpha: int) -> dict:
    """The declaration of the energy check of one chain and one hidden-unit density."""
    name = "TFIM ring at h = 1" if model == "tfim" else "Heisenberg ring (Marshall sign, exchange moves)"
    source = (
        "free-fermion ground state of the periodic TFIM (physml.vmc.lattice.tfim_energy_free_fermions)"
        if model == "tfim"
        else "exact diagonalisation, scipy.sparse.linalg.eigsh"
    )
    return dict(
        chapter="nqs",
        description=f"{name}: relative energy error of the alpha = {alpha} RBM trained by SR "
        "(book: TFIM N = 24, Heisenberg N = 12; short: N = 8)",
        reference_source=source,
        kind="stat",
        k=3.0,
        systematic=EXPECTED_REL_ERROR[alpha],
        short_systematic=3 * EXPECTED_REL_ERROR[alpha],
        variational=True,
        glued=(f"nqs-{model}-rel-alpha{alpha}",),
        reference_kind="exact",
        tolerance_from="target",
        why=f"3 sigma (blocking) plus the relative error {EXPECTED_REL_ERROR[alpha]:g} the RBM at this alpha "
        "is expected to reach, fixed from trial runs at N = 40 before the book's run; never below E0",
    )


def _chain_value(model: str, alpha: int, short: bool):
    result = tfim_study(short) if model == "tfim" else heisenberg_study(short)
    value, sigma = relative_error(result, alpha)
    return value, sigma, 0.0


# the four checks are written out (not made in a loop) so that their ids can be read from
# the source without importing it (validation.registered_ids)
@reference_check("nqs.tfim-rbm-alpha1", **_chain_options("tfim", 1))
def _tfim_alpha1(short: bool):
    return _chain_value("tfim", 1, short)


@reference_check("nqs.tfim-rbm-alpha2", **_chain_options("tfim", 2))
def _tfim_alpha2(short: bool):
    return _chain_value("tfim", 2, short)


@reference_check("nqs.heisenberg-rbm-alpha1", **_chain_options("heisenberg", 1))
def _heisenberg_alpha1(short: bool):
    return _chain_value("heisenberg", 1, short)


@reference_check("nqs.heisenberg-rbm-alpha2", **_chain_options("heisenberg", 2))
def _heisenberg_alpha2(short: bool):
    return _chain_value("heisenberg", 2, short)


@reference_check(
    "nqs.tfim-free-fermions-ed",
    chapter="nqs",
    description="Free-fermion ground-state energy of the periodic TFIM equals exact diagonalisation "
    "(N = 10, h = 0.5, 1 and 2)",
    reference_source="scipy.sparse.linalg.eigsh on the 2^10 x 2^10 Hamiltonian",
    kind="abs",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="two exact methods; 1e-8 bounds the Lanczos convergence (tol 1e-12) and float64 rounding",
)
def _free_fermions_vs_ed():
    from ..vmc import lattice

    hs = (0.5, 1.0, 2.0)
    ff = [lattice.tfim_energy_free_fermions(10, h) for h in hs]
    ed = [lattice.exact_ground_state(lattice.TransverseFieldIsing(10, h)) for h in hs]
    return np.array(ff), np.array(ed)


@reference_check(
    "nqs.sr-beats-adam",
    chapter="nqs",
    description="SR reaches a lower energy than Adam on the TFIM ring (N = 12, alpha = 1, same samples "
    "per iteration, mean of the last 10 iterations, relative error) over 3 seeds",
    reference_source="Adam (physml.optim.Adam, lr 0.03) on the same samples, seeds and iterations",
    kind="beats",
    better="lower",
    margin=2e-3,
    short_margin=1e-3,
    reference_kind="baseline",
    tolerance_from="target",
    why="SR must gain at least 2e-3 in relative error to be worth its matrix solve; fixed from a "
    "trial at N = 12 before the book's run",
)
def _sr_beats_adam(short: bool):
    race = race_study(short)
    rel = lambda e: (np.mean(e[-10:]) - race["exact"]) / abs(race["exact"])  # noqa: E731
    return np.array([rel(e) for e in race["sr"]]), np.array([rel(e) for e in race["adam"]])
