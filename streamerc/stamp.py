"""The up-to-date stamp of a generated package: ``OUT/<package>/.streamerc-stamp``.

A stamp records what a build was made from (the build key: the spec's name
and text and a fingerprint of the compiler, its grammar, templates and
formatter) and the hash of every file it generated. When a later build of the
same spec finds a stamp with the same key and every file still matching its
hash, there is nothing to do. Anything else (a file edited by hand or
deleted, another compiler, a damaged stamp) means a full build. Stamps hold
no timestamps and no paths outside the package, so they are as deterministic
as the generated files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jinja2
import lark

from . import __version__
from .cache import digest
from .render import RenderedPackage, formatter_id
from .resources import grammar_path, templates_dir

STAMP_NAME = ".streamerc-stamp"
FORMAT = 1
"""The stamp file's own format; a stamp of another format is ignored."""


@dataclass(frozen=True)
class Stamp:
    key: str
    package: str
    starter: str
    """File name of the starter handler module (it must exist to skip a build)."""
    files: dict[str, str]
    """Generated file (relative to OUT, POSIX) -> sha256 of its bytes."""

    def dumps(self) -> bytes:
        data = {
            "format": FORMAT, "key": self.key, "package": self.package, "starter": self.starter, "files": self.files
        }
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode("utf-8")

    @classmethod
    def loads(cls, data: bytes) -> Stamp | None:
        """The stamp in ``data``, or None when it is not a stamp this compiler wrote."""
        try:
            raw = json.loads(data)
        except ValueError:
            return None
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            return None
        key, package, starter, files = (raw.get(name) for name in ("key", "package", "starter", "files"))
        if not (isinstance(key, str) and isinstance(package, str) and isinstance(starter, str)):
            return None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and k.startswith(package + "/") for k, v in files.items()
        ):
            return None
        return cls(key, package, starter, dict(files))


def build_key(spec_name: str, spec_text: str) -> str:
    """Everything a package's generated files depend on, hashed.

    The spec's file name is part of it because headers name the spec."""
    spec = spec_name.encode("utf-8", "surrogateescape") + b"\0" + spec_text.encode("utf-8", "surrogateescape")
    return digest(compiler_fingerprint().encode("ascii") + b"\0" + spec)


@lru_cache(maxsize=1)
def compiler_fingerprint() -> str:
    """A hash of the compiler's sources, grammar, templates and formatter, so
    any change to the compiler (even without a version bump) invalidates stamps."""
    parts = [
        f"streamerc {__version__}",
        formatter_id(),
        f"jinja2 {jinja2.__version__}",
        f"lark {lark.__version__}",
    ]
    source_dir = Path(__file__).resolve().parent
    sources = [
        *(("streamerc", p) for p in source_dir.rglob("*.py")),
        ("grammar", grammar_path()),
        *(("templates", p) for p in templates_dir().rglob("*") if p.is_file() and "__pycache__" not in p.parts),
    ]
    roots = {"streamerc": source_dir, "grammar": grammar_path().parent, "templates": templates_dir()}
    for kind, path in sorted(sources, key=lambda item: (item[0], item[1].relative_to(roots[item[0]]).as_posix())):
        relative = path.relative_to(roots[kind]).as_posix()
        parts.append(f"{kind}/{relative} {digest(path.read_bytes())}")
    return digest("\n".join(parts).encode("utf-8"))


def stamp_for(key: str, rendered: RenderedPackage) -> Stamp:
    files = {name: digest(text.encode("utf-8")) for name, text in rendered.files.items()}
    return Stamp(key, rendered.package, rendered.starter[0], files)


def stamp_path(out_dir: Path, package: str) -> Path:
    return out_dir / package / STAMP_NAME


def find_fresh(out_dir: Path, key: str) -> Stamp | None:
    """The stamp under ``out_dir`` built from ``key`` whose files are all
    untouched, if there is one."""
    try:
        candidates = sorted(out_dir.glob(f"*/{STAMP_NAME}"))
    except OSError:
        return None
    for candidate in candidates:
        try:
            stamp = Stamp.loads(candidate.read_bytes())
        except OSError:
            continue
        if stamp is None or stamp.key != key or candidate.parent.name != stamp.package:
            continue
        return stamp if _untouched(out_dir, stamp) else None
    return None


def _untouched(out_dir: Path, stamp: Stamp) -> bool:
    for name, expected in stamp.files.items():
        try:
            if digest((out_dir / name).read_bytes()) != expected:
                return False
        except OSError:
            return False
    return True
