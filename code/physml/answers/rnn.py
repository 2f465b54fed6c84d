"""Self-check answers for the exercises of the chapter "Recurrent neural networks".

Each answer is computed with ``physml.rnn``, torch or the chapter's reference value (never typed in).
"""

import numpy as np
import torch

from .. import rnn
from ..checks.rnn import LYAPUNOV_REFERENCE
from ..selfcheck import answer

# exercise "Parameters of an LSTM layer": 3 inputs, 64 hidden units (torch's two bias vectors)
LSTM_D, LSTM_M = 3, 64
# exercise "A hidden state by hand": M = 2, one input, two steps
HAND_W = [[0.5, -0.5], [0.0, 1.0]]
HAND_U = [[1.0], [-1.0]]
HAND_B = [0.0, 0.5]
HAND_X = [1.0, 2.0]
# exercise "How far can one forecast Lorenz?": the initial error and the tolerated error
FORECAST_EPS, FORECAST_DELTA = 1e-6, 1.0


@answer(
    "rnn-lstm-params",
    rtol=0.0,
    atol=0.5,
    hint="Four gates, each with an M x d input matrix, an M x M recurrent matrix and (in torch) two biases.",
)
def _lstm_params():
    return sum(p.numel() for p in torch.nn.LSTM(LSTM_D, LSTM_M).parameters())


@answer(
    "rnn-gru-params",
    rtol=0.0,
    atol=0.5,
    hint="Like the LSTM, but with three weight blocks instead of four.",
)
def _gru_params():
    return sum(p.numel() for p in torch.nn.GRU(LSTM_D, LSTM_M).parameters())


@answer(
    "rnn-hidden-state",
    rtol=1e-6,
    atol=1e-9,
    hint="h_1 = tanh(U x_1 + b) since h_0 = 0; then h_2 = tanh(W h_1 + U x_2 + b). Give h_2 as two numbers.",
)
def _hidden_state():
    cell = rnn.VanillaRNN(1, 2)
    with torch.no_grad():
        cell.W.copy_(torch.tensor(HAND_W, dtype=torch.float64))
        cell.U.copy_(torch.tensor(HAND_U, dtype=torch.float64))
        cell.b.copy_(torch.tensor(HAND_B, dtype=torch.float64))
    x = torch.tensor(HAND_X, dtype=torch.float64).reshape(1, -1, 1)
    return cell(x)[-1][0].detach().numpy()


@answer(
    "rnn-lyapunov-time",
    rtol=1e-3,
    hint="The Lyapunov time is the inverse of the largest Lyapunov exponent, 0.9056 for Lorenz.",
)
def _lyapunov_time():
    return 1.0 / LYAPUNOV_REFERENCE


@answer(
    "rnn-forecast-time",
    rtol=1e-3,
    hint="Solve eps * exp(lambda t) = Delta for t.",
)
def _forecast_time():
    return float(np.log(FORECAST_DELTA / FORECAST_EPS) / LYAPUNOV_REFERENCE)


@answer(
    "rnn-rk4-ratio",
    rtol=0.0,
    atol=0.5,
    hint="The global error of a method of order p scales as dt^p.",
)
def _rk4_ratio():
    return 2.0**4


# exercise "A bound on the BPTT Jacobian": ||W||_2 and the target size of the signal
BPTT_NORM, BPTT_TARGET = 0.8, 1e-6
# exercise "Errors at every step": one-step error, threshold, sampling step (Lorenz, standardised)
STEP_EPS, STEP_DELTA, STEP_DT = 1e-3, 0.3, 0.02
# exercise "DMD of the oscillator": damping and sampling step of the chapter's oscillator
DMD_GAMMA, DMD_DT = 0.1, 0.1
# project "A reservoir forecaster": reservoir size and seed of the milestone
PROJECT_RESERVOIR, PROJECT_SEED = 100, 0


@answer(
    "rnn-bptt-steps",
    rtol=0.0,
    atol=0.5,
    hint="The bound is (max|phi'| ||W||)^k with max|tanh'| = 1; "
    "solve 0.8^k <= 1e-6 for the smallest integer k.",
)
def _bptt_steps():
    return float(np.ceil(np.log(BPTT_TARGET) / np.log(BPTT_NORM)))


@answer(
    "rnn-coherent-horizon",
    rtol=1e-3,
    hint="Solve e(t) = eps/(lambda dt) (exp(lambda t) - 1) = Delta for lambda t (Lyapunov times).",
)
def _coherent_horizon():
    lam = LYAPUNOV_REFERENCE
    return float(np.log(1 + STEP_DELTA * lam * STEP_DT / STEP_EPS))


@answer(
    "rnn-dmd-modulus",
    rtol=1e-6,
    hint="The eigenvalues of the sampled flow are exp(mu dt); their modulus is exp(Re(mu) dt).",
)
def _dmd_modulus():
    return float(np.exp(-DMD_GAMMA * DMD_DT))


def project_reservoir_median() -> float:
    """The milestone of the project: median valid steps of an echo-state network of
    PROJECT_RESERVOIR units (seed PROJECT_SEED, the other settings the chapter's) on the
    chapter's Lorenz data (``study.LorenzRun()``)."""
    from threadpoolctl import threadpool_limits

    from ..studies import rnn as study

    cfg = study.LorenzRun()
    data = study.forecast_data(cfg)
    with threadpool_limits(limits=1):
        esn = rnn.EchoStateNetwork(PROJECT_RESERVOIR, seed=PROJECT_SEED).fit(
            (data["train"] - data["mean"]) / data["std"]
        )
        pred = esn.forecast(data["lead_history"], cfg.horizon)
    return float(np.median(rnn.valid_time(pred, data["truth"], cfg.threshold)))


@answer(
    "rnn-project-esn-median",
    rtol=0.0,
    atol=0.6,
    hint="Standardise with the training mean and std, fit on the training trajectories, forecast from "
    "data['lead_history'] and take the median of rnn.valid_time (in steps).",
)
def _project_median():
    return project_reservoir_median()
