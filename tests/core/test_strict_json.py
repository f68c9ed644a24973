"""Strict JSON: the one parser for documents from outside (issue 10, items 10 and 14)."""

from __future__ import annotations

import contextlib
import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core.strict_json import DEFAULT_MAX_DEPTH, StrictJsonError, loads, nesting_depth


def test_an_ordinary_document_parses_as_json_does() -> None:
    text = '{"a": [1, 2.5, "x]}", {"b": null}], "c": true, "d": "\\"[["}'
    assert loads(text) == json.loads(text)
    assert loads(text.encode()) == json.loads(text)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_constants_are_refused_as_not_finite(constant: str) -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads(f'{{"exp": {constant}}}')
    assert caught.value.reason == "not_finite"


def test_a_number_that_overflows_to_infinity_is_refused_as_not_finite() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads('{"exp": 1e999}')
    assert caught.value.reason == "not_finite"


def test_a_document_deeper_than_the_limit_is_refused_before_parsing() -> None:
    deep = "[" * 100_000 + "]" * 100_000  # json.loads raises RecursionError on this
    with pytest.raises(StrictJsonError) as caught:
        loads(deep)
    assert caught.value.reason == "too_deep"
    assert str(caught.value) == "the document nests 100000 levels, more than the 32 allowed"


def test_depth_exactly_at_the_limit_parses_and_one_more_is_refused() -> None:
    at_limit = "[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH
    assert nesting_depth(at_limit) == DEFAULT_MAX_DEPTH
    loads(at_limit)
    with pytest.raises(StrictJsonError) as caught:
        loads('{"a":' + "[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH + "}")
    assert caught.value.reason == "too_deep"


def test_brackets_inside_strings_do_not_count_towards_depth() -> None:
    text = '{"s": "' + "[{" * 500 + '\\"' + "[" * 500 + '"}'
    assert nesting_depth(text) == 1
    assert loads(text) == {"s": "[{" * 500 + '"' + "[" * 500}


def test_an_unterminated_deep_string_is_refused_as_too_deep_or_malformed_never_recursion() -> None:
    text = '"' + "[" * 5000
    with pytest.raises(StrictJsonError) as caught:
        loads(text)
    assert caught.value.reason == "too_deep"


def test_a_repeated_key_is_refused_as_duplicate_key() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads('{"aud": "kiosk-a", "aud": "kiosk-b"}')
    assert caught.value.reason == "duplicate_key"


def test_bytes_that_are_not_utf8_are_refused_as_not_utf8() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads(b'{"a": "\xff"}')
    assert caught.value.reason == "not_utf8"


def test_an_integer_longer_than_pythons_digit_limit_is_refused_as_out_of_range() -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads("1" * 5000)
    assert caught.value.reason == "out_of_range"


@pytest.mark.parametrize("text", ["", "{", "[1,]", "{'a': 1}", "1 2", "\ufeff{}"])
def test_malformed_text_is_refused_as_malformed(text: str) -> None:
    with pytest.raises(StrictJsonError) as caught:
        loads(text)
    assert caught.value.reason == "malformed"


@given(
    st.text(max_size=300) | st.text(alphabet='[]{}",:0123456789.eE-+ntrufalsNIy\\ ', max_size=300)
)
def test_any_text_either_parses_or_raises_strict_json_error_only(text: str) -> None:
    with contextlib.suppress(StrictJsonError):
        loads(text)


@given(
    st.recursive(
        st.none() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_depth_scan_agrees_with_a_recursive_count_on_any_document(value: object) -> None:
    def depth(v: object) -> int:
        if isinstance(v, list):
            return 1 + max((depth(x) for x in v), default=0)
        if isinstance(v, dict):
            return 1 + max((depth(x) for x in v.values()), default=0)
        return 0

    assert nesting_depth(json.dumps(value)) == depth(value)


def test_a_large_flat_document_is_scanned_without_recursion() -> None:
    text = json.dumps([[i] for i in range(50_000)])
    assert sys.getrecursionlimit() < 50_000
    assert len(loads(text)) == 50_000


@pytest.mark.parametrize("number", ["100000000000000000000", "-9223372036854775809", "1" * 401])
def test_a_whole_number_beyond_64_bits_is_refused_as_out_of_range(number: str) -> None:
    with pytest.raises(StrictJsonError) as error:
        loads(f'{{"exp": {number}}}')
    assert error.value.reason == "out_of_range"


def test_the_64_bit_limits_themselves_parse() -> None:
    assert loads("[9223372036854775807, -9223372036854775808]") == [2**63 - 1, -(2**63)]
