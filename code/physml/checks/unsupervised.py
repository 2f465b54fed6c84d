"""Reference checks of "Unsupervised structure and interpretability".

The runs (learning by confusion for several L and seeds, clustering and embeddings,
attributions of the phase classifiers) are in ``physml.studies.unsupervised``; each check
reads the run the page made (``experiment.current``: the book's settings in the book, the
short ones in the unit tests) and compares it with its reference. The short configuration
uses L = 8 only, fewer configurations per temperature and fewer training steps.
"""

from __future__ import annotations

import numpy as np

from ..experiment import current
from ..ising import ONSAGER_TC
from ..studies import unsupervised as study
from ..validation import reference_check

#: Smallest correlation between |first PCA score| and |M| we require: if the first
#: principal direction is the uniform vector, the score is M / L exactly (Wetzel 2017).
PC1_TARGET = 0.99
#: Largest relative completeness error of integrated gradients, |sum IG - (F(x) - F(x'))| /
#: |F(x) - F(x')|: Sundararajan, Taly and Yan (2017), section 5, choose the number of
#: steps so that the attributions add up to within 5 % of the difference.
COMPLETENESS_TARGET = 0.05
#: Margin by which the confusion estimate of T_c must beat the grid's midpoint.
MIDPOINT_MARGIN = 0.2
#: Margin by which t-SNE's trustworthiness must exceed PCA's.
TRUST_MARGIN = 0.02
#: The temperature spacing of the book's grid, used to fix the finite-size allowances.
BOOK_DT = study.ConfusionRun().dt


def confusion_study(short: bool = False) -> dict:
    return study.confusion_run(current(study.confusion_run, short))


def structure_study(short: bool = False) -> dict:
    return study.structure_run(current(study.structure_run, short))


def saliency_study(short: bool = False) -> dict:
    return study.saliency_run(current(study.saliency_run, short))


# --------------------------------------------------------------------------- clustering


@reference_check(
    "unsupervised.kmeans-sklearn",
    chapter="unsupervised",
    description="k-means (Lloyd, our k-means++ start) gives scikit-learn's centres and objective",
    reference_source="sklearn.cluster.KMeans(init=our centres, n_init=1, algorithm='lloyd', tol=0)",
    kind="abs",
    tolerance=1e-9,
    reference_kind="library",
    tolerance_from="bound",
    why="the same deterministic iteration from the same start; float64 rounding of means of < 1000 points",
)
def _kmeans_sklearn(short: bool):
    run = structure_study(short)
    ours, sk = run["kmeans"], run["sklearn_kmeans"]
    return (
        np.append(ours.centers.ravel(), ours.inertia / len(run["features"])),
        np.append(sk.cluster_centers_.ravel(), sk.inertia_ / len(run["features"])),
    )


@reference_check(
    "unsupervised.kmeans-monotone",
    chapter="unsupervised",
    description="The k-means objective never rises from one half-step of Lloyd's algorithm to the next",
    reference_source="exact: each half-step minimises J over one block of variables",
    kind="at_least",
    reference_kind="exact",
    tolerance_from="bound",
    why="smallest decrease >= -1e-12 J: float64 rounding of the sums of squares",
)
def _kmeans_monotone(short: bool):
    h = structure_study(short)["kmeans"].history
    return float(np.min(-np.diff(h))), -1e-12 * float(h[0])


@reference_check(
    "unsupervised.gmm-sklearn",
    chapter="unsupervised",
    description="EM for the Gaussian mixture gives scikit-learn's log-likelihood and means "
    "(same start, same number of steps)",
    reference_source="sklearn.mixture.GaussianMixture(means_init, weights_init, precisions_init, tol=0, "
    "max_iter = our steps).score and .means_",
    kind="abs",
    tolerance=1e-8,
    reference_kind="library",
    tolerance_from="bound",
    why="the same EM updates; rounding of Cholesky solves of 2x2 covariances, amplified at most ~1e3 "
    "over the steps",
)
def _gmm_sklearn(short: bool):
    run = structure_study(short)
    return (
        np.append(run["ours_score"], run["em_steps"][1].ravel()),
        np.append(run["sklearn_score"], run["sklearn_gmm"].means_.ravel()),
    )


@reference_check(
    "unsupervised.em-monotone",
    chapter="unsupervised",
    description="The log-likelihood of the Gaussian mixture never falls from one EM step to the next",
    reference_source="exact: EM maximises a lower bound that touches the log-likelihood",
    kind="at_least",
    reference_kind="exact",
    tolerance_from="bound",
    why="smallest rise >= -1e-12: float64 rounding of a mean log-likelihood of order 1",
)
def _em_monotone(short: bool):
    return float(np.min(np.diff(structure_study(short)["gmm"].history))), -1e-12


# --------------------------------------------------------------------------- embeddings


@reference_check(
    "unsupervised.pc1-magnetisation",
    chapter="unsupervised",
    description="|first PCA score| of raw Ising configurations correlates with |M|",
    reference_source="Wetzel (2017): the first principal direction is the uniform vector, score = M / L",
    kind="at_least",
    glued=("uns-pc1-corr",),
    reference_kind="exact",
    tolerance_from="target",
    why="0.99 stated before the run: a uniform direction gives 1; sampling noise tilts it slightly",
)
def _pc1(short: bool):
    return structure_study(short)["pc1_abs_corr"], PC1_TARGET


