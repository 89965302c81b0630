"""The grammar and templates are found from a checkout and from an install."""

from __future__ import annotations

from pathlib import Path

from streamerc.resources import grammar_path, templates_dir


def test_grammar_path_points_at_the_grammar() -> None:
    path = grammar_path()
    assert path.name == "stm.lark"
    assert "start: module_decl" in path.read_text(encoding="utf-8")


def test_templates_dir_holds_templates() -> None:
    folder = templates_dir()
    assert folder.is_dir()
    assert any(Path(folder).glob("*.jinja"))


def test_resources_match_the_source_tree_in_a_checkout() -> None:
    root = Path(__file__).resolve().parents[2]
    assert grammar_path().read_bytes() == (root / "grammar" / "stm.lark").read_bytes()


def test_keyword_tables_match_the_grammar() -> None:
    from streamerc.syntax import CLAUSE_KEYWORDS, TOP_LEVEL_KEYWORDS

    grammar = grammar_path().read_text(encoding="utf-8")
    for keyword in (*TOP_LEVEL_KEYWORDS, *CLAUSE_KEYWORDS):
        assert f'"{keyword}"' in grammar, keyword
