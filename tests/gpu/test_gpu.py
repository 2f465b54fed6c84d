"""Every torch chapter's short configuration on a GPU and on the CPU: do they agree?

``make gpu-tests``. Each study of ``physml/studies/*.py`` whose settings have a ``device``
field runs as ``study(cfg.short())`` on the CPU and as ``study(cfg.short().replace(device=
"cuda"))`` on the GPU, and the numbers listed in :data:`SPECS` are compared with the
tolerance each one states. Without a CUDA device every comparison is skipped with the
reason (``pytest -rs`` prints it); ``PHYSML_GPU_DEVICE=cpu`` runs the harness CPU against
CPU (every difference must then be zero), a check of the harness on any machine.

What the tolerances allow (stated before a GPU run, not fitted to one):

* ``SAME`` - exact equality: numbers computed in NumPy from data drawn on the CPU (the
  data, a PCA or an independent-pixel baseline, an MMD baseline between real digits).
  They do not depend on the device, so any difference is a bug of the harness or a study
  that does more on the device than it says.
* ``LOSS`` (relative 5 %) and ``ACCURACY`` (absolute 0.03) - float32 training whose
  random numbers (initial weights, batch order, noise) are all drawn on the CPU, so the
  CPU and the GPU run the same arithmetic in another order (other kernels, other
  summation order). TF32 is switched off for the comparison (``ieee_float32``): with it,
  cuDNN convolutions round their inputs to 10 mantissa bits, a different computation.
  A rounding difference of float32's 6e-8 grows during training, but over the few epochs of
  a short configuration it stays far below a 5 % change of a loss or an error; an accuracy
  may flip a few images that lie on a decision boundary (0.03 is 11-16 of the 360-540
  test images).
* ``FLOAT64`` (relative 1e-6) - float64 runs: the torch copies of the NumPy network (the
  neural-networks chapter's twin, the PyTorch chapter's rebuild) and the HPC chapter's
  one- and two-process training; same weights and batches, rounding differences of 1e-16
  per operation over a few hundred steps.
* The physics-informed networks (float64, Adam then L-BFGS) are compared like another seed
  (``spread``, below), although their random numbers are drawn on the CPU: L-BFGS's line
  search branches on comparisons, and a rounding difference sends it elsewhere. Changing
  every initial weight by one unit in the last place (float64, 2e-16 relative) moved the
  final loss of the heat-equation runs by 18-21 % and their error by 0.6-29 % (an
  emulation on the CPU: the weights perturbed where the study moves its model to its
  device). The same emulation with float32's 1.2e-7 moved the losses, errors and
  accuracies of every float32 study compared with ``LOSS`` or ``ACCURACY`` by at most
  1.4e-6 relative, far inside their tolerances.
* mixed precision (relative 20 %, the HPC chapter's ``amp_run``): autocast computes in
  bfloat16 (8 mantissa bits) on a CPU and in float16 (11 bits, with a gradient scaler) on a
  GPU, two different arithmetics; a short run with either must still reach nearly the same
  loss.
* ``INFO`` - timings and rates (the HPC chapter's profile and roofline, the wall time of
  each study): shown in the table, required to be finite, never compared (a GPU is meant
  to be faster).
* ``spread(floor)`` - training that draws its random numbers on the device (the noise of a
  diffusion model or a VAE, the latent draws of a GAN, dropout masks): CUDA's generator
  (Philox) is not the CPU's (Mersenne twister), so the GPU run is *another realisation*
  of the same experiment, not the same one rounded differently. It must agree with the
  CPU run as another seed would: ``|gpu - cpu| <= 4 s`` with ``s`` the standard
  deviation of the number over five CPU runs with seeds ``seed, ..., seed + 4`` (measured
  in the test), and at least ``floor`` (a quantum of a discrete number: one mode, one class
  of ten). Another seed also changes the initial weights and the batches, so ``s`` is an
  upper estimate of the spread from the random streams alone; 4 s makes a false alarm rare
  (the estimate of s has four degrees of freedom). The short GAN runs differ so much from
  seed to seed (all eight modes of the ring for one seed, one mode for another) that their
  comparison shows little more than that the GPU run completes with finite numbers.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib
import importlib.util
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.gpu

ROOT = Path(__file__).resolve().parents[2]
STUDIES = ROOT / "code" / "physml" / "studies"
DEVICE_VARIABLE = "PHYSML_GPU_DEVICE"
N_SEEDS = 5  # CPU runs that measure the seed-to-seed spread of a ``spread`` number
K_SPREAD = 4.0

#: studies that need more than one GPU on the device (one per process)
NEEDS_GPUS = {"hpc.ddp_run": 2}

#: rows of the comparison (study, label, rule, cpu, gpu, |difference|, tolerance, ok) for the summary
ROWS: list[tuple] = []


# --------------------------------------------------------------------------- tolerances


@dataclasses.dataclass(frozen=True)
class Tol:
    """How a number of the GPU run must agree with the CPU run (see the module docstring)."""

    rule: str  # "same", "close", "spread" or "info"
    rel: float = 0.0
    abs: float = 0.0

    def allowed(self, cpu, spread: float | None = None) -> float:
        if self.rule == "same":
            return 0.0
        if self.rule == "info":
            return math.inf
        if self.rule == "spread":
            return max(K_SPREAD * (spread or 0.0), self.abs)
        return self.abs + self.rel * float(np.max(np.abs(cpu)))


SAME = Tol("same")
INFO = Tol("info")  # a timing or a rate: shown in the table, must be finite, not compared
LOSS = Tol("close", rel=0.05)
ACCURACY = Tol("close", abs=0.03)
FLOAT64 = Tol("close", rel=1e-6)


def spread(floor: float = 0.0) -> Tol:
    return Tol("spread", abs=floor)


@dataclasses.dataclass(frozen=True)
class Q:
    """One compared number (or array) of a study's result."""

    label: str
    get: Callable
    tol: Tol


