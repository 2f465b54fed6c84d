"""Self-check answers for the exercises of the chapter "Graph neural networks".

Each answer is computed with ``physml.gnn`` (never typed in).
"""

import numpy as np
import torch

from .. import gnn
from ..selfcheck import answer

# exercise "The dimer by hand": the force between two atoms at distance r = sigma
DIMER_R = 1.0
# exercise "The tetrahedron": four atoms at the corners of a regular tetrahedron of side 2^(1/6) sigma
TETRA_SIDE = gnn.LJ_R_MIN
# exercise "Counting edges": the 13-atom icosahedron (centre-vertex distance 2^(1/6) sigma), cutoff 1.5 sigma
ICO_CUTOFF = 1.5
# exercise "Counting parameters": a MessagePassingLayer with 16 node and 16 edge features
LAYER_FEATURES, LAYER_EDGE_FEATURES = 16, 16


def tetrahedron(side: float) -> np.ndarray:
    """The corners of a regular tetrahedron of the given side (alternate corners of a cube)."""
    return np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float) * side / np.sqrt(8.0)


def icosahedron(centre_vertex: float = gnn.LJ_R_MIN) -> np.ndarray:
    """A centre and the 12 vertices (0, +-1, +-phi) cyclically, at distance ``centre_vertex``."""
    phi = (1 + 5**0.5) / 2
    verts = [(0, a, b) for a in (1, -1) for b in (phi, -phi)]
    verts = [v for p in verts for v in (p, (p[1], p[2], p[0]), (p[2], p[0], p[1]))]
    return np.vstack([np.zeros(3), np.array(verts) / np.sqrt(1 + phi**2) * centre_vertex])


@answer(
    "gnn-dimer-force",
    rtol=1e-8,
    hint="Differentiate 4(r^-12 - r^-6) with respect to r and evaluate at r = 1; give the magnitude.",
)
def _dimer_force():
    pos = np.array([[0.0, 0.0, 0.0], [DIMER_R, 0.0, 0.0]])
    return float(np.linalg.norm(gnn.lj_forces(pos)[0]))


@answer(
    "gnn-tetrahedron",
    rtol=1e-8,
    hint="Count the pairs of four atoms; every pair sits at the minimum of the pair potential.",
)
def _tetrahedron():
    return float(gnn.lj_energy(tetrahedron(TETRA_SIDE)))


@answer(
    "gnn-ico-edges",
    rtol=0.0,
    atol=0.5,
    hint="Count the pairs closer than the cutoff (centre-vertex and neighbouring vertices), "
    "then remember that both directions of a pair are edges.",
)
def _ico_edges():
    return int(gnn.radius_graph(icosahedron(), ICO_CUTOFF).shape[1])


@answer(
    "gnn-layer-params",
    rtol=0.0,
    atol=0.5,
    hint="phi_m maps 2F + K inputs to F hidden units to F outputs, phi_u maps 2F to F to F; "
    "count weights and biases of the four linear layers.",
)
def _layer_params():
    layer = gnn.MessagePassingLayer(LAYER_FEATURES, LAYER_EDGE_FEATURES)
    return sum(p.numel() for p in layer.parameters() if isinstance(p, torch.Tensor))
