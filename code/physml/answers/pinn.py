"""Self-check answers for the exercises of "Physics-informed neural networks" (``exercises/pinn.md``)."""

import math

import numpy as np
import torch

from .. import pinn
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
STABLE_NX = 21  # grid points of the stability exercise, dx = 1 / (nx - 1)
MODE_T = 0.1  # time at which the first mode's amplitude is asked for
FTCS_MODE_NX, FTCS_MODE_R = 21, 0.4  # FTCS amplitude at MODE_T for comparison
TRIAL_POINT = (0.25, 0.1)  # (x, t) of the trial-residual exercise
TRIAL_SCALE = math.pi**2
SIXTH_NX = (11, 21, 41)  # grids of the r = 1/6 exercise
SIXTH_T = 0.1


@answer("pinn-max-dt", rtol=1e-9, hint="The FTCS limit is dt / dx^2 <= 1/2, with dx = 1 / (nx - 1).")
def _max_dt():
    return 0.5 / (STABLE_NX - 1) ** 2


@answer(
    "pinn-mode-decay",
    rtol=1e-9,
    hint="u(x, t) = exp(-pi^2 t) sin(pi x): the amplitude of the first mode is exp(-pi^2 t).",
)
def _mode_decay():
    return float(pinn.heat_exact(0.5, MODE_T))


@answer(
    "pinn-ftcs-amplitude",
    rtol=1e-9,
    hint="Each FTCS step multiplies the first mode by g = 1 - 4 r sin^2(pi dx / 2); raise it to the number "
    "of steps, or run pinn.ftcs_heat and read u at x = 1/2.",
)
def _ftcs_amplitude():
    dx = 1.0 / (FTCS_MODE_NX - 1)
    steps = round(MODE_T / (FTCS_MODE_R * dx**2))
    x, u = pinn.ftcs_heat(FTCS_MODE_NX, MODE_T / steps, MODE_T)
    return float(u[(FTCS_MODE_NX - 1) // 2])


@answer(
    "pinn-trial-residual",
    rtol=1e-9,
    hint="With N = 1: u_t = s x (1 - x) and u_xx = -pi^2 sin(pi x) - 2 s t; the residual is u_t - u_xx.",
)
def _trial_residual():
    class One(torch.nn.Module):
        def forward(self, xt):
            return torch.ones_like(xt[:, :1])

    xt = torch.tensor([TRIAL_POINT], dtype=torch.float64, requires_grad=True)
    return float(pinn.heat_residual(pinn.HeatTrial(One(), scale=TRIAL_SCALE), xt).item())


@answer(
    "pinn-sixth-order",
    rtol=1e-6,
    hint="Use pinn.ftcs_error(nx, 1/6, t) on the three grids, then pinn.convergence_order(dx, errors).",
)
def _sixth_order():
    dx = np.array([1.0 / (n - 1) for n in SIXTH_NX])
    errors = [pinn.ftcs_error(n, 1.0 / 6.0, SIXTH_T) for n in SIXTH_NX]
    return pinn.convergence_order(dx, errors)


# the Black-Scholes exercise and the inverse problem's error bar
BS_SIGMA, BS_RATE = 0.2, 0.05
INVERSE_N_DATA = 160  # four times the chapter's measurements


@answer(
    "pinn-bs-beta",
    rtol=1e-9,
    hint="With k = 2 r / sigma^2: alpha = -(k - 1)/2 and beta = -(k + 1)^2 / 4.",
)
def _bs_beta():
    k = 2 * BS_RATE / BS_SIGMA**2
    return -((k + 1) ** 2) / 4


@answer(
    "pinn-inverse-sigma",
    rtol=1e-3,
    hint="sigma_zeta = noise / ||dx/dzeta|| at the measurement times: use study.cramer_rao_zeta "
    "with study.InverseRun(n_data=...).",
)
def _inverse_sigma():
    from ..studies import pinn as study

    return study.cramer_rao_zeta(study.InverseRun(n_data=INVERSE_N_DATA))