def _value(x):
    """A number of a result: an estimate's value, an array, a float."""
    x = getattr(x, "value", x)
    return np.asarray(x, dtype=float) if isinstance(x, (list, tuple, np.ndarray)) else float(x)


def at(*path, tail: int = 0) -> Callable:
    """A getter of ``result[path[0]][path[1]]...``; a key that is not an index of a dict is an
    attribute; ``tail=n``: the mean of the last n entries of a history."""

    def get(result):
        x = result
        for key in path:
            x = x[key] if isinstance(x, dict) or isinstance(key, int) else getattr(x, key)
        if tail:
            return float(np.mean(x[-tail:]))
        return _value(x)

    return get


def last(*path) -> Callable:
    return at(*path, -1)


# --------------------------------------------------------------------------- what is compared

_FORECASTERS = {
    "oscillator": ("LSTM", "GRU", "feed-forward window"),
    "lorenz": ("LSTM", "feed-forward window"),
}


def _forecast(models) -> list[Q]:
    qs = [Q("input windows X", at("X"), SAME), Q("persistence error", at("mean_error", "persistence"), SAME)]
    for m in models:
        qs += [
            Q(f"{m} final loss", last("histories", m, "train_loss"), LOSS),
            Q(f"{m} forecast error", at("mean_error", m), LOSS),
        ]
    return qs


