"""The runs of "Generative models on the Ising model: a benchmark".

* :func:`benchmark_run`: every model of the generative part trained on the *same* exact
  samples of the 4x4 periodic Ising lattice at three temperatures (below, near and above
  T_c), and the variational autoregressive network trained without data; exact
  likelihoods, KL divergences and observables against exact enumeration
  (``physml.ising_benchmark``);
* :func:`large_run`: an 8x8 lattice, beyond enumeration: a MADE trained on Monte Carlo
  samples and a VAN trained without data, their energy and ``|M|`` against an independent
  Monte Carlo reference with error bars.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from .. import autoregressive as ar
from .. import diffusion, flows, gan, ising, vae
from .. import ising_benchmark as ib
from ..experiment import Settings, setting, study
from ..metrics import Estimate
from ..nn.torch_twin import torch_threads
from ..rbm import BinaryRBM


def _blas_threads(n: int):
    """numpy's BLAS limited to ``n`` threads in a block (tiny matrices: one thread is fastest)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(n)


MODELS = ("MADE", "VAN", "RBM", "VAE", "flow", "GAN", "DDPM")
"""The models of the table, in its order."""


def _mean_error(x) -> Estimate:
    x = np.asarray(x, dtype=float)
    return Estimate(float(x.mean()), float(x.std(ddof=1) / np.sqrt(len(x))))


class BenchmarkRun(Settings):
    """Settings of the benchmark on the 4x4 lattice (the book's run: small models, float32)."""

    L: int = setting(
        4, low=2, high=4, doc="linear size of the periodic lattice (all 2^(L^2) states enumerated)"
    )
    temperatures: tuple[float, ...] = setting((1.5, 2.27, 3.5), low=0.1, doc="temperatures (J = k_B = 1)")
    n_train: int = setting(2000, low=20, doc="exact Boltzmann samples every model is trained on")
    n_test: int = setting(2000, low=20, doc="independent exact test configurations (held-out NLL)")
    n_samples: int = setting(2000, low=20, doc="samples drawn from each trained model")
    made_hidden: int = setting(32, low=1, doc="hidden units of the MADE (one layer)")
    made_epochs: int = setting(30, low=1, doc="passes of the MADE over the training set")
    van_hidden: int = setting(32, low=1, doc="hidden units of the VAN (one masked layer)")
    van_steps: int = setting(200, low=1, doc="REINFORCE steps of the VAN (no data)")
    van_batch: int = setting(256, low=2, doc="samples per VAN step")
    rbm_hidden: int = setting(
        12, low=1, high=16, doc="hidden units of the RBM (exact gradient sums over 2^hidden)"
    )
    rbm_steps: int = setting(400, low=1, doc="exact-gradient Adam steps of the RBM")
    rbm_gibbs: int = setting(100, low=1, doc="block-Gibbs steps per RBM sample (one chain per sample)")
    vae_epochs: int = setting(40, low=1, doc="passes of the VAE over the training set")
    vae_latent: int = setting(2, low=1, doc="latent dimension of the VAE")
    iwae_k: int = setting(100, low=1, doc="importance samples of the VAE's IWAE likelihood")
    flow_epochs: int = setting(
        20, low=1, doc="passes of the Real NVP flow over the (dequantised) training set"
    )
    flow_layers: int = setting(4, low=1, doc="coupling layers of the flow")
    gan_steps: int = setting(600, low=1, doc="alternating steps of the GAN")
    ddpm_steps: int = setting(1500, low=1, doc="training steps of the DDPM")
    ddpm_T: int = setting(40, low=2, doc="diffusion steps of the DDPM")
    hidden: int = setting(64, low=1, doc="hidden width of the VAE, GAN and DDPM networks")
    seed: int = setting(2026, low=0, doc="seed of data, initialisations, batches and samples")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {
        "temperatures": (2.27, 3.5),
        "n_train": 500,
        "n_test": 500,
        "n_samples": 500,
        "made_epochs": 40,
        "van_steps": 150,
        "van_batch": 128,
        "rbm_steps": 200,
        "rbm_gibbs": 30,
        "vae_epochs": 20,
        "iwae_k": 20,
        "flow_epochs": 10,
        "gan_steps": 200,
        "ddpm_steps": 300,
    }


class _Clock:
    """CPU seconds of a block (one torch thread: on an idle machine, its wall time)."""

    def __enter__(self):
        self.start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.process_time() - self.start


