"""The property reader every policy goes through: unknowns never crash a policy and never read as a pass."""

from __future__ import annotations

import pytest
from guardrails.props import MISSING, NotKnownAtPreview, Props, Unknown, as_bool, as_number, finish_all
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from tests.policies.harness import UNKNOWN, UNKNOWN_ARRAY, UNKNOWN_BOOL


def proxied(properties: dict) -> Props:
    return Props(unknown_checking_proxy(properties))


def test_the_sdk_proxy_raises_even_for_get_and_in() -> None:
    # Why the reader exists: these innocent-looking reads blow up a policy at preview.
    props = unknown_checking_proxy({"a": UNKNOWN_BOOL})
    with pytest.raises(UnknownValueError):
        props.get("a")
    with pytest.raises(UnknownValueError):
        _ = "a" in props


def test_known_missing_null_and_unknown_values() -> None:
    props = proxied({"a": True, "b": None, "c": UNKNOWN_BOOL, "d": {"e": [1, UNKNOWN]}})
    assert props.get("a") is True
    assert props.get("b") is MISSING
    assert props.get("zzz") is MISSING
    assert props.get("c") == Unknown("c")
    assert props.get("d", "e", 0) == 1
    assert props.get("d", "e", 1) == Unknown("d.e[1]")
    assert props.get("d", "e", 5) is MISSING
    assert props.get("a", "deeper") is MISSING
    assert props.unknown == ["c", "d.e[1]"]


def test_reading_below_an_unknown_is_unknown() -> None:
    props = proxied({"limits": UNKNOWN})
    assert props.get("limits", "dataStorage", "maximum") == Unknown("limits")
    assert props.unknown == ["limits"]


def test_peek_does_not_note() -> None:
    props = proxied({"a": UNKNOWN})
    assert props.peek("a") == Unknown("a")
    assert props.unknown == []
    props.finish()  # nothing was needed


def test_whole_unknown_list_and_present() -> None:
    props = proxied({"ids": UNKNOWN_ARRAY, "empty": [], "name": "", "set": "x"})
    assert props.items("ids") == Unknown("ids")
    assert props.present("ids") is True
    assert props.present("empty") is False
    assert props.present("name") is False
    assert props.present("set") is True
    assert props.present("nothing") is False


def test_unknown_refuses_truthiness() -> None:
    # `if value:` on an unknown would silently pick a branch: a false pass or a false violation.
    with pytest.raises(TypeError):
        bool(Unknown("x"))


def test_finish_raises_an_unknown_value_error_naming_every_unknown() -> None:
    props = proxied({"a": UNKNOWN, "b": UNKNOWN})
    props.get("a")
    props.get("b")
    with pytest.raises(NotKnownAtPreview) as raised:
        props.finish()
    assert isinstance(raised.value, UnknownValueError)  # what routes it to the SDK's advisory handler
    assert raised.value.message == "`a`, `b` are not known until apply; checked again at `pulumi up`"


def test_finish_reports_what_could_not_be_checked_and_the_subject() -> None:
    first = Props({"a": UNKNOWN}, subject="cache-a")
    first.get("a")
    second = Props({}, subject="cache-b")
    second.cannot_check("its group is external")
    with pytest.raises(NotKnownAtPreview) as raised:
        finish_all([first, second])
    assert raised.value.message == (
        "cache-a: `a` is not known until apply; checked again at `pulumi up`; cache-b: its group is external"
    )
    finish_all([Props({})])  # nothing undecided: no exception


def test_coercions() -> None:
    assert as_bool("true") is True
    assert as_bool("false") is False
    assert as_bool(MISSING) is MISSING
    assert as_bool(0.0) is False
    assert as_number(7) == 7.0
    assert as_number("7") == 7.0
    assert as_number("seven") == "seven"
    assert as_number(True) is True
