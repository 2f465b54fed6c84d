r"""The runs of "Unsupervised structure and interpretability", with their settings in view.

All three read Ising configurations of :func:`physml.ising.sample` on one temperature grid
that is deliberately *asymmetric* about :math:`T_c \approx 2.269` (its midpoint lies far
above :math:`T_c`), sampled once per (L, grid, samples, seed) and shared (:func:`ising_data`):

* :func:`confusion_run`: learning by confusion (van Nieuwenburg, Liu and Huber 2017) for
  several lattice sizes and seeds, locating :math:`T_c` without labels;
* :func:`structure_run`: k-means and Gaussian mixtures on (magnetisation, energy) per spin,
  beside scikit-learn's; PCA and t-SNE of the raw configurations, and what each embedding
  keeps;
* :func:`saliency_run`: a CNN phase classifier (:func:`physml.conv.ising_cnn`) and a
  logistic model on gauge-fixed spins, explained by saliency and integrated gradients,
  beside captum's.
"""

from __future__ import annotations

import functools
import time
import warnings

import numpy as np
import torch
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.manifold import TSNE, trustworthiness
from sklearn.mixture import GaussianMixture
from threadpoolctl import threadpool_limits
from torch import nn

from .. import classification, conv, interpret, ising, pca, torchtools, unsupervised
from ..experiment import Settings, setting, study
from ..nn.torch_twin import torch_threads


def temperature_grid(t_min: float, t_max: float, dt: float) -> np.ndarray:
    """Temperatures ``t_min, t_min + dt, ..., t_max`` (rounded to 1e-9)."""
    n = int(round((t_max - t_min) / dt)) + 1
    return np.round(t_min + dt * np.arange(n), 9)


@functools.cache
def ising_data(L: int, temperatures: tuple[float, ...], n: int, seed: int) -> ising.IsingSamples:
    """``n`` configurations at each temperature (cached: the three studies share them)."""
    return ising.sample(L, np.array(temperatures), n, seed=seed)


class _Grid(Settings):
    """Settings shared by the runs: the temperature grid and the Monte Carlo samples."""

    t_min: float = setting(1.2, low=0.05, doc="lowest temperature of the grid")
    t_max: float = setting(5.2, low=0.05, doc="highest temperature of the grid")
    dt: float = setting(0.2, low=1e-3, doc="spacing of the grid")
    n_samples: int = setting(40, low=4, doc="configurations per temperature")

    def validate(self):
        if self.t_max <= self.t_min + 2 * self.dt:
            raise ValueError(f"{type(self).__name__}.t_max must exceed t_min by more than 2 dt")

    @property
    def temperatures(self) -> np.ndarray:
        return temperature_grid(self.t_min, self.t_max, self.dt)


# --------------------------------------------------------------------------- learning by confusion


class ConfusionRun(_Grid):
    """Settings of learning by confusion (the book's run; ``SHORT`` is what the unit tests run)."""

    sizes: tuple[int, ...] = setting((8, 12, 16), low=2, doc="lattice sizes L")
    n_seeds: int = setting(3, low=1, doc="independent repetitions (Monte Carlo data, split, initialisation)")
    seed: int = setting(0, low=0, doc="first seed; repetition r uses seed + r")
    gauge_fix: bool = setting(True, doc="flip every configuration to M >= 0 before training")
    hidden: int = setting(4, low=0, doc="hidden tanh units of each classifier (0: logistic regression)")
    epochs: int = setting(200, low=1, doc="full-batch Adam steps per classifier")
    lr: float = setting(0.05, low=1e-6, high=10, doc="Adam learning rate")
    weight_decay: float = setting(1e-3, low=0, doc="L2 penalty of the first-layer weights")
    test_fraction: float = setting(0.5, low=0.05, high=0.95, doc="share of every temperature held out")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"sizes": (8,), "n_samples": 20, "epochs": 150}

    def validate(self):
        super().validate()
        if not self.sizes:
            raise ValueError("ConfusionRun.sizes must hold at least one lattice size")


