"""``python -m physml.vmc``: see :mod:`physml.vmc.cli`."""

import sys

from .cli import main

sys.exit(main())