def _entry(spins, T, fit_s, sample_s, n, nll=None, kl=None, log_q=None) -> dict:
    L = spins.shape[1]
    return {
        "exact_model": None if log_q is None else ib.model_observables(log_q, L, T),
        "obs": ib.observables(spins, T),
        "nll": nll,
        "kl": kl,
        "fit_s": fit_s,
        "samples_per_s": n / max(sample_s, 1e-9),
    }


def _made(cfg, T, train, test, bits_all, log_p, seed) -> dict:
    torch.manual_seed(seed)
    model = ar.MADE(cfg.L**2, (cfg.made_hidden,))
    with _Clock() as fit:
        ar.fit_made(
            model, train, epochs=cfg.made_epochs, lr=1e-2, batch_size=100, seed=seed, device=cfg.device
        )
    model = model.cpu()
    with _Clock() as smp:
        bits = model.sample(cfg.n_samples, seed=seed + 1)
    with torch.no_grad():
        m64 = ar.MADE(cfg.L**2, (cfg.made_hidden,)).double()
        m64.load_state_dict(model.state_dict())
        lq = m64.log_prob(torch.as_tensor(bits_all)).numpy()
        nll = _mean_error(-m64.log_prob(torch.as_tensor(test)).numpy())
    return _entry(
        ar.bits_to_spins(bits, cfg.L),
        T,
        fit.seconds,
        smp.seconds,
        cfg.n_samples,
        nll,
        ib.exact_kl(log_p, lq),
        lq,
    )


def _van(cfg, T, test, bits_all, log_p, ref, seed) -> dict:
    torch.manual_seed(seed)
    model = ib.VAN(cfg.L**2, (cfg.van_hidden,), z2=True)
    with _Clock() as fit:
        history = ib.train_van(
            model,
            cfg.L,
            T,
            steps=cfg.van_steps,
            batch_size=cfg.van_batch,
            lr=2e-2,
            beta_anneal=0.98,
            seed=seed,
            device=cfg.device,
        )
    model = model.cpu()
    with _Clock() as smp:
        bits = model.sample(cfg.n_samples, seed=seed + 1)
    with torch.no_grad():
        lq = model.double()._log_prob(torch.as_tensor(bits_all)).numpy()
        nll = _mean_error(-model._log_prob(torch.as_tensor(test)).numpy())
        model = model.float()
    out = _entry(
        ar.bits_to_spins(bits, cfg.L),
        T,
        fit.seconds,
        smp.seconds,
        cfg.n_samples,
        nll,
        ib.exact_kl(log_p, lq),
        lq,
    )
    out["history"] = history
    out["free_energy_exact_q"] = ib.exact_variational_free_energy(model, cfg.L, T)
    out["free_energy_sampled"] = ib.variational_free_energy(model, cfg.L, T, cfg.n_samples, seed=seed + 2)
    out["reverse_kl"] = float((out["free_energy_exact_q"] - ref.free_energy) * cfg.L**2 / T)
    return out


def _rbm(cfg, T, train, test, bits_all, log_p, seed) -> dict:
    model = BinaryRBM.random(cfg.L**2, cfg.rbm_hidden, seed=seed, scale=0.1)
    with _Clock() as fit:
        ib.fit_rbm_exact(model, train, steps=cfg.rbm_steps, lr=0.05)
    with _Clock() as smp:
        bits = ib.rbm_sample(model, cfg.n_samples, cfg.rbm_gibbs, seed=seed + 1)
    lq = ib.rbm_log_prob(model, bits_all)
    nll = _mean_error(-ib.rbm_log_prob(model, test))
    return _entry(
        ar.bits_to_spins(bits, cfg.L),
        T,
        fit.seconds,
        smp.seconds,
        cfg.n_samples,
        nll,
        ib.exact_kl(log_p, lq),
        lq,
    )


def _vae(cfg, T, train, test, seed) -> dict:
    torch.manual_seed(seed)
    model = vae.VAE(cfg.L**2, cfg.vae_latent, (cfg.hidden,))
    with _Clock() as fit:
        vae.train_vae(
            model, train, epochs=cfg.vae_epochs, batch_size=100, lr=3e-3, seed=seed, device=cfg.device
        )
    model = model.cpu()
    with _Clock() as smp:
        probs = vae.sample(model, cfg.n_samples, seed=seed + 1)
        bits = (np.random.default_rng(seed + 1).random(probs.shape) < probs).astype(float)
    nll = _mean_error(-ib.iwae_log_likelihood(model, test, cfg.iwae_k, seed=seed + 2))
    return _entry(ar.bits_to_spins(bits, cfg.L), T, fit.seconds, smp.seconds, cfg.n_samples, nll)