SPECS: dict[str, list[Q]] = {
    "autoencoder.linear_run": [
        Q("PCA error", at("pca_error"), SAME),
        Q("autoencoder error", at("ae_error"), LOSS),
        Q("final loss", last("history", "train_loss"), LOSS),
    ],
    "autoencoder.digit_run": [
        Q("noisy error", at("noisy_error"), SAME),
        Q("PCA error", at("pca2_error"), SAME),
        Q("plain error", at("plain_error"), LOSS),
        Q("denoised error", at("denoised_error"), LOSS),
        Q("plain final validation loss", last("plain_history", "val_loss"), LOSS),
    ],
    "autoencoder.latent_run": [
        Q("PCA errors", at("pca_error"), SAME),
        Q("held-out errors", at("val_error"), LOSS),
    ],
    "autoencoder.anomaly_run": [
        Q("PCA AUCs", at("auc_pca"), SAME),
        Q("autoencoder AUCs", at("auc_ae"), ACCURACY),
    ],
    "autoencoder.ising_run": [
        Q("magnetisations", at("M"), SAME),
        Q("PCA variance ratios", at("pca", "explained_variance_ratio"), SAME),
        Q("final loss", last("history", "train_loss"), LOSS),
        Q("corr(code, M)", at("corr_M"), ACCURACY),
    ],
    "autoregressive.ising_run": [
        Q("KL independent", at("kl_independent"), SAME),
        Q("exact log Z", at("exact", "log_Z"), SAME),
        Q("final validation NLL", last("history", "val_nll"), LOSS),
        Q("test log-likelihood MADE", at("test_ll_made"), LOSS),
        Q("KL MADE (nats)", at("kl_made"), Tol("close", abs=0.05)),
        Q("energy per spin of samples", at("energy_made"), LOSS),
        Q("|m| of samples", at("absm_made"), LOSS),
    ],
    "autoregressive.digits_run": [
        Q("log-likelihood independent", at("ll_independent"), SAME),
        Q("judge accuracy on real digits", at("judge_real", "accuracy"), SAME),
        Q("final validation NLL", last("history", "val_nll"), LOSS),
        Q("log-likelihood MADE", at("ll_made"), LOSS),
        Q("judge coverage of samples", at("judge_made", "coverage"), Tol("close", abs=0.1)),
    ],
    "cnn.digits_run": [  # dropout masks are drawn on the device
        Q("parameters", at("n_parameters"), SAME),
        Q("final loss", last("history", "train_loss"), spread()),
        Q("test accuracy", at("accuracy"), spread(0.03)),
    ],
    "cnn.ising_run": [  # several seeds of CNNs per lattice size; the baselines are NumPy fits
        Q("test temperatures", at("temperatures"), SAME),
        Q("energy-baseline T_c (extrapolated)", at("fits", "energy", "tc"), SAME),
        Q("|m|-baseline T_c (extrapolated)", at("fits", "|m|", "tc"), SAME),
        Q("CNN crossing, largest L", at("tc"), spread()),
        Q("CNN T_c (extrapolated)", at("fits", "cnn", "tc"), spread()),
    ],
    "cnn.symmetry_run": [
        Q("plain CNN, m < 0 sector", at("accuracy", "plain", "m < 0"), spread(0.03)),
        Q("augmented, m < 0 sector", at("accuracy", "augmented", "m < 0"), spread(0.03)),
        Q("symmetrised, m < 0 sector", at("accuracy", "symmetrised", "m < 0"), spread(0.03)),
    ],
    "diffusion.gaussian_fit": [  # the training noise is drawn on the device
        Q("irreducible loss", at("irreducible"), SAME),
        Q("mean loss, last 50 steps", at("history", "loss", tail=50), spread()),
        Q("excess loss", at("excess"), spread()),
    ],
    "diffusion.toy_run": [
        Q("bandwidth", at("bandwidth"), SAME),
        Q("MMD² baseline", at("baseline"), SAME),
        Q("mean loss, last 50 steps", at("history", "loss", tail=50), spread()),
        Q("MMD² of samples", at("mmd2"), spread()),
    ],
    "diffusion.digits_run": [  # first seed's network; the baselines are NumPy
        Q("MMD² of the Gaussian baseline, first seed", at("baselines", "gaussian", 0), SAME),
        Q("mean loss, last 50 steps", at("history", "loss", tail=50), spread()),
        Q("MMD² of samples, first seed", at("mmd2", 0), spread()),
        Q("judge coverage", at("judge", "coverage"), spread(0.1)),
    ],
    "gan.ring_run": [  # latent draws and batches are drawn on the device
        Q("MMD² baseline", at("baseline"), SAME),
        Q("real-data high quality", at("real_coverage", "high_quality"), SAME),
        Q("MMD² of samples", at("mmd2"), spread()),
        Q("modes covered", at("coverage", "n_covered"), spread(1.0)),
        Q("high-quality fraction", at("coverage", "high_quality"), spread(0.05)),
    ],
    "gan.collapse_run": [
        Q("MMD² baseline", at("baseline"), SAME),
        Q("MMD² of samples", at("mmd2"), spread()),
        Q("modes covered", at("coverage", "n_covered"), spread(1.0)),
    ],
    "gan.critic_run": [  # both critics train on the device
        Q("W1 by quadrature", at("w1"), SAME),
        Q("optimum of the penalised critic", at("gp_reference"), SAME),
        Q("gradient-penalty critic's estimate", at("gp", "estimate"), spread()),
        Q("clipped critic's estimate", at("clip", "estimate"), spread()),
    ],
    "gan.wgan_ring_run": [  # latent draws and batches are drawn on the device
        Q("MMD² baseline", at("baseline"), SAME),
        Q("MMD² of samples", at("mmd2"), spread()),
        Q("modes covered", at("coverage", "n_covered"), spread(1.0)),
        Q("high-quality fraction", at("coverage", "high_quality"), spread(0.05)),
    ],
    "gan.digit_run": [  # conditional GAN, three seeds; the baselines are NumPy
        Q("MMD² of the Gaussian baseline, first seed", at("baselines", "gaussian", 0), SAME),
        Q("MMD² of samples, first seed", at("mmd2", 0), spread()),
        Q("judge coverage", at("judge", "coverage"), spread(0.1)),
    ],
    "generative_benchmark.benchmark_run": [  # torch models train on the device; the RBM is NumPy
        Q("exact F/N at T = 2.27", at("exact", 2.27, "free_energy"), SAME),
        Q("RBM exact KL (NumPy)", at("models", 2.27, "RBM", "kl"), SAME),
        Q("MADE exact KL", at("models", 2.27, "MADE", "kl"), spread()),
        Q("VAN exact KL", at("models", 2.27, "VAN", "kl"), spread()),
        Q("VAN exact F_q/N", at("models", 2.27, "VAN", "free_energy_exact_q"), spread()),
        Q("VAE IWAE NLL", at("models", 2.27, "VAE", "nll"), spread()),
        Q("DDPM energy per spin", at("models", 2.27, "DDPM", "obs", "energy"), spread()),
        Q("VAN CPU seconds", at("models", 2.27, "VAN", "fit_s"), INFO),
    ],
    "generative_benchmark.large_run": [  # Metropolis samples on the CPU, the networks on the device
        Q("exact F/N (Kaufman)", at("exact", "free_energy"), SAME),
        Q("Metropolis energy per spin", at("reference", "energy"), SAME),
        Q("MADE energy per spin", at("MADE", "obs", "energy"), spread()),
        Q("VAN sampled F_q/N", at("VAN", "free_energy_sampled"), spread()),
    ],
    "ebm.ula_run": [  # the Langevin noise is drawn on the device
        Q("exact ULA variance, largest step", at("rows", -1, "exact"), SAME),
        Q("chains' variance, largest step", at("rows", -1, "variance"), spread()),
    ],
    "ebm.pcd_run": [  # chains, restarts and batches are drawn on the device
        Q("KL divergence (nats)", at("kl", 0), spread()),
        Q("ln Z by quadrature", at("log_z"), spread()),
        Q("CPU seconds of training", at("seconds"), INFO),
    ],
    "ebm.dsm_run": [  # the denoising noise and batches are drawn on the device
        Q("relative score error", at("relative_error"), spread()),
        Q("DSM loss on held-out noise", at("loss", 0), spread()),
        Q("CPU seconds of training", at("seconds"), INFO),
    ],
    "flows.toy_run": [  # the flow trains on the device; the Monte Carlo KL is evaluated in float64
        Q("KL of the Gaussian baseline", at("kl_gauss"), SAME),
        Q("KL(p || flow)", at("kl_flow"), spread()),
        Q("final training NLL", last("history", "train_nll"), LOSS),
        Q("CPU seconds of training", at("seconds"), INFO),
    ],
    "flows.boltzmann_run": [  # reverse KL: samples of the flow are drawn on the device
        Q("exact ln Z by quadrature", at("warm", "exact", "log_z"), SAME),
        Q("importance-sampling ln Z", at("warm", "log_z"), spread()),
        Q("effective sample size", at("warm", "ess"), spread()),
        Q("final reverse-KL loss", last("warm", "history", "loss"), LOSS),
    ],
    "flows.digits_run": [  # dequantisation noise and batches are drawn on the device
        Q("held-out NLL of the Gaussian, first seed", at("nll_gauss", 0), SAME),
        Q("held-out NLL of the flow, first seed", at("nll", 0), spread()),
        Q("MMD² of the samples, first seed", at("mmd", 0), spread()),
    ],
    "gnn.cluster_run": [  # float64 message passing; initial weights and batches drawn on the CPU
        Q("parameters", at("n_parameters"), SAME),
        Q("edges", at("n_edges"), SAME),
        Q("mean-energy baseline MAE", at("baseline_energy_mae"), SAME),
        Q("zero-force baseline MAE", at("baseline_force_mae"), SAME),
        Q("energy MAE per atom (seeds)", at("energy_mae"), spread()),
        Q("force MAE (seeds)", at("force_mae"), spread()),
    ],
    "bnn.resonance_run": [  # HMC is NumPy; the networks' dropout and BBB noise are drawn on the device
        Q("HMC predictive mean on the grid", at("hmc_grid", 0), SAME),
        Q("HMC held-out NLL", at("hmc_scores", "nll"), SAME),
        Q("MAP held-out NLL (seeds)", at("scores", "MAP", "nll"), spread()),
        Q("ensemble held-out NLL (seeds)", at("scores", "ensemble", "nll"), spread()),
        Q("BBB held-out NLL (seeds)", at("scores", "BBB", "nll"), spread()),
    ],
    "bnn.nuclear_run": [
        Q("liquid-drop RMS residual", at("rms_ld"), SAME),
        Q("ensemble RMS", at("rms_ensemble"), spread()),
        Q("ensemble held-out NLL (seeds)", at("scores", "ensemble", "nll"), spread()),
        Q("MAP held-out NLL (seeds)", at("scores", "MAP", "nll"), spread()),
    ],
    **{
        f"operators.{kind}_run": [  # three seeds of each operator network
            Q("mean relative error (seeds)", at("mean_error"), spread()),
            Q("mean relative error on the fine grid (seeds)", at("mean_error_fine"), spread()),
            Q("seconds per evaluation", at("infer_seconds"), INFO),
        ]
        for kind in ("deeponet", "fno", "transformer")
    },
    "operators.pinn_run": [
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
        Q("seconds", at("seconds"), INFO),
    ],
    "rl.deep_run": [  # the environment and value iteration are NumPy; exploration draws on the CPU
        Q("optimal mean value", at("optimal_mean"), SAME),
        Q("no-force baseline regret", at("baselines", "no force"), SAME),
        Q("DQN regret (seeds)", at("regret", "dqn"), spread(1.0)),
        Q("actor-critic regret (seeds)", at("regret", "actor_critic"), spread(1.0)),
    ],
    "unsupervised.confusion_run": [
        Q("trial temperatures", at("trials"), SAME),
        Q("grid midpoint", at("midpoint"), SAME),
        Q("sampling seconds", at("sampling_time"), INFO),
    ],
    "unsupervised.saliency_run": [
        Q("configurations explained", at("spins"), SAME),
        Q(
            "integrated gradients against captum",
            lambda r: float(np.max(np.abs(r["ig"] - r["captum_ig"]))),
            Tol("close", abs=1e-5),
        ),
        Q("logistic p(ordered) of the two-domain stripe", at("stripe_p", "logistic"), spread()),
    ],
    # the performance studies of the HPC chapter: timings are shown, not compared
    "hpc.profile_run": [
        Q("FLOPs of a training step", at("flops"), SAME),
        Q("physml profiled seconds", at("profiled_seconds"), INFO),
    ],
    "hpc.roofline_run": [
        Q("GEMM rate (FLOP/s)", at("peak"), INFO),
        Q("bandwidth (B/s)", at("bandwidth"), INFO),
    ],
    "hpc.loading_run": [
        Q("batches per epoch", at("n_batches"), SAME),
        Q("seconds per batch, DataLoader", at("loader"), INFO),
        Q("seconds per batch, in memory", at("memory"), INFO),
        Q("seconds per training step", at("step"), INFO),
    ],
    "hpc.ddp_run": [  # float64, the same data and batches in one and in two processes
        Q("one-process final loss", last("single", "losses"), FLOAT64),
        Q("two-process final loss", last("ddp", "losses"), FLOAT64),
        Q("two vs one process (relative)", at("relative_difference"), Tol("close", abs=1e-10)),
    ],
    "hpc.amp_run": [
        Q("float32 final loss", last("float32", "losses"), LOSS),
        # bfloat16 autocast on a CPU, float16 with a gradient scaler on a GPU: two precisions
        Q("mixed-precision final loss", last("mixed", "losses"), Tol("close", rel=0.2)),
        Q("float32 seconds", at("float32", "seconds"), INFO),
    ],
    "neural_networks.digits_run": [  # physml's NumPy network: the device setting is not used
        Q("final loss", last("history", "train_loss"), SAME),
        Q("test accuracy", at("accuracy"), SAME),
    ],
    "neural_networks.digits_twin_run": [
        Q("final loss", last("losses"), FLOAT64),
        Q("test accuracy", at("accuracy"), Tol("close", abs=1 / 360)),
    ],
    "neural_networks.digits_sklearn_run": [Q("test accuracy", at("accuracy"), SAME)],
    "pinn.decay_run": [
        Q("exact solution", at("exact"), SAME),
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.oscillator_run": [
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.heat_run": [
        Q("collocation points", at("points"), SAME),
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.soft_heat_run": [
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.burgers_run": [
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.inverse_run": [
        Q("measured positions", at("x_data"), SAME),
        Q("least-squares damping", at("zeta_lsq"), SAME),
        Q("recovered damping", at("zeta"), spread()),
    ],
    "pinn.disk_run": [
        Q("final loss", last("history", "loss"), spread()),
        Q("relative error", at("error"), spread()),
    ],
    "pinn.black_scholes_run": [
        Q("exact prices", at("exact"), SAME),
        Q("largest price error", at("max_error"), spread()),
        Q("at-the-money price", at("atm"), spread()),
    ],
    "pytorch.digits_rebuild_run": [  # float64, like the NumPy network it rebuilds
        Q("final loss", last("history", "train_loss"), FLOAT64),
        Q("test accuracy", at("accuracy"), Tol("close", abs=1 / 360)),
    ],
    "pytorch.batch_norm_run": [  # three seeds each without and with batch norm; first seed compared
        q
        for bn in (False, True)
        for q in (
            Q(f"batch norm {bn}: final loss", last(bn, 0, "history", "train_loss"), LOSS),
            Q(f"batch norm {bn}: test accuracy", at(bn, 0, "test_accuracy"), ACCURACY),
        )
    ],
    "pytorch.residual_run": [  # plain or residual, default or Xavier initialisation
        q
        for key in ((False, "default"), (False, "xavier"), (True, "default"), (True, "xavier"))
        for q in (
            Q(f"{key}: final loss", last(key, 0, "history", "train_loss"), LOSS),
            Q(f"{key}: test accuracy", at(key, 0, "test_accuracy"), ACCURACY),
        )
    ],
    "pytorch.dropout_run": [  # the dropout masks of the third run are drawn on the device
        Q("plain final validation loss", last("plain", "history", "val_loss"), LOSS),
        Q("early-stopping best epoch", at("early", "history", "best_epoch"), Tol("close", abs=2)),
        Q("dropout final validation loss", last("dropout", "history", "val_loss"), spread()),
    ],
    "rnn.oscillator_run": _forecast(_FORECASTERS["oscillator"]),
    "rnn.lorenz_run": _forecast(_FORECASTERS["lorenz"]),
    "rnn.training_run": [  # teacher forcing against roll-out training, 3 seeds from one start
        Q("linear map error", at("linear"), SAME),
        Q("persistence error", at("persistence"), SAME),
        Q("one-step LSTM errors (seeds)", at("mean_error", "one-step training"), spread()),
        Q("teacher-forcing errors (seeds)", at("mean_error", "+ teacher forcing"), spread()),
        Q("roll-out errors (seeds)", at("mean_error", "+ roll-out"), spread()),
    ],
    "transformer.oscillator_run": [  # both models over three seeds, each picking its rate on validation
        Q("persistence error", at("mean_error", "persistence"), SAME),
        Q("transformer forecast error (seeds)", at("mean_error", "transformer"), spread()),
        Q("LSTM forecast error (seeds)", at("mean_error", "LSTM"), spread()),
    ],
    "transformer.particle_run": [
        Q("transformer test MSE (seeds)", at("mse", "transformer"), spread()),
        Q("MLP test MSE (seeds)", at("mse", "MLP"), spread()),
    ],
    "vae.digit_run": [  # the reparameterisation noise and the decoder's draws are on the device
        Q("MMD² of the Gaussian baseline, first seed", at("baselines", "gaussian", 0), SAME),
        Q("final validation ELBO (big)", last("big_history", "val_elbo"), spread()),
        Q("final validation ELBO (small)", last("small_history", "val_elbo"), spread()),
        Q("MMD² of samples, first seed", at("scores", 0), spread()),
        Q("judge accuracy of reconstructions", at("judge_recon", "accuracy"), spread(0.03)),
    ],
    "vae.binary_run": [  # beta-VAEs, IWAE weights and the MADE train on the device
        Q("NLL of the Bernoulli mixture", at("mixture_nll", 0), SAME),
        Q("rate at the first beta", at("rate", 0), spread()),
        Q("IWAE gain over the ELBO", at("iwae_minus_elbo"), spread()),
        Q("MADE held-out NLL", at("made_nll"), spread()),
    ],
    "vae.ising_run": [  # Monte Carlo data on the CPU, the VAE on the device
        Q("|corr(code, M)| of the first PCA score", at("abs_corr_pca"), SAME),
        Q("|corr(code, M)|", at("abs_corr"), spread()),
    ],
}


