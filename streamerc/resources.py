"""Where the grammar and the templates live.

Installed (wheel or editable), they are the data packages ``streamerc.grammar``
and ``streamerc.templates`` (pyproject maps them onto the top-level
``grammar/`` and ``templates/`` folders). Running from a plain checkout with
``streamerc`` on ``sys.path`` but not installed, those packages do not exist,
so we fall back to the folders next to the source tree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

_SOURCE_ROOT = Path(__file__).resolve().parents[1]


def _package_dir(package: str, fallback: str, probe: str) -> Path:
    try:
        root = resources.files(package)
        candidate = Path(str(root))
        if (candidate / probe).is_file() or (probe == "" and candidate.is_dir()):
            return candidate
    except (ModuleNotFoundError, TypeError, NotADirectoryError):
        pass
    return _SOURCE_ROOT / fallback


def grammar_path() -> Path:
    """The Lark grammar of the .stm language."""
    return _package_dir("streamerc.grammar", "grammar", "stm.lark") / "stm.lark"


def templates_dir() -> Path:
    """The folder of Jinja templates for generated packages."""
    return _package_dir("streamerc.templates", "templates", "")
