"""``python bench/run.py``: the same as ``python -m bench`` from the repository root."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cli import main  # noqa: E402

raise SystemExit(main())