# --------------------------------------------------------------------------- discovery


PACKAGE = ROOT / "code" / "physml"


def _module_path(dotted: str) -> Path | None:
    """The source file of ``physml.<dotted>`` (a module or a package's ``__init__``)."""
    base = PACKAGE.joinpath(*dotted.split(".")) if dotted else PACKAGE
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _source(dotted: str, cache: dict) -> tuple[dict, dict, list]:
    """Of ``physml.<dotted>``: its classes (bases, own ``device`` field), the names it imports
    from other physml modules, and its ``@study(chapter, Settings)`` functions."""
    if dotted in cache:
        return cache[dotted]
    classes, imports, studies = {}, {}, []
    cache[dotted] = (classes, imports, studies)
    path = _module_path(dotted)
    if path is None:
        return cache[dotted]
    package = dotted.split(".") if path.name == "__init__.py" else dotted.split(".")[:-1]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ClassDef):
            fields = {
                n.target.id
                for n in node.body
                if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            }
            classes[node.name] = ([b.id for b in node.bases if isinstance(b, ast.Name)], "device" in fields)
        elif isinstance(node, ast.ImportFrom) and node.level >= 1:
            parts = package[: len(package) - (node.level - 1)] + (
                node.module.split(".") if node.module else []
            )
            imports.update({a.asname or a.name: (".".join(parts), a.name) for a in node.names})
        elif isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                if (
                    isinstance(dec, ast.Call)
                    and getattr(dec.func, "id", None) == "study"
                    and len(dec.args) == 2
                    and isinstance(dec.args[1], ast.Name)
                ):
                    studies.append((dec.args[0].value, node.name, dec.args[1].id))
    return cache[dotted]


