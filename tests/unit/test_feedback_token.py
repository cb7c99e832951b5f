"""The signed feedback link and the rules for what a rating may hold."""

from __future__ import annotations

import re

import pytest

from ordergraph.domain.errors import InvalidInput
from ordergraph.domain.feedback import (
    clean_comment,
    feedback_token,
    order_id_from_feedback_token,
    validate_rating,
)

KEY = "unit-test-secret"


def test_a_token_names_its_order_and_carries_a_22_character_url_safe_mac() -> None:
    token = feedback_token(KEY, 42)
    assert re.fullmatch(r"42\.[A-Za-z0-9_-]{22}", token)
    assert order_id_from_feedback_token(KEY, token) == 42


def test_the_same_order_and_key_always_give_the_same_token() -> None:
    assert feedback_token(KEY, 7) == feedback_token(KEY, 7)
    assert feedback_token(KEY, 7) != feedback_token("another key", 7)


def test_a_token_signed_with_another_key_is_refused() -> None:
    assert order_id_from_feedback_token(KEY, feedback_token("another key", 42)) is None


def test_changing_the_order_id_of_a_token_breaks_it() -> None:
    mac = feedback_token(KEY, 42).split(".")[1]
    assert order_id_from_feedback_token(KEY, f"43.{mac}") is None


@pytest.mark.parametrize(
    "token",
    ["", "42", "42.", ".abc", "x.abc", "042.abc", "-1.abc", "4 2.abc", "42.é", "9" * 80],
)
def test_malformed_tokens_are_refused(token: str) -> None:
    assert order_id_from_feedback_token(KEY, token) is None


def test_a_token_with_a_truncated_mac_is_refused() -> None:
    assert order_id_from_feedback_token(KEY, feedback_token(KEY, 42)[:-1]) is None


def test_order_ids_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        feedback_token(KEY, 0)


@pytest.mark.parametrize("rating", [1, 3, 5])
def test_ratings_from_one_to_five_stars_are_accepted(rating: int) -> None:
    assert validate_rating(rating) == rating


@pytest.mark.parametrize("rating", [0, 6, -1, 100])
def test_ratings_outside_one_to_five_are_refused(rating: int) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_rating(rating)
    assert caught.value.code == "INVALID_RATING"


def test_a_comment_keeps_its_line_breaks_and_loses_surrounding_space() -> None:
    assert clean_comment("  Quick!\r\nThanks\t ") == "Quick!\nThanks"


def test_an_empty_comment_is_no_comment() -> None:
    assert clean_comment("   ") is None
    assert clean_comment(None) is None


def test_a_comment_with_a_nul_byte_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_comment("fine\x00")
    assert caught.value.code == "INVALID_CHARACTERS"


def test_a_comment_may_be_2000_characters_but_not_more() -> None:
    assert clean_comment("a" * 2000) == "a" * 2000
    with pytest.raises(InvalidInput) as caught:
        clean_comment("a" * 2001)
    assert caught.value.code == "TOO_LONG"
