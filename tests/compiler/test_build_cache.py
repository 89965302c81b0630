"""Fast rebuilds: the format cache and the up-to-date stamp never change what
`streamerc build` writes, only how much work it takes."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import black
import pytest

from streamerc import cli, stamp
from streamerc.build import compile_spec, generate
from streamerc.cache import CACHE_DIR_ENV, FormatCache, default_cache_dir
from streamerc.cli import main

SPECS = Path(__file__).parents[1] / "specs"
ORDERS = SPECS / "orders.stm"
WARNING_ONLY = Path(__file__).parent / "invalid" / "event_never_used.stm"
STAMP = Path("shop_orders") / stamp.STAMP_NAME
FILTER = 'filter Order where len(items) > 0 and customer != ""'
CHANGED_FILTER = 'filter Order where len(items) > 1 and customer != ""'


class Counter:
    """Counts calls to a function it stands in for, then calls the original."""

    def __init__(self, original: Callable[..., Any]) -> None:
        self.original = original
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.original(*args, **kwargs)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    return folder


@pytest.fixture
def black_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter]:
    counter = Counter(black.format_str)
    monkeypatch.setattr(black, "format_str", counter)
    yield counter


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts specs the build parses and checks (the up-to-date path parses none)."""
    counter = Counter(cli.compile_spec)
    monkeypatch.setattr(cli, "compile_spec", counter)
    return counter


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    copy = tmp_path / "spec" / "orders.stm"
    copy.parent.mkdir()
    shutil.copyfile(ORDERS, copy)
    return copy


def build(spec: Path, out: Path, *extra: str) -> int:
    return main(["build", str(spec), "-o", str(out), *extra])


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_cache_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "streamer"


def test_unchanged_rebuild_parses_and_formats_nothing(
    spec: Path, tmp_path: Path, black_calls: Counter, compiles: Counter, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    assert compiles.calls == 1 and black_calls.calls == 6  # five package modules and the starter
    first = capsys.readouterr().err
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    assert build(spec, out) == 0
    assert compiles.calls == 1 and black_calls.calls == 6
    assert capsys.readouterr().err == f"{spec}: shop_orders: 0 written, 6 unchanged in {out}\n"
    assert "6 written" in first
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before
    assert build(spec, out, "--check") == 0
    assert compiles.calls == 1


def test_a_new_output_folder_reuses_formatted_text(spec: Path, tmp_path: Path, black_calls: Counter) -> None:
    assert build(spec, tmp_path / "first") == 0
    formatted = black_calls.calls
    assert build(spec, tmp_path / "second") == 0
    assert black_calls.calls == formatted
    assert tree(tmp_path / "first") == tree(tmp_path / "second")


def test_output_is_identical_with_and_without_the_cache(spec: Path, black_calls: Counter) -> None:
    compiled = compile_spec(spec)
    assert compiled.spec is not None
    uncached = generate(compiled.spec, cached=False)
    cold = generate(compiled.spec)
    calls = black_calls.calls
    warm = generate(compiled.spec)
    assert black_calls.calls == calls  # every text came from the cache
    assert uncached == cold == warm


def test_a_damaged_cache_entry_is_formatted_again(spec: Path, cache_dir: Path, black_calls: Counter) -> None:
    compiled = compile_spec(spec)
    assert compiled.spec is not None
    expected = generate(compiled.spec, cached=False)
    generate(compiled.spec)
    entries = sorted((cache_dir / "format").iterdir())
    assert len(entries) == 6
    entries[0].write_bytes(entries[0].read_bytes()[:-20])
    calls = black_calls.calls
    assert generate(compiled.spec) == expected
    assert black_calls.calls == calls + 1


def test_unwritable_cache_still_builds(spec: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    assert build(spec, tmp_path / "out") == 0
    assert FormatCache(blocker / "cache").get("0" * 64) is None


def test_a_hand_edited_file_is_restored(spec: Path, tmp_path: Path, compiles: Counter) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    expected = tree(out)
    edited = out / "shop_orders" / "actors.py"
    edited.write_text(edited.read_text() + "# mine\n")
    (out / "shop_orders" / "events.py").unlink()
    assert build(spec, out, "--check") == 1
    assert build(spec, out) == 0
    assert compiles.calls == 3  # the stamp no longer vouched for the files
    assert tree(out) == expected


def test_a_missing_starter_is_created_again(spec: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    starter = out / "shop_orders_handlers.py"
    text = starter.read_bytes()
    starter.unlink()
    assert build(spec, out) == 0
    assert starter.read_bytes() == text
    assert "created starter handlers" in capsys.readouterr().err


def test_changing_one_actor_reformats_only_the_files_it_changes(
    spec: Path, tmp_path: Path, black_calls: Counter
) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    before = tree(out)
    source = spec.read_text()
    assert FILTER in source
    spec.write_text(source.replace(FILTER, CHANGED_FILTER))
    calls = black_calls.calls
    assert build(spec, out) == 0
    after = tree(out)
    changed = sorted(n for n in after if after[n] != before.get(n) and not n.endswith(stamp.STAMP_NAME))
    assert changed == ["shop_orders/topology.py"]
    assert black_calls.calls - calls == 1
    fresh = tmp_path / "fresh"
    assert main(["build", str(spec), "-o", str(fresh)]) == 0
    assert tree(fresh) == after  # same bytes as a build from scratch, stamp included


def test_a_different_compiler_rebuilds(
    spec: Path, tmp_path: Path, compiles: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    monkeypatch.setattr(stamp, "compiler_fingerprint", lambda: "another compiler")
    assert build(spec, out) == 0
    assert compiles.calls == 2
    assert build(spec, out) == 0
    assert compiles.calls == 2  # re-stamped by the new compiler


def test_the_stamp_is_deterministic_and_names_no_outside_path(spec: Path, tmp_path: Path) -> None:
    assert build(spec, tmp_path / "a") == 0
    assert build(spec, tmp_path / "b") == 0
    data = (tmp_path / "a" / STAMP).read_bytes()
    assert data == (tmp_path / "b" / STAMP).read_bytes()
    assert str(tmp_path) not in data.decode()
    recorded = json.loads(data)
    assert recorded["package"] == "shop_orders"
    package_files = [n for n in tree(tmp_path / "a") if n.startswith("shop_orders/") and not n.endswith(stamp.STAMP_NAME)]
    assert sorted(recorded["files"]) == sorted(package_files)


def test_a_damaged_stamp_means_a_full_build(spec: Path, tmp_path: Path, compiles: Counter) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    good = (out / STAMP).read_bytes()
    (out / STAMP).write_text("{not json")
    assert build(spec, out) == 0
    assert compiles.calls == 2
    assert (out / STAMP).read_bytes() == good


def test_warnings_are_shown_on_every_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        assert build(WARNING_ONLY, out) == 0
        assert "W131" in capsys.readouterr().err
    assert not list(out.glob(f"*/{stamp.STAMP_NAME}"))


def test_two_specs_one_package_is_still_an_error(spec: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(spec, out) == 0
    twin = tmp_path / "twin" / "orders.stm"
    twin.parent.mkdir()
    shutil.copyfile(spec, twin)
    assert main(["build", str(spec), str(twin), "-o", str(out)]) == 2