def _flow(cfg, T, train, test, seed) -> dict:
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    model = flows.RealNVP(cfg.L**2, n_layers=cfg.flow_layers, hidden=(cfg.hidden,))
    dequantised = train + rng.random(train.shape)  # uniform noise fills the unit cell of each bit vector
    with _Clock() as fit:
        flows.fit_flow(
            model, dequantised, epochs=cfg.flow_epochs, lr=3e-3, batch_size=100, seed=seed, device=cfg.device
        )
    model = model.cpu()
    with _Clock() as smp:
        y, _ = model.sample(cfg.n_samples, seed=seed + 1)
        bits = (y.numpy() >= 1.0).astype(float)  # the cell a sample falls in; outside [0, 2): the nearest
    with torch.no_grad():
        y_test = torch.as_tensor(test + rng.random(test.shape), dtype=torch.float32)
        nll = _mean_error(-model.log_prob(y_test).double().numpy())  # dequantisation bound, >= -ln P
    return _entry(ar.bits_to_spins(bits, cfg.L), T, fit.seconds, smp.seconds, cfg.n_samples, nll)


def _gan(cfg, T, train, seed) -> dict:
    torch.manual_seed(seed)
    G = gan.generator_net(4, cfg.L**2, (cfg.hidden,), output="tanh")
    D = gan.discriminator_net(cfg.L**2, (cfg.hidden,))
    config = gan.GANConfig(steps=cfg.gan_steps, batch_size=128, lr_g=2e-3, lr_d=2e-3)
    with _Clock() as fit:
        gan.train_gan(G, D, 2 * train - 1, 4, config, seed=seed, device=cfg.device)
    with _Clock() as smp:
        x = gan.sample(G.cpu(), cfg.n_samples, 4, seed=seed + 1)
    return _entry(ib.spins_from_signs(x, cfg.L), T, fit.seconds, smp.seconds, cfg.n_samples)


def _ddpm(cfg, T, train, seed) -> dict:
    schedule = diffusion.Schedule(diffusion.linear_betas(cfg.ddpm_T, 1e-3, 0.3))
    torch.manual_seed(seed)
    model = diffusion.NoisePredictor(cfg.L**2, cfg.ddpm_T, width=cfg.hidden, depth=2)
    with _Clock() as fit:
        diffusion.fit_ddpm(
            model,
            2 * train - 1,
            schedule,
            steps=cfg.ddpm_steps,
            lr=3e-3,
            batch_size=128,
            seed=seed,
            device=cfg.device,
        )
    with _Clock() as smp:
        x = diffusion.sample_ddpm(model.cpu(), schedule, cfg.n_samples, seed=seed + 1)
    return _entry(ib.spins_from_signs(x, cfg.L), T, fit.seconds, smp.seconds, cfg.n_samples)


@study("generative_benchmark", BenchmarkRun)
def benchmark_run(cfg: BenchmarkRun) -> dict:
    """Exact references and every model at every temperature, trained on the same exact samples."""
    L = cfg.L
    states = ising.all_states(L)
    bits_all = ar.spins_to_bits(states)
    out: dict = {
        "T": cfg.temperatures,
        "exact": {},
        "data": {},
        "models": {},
        "entropy": {},
        "test_nll_exact": {},
    }
    with torch_threads(1), _blas_threads(1):
        for i, T in enumerate(cfg.temperatures):
            seed = cfg.seed + 100 * i
            rng = np.random.default_rng(seed)
            _, log_p = ib.boltzmann_log_probs(L, T)
            ref = ib.exact_reference(L, T)
            train_spins = ib.exact_samples(cfg.n_train, L, T, rng)
            test = ar.spins_to_bits(ib.exact_samples(cfg.n_test, L, T, rng))
            train = ar.spins_to_bits(train_spins)
            out["exact"][T] = ref
            out["entropy"][T] = float(-np.sum(np.exp(log_p) * log_p))  # nats per configuration
            index = (test.astype(np.int64) << np.arange(L * L)).sum(axis=1)  # row of ising.all_states
            out["test_nll_exact"][T] = _mean_error(-log_p[index])  # what p_B itself scores on the test set
            out["data"][T] = ib.observables(train_spins, T)
            out["models"][T] = {
                "MADE": _made(cfg, T, train, test, bits_all, log_p, seed),
                "VAN": _van(cfg, T, test, bits_all, log_p, ref, seed),
                "RBM": _rbm(cfg, T, train, test, bits_all, log_p, seed),
                "VAE": _vae(cfg, T, train, test, seed),
                "flow": _flow(cfg, T, train, test, seed),
                "GAN": _gan(cfg, T, train, seed),
                "DDPM": _ddpm(cfg, T, train, seed),
            }
    return out