def finite_size_allowance(L: int, dt: float) -> float:
    r"""How far the confusion peak of an :math:`L\times L` lattice may sit from Onsager's
    :math:`T_c`, fixed before the run: half the grid spacing (the trial temperatures lie
    between grid points) plus the finite-size shift :math:`T_c L^{-1/\nu}` with
    :math:`\nu = 1` and an amplitude bounded by 1 (the pseudo-critical temperature is where
    the correlation length :math:`\xi \approx 0.57\,T_c/|T - T_c|` reaches L)."""
    return dt / 2 + ising.ONSAGER_TC / L


@study("unsupervised", ConfusionRun)
def confusion_run(cfg: ConfusionRun) -> dict:
    """For every L and seed: sample, train one classifier per trial temperature, find the peak.

    Returns ``trials`` (the midpoints of the grid), ``curves[L]`` (n_seeds, n_trials) held-out
    accuracies, ``estimates[L]`` (n_seeds,) peak temperatures, their ``mean`` and standard
    error ``sem`` per L, the ``allowance`` per L (:func:`finite_size_allowance`), the grid
    ``midpoint`` (the trivial answer) and the times spent sampling and training.
    """
    T = cfg.temperatures
    trials = 0.5 * (T[1:] + T[:-1])
    curves, estimates, weights = {}, {}, {}
    t_sample = t_train = 0.0
    for L in cfg.sizes:
        curves[L], estimates[L] = [], []
        for r in range(cfg.n_seeds):
            t0 = time.perf_counter()
            data = ising_data(L, tuple(T), cfg.n_samples, cfg.seed + r)
            t1 = time.perf_counter()
            X = (
                unsupervised.gauge_fix(data.spins)
                if cfg.gauge_fix
                else data.spins.reshape(len(data.spins), -1)
            )
            result = unsupervised.confusion(
                X,
                data.temperatures,
                trials,
                hidden=cfg.hidden,
                epochs=cfg.epochs,
                lr=cfg.lr,
                weight_decay=cfg.weight_decay,
                test_fraction=cfg.test_fraction,
                seed=cfg.seed + r,
                device=cfg.device,
            )
            t_sample += t1 - t0
            t_train += time.perf_counter() - t1
            curves[L].append(result.accuracy)
            estimates[L].append(unsupervised.confusion_peak(trials, result.accuracy))
            if r == 0:
                weights[L] = result.weights
        curves[L] = np.array(curves[L])
        estimates[L] = np.array(estimates[L])
    n = cfg.n_seeds
    return {
        "trials": trials,
        "curves": curves,
        "estimates": estimates,
        "mean": {L: float(e.mean()) for L, e in estimates.items()},
        "sem": {
            L: float(e.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan") for L, e in estimates.items()
        },
        "allowance": {L: finite_size_allowance(L, cfg.dt) for L in cfg.sizes},
        "midpoint": float(0.5 * (T[0] + T[-1])),
        "sampling_time": t_sample,
        "training_time": t_train,
    }


# --------------------------------------------------------------------------- clustering and embeddings


class StructureRun(_Grid):
    """Settings of the clustering and embedding of Ising configurations."""

    L: int = setting(16, low=2, doc="lattice size L")
    seed: int = setting(0, low=0, doc="seed of the Monte Carlo data, k-means++ and t-SNE")
    k: int = setting(3, low=1, doc="clusters of k-means and components of the mixture")
    per_temperature: int = setting(30, low=2, doc="configurations per temperature in the embeddings")
    perplexity: float = setting(30.0, low=1.0, doc="t-SNE perplexity (effective number of neighbours)")
    tsne_iter: int = setting(500, low=250, doc="t-SNE iterations")
    tsne_seeds: int = setting(3, low=1, doc="t-SNE runs with different seeds")
    neighbours: int = setting(10, low=1, doc="neighbours of the trustworthiness score")

    SHORT = {"L": 8, "n_samples": 20, "per_temperature": 10, "tsne_iter": 400}


def _phase_groups(spins: np.ndarray, temperatures: np.ndarray) -> np.ndarray:
    """0: ordered with M > 0, 1: ordered with M < 0, 2: disordered (T > T_c); for evaluation only."""
    M = spins.reshape(len(spins), -1).sum(axis=1)
    return np.where(temperatures > ising.ONSAGER_TC, 2, np.where(M >= 0, 0, 1))


def embedding_summary(X: np.ndarray, Z: np.ndarray, groups: np.ndarray, neighbours: int) -> dict:
    """What an embedding Z of the data X keeps: trustworthiness (local neighbourhoods), rank
    correlation of all distances, the spread of the disordered group over that of the
    ordered ones (density), and the distance between the two ordered centroids over the
    distance from an ordered centroid to the disordered one (global layout)."""

    def spread(A):
        c = A - A.mean(axis=0)
        return float(np.sqrt((c**2).sum(axis=1).mean()))

    cent = [Z[groups == g].mean(axis=0) for g in range(3)]
    return {
        "trust": float(trustworthiness(X, Z, n_neighbors=neighbours)),
        "distance_rank": unsupervised.distance_preservation(X, Z),
        "spread_ratio": spread(Z[groups == 2]) / (0.5 * (spread(Z[groups == 0]) + spread(Z[groups == 1]))),
        "centroid_ratio": float(
            np.linalg.norm(cent[0] - cent[1])
            / (0.5 * (np.linalg.norm(cent[0] - cent[2]) + np.linalg.norm(cent[1] - cent[2])))
        ),
    }


@study("unsupervised", StructureRun)
def structure_run(cfg: StructureRun) -> dict:
    """Cluster (m, e) per spin with our k-means and EM and scikit-learn's; embed raw spins with
    PCA and t-SNE. Returns the features, fits, sklearn references, embeddings and summaries."""
    T = cfg.temperatures
    data = ising_data(cfg.L, tuple(T), cfg.n_samples, cfg.seed)
    m = ising.magnetization(data.spins, per_spin=True)
    e = ising.energy(data.spins, per_spin=True)
    F = np.column_stack([m, e])
    out = {"temperatures": data.temperatures, "features": F, "grid": T}
    with threadpool_limits(limits=1):
        km = unsupervised.kmeans(F, cfg.k, seed=cfg.seed)
        init = unsupervised.kmeans_plus_plus(F, cfg.k, cfg.seed)
        sk_km = KMeans(cfg.k, init=init, n_init=1, algorithm="lloyd", tol=0.0, max_iter=1000).fit(F)
        gmm = unsupervised.gaussian_mixture(F, cfg.k, seed=cfg.seed)
        # scikit-learn's EM from the same start, as many steps: the same iteration
        km0 = unsupervised.kmeans(F, cfg.k, seed=cfg.seed)
        w0 = np.bincount(km0.labels, minlength=cfg.k) / len(F)
        cov0 = np.stack([np.cov(F[km0.labels == j].T, bias=True) + 1e-6 * np.eye(2) for j in range(cfg.k)])
        n_steps = gmm.n_iter
        w, mu, cov = w0, km0.centers, cov0
        for _ in range(n_steps):
            w, mu, cov, _, _ = unsupervised.em_step(F, w, mu, cov, reg_covar=1e-6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            sk_gmm = GaussianMixture(
                cfg.k,
                covariance_type="full",
                tol=0.0,
                reg_covar=1e-6,
                max_iter=n_steps,
                weights_init=w0,
                means_init=km0.centers,
                precisions_init=np.linalg.inv(cov0),
            ).fit(F)
        out.update(
            kmeans=km,
            kmeans_init=init,
            sklearn_kmeans=sk_km,
            gmm=gmm,
            em_steps=(w, mu, cov),
            ours_score=unsupervised.mixture_log_likelihood(F, w, mu, cov),
            sklearn_gmm=sk_gmm,
            sklearn_score=float(sk_gmm.score(F)),
        )
        # embeddings of the raw spins: a subset of per_temperature configurations per temperature
        idx = np.concatenate([np.flatnonzero(data.temperatures == t)[: cfg.per_temperature] for t in T])
        X = data.spins[idx].reshape(len(idx), -1).astype(float)
        groups = _phase_groups(data.spins[idx], data.temperatures[idx])
        fit = pca.fit_pca(X, 2)
        Zp = pca.project(fit, X)
        t0 = time.perf_counter()
        tsne = [
            TSNE(
                2,
                perplexity=min(cfg.perplexity, (len(X) - 1) / 3),
                init="pca",
                random_state=cfg.seed + r,
                max_iter=cfg.tsne_iter,
                n_jobs=1,
            ).fit_transform(X)
            for r in range(cfg.tsne_seeds)
        ]
        tsne_time = time.perf_counter() - t0
        summaries = {"PCA": embedding_summary(X, Zp, groups, cfg.neighbours)}
        tsne_summaries = [embedding_summary(X, Z, groups, cfg.neighbours) for Z in tsne]
    M = X.sum(axis=1)
    out.update(
        spins=X,
        embed_temperatures=data.temperatures[idx],
        groups=groups,
        pca=fit,
        pca_scores=Zp,
        pc1_abs_corr=float(np.corrcoef(np.abs(Zp[:, 0]), np.abs(M))[0, 1]),
        tsne=tsne,
        tsne_time=tsne_time,
        summaries=summaries,
        tsne_summaries=tsne_summaries,
    )
    return out


def disordered_fraction(run: dict, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per temperature, the share of configurations in the cluster whose centre has the
    smallest |m| (the disordered cluster)."""
    F, T = run["features"], run["temperatures"]
    k = int(labels.max()) + 1
    centre_m = np.array(
        [np.abs(F[labels == j, 0].mean()) if np.any(labels == j) else np.inf for j in range(k)]
    )
    disordered = int(np.argmin(centre_m))
    grid = run["grid"]
    return grid, np.array([np.mean(labels[T == t] == disordered) for t in grid])


# --------------------------------------------------------------------------- interpretability


class SaliencyRun(_Grid):
    """Settings of the classifiers that are explained, and of their attributions."""

    L: int = setting(16, low=2, doc="lattice size L")
    seed: int = setting(0, low=0, doc="seed of the Monte Carlo data and of the training")
    window: float = setting(0.5, low=0.0, doc="temperatures within this distance of T_c are not trained on")
    channels: int = setting(4, low=1, doc="channels of the CNN's convolutions")
    epochs: int = setting(6, low=1, doc="passes of the CNN over its training configurations")
    lr: float = setting(1e-2, low=1e-6, high=10, doc="Adam learning rate of the CNN")
    batch_size: int = setting(32, low=1, doc="mini-batch size of the CNN")
    lam: float = setting(1e-3, low=1e-12, doc="penalty lambda of the logistic model")
    explain_T: float = setting(2.4, low=0.05, doc="temperature of the configurations explained")
    n_explain: int = setting(10, low=1, doc="configurations explained")
    n_steps: int = setting(32, low=2, doc="quadrature nodes of integrated gradients")
    device: str = setting("cpu", doc='torch device ("cuda" on a GPU)')

    SHORT = {"L": 8, "n_samples": 20, "epochs": 3, "n_explain": 6}

    def validate(self):
        super().validate()
        if not np.any(np.isclose(self.temperatures, self.explain_T)):
            raise ValueError("SaliencyRun.explain_T must be a temperature of the grid")


class LogisticPhase(nn.Module):
    r"""The logistic phase classifier on gauge-fixed spins as a torch module:
    :math:`F(\boldsymbol x) = \boldsymbol w\cdot\boldsymbol x + b` (the logit of the
    ordered phase), for attributions."""

    def __init__(self, weights: np.ndarray, bias: float):
        super().__init__()
        self.linear = nn.Linear(len(weights), 1).double()
        with torch.no_grad():
            self.linear.weight.copy_(torch.as_tensor(weights, dtype=torch.float64)[None, :])
            self.linear.bias.fill_(bias)

    def forward(self, x):
        return self.linear(x.reshape(len(x), -1))[:, 0]


def _logistic_phase(X: np.ndarray, labels: np.ndarray, lam: float) -> LogisticPhase:
    """Logistic regression of the phase labels on gauge-fixed spins, by the Newton (IRLS)
    solver of the classification chapter (:func:`physml.classification.fit_logistic_newton`)."""
    fit = classification.fit_logistic_newton(X, labels, lam)
    return LogisticPhase(fit.coef, float(fit.intercept))


def stripe(L: int) -> np.ndarray:
    """Two domains of opposite spin, L/2 columns each: M = 0 but only two straight domain walls."""
    s = np.ones((L, L), dtype=np.int8)
    s[:, : L // 2] = -1
    return s


def wall_focus(attr: np.ndarray, spins: np.ndarray) -> float:
    r"""How strongly attributions concentrate on domain walls: the share of
    :math:`\sum_i|\mathrm{IG}_i|` on sites with a misaligned neighbour (:math:`E_i > -2`),
    divided by the share of such sites (1: no preference), mean over configurations."""
    wall = interpret.local_energy(spins) > -2
    a = np.abs(attr.reshape(spins.shape))
    shares = (a * wall).sum(axis=(1, 2)) / a.sum(axis=(1, 2))
    return float(np.mean(shares / wall.mean(axis=(1, 2))))


def _correlations(attr: np.ndarray, spins: np.ndarray) -> dict:
    """Mean over configurations of the correlation of an attribution map with the local
    energy and with the gauge-fixed spins, and the focus on domain walls (:func:`wall_focus`)."""
    E = interpret.local_energy(spins)
    s = spins * np.where(spins.sum(axis=(1, 2)) < 0, -1, 1)[:, None, None]
    a = attr.reshape(spins.shape)

    def corr(u, v):
        return float(np.mean([np.corrcoef(u[i].ravel(), v[i].ravel())[0, 1] for i in range(len(u))]))

    return {"energy": corr(a, E), "spin": corr(a, s.astype(float)), "walls": wall_focus(attr, spins)}


@study("unsupervised", SaliencyRun)
def saliency_run(cfg: SaliencyRun) -> dict:
    """Train the CNN of the convolutional chapter and a logistic model on configurations far
    from T_c; attribute their 'ordered' logit on configurations at ``explain_T`` by saliency
    and integrated gradients (ours and captum's, in float64)."""
    T = cfg.temperatures
    data = ising_data(cfg.L, tuple(T), cfg.n_samples, cfg.seed)
    far = np.abs(data.temperatures - ising.ONSAGER_TC) > cfg.window
    images = data.spins.astype(np.float32)[:, None]
    y = data.labels[far]
    # the grid has more disordered than ordered temperatures: weight the classes equally
    balance = torch.tensor([len(y) / (2 * max(1, np.sum(y == c))) for c in (0, 1)], dtype=torch.float32)
    torch.manual_seed(cfg.seed)
    cnn = conv.ising_cnn(cfg.channels)
    history = torchtools.fit(
        cnn,
        torchtools.make_loader(images[far], y, cfg.batch_size, seed=cfg.seed),
        None,
        torch.optim.Adam(cnn.parameters(), lr=cfg.lr),
        functools.partial(nn.functional.cross_entropy, weight=balance.to(cfg.device)),
        epochs=cfg.epochs,
        device=cfg.device,
        seed=cfg.seed,
    )
    cnn = cnn.cpu().double().eval()
    with torch_threads(1, "num_threads"):
        return _explain(cfg, data, far, images, cnn, history)


def _captum():
    """captum's two attribution classes (its import of ``tqdm.auto`` warns on stderr in a
    kernel without ipywidgets; the warning is about progress bars we do not use)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from captum.attr import IntegratedGradients, Saliency
    return IntegratedGradients, Saliency


def _explain(cfg: SaliencyRun, data, far, images, cnn, history) -> dict:
    """The attributions of :func:`saliency_run` (one torch thread: small products)."""
    IntegratedGradients, Saliency = _captum()

    with torch.no_grad():
        p_ordered = torch.softmax(cnn(torch.as_tensor(images, dtype=torch.float64)), 1)[:, 1].numpy()
    explain = np.flatnonzero(np.isclose(data.temperatures, cfg.explain_T))[: cfg.n_explain]
    spins = data.spins[explain]
    x = torch.as_tensor(spins[:, None], dtype=torch.float64)
    ig, delta = interpret.integrated_gradients(cnn, x, target=1, n_steps=cfg.n_steps, return_delta=True)
    sal = interpret.saliency(cnn, x, target=1)
    with torch.no_grad():
        gap = (cnn(x)[:, 1] - cnn(torch.zeros_like(x))[:, 1]).numpy()
    captum_ig = (
        IntegratedGradients(cnn)
        .attribute(x, target=1, n_steps=cfg.n_steps, method="gausslegendre")
        .detach()
        .numpy()
    )
    captum_sal = Saliency(cnn).attribute(x.clone().requires_grad_(True), target=1).detach().numpy()

    logistic = _logistic_phase(unsupervised.gauge_fix(data.spins[far]), data.labels[far], cfg.lam)
    xg = torch.as_tensor(unsupervised.gauge_fix(spins), dtype=torch.float64)
    ig_logistic = interpret.integrated_gradients(logistic, xg, n_steps=cfg.n_steps)
    w = logistic.linear.weight.detach().numpy()[0]
    st = stripe(cfg.L)
    xs = torch.as_tensor(st[None, None], dtype=torch.float64)
    with torch.no_grad():
        p_stripe_cnn = float(torch.softmax(cnn(xs), 1)[0, 1])
        p_stripe_logistic = float(torch.sigmoid(logistic(xs.reshape(1, -1)))[0])
    stripe_cnn = interpret.integrated_gradients(cnn, xs, target=1, n_steps=cfg.n_steps)[0, 0]
    stripe_logistic = interpret.integrated_gradients(
        logistic, xs.reshape(1, -1), n_steps=cfg.n_steps
    ).reshape(st.shape)
    return {
        "stripe": st,
        "stripe_p": {"CNN": p_stripe_cnn, "logistic": p_stripe_logistic},
        "stripe_ig": {"CNN": stripe_cnn, "logistic": stripe_logistic},
        "stripe_walls": {
            "CNN": wall_focus(stripe_cnn[None], st[None]),
            "logistic": wall_focus(stripe_logistic[None], st[None]),
        },
        "temperatures": data.temperatures,
        "p_ordered": p_ordered,
        "history": history,
        "spins": spins,
        "ig": ig[:, 0],
        "saliency": sal[:, 0],
        "delta": delta,
        "gap": gap,
        "captum_ig": captum_ig[:, 0],
        "captum_saliency": captum_sal[:, 0],
        "cnn_corr": _correlations(ig[:, 0], spins),
        "logistic_weights": w.reshape(cfg.L, cfg.L),
        "uniformity": float(w.sum() ** 2 / (len(w) * (w**2).sum())),
        "logistic_ig": ig_logistic.reshape(spins.shape),
        "logistic_corr": _correlations(ig_logistic, spins),
    }
