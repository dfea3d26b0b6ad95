"""`preflight.property_path` against pulumi/pulumi's own tests of the same functions
(`sdk/go/common/resource/properties_path_test.go`: `TestPropertyPath`'s paths, `TestReset`'s table, ported
case for case) and `processIgnoreChanges` (`pkg/resource/deploy/step_generator.go`)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from elasticache_facts.wire import secret
from preflight.property_path import ignore_changes, parse, reset

PARSED = [
    ("root", ("root",)),
    ("root.nested", ("root", "nested")),
    ('root["nested"]', ("root", "nested")),
    ("root.double.nest", ("root", "double", "nest")),
    ('root["double"].nest', ("root", "double", "nest")),
    ('root["double"]["nest"]', ("root", "double", "nest")),
    ("root.array[0]", ("root", "array", 0)),
    ("root.array[1]", ("root", "array", 1)),
    ("root.array[0].nested", ("root", "array", 0, "nested")),
    ("root.array2[0][1].nested", ("root", "array2", 0, 1, "nested")),
    ("root.nested.array[0].double[1]", ("root", "nested", "array", 0, "double", 1)),
    (r'root["key with \"escaped\" quotes"]', ("root", 'key with "escaped" quotes')),
    ('root["key with a ."]', ("root", "key with a .")),
    (r'["root key with \"escaped\" quotes"].nested', ('root key with "escaped" quotes', "nested")),
    ('["root key with a ."][1]', ("root key with a .", 1)),
    ("root.array.[1]", ("root", "array", 1)),
    ('root.["key with a ."]', ("root", "key with a .")),
    ('root["*"].field[1]', ("root", "*", "field", 1)),
    ("root[*].field[2]", ("root", "*", "field", 2)),
    ("root[3].*[3]", ("root", 3, "*", 3)),
    ("*.bar", ("*", "bar")),
    ("foo-bar", ("foo-bar",)),
]


@pytest.mark.parametrize(("path", "parsed"), PARSED)
def test_paths_parse_as_the_engine_parses_them(path: str, parsed: tuple[Any, ...]) -> None:
    assert parse(path) == parsed


@pytest.mark.parametrize("path", ["root[", 'root["nested]', "root.array[abc]", "root.", ".root", "a[ 1]"])
def test_malformed_paths_are_refused(path: str) -> None:
    with pytest.raises(ValueError, match=r"property path|index|bracket|quote"):
        parse(path)


RESET_CASES = [
    (
        "Missing key, not in object",
        ("missing",),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 2.0},
    ),
    (
        "Missing key, not an object",
        ("root", "missing"),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 2.0},
    ),
    (
        "Missing index, changed from an object",
        ("root", "nested"),
        {"root": {"nested": 1.0}},
        {"root": 2.0},
        None,
    ),
    (
        "Missing index, changed to an object",
        ("root", "nested"),
        {"root": 1.0},
        {"root": {"nested": 2.0}},
        {"root": {}},
    ),
    (
        "Missing key along path, not in object",
        ("missing", "path"),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 2.0},
    ),
    (
        "Missing key along path, not an object",
        ("root", "missing", "path"),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 2.0},
    ),
    (
        "Missing index, not in array",
        ("array", 1),
        {"array": [1.0]},
        {"array": [1.0]},
        {"array": [1.0]},
    ),
    (
        "Missing index, not an array",
        ("root", 0),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 2.0},
    ),
    (
        "Missing index, changed from an array",
        ("root", 0),
        {"root": [1.0]},
        {"root": 2.0},
        None,
    ),
    (
        "Missing index, changed to an array",
        ("root", 0),
        {"root": 1.0},
        {"root": [2.0]},
        None,
    ),
    (
        "Invalid index, not in array",
        ("array", -1),
        {"array": [1.0]},
        {"array": [1.0]},
        None,
    ),
    (
        "Invalid index, not an array",
        ("root", -1),
        {"root": 1.0},
        {"root": 2.0},
        None,
    ),
    (
        "Index out of bound in old",
        ("root", 1),
        {"root": [2.0]},
        {"root": [3.0, 4.0]},
        None,
    ),
    (
        "Index out of bound in new",
        ("root", 1),
        {"root": [1.0, 2.0]},
        {"root": [3.0]},
        None,
    ),
    (
        "Missing index along path",
        ("root", 0, "other"),
        {"root": {"nested": 1.0}},
        {"root": {"nested": 2.0}},
        {"root": {"nested": 2.0}},
    ),
    (
        "Index out of bound in old along path",
        ("root", 1, "nested"),
        {
            "root": [
                {"nested": 1.0},
            ]
        },
        {
            "root": [
                {"nested": 3.0},
                {"nested": 4.0},
            ]
        },
        None,
    ),
    (
        "Index out of bound in new along path",
        ("root", 1, "nested"),
        {
            "root": [
                {"nested": 1.0},
                {"nested": 2.0},
            ]
        },
        {
            "root": [
                {"nested": 3.0},
            ]
        },
        None,
    ),
    (
        "Single path element",
        ("root",),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 1.0},
    ),
    (
        "Nested path element, changed",
        ("root", "nested"),
        {"root": {"nested": 1.0}},
        {"root": {"nested": 2.0}},
        {"root": {"nested": 1.0}},
    ),
    (
        "Nested path element, added",
        ("root", "nested"),
        {"root": {}},
        {"root": {"nested": 2.0}},
        {"root": {}},
    ),
    (
        "Nested path element, removed",
        ("root", "nested"),
        {"root": {"nested": 1.0}},
        {"root": {}},
        {"root": {"nested": 1.0}},
    ),
    (
        "Nested path element, fully removed",
        ("root", "nested"),
        {"root": {"nested": 1.0}},
        {},
        None,
    ),
    (
        "Nested path element, nested added",
        ("root", "nested"),
        {},
        {"root": {"nested": 2.0}},
        {"root": {}},
    ),
    (
        "Nested path element, nested removed",
        ("root", "nested"),
        {"root": {"nested": 1.0}},
        {},
        None,
    ),
    (
        "Array index",
        ("array", 0),
        {"array": [1.0]},
        {"array": [2.0]},
        {"array": [1.0]},
    ),
    (
        "Array index, along path",
        ("array", 0, "item"),
        {
            "array": [
                {"item": 1.0},
            ]
        },
        {
            "array": [
                {"item": 2.0},
            ]
        },
        {
            "array": [
                {"item": 1.0},
            ]
        },
    ),
    (
        "Array index, added",
        ("array", 0),
        {"array": []},
        {"array": [2.0]},
        None,
    ),
    (
        "Array index, removed",
        ("array", 0),
        {"array": [1.0]},
        {"array": []},
        None,
    ),
    (
        "Single wildcard at root",
        ("*",),
        {"root": 1.0},
        {"root": 2.0},
        {"root": 1.0},
    ),
    (
        "Wildcard followed by path element",
        ("*", "nested"),
        {"root": {"nested": 1.0}},
        {"root": {"nested": 2.0}},
        {"root": {"nested": 1.0}},
    ),
    (
        "Wildcard in array followed by path element",
        ("root", "*", "nested"),
        {
            "root": [
                {"nested": 1.0},
                {"nested": 2.0},
            ]
        },
        {
            "root": [
                {"nested": 3.0},
                {"nested": 4.0},
            ]
        },
        {
            "root": [
                {"nested": 1.0},
                {"nested": 2.0},
            ]
        },
    ),
    (
        "Nested wildcard",
        ("root", "*"),
        {"root": {"nested": 1.0}},
        {"root": {"nested": 2.0}},
        {"root": {"nested": 1.0}},
    ),
    (
        "Nested wildcard in array",
        ("root", "*"),
        {
            "root": [
                1.0,
                2.0,
            ]
        },
        {
            "root": [
                3.0,
                4.0,
            ]
        },
        {
            "root": [
                1.0,
                2.0,
            ]
        },
    ),
    (
        "Nested wildcard, added",
        ("root", "*"),
        {"root": {}},
        {"root": {"nested": 2.0}},
        {"root": {}},
    ),
    (
        "Nested wildcard, removed",
        ("root", "*"),
        {"root": {"nested": 2.0}},
        {"root": {}},
        {"root": {"nested": 2.0}},
    ),
    (
        "Nested wildcard, change of type (array)",
        ("root", "*"),
        {"root": [1.0]},
        {"root": {"nested": 2.0}},
        {"root": {"nested": 2.0}},
    ),
    (
        "Nested wildcard, change of type (object)",
        ("root", "*"),
        {"root": {"nested": 2.0}},
        {"root": [1.0]},
        {"root": [1.0]},
    ),
    (
        "Nested wildcard, change of type (number)",
        ("root", "*"),
        {"root": {"nested": 2.0}},
        {"root": 1.0},
        None,
    ),
    (
        "Untraversable in old wildcard followed by path element",
        ("root", "*", "nested"),
        {"root": 1.0},
        {"root": {"nested": 2.0}},
        None,
    ),
    (
        "Untraversable in new (not an object) wildcard followed by path element",
        ("root", "*", "nested"),
        {"root": {"nested": 1.0}},
        {"root": 2.0},
        None,
    ),
    (
        "Untraversable in new (missing) wildcard followed by path element",
        ("root", "*", "nested"),
        {"root": {"nested": 1.0}},
        {"root": {}},
        None,
    ),
    (
        "Nested object wildcard index reset fails",
        ("root", "*", 0),
        {
            "root": {
                "passes": 1.0,
                "fails": [1.0],
            }
        },
        {
            "root": {
                "passes": 2.0,
                "fails": [],
            }
        },
        None,
    ),
    (
        "Nested array wildcard, new array is shorter fails",
        ("root", "array", "*"),
        {
            "root": {
                "array": [
                    1.0,
                ],
            }
        },
        {
            "root": {
                "array": [],
            }
        },
        None,
    ),
    (
        "Nested array wildcard index reset fails",
        ("root", "*", 0),
        {
            "root": [
                1.0,
                [1.0],
            ]
        },
        {
            "root": [
                2.0,
                [],
            ]
        },
        None,
    ),
    (
        "Nested array wildcard index, old array is longer fails",
        ("root", "*", 0),
        {
            "root": [
                1.0,
                2.0,
            ]
        },
        {
            "root": secret(
                [
                    3.0,
                ]
            )
        },
        None,
    ),
    (
        "Nested array wildcard index, new array is longer fails",
        ("root", "*", 0),
        {
            "root": [
                1.0,
            ]
        },
        {
            "root": secret(
                [
                    3.0,
                    4.0,
                ]
            )
        },
        None,
    ),
    (
        "Nested path, secret old",
        ("root", "secret"),
        {"root": secret({"secret": 1.0})},
        {"root": {"secret": 2.0}},
        {"root": {"secret": secret(1.0)}},
    ),
    (
        "Nested path, secret new",
        ("root", "secret"),
        {"root": {"secret": 1.0}},
        {"root": secret({"secret": 2.0})},
        {"root": secret({"secret": 1.0})},
    ),
    (
        "Nested path, secret both",
        ("root", "secret"),
        {"root": secret({"secret": 1.0})},
        {"root": secret({"secret": 2.0})},
        {"root": secret({"secret": 1.0})},
    ),
    (
        "Nested array, secret old",
        ("root", 0),
        {
            "root": secret(
                [
                    1.0,
                    2.0,
                ]
            )
        },
        {
            "root": [
                3.0,
                4.0,
            ]
        },
        {
            "root": [
                secret(1.0),
                4.0,
            ]
        },
    ),
    (
        "Nested array, secret new",
        ("root", 0),
        {
            "root": [
                1.0,
                2.0,
            ]
        },
        {
            "root": secret(
                [
                    3.0,
                    4.0,
                ]
            )
        },
        {
            "root": secret(
                [
                    1.0,
                    4.0,
                ]
            )
        },
    ),
    (
        "Nested array, secret both",
        ("root", 0),
        {
            "root": secret(
                [
                    1.0,
                    2.0,
                ]
            )
        },
        {
            "root": secret(
                [
                    3.0,
                    4.0,
                ]
            )
        },
        {
            "root": secret(
                [
                    1.0,
                    4.0,
                ]
            )
        },
    ),
]


@pytest.mark.parametrize(("name", "path", "old", "new", "expected"), RESET_CASES, ids=[c[0] for c in RESET_CASES])
def test_reset_behaves_as_the_engines(name: str, path: Any, old: Any, new: Any, expected: Any) -> None:
    before = copy.deepcopy(new)
    ok = reset(path, old, new)
    if expected is None:
        assert not ok
        assert new == before
    else:
        assert ok
        assert new == expected


def test_ignore_changes_resets_each_path_and_names_the_ones_it_could_not() -> None:
    old = {"tags": {"team": "a", "env": "dev"}, "subnets": ["s-1"], "size": 1}
    new = {"tags": {"team": "b", "env": "prod", "extra": "x"}, "subnets": ["s-1", "s-2"], "size": 2, "added": 1}
    ignored, invalid = ignore_changes(["tags.team", "tags.extra", "subnets[1]", "added", "bad["], old, new)
    assert ignored == {"tags": {"team": "a", "env": "prod"}, "subnets": ["s-1", "s-2"], "size": 2}
    # Removing an array element is not something a reset can do: the engine says so and keeps the new value.
    assert invalid == ["subnets[1]"]
    assert new["tags"]["team"] == "b"  # the inputs given are left as they were