def device_studies() -> list[str]:
    """``chapter.study`` of every study whose settings class has a ``device`` field (its own or
    inherited, defined in its module or imported from another physml module), read from the
    source: no import, so collecting this suite stays fast on a machine without a GPU."""
    cache: dict = {}

    def has_device(module: str, name: str, seen=()) -> bool:
        if (module, name) in seen:
            return False
        classes, imports, _ = _source(module, cache)
        seen = (*seen, (module, name))
        if name in classes:
            bases, own = classes[name]
            return own or any(has_device(module, b, seen) for b in bases)
        return name in imports and has_device(*imports[name], seen=seen)

    found = []
    for path in sorted(STUDIES.glob("*.py")):
        module = f"studies.{path.stem}"
        found += [
            f"{chapter}.{func}"
            for chapter, func, settings in _source(module, cache)[2]
            if has_device(module, settings)
        ]
    return found


DEVICE_STUDIES = device_studies()


def test_every_torch_study_is_compared():
    """The table above covers every study with a device setting (no GPU needed)."""
    assert DEVICE_STUDIES, f"no study with a device setting found in {STUDIES}"
    missing = sorted(set(DEVICE_STUDIES) - set(SPECS))
    stale = sorted(set(SPECS) - set(DEVICE_STUDIES))
    assert not missing, f"add the numbers to compare of these studies to SPECS: {missing}"
    assert not stale, f"SPECS names studies without a device setting: {stale}"


