"""``python -m streamerc``: the same as the ``streamerc`` command."""

import sys

from .cli import main

sys.exit(main())