@reference_check(
    "unsupervised.tsne-trust",
    chapter="unsupervised",
    description="t-SNE keeps nearest neighbours better than PCA: trustworthiness (10 neighbours), "
    "t-SNE seeds against PCA",
    reference_source="sklearn.manifold.trustworthiness of the 2D PCA scores (deterministic)",
    kind="beats",
    better="higher",
    margin=TRUST_MARGIN,
    reference_kind="baseline",
    tolerance_from="after",
    why="PCA is the cheapest 2D embedding; margin 0.02 chosen after a one-seed trial run (0.80 against 0.73)",
)
def _tsne_trust(short: bool):
    run = structure_study(short)
    return [s["trust"] for s in run["tsne_summaries"]], run["summaries"]["PCA"]["trust"]


# --------------------------------------------------------------------------- learning by confusion


def _confusion_tc(short: bool, which: int):
    run = confusion_study(short)
    L = sorted(run["mean"])[which]
    return run["mean"][L], run["sem"][L], ONSAGER_TC


@reference_check(
    "unsupervised.confusion-small-L",
    chapter="unsupervised",
    description="Learning by confusion, smallest lattice (L = 8): peak of the W at Onsager's T_c, "
    "mean of 3 seeds",
    reference_source="Onsager, T_c = 2/ln(1 + sqrt 2); allowance dt/2 + T_c/L = 0.38 fixed before the run",
    kind="stat",
    k=3.0,
    systematic=study.finite_size_allowance(8, BOOK_DT),
    glued=("uns-tc-small",),
    reference_kind="exact",
    tolerance_from="bound",
    why="3 standard errors over seeds + half the grid spacing + the finite-size shift T_c/L (nu = 1)",
)
def _confusion_small(short: bool):
    return _confusion_tc(short, 0)


@reference_check(
    "unsupervised.confusion-large-L",
    chapter="unsupervised",
    description="Learning by confusion, largest lattice (L = 16): peak of the W at Onsager's T_c, "
    "mean of 3 seeds",
    reference_source="Onsager, T_c = 2/ln(1 + sqrt 2); allowance dt/2 + T_c/L = 0.24 fixed before the run "
    "(short configuration: L = 8, 0.38)",
    kind="stat",
    k=3.0,
    systematic=study.finite_size_allowance(16, BOOK_DT),
    short_systematic=study.finite_size_allowance(8, BOOK_DT),
    glued=("uns-tc-large",),
    reference_kind="exact",
    tolerance_from="bound",
    why="3 standard errors over seeds + half the grid spacing + the finite-size shift T_c/L (nu = 1)",
)
def _confusion_large(short: bool):
    return _confusion_tc(short, -1)


@reference_check(
    "unsupervised.confusion-beats-midpoint",
    chapter="unsupervised",
    description="The confusion estimate of T_c (largest L, each seed) is closer to Onsager's than the "
    "middle of the temperature grid",
    reference_source="the trivial answer: the midpoint of the grid, (1.2 + 5.2)/2 = 3.2",
    kind="beats",
    better="lower",
    margin=MIDPOINT_MARGIN,
    reference_kind="baseline",
    tolerance_from="after",
    why="the grid is asymmetric about T_c, so finding the middle of the range fails; margin 0.2 = one grid "
    "spacing, chosen after a trial run",
)
def _confusion_midpoint(short: bool):
    run = confusion_study(short)
    L = max(run["estimates"])
    return np.abs(run["estimates"][L] - ONSAGER_TC), abs(run["midpoint"] - ONSAGER_TC)


# --------------------------------------------------------------------------- attributions


@reference_check(
    "unsupervised.saliency-captum",
    chapter="unsupervised",
    description="Our gradient saliency of the Ising CNN equals captum's Saliency",
    reference_source="captum.attr.Saliency (abs=True), float64 model",
    kind="abs",
    tolerance=1e-12,
    reference_kind="library",
    tolerance_from="bound",
    why="the same autograd gradient in float64; only the order of summation may differ",
)
def _saliency_captum(short: bool):
    run = saliency_study(short)
    return run["saliency"], run["captum_saliency"]


@reference_check(
    "unsupervised.ig-captum",
    chapter="unsupervised",
    description="Our integrated gradients of the Ising CNN equal captum's IntegratedGradients "
    "(Gauss-Legendre, same nodes)",
    reference_source="captum.attr.IntegratedGradients(method='gausslegendre'), float64 model",
    kind="rel",
    tolerance=1e-6,
    reference_kind="library",
    tolerance_from="bound",
    why="captum keeps the quadrature weights in float32 (relative rounding 6e-8); the rest is float64",
)
def _ig_captum(short: bool):
    run = saliency_study(short)
    return run["ig"], run["captum_ig"]


@reference_check(
    "unsupervised.ig-completeness",
    chapter="unsupervised",
    description="Integrated gradients add up to F(x) - F(0) (completeness), largest relative error",
    reference_source="exact (fundamental theorem of calculus); 5 % target of Sundararajan et al. "
    "(2017), sec. 5",
    kind="at_most",
    glued=("uns-ig-completeness",),
    reference_kind="exact",
    tolerance_from="target",
    why="the quadrature of a ReLU network's path integral is not exact; the paper's 5 % rule, stated before",
)
def _completeness(short: bool):
    run = saliency_study(short)
    return float(np.max(np.abs(run["delta"] / run["gap"]))), COMPLETENESS_TARGET