# --------------------------------------------------------------------------- the comparison


def _torch_build() -> dict:
    """``__version__``, ``cuda`` and ``hip`` of the installed torch, read from its version.py
    without importing torch (a CPU-only build is told apart in milliseconds)."""
    spec = importlib.util.find_spec("torch")
    info = {}
    if spec is None or spec.origin is None:
        return info
    tree = ast.parse((Path(spec.origin).parent / "version.py").read_text())
    for node in tree.body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and getattr(node, "value", None) is not None:
            try:
                info[target.id] = ast.literal_eval(node.value)
            except ValueError:
                pass
    return info


def _no_cuda(reason: str) -> None:
    pytest.skip(
        f"no CUDA device: {reason}; run `make gpu-tests` on a machine with one "
        f"({DEVICE_VARIABLE}=cpu checks the harness, CPU against CPU)"
    )


@pytest.fixture(scope="module")
def device():
    """The device to compare with the CPU: CUDA (``PHYSML_GPU_DEVICE`` may name another)."""
    name = os.environ.get(DEVICE_VARIABLE, "cuda")
    if name.startswith("cuda"):
        build = _torch_build()
        if not build.get("cuda") and not build.get("hip"):
            _no_cuda(f"torch {build.get('__version__', '(not installed)')} is a CPU-only build")
        import torch

        if not torch.cuda.is_available():
            _no_cuda(f"torch {torch.__version__} (CUDA {torch.version.cuda}) finds no GPU here")
    import torch

    saved = _ieee_float32(torch)
    yield name
    _restore_float32(torch, saved)


