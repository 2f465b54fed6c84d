"""physml: the helper package of *Advanced Machine Learning for the Physical Sciences*.

Chapters import the submodules they need, e.g. ``from physml import regression``.
Two book-wide tools live at the top level:

* :func:`check` - the exercise self-check (``physml.check("ridge-limit", answer)``);
* :mod:`physml.validation` - the registry of headline results checked against references.

Bad input raises ``TypeError`` or ``ValueError`` naming the argument. Two documented error
types cover states rather than values: :class:`NotFittedError` (a method of an estimator
called before ``fit``) and :class:`ConvergenceError` (an iteration that did not converge
within its ``max_iter``/``max_sweeps``).
"""

from . import validation
from ._validate import ConvergenceError, NotFittedError
from .selfcheck import check

__version__ = "0.1.0"
__all__ = ["check", "validation", "NotFittedError", "ConvergenceError", "__version__"]
