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
