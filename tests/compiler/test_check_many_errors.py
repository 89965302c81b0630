"""One spec full of mistakes: the checker reports every one, in source order."""

from __future__ import annotations

from streamerc.check import check
from streamerc.parse import parse

SPEC = """\
module m
external event Block key height { height: int, hashes: list[bytes] }
event Tx key hash { hash: str, class: int, str: int, x: Foo }
event Event { a: int }
actor A {
    consumes Blok, Tx, Block
    emits Tx, Nothing
    filter Tx where hash > 3 and len(class) and y == 1
    filter Block where hashes == "x"
    join J(Tx, Block) by hash
    collect C(Tx by hash until Block.hashes) within 0s expire emit Tx
    ordered Tx by hash
    calls B.quot, C.x
    workers 0
    states {
        initial S1 { accept Tx defer Block }
        initial S2
        S3
        S1 -> S4 on Nope
        S1 -> S2 on J
    }
}
actor B { service quote(Tx) -> Blok timeout 1s consumes Tx }
deploy { process p x0 { A, A, Z } topic Tx "bad name!" partitions 0 process p {} }
"""


def test_every_problem_is_reported_in_order() -> None:
    found = [(d.span.line, d.span.column, d.code) for d in check(parse(SPEC, "many.stm"))]
    assert found == [
        (3, 32, "E120"),  # field `class`
        (3, 44, "E121"),  # field `str` hides the type
        (3, 57, "E107"),  # unknown type Foo
        (4, 7, "E121"),  # event named Event
        (4, 7, "W131"),  # ... and never used
        (5, 7, "E210"),  # workers 0
        (6, 14, "E101"),  # Blok
        (7, 15, "E101"),  # Nothing
        (8, 21, "E201"),  # str > int
        (8, 38, "E201"),  # len(int)
        (8, 49, "E103"),  # no field y
        (9, 24, "E201"),  # list == str
        (10, 10, "W201"),  # join without expiry
        (10, 26, "E202"),  # Block has no `hash`
        (11, 21, "E204"),  # str items, bytes list
        (11, 46, "E210"),  # within 0s
        (11, 68, "E206"),  # Tx cannot be an expiry event: extra required fields,
        (11, 68, "E206"),  # no `key`,
        (11, 68, "E206"),  # no `missing`
        (12, 19, "E208"),  # sequence field is str
        (13, 13, "E105"),  # B has no quot
        (13, 19, "E102"),  # no actor C
        (16, 38, "E305"),  # Block deferred, never accepted
        (17, 17, "E301"),  # second initial state
        (17, 17, "E303"),  # S2 stuck
        (18, 9, "E303"),  # S3 stuck
        (19, 15, "E104"),  # no state S4
        (19, 21, "E106"),  # no input Nope
        (23, 7, "E401"),  # B not placed
        (23, 32, "E101"),  # reply event Blok
        (24, 18, "E210"),  # x0
        (24, 28, "E402"),  # A placed twice
        (24, 31, "E102"),  # no actor Z
        (24, 35, "E210"),  # partitions 0
        (24, 35, "E404"),  # bad topic name
        (24, 77, "E110"),  # process p twice
    ]


def test_warnings_alone_do_not_make_errors() -> None:
    spec = parse(
        "module m\nexternal event In { n: int }\nevent Out { n: int }\nactor A { consumes In emits Out }\n",
        "w.stm",
    )
    diagnostics = check(spec)
    assert [(d.severity, d.code) for d in diagnostics] == [("warning", "W130")]
