"""Self-check answers for the exercises of "Diffusion models" (``exercises/diffusion.md``)."""

from .. import diffusion as dm
from ..selfcheck import answer

# Settings of the exercises, shared with the exercise page.
BETAS = (1e-3, 0.2, 100)  # linear schedule: beta_1, beta_T, T (the chapter's)
T_QUERY = 50
DATA_VAR = 4.0  # variance of 1D Gaussian data x_0 ~ N(0, 4)
OPT_X, OPT_T = 1.0, 50  # where the optimal noise predictor is evaluated


def _schedule():
    beta_1, beta_T, T = BETAS
    return dm.Schedule(dm.linear_betas(T, beta_1, beta_T))


@answer(
    "dif-alpha-bar",
    rtol=1e-6,
    hint="alpha_bar_t is the product of (1 - beta_s) for s = 1..t, "
    "with beta_s = beta_1 + (s - 1)(beta_T - beta_1)/(T - 1).",
)
def _alpha_bar():
    return float(_schedule().alpha_bars[T_QUERY - 1])


@answer(
    "dif-variance",
    rtol=1e-6,
    hint="x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps, x_0 and eps independent: add the variances.",
)
def _variance():
    ab = _schedule().alpha_bars[T_QUERY - 1]
    return float(ab * DATA_VAR + 1 - ab)


@answer(
    "dif-optimal-eps",
    rtol=1e-6,
    hint="For Gaussian data eps* = sqrt(1 - alpha_bar) (x - sqrt(alpha_bar) mu) / C_t "
    "with C_t = alpha_bar s^2 + 1 - alpha_bar.",
)
def _optimal_eps():
    return float(dm.gaussian_optimal_eps([[OPT_X]], OPT_T, [0.0], [[DATA_VAR]], _schedule())[0, 0])


@answer(
    "dif-project-var",
    rtol=1e-6,
    hint="Propagate P_{t-1} = a_t^2 P_t + beta_tilde_t from P_T = 1 "
    "with a_t = (1 - beta_t / C_t) / sqrt(alpha_t), "
    "C_t = alpha_bar_t s^2 + 1 - alpha_bar_t, on dm.cosine_betas(100).",
)
def _project_var():
    sched = dm.Schedule(dm.cosine_betas(100))
    return float(dm.ancestral_moments([0.0], [[DATA_VAR]], sched, "beta_tilde")[1][0, 0])