# --------------------------------------------------------------------------- beyond enumeration


class LargeRun(Settings):
    """Settings of the 8x8 lattice: MADE on Monte Carlo samples, VAN without data."""

    L: int = setting(8, low=2, doc="linear size of the periodic lattice")
    T: float = setting(3.0, low=0.1, doc="temperature (Metropolis decorrelates quickly above T_c)")
    n_train: int = setting(2000, low=20, doc="Monte Carlo samples to train the MADE on")
    n_reference: int = setting(4000, low=20, doc="independent Monte Carlo samples of the reference")
    n_samples: int = setting(2000, low=20, doc="samples drawn from each trained model")
    made_hidden: int = setting(256, low=1, doc="hidden units of the MADE")
    made_epochs: int = setting(30, low=1, doc="passes of the MADE over the training set")
    van_hidden: int = setting(64, low=1, doc="hidden units of the VAN")
    van_steps: int = setting(300, low=1, doc="REINFORCE steps of the VAN")
    van_batch: int = setting(128, low=2, doc="samples per VAN step")
    seed: int = setting(2026, low=0, doc="seed of the Monte Carlo chains, initialisations and samples")
    device: str = setting("cpu", doc='torch device of the training ("cuda" on a GPU)')

    SHORT = {
        "L": 6,
        "n_train": 500,
        "n_reference": 500,
        "n_samples": 500,
        "made_epochs": 20,
        "van_steps": 100,
    }


@study("generative_benchmark", LargeRun)
def large_run(cfg: LargeRun) -> dict:
    """MADE (trained on Metropolis samples) and VAN (no data) on an L x L lattice, against Monte Carlo."""
    L, T, n = cfg.L, cfg.T, cfg.L * cfg.L
    rng = np.random.default_rng(cfg.seed)
    with _Clock() as mc:
        train_spins = ising.sample(L, [T], cfg.n_train, rng, method="metropolis").spins
        ref_spins = ising.sample(L, [T], cfg.n_reference, rng, method="metropolis").spins
    train = ar.spins_to_bits(train_spins)
    out: dict = {
        "reference": ib.observables(ref_spins, T),
        "data": ib.observables(train_spins, T),
        "mc_samples_per_s": (cfg.n_train + cfg.n_reference) / max(mc.seconds, 1e-9),
        "exact": ib.kaufman_thermodynamics(L, T),
        "onsager_energy": ising.onsager_energy(T),
    }
    with torch_threads(1), _blas_threads(1):
        torch.manual_seed(cfg.seed)
        made = ar.MADE(n, (cfg.made_hidden,))
        with _Clock() as fit:
            ar.fit_made(
                made, train, epochs=cfg.made_epochs, lr=5e-3, batch_size=100, seed=cfg.seed, device=cfg.device
            )
        with _Clock() as smp:
            bits = made.cpu().sample(cfg.n_samples, seed=cfg.seed + 1)
        out["MADE"] = _entry(ar.bits_to_spins(bits, L), T, fit.seconds, smp.seconds, cfg.n_samples)
        torch.manual_seed(cfg.seed)
        van = ib.VAN(n, (cfg.van_hidden,), z2=True)
        with _Clock() as fit:
            ib.train_van(
                van,
                L,
                T,
                steps=cfg.van_steps,
                batch_size=cfg.van_batch,
                lr=2e-2,
                beta_anneal=0.98,
                seed=cfg.seed,
                device=cfg.device,
            )
        van = van.cpu()
        with _Clock() as smp:
            bits = van.sample(cfg.n_samples, seed=cfg.seed + 1)
        out["VAN"] = _entry(ar.bits_to_spins(bits, L), T, fit.seconds, smp.seconds, cfg.n_samples)
        out["VAN"]["free_energy_sampled"] = ib.variational_free_energy(
            van, L, T, cfg.n_samples, seed=cfg.seed + 2
        )
    return out
