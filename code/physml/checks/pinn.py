"""Reference checks of "Physics-informed neural networks".

The runs themselves (settings, training, the finite-difference scheme) are in
``physml.studies.pinn``; each check reads the run the page made (``experiment.current``:
the book's settings in the book, the short ones in the unit tests) and compares it with the
analytic solution. ``short=True`` trains the same networks on fewer collocation points for
fewer steps, with its own stated tolerance.
"""

from __future__ import annotations

from ..experiment import current
from ..studies import pinn as study
from ..validation import reference_check

# relative L2 errors the networks must reach: (full, short)
ODE_TOL = {"decay": (1e-3, 1e-2), "oscillator": (1e-2, 5e-2)}
HEAT_TOL = (1e-2, 1e-2)
BURGERS_TOL = (1e-2, 5e-2)
FD_TOL = 1e-3  # relative L2 error of FTCS at the finest grid
FD_ORDER_TOL = 0.2  # allowed distance of the measured order from 2


def decay_study(short: bool = False) -> dict:
    return study.decay_run(current(study.decay_run, short))


def oscillator_study(short: bool = False) -> dict:
    return study.oscillator_run(current(study.oscillator_run, short))


def heat_study(short: bool = False) -> dict:
    return study.heat_run(current(study.heat_run, short))


def burgers_study(short: bool = False) -> dict:
    return study.burgers_run(current(study.burgers_run, short))


def fd_study(short: bool = False) -> dict:
    return study.fd_run(current(study.fd_run, short))


# --------------------------------------------------------------------------- checks