def _ieee_float32(torch) -> dict:
    """Switch TF32 off for matrix products and cuDNN (the comparison is float32 with float32)."""
    saved = {}
    for owner, attr in ((torch.backends.cuda.matmul, "allow_tf32"), (torch.backends.cudnn, "allow_tf32")):
        saved[(owner, attr)] = getattr(owner, attr)
        setattr(owner, attr, False)
    return saved


def _restore_float32(torch, saved: dict) -> None:
    for (owner, attr), value in saved.items():
        setattr(owner, attr, value)


def _study(name: str):
    from physml import experiment

    chapter, func = name.split(".")
    module = importlib.import_module(f"physml.studies.{chapter}")
    run = getattr(module, func)
    assert run in experiment.studies_of(chapter), f"{name} is not a registered study"
    return run


def _timed(run, cfg):
    start = time.perf_counter()
    result = run(cfg)
    return result, time.perf_counter() - start


def _difference(cpu, gpu) -> float:
    cpu, gpu = np.asarray(cpu, dtype=float), np.asarray(gpu, dtype=float)
    if cpu.shape != gpu.shape:
        return math.inf
    if not np.all(np.isfinite(gpu)):
        return math.inf
    return float(np.max(np.abs(gpu - cpu))) if cpu.size else 0.0


