"""physml: the helper package of *Advanced Machine Learning for the Physical Sciences*.

Chapters import the submodules they need, e.g. ``from physml import regression``.
Two book-wide tools live at the top level:

* :func:`check` - the exercise self-check (``physml.check("ridge-limit", answer)``);
* :mod:`physml.validation` - the registry of headline results checked against references.
"""

from . import validation
from .selfcheck import check

__version__ = "0.1.0"
__all__ = ["check", "validation", "__version__"]