@reference_check(
    "pinn.decay",
    chapter="pinn",
    description="PINN u = u0 + t N(t/4) for u' = -u on [0, 4]: relative L2 error below 1e-3",
    reference_source="analytic u0 exp(-gamma t); short (50 points, 100 Adam + 50 L-BFGS steps): below 1e-2",
    kind="at_most",
    glued=("pinn-decay-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-3 (short 1e-2)",
)
def _decay(short: bool):
    return decay_study(short)["error"], ODE_TOL["decay"][short]


@reference_check(
    "pinn.oscillator",
    chapter="pinn",
    description="PINN x = x0 + v0 t + (t/4)^2 N(t/4), damped oscillator, t in [0, 4]: rel. L2 < 1e-2",
    reference_source="analytic underdamped solution; short (50 points, 200 Adam + 100 L-BFGS): below 5e-2",
    kind="at_most",
    glued=("pinn-osc-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-2 (short 5e-2)",
)
def _oscillator(short: bool):
    return oscillator_study(short)["error"], ODE_TOL["oscillator"][short]


@reference_check(
    "pinn.heat",
    chapter="pinn",
    description="Heat-equation PINN (hard constraints) on [0, 1] x [0, 0.5]: relative L2 error below 1e-2",
    reference_source="analytic exp(-pi^2 t) sin(pi x) on a 101 x 101 grid; "
    "short (300 points, 200 Adam + 150 L-BFGS steps, same seed): also below 1e-2",
    kind="at_most",
    glued=("pinn-heat-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-2 in both configurations",
)
def _heat(short: bool):
    return heat_study(short)["error"], HEAT_TOL[short]


@reference_check(
    "pinn.burgers",
    chapter="pinn",
    description="Burgers PINN (nu = 0.05) on [-1, 1] x [0, 0.5]: relative L2 error below 1e-2",
    reference_source="Cole-Hopf solution by Gauss-Hermite quadrature (pinn.burgers_exact), 101 x 51 grid; "
    "short (200 points, 200 Adam + 100 L-BFGS steps): below 5e-2",
    kind="at_most",
    glued=("pinn-burgers-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-2 (short 5e-2)",
)
def _burgers(short: bool):
    return burgers_study(short)["error"], BURGERS_TOL[short]


@reference_check(
    "pinn.ftcs-error",
    chapter="pinn",
    description="FTCS scheme, nx = 81, r = 0.4: relative L2 error at t = 0.1 below 1e-3",
    reference_source="analytic exp(-pi^2 t) sin(pi x)",
    kind="at_most",
    glued=("pinn-fd-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-3 on the finest grid",
)
def _ftcs_error(short: bool):
    return float(fd_study(short)["errors"][-1]), FD_TOL


@reference_check(
    "pinn.ftcs-order",
    chapter="pinn",
    description="FTCS at fixed r = dt/dx^2 = 0.4 converges at second order in dx (slope within 0.2 of 2)",
    reference_source="truncation error O(dt) + O(dx^2) = O(dx^2) at fixed r",
    kind="abs",
    tolerance=FD_ORDER_TOL,
    glued=("pinn-fd-order",),
    reference_kind="exact",
    tolerance_from="target",
    why="order 2 from the truncation error; 0.2 is a round allowance for grids before the asymptotic regime",
)
def _ftcs_order(short: bool):
    return fd_study(short)["order"], 2.0


# --------------------------------------------------------------------------- new sections

INVERSE_LSQ_FRACTION = 0.5  # the PINN's own error of zeta must stay below half the statistical one
BLACK_SCHOLES_TOL = (1e-2, 3e-2)  # max |V - V_BS| / K today for 0.5 <= S/K <= 1.5: (full, short)
DISK_TOL = (1e-2, 3e-2)  # relative L2 error on the disk: (full, short)


def _read(fn, short: bool) -> dict:
    return fn(current(fn, short))


@reference_check(
    "pinn.inverse-zeta",
    chapter="pinn",
    description="Inverse problem: the damping ratio recovered from 40 noisy positions equals the "
    "true zeta = 0.1",
    reference_source="the zeta that generated the data; sigma = noise / ||dx/dzeta|| at the data times "
    "(the least-squares standard error); the short configuration is the full one (1 s)",
    kind="stat",
    glued=("pinn-inv-zeta",),
    reference_kind="exact",
    tolerance_from="sigma",
    why="k = 3 standard errors of a fit to data with noise 0.02, computed from the noise before the run",
)
def _inverse_zeta(short: bool):
    run = _read(study.inverse_run, short)
    return run["zeta"], run["sigma"], current(study.inverse_run, short).zeta


@reference_check(
    "pinn.inverse-lsq",
    chapter="pinn",
    description="Inverse problem: the PINN's zeta differs from a least-squares fit of the exact solution "
    "to the same data by at most half a standard error",
    reference_source="scipy.optimize.least_squares of pinn.oscillator_exact to the same 40 positions; "
    "value |zeta_PINN - zeta_lsq| / sigma",
    kind="at_most",
    glued=("pinn-inv-lsq-dev",),
    reference_kind="library",
    tolerance_from="target",
    why="the PINN's own error must stay below half the statistical error (0.5 sigma), "
    "a target stated before the run",
)
def _inverse_lsq(short: bool):
    run = _read(study.inverse_run, short)
    return abs(run["zeta"] - run["zeta_lsq"]) / run["sigma"], INVERSE_LSQ_FRACTION


@reference_check(
    "pinn.disk",
    chapter="pinn",
    description="Poisson's equation on the unit disk (hard boundary condition): relative L2 error below 1e-2",
    reference_source="manufactured solution exp(x) cos(pi r^2 / 2) on the grid points inside the disk; "
    "short (200 points, 150 Adam + 60 L-BFGS steps): below 3e-2",
    kind="at_most",
    glued=("pinn-disk-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, relative L2 error 1e-2 (short 3e-2)",
)
def _disk(short: bool):
    return _read(study.disk_run, short)["error"], DISK_TOL[short]


@reference_check(
    "pinn.adaptive-beats-uniform",
    chapter="pinn",
    description="Residual-based adaptive collocation beats fixed uniform points (same number of points and "
    "steps) on u'' = f with a steep front: mean relative L2 error over 3 seeds",
    reference_source="uniform random collocation points, same seeds, 32 points, 600 Adam steps "
    "(short: 300 steps)",
    kind="beats",
    better="lower",
    margin=0.0,
    reference_kind="baseline",
    tolerance_from="target",
    why="the claim itself: a lower mean error than the uniform baseline at equal cost, over three seeds",
)
def _adaptive(short: bool):
    run = _read(study.adaptive_run, short)
    return run["adaptive_errors"], run["uniform_errors"]


@reference_check(
    "pinn.black-scholes",
    chapter="pinn",
    description="Black–Scholes PINN (European call, sigma = 0.2, r = 0.05, T = 1): price today within "
    "1 % of the strike of the analytic formula for 0.5 <= S/K <= 1.5",
    reference_source="Black-Scholes formula (pinn.black_scholes_call); short (300 points, 250 Adam + "
    "100 L-BFGS): within 3 %",
    kind="at_most",
    glued=("pinn-bs-error",),
    reference_kind="exact",
    tolerance_from="target",
    why="a round accuracy target, 1e-2 K (short 3e-2 K), stated before the run",
)
def _black_scholes(short: bool):
    return _read(study.black_scholes_run, short)["max_error"], BLACK_SCHOLES_TOL[short]