def format_rows(rows) -> list[str]:
    def num(x):
        if isinstance(x, np.ndarray):
            return f"array{x.shape}"
        return f"{x:.6g}" if isinstance(x, float) else str(x)

    out = [
        f"{'study':32} {'number':36} {'rule':7} {'CPU':>12} {'GPU':>12} {'|diff|':>10} {'allowed':>10}  ok"
    ]
    for study, label, rule, cpu, gpu, diff, allowed, ok in rows:
        out.append(
            f"{study:32} {label[:36]:36} {rule:7} {num(cpu):>12} {num(gpu):>12} "
            f"{diff:10.3g} {allowed:10.3g}  {'yes' if ok else 'NO'}"
        )
    return out


def _reseeded(cfg, i: int):
    """The settings with another seed: ``seed + i``, or, for a study that runs several seeds
    (``seeds``, a tuple), every seed shifted past the whole tuple ``i`` times."""
    if hasattr(cfg, "seed"):
        return cfg.replace(seed=cfg.seed + i)
    if hasattr(cfg, "seeds"):
        shift = i * (max(cfg.seeds) - min(cfg.seeds) + 1)
        return cfg.replace(seeds=tuple(s + shift for s in cfg.seeds))
    raise AttributeError(f"{type(cfg).__name__} has neither seed nor seeds: it cannot be compared by spread")


@pytest.mark.parametrize("name", DEVICE_STUDIES)
def test_cpu_and_gpu_agree(name, device):
    """The study's short configuration on the CPU and on ``device``: each number of SPECS agrees."""
    import torch

    need = NEEDS_GPUS.get(name, 1)
    if device.startswith("cuda") and torch.cuda.device_count() < need:
        pytest.skip(
            f"{name} needs {need} GPUs (one per process); this machine has {torch.cuda.device_count()}"
        )
    run = _study(name)
    cfg = run.settings.short()
    cpu, t_cpu = _timed(run, cfg)
    gpu, t_gpu = _timed(run, cfg.replace(device=device))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    specs = SPECS[name]
    seeds = []
    if any(q.tol.rule == "spread" for q in specs):
        seeds = [cpu] + [run(_reseeded(cfg, i)) for i in range(1, N_SEEDS)]

    rows, failures = [], []
    for q in specs:
        c, g = q.get(cpu), q.get(gpu)
        s = float(np.std([q.get(r) for r in seeds], ddof=1)) if q.tol.rule == "spread" else None
        diff = _difference(c, g)
        allowed = q.tol.allowed(c, s)
        ok = bool(np.all(np.isfinite(g))) if q.tol.rule == "info" else diff <= allowed
        rows.append((name, q.label, q.tol.rule, c, g, diff, allowed, ok))
        if not ok:
            failures.append(q.label)
    rows.append((name, "wall time (s)", "info", t_cpu, t_gpu, abs(t_gpu - t_cpu), math.inf, True))
    ROWS.extend(rows)
    assert not failures, f"{name}: CPU and {device} disagree on {failures}\n" + "\n".join(format_rows(rows))


def test_the_table_names_every_study_the_package_registers(device):
    """What the source says has a device setting is what the imported package registers."""
    from physml import _registry, experiment

    registered = []
    for chapter in _registry.module_names("physml.studies"):
        importlib.import_module(f"physml.studies.{chapter}")
        registered += [
            run.study_name
            for run in experiment.studies_of(chapter)
            if "device" in {f.name for f in dataclasses.fields(run.settings)}
        ]
    assert sorted(registered) == sorted(DEVICE_STUDIES)
