"""Answers typed or imported by people become one canonical string, or a message saying why not."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from functions import values
from functions.choices import AnswerType

NEXT_YEAR = datetime.date.today().year + 1
CRAWLS = ["none", "ad hoc", "yearly", "several per year", "continuous"]
MATERIAL = ["books", "serials", "newspapers", "maps", "e-books", "websites"]


def clean(answer_type: str, raw, options=()):
    return values.clean(answer_type, list(options), raw)


def refusal(answer_type: str, raw, options=()) -> str:
    with pytest.raises(ValidationError) as caught:
        clean(answer_type, raw, options)
    return " ".join(caught.value.messages)


# Accepted and canonicalised -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("nl", "nl"), ("NL", "nl"), ("  Shared ", "shared"), ("OTHER", "other"), ("None", "none")],
)
def test_who_performs_a_function_is_read_whatever_the_case(raw, stored):
    assert clean(AnswerType.PERFORMANCE, raw) == stored


@pytest.mark.parametrize(("raw", "stored"), [("yes", "yes"), ("YES", "yes"), (" No ", "no")])
def test_yes_and_no_are_read_whatever_the_case(raw, stored):
    assert clean(AnswerType.YESNO, raw) == stored


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("yearly", "yearly"), ("YEARLY", "yearly"), ("Ad Hoc", "ad hoc"), (" none ", "none")],
)
def test_a_choice_is_stored_with_the_frameworks_spelling_of_the_option(raw, stored):
    assert clean(AnswerType.CHOICE, raw, CRAWLS) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "websites;books",
        "Books ; WEBSITES",
        "websites; books; websites",
        ["WEBSITES", "books"],
        ("books", "websites"),
    ],
    ids=["reversed", "mixed case and spaces", "repeated", "list", "tuple"],
)
def test_several_choices_are_stored_in_framework_order_separated_by_semicolons(raw):
    assert clean(AnswerType.MULTI, raw, MATERIAL) == "books;websites"


@pytest.mark.parametrize("raw", ["none", " none ", ";", " ; "])
def test_a_multi_answer_that_chooses_nothing_is_stored_as_none(raw):
    assert clean(AnswerType.MULTI, raw, MATERIAL) == "none"


@pytest.mark.parametrize("raw", ["None", "NONE"])
def test_none_for_a_multi_answer_is_read_whatever_the_case(raw):
    assert clean(AnswerType.MULTI, raw, MATERIAL) == "none"


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        ("1,234", "1234"),
        ("1 234 567", "1234567"),
        ("1\u00a0234", "1234"),
        ("12.50", "12.5"),
        ("0", "0"),
        ("1e3", "1000"),
        (42, "42"),
        ("0.25", "0.25"),
    ],
)
def test_numbers_lose_their_thousands_separators_and_trailing_zeros(raw, stored):
    assert clean(AnswerType.NUMBER, raw) == stored


@pytest.mark.parametrize("raw", ["1400", "1998", str(NEXT_YEAR), 1998, " 2001 "])
def test_years_from_1400_to_next_year_are_accepted(raw):
    assert clean(AnswerType.YEAR, raw) == str(raw).strip()


def test_a_web_address_is_kept_as_typed():
    address = "https://www.bnf.fr/fr/rapport-activite-2020"
    assert clean(AnswerType.URL, f"  {address} ") == address


def test_text_of_exactly_2000_characters_is_kept_without_surrounding_spaces():
    text = "x" * values.MAX_TEXT
    assert clean(AnswerType.TEXT, f"  {text}\n") == text


@pytest.mark.parametrize("answer_type", AnswerType.values)
@pytest.mark.parametrize("raw", ["unknown", "Unknown", " UNKNOWN "])
def test_unknown_is_an_answer_of_every_type(answer_type, raw):
    options = MATERIAL if answer_type in (AnswerType.CHOICE, AnswerType.MULTI) else ()
    assert clean(answer_type, raw, options) == values.UNKNOWN


@pytest.mark.parametrize("answer_type", AnswerType.values)
@pytest.mark.parametrize("raw", [None, "", "   "])
def test_an_empty_field_means_not_answered_and_never_unknown_or_none(answer_type, raw):
    options = MATERIAL if answer_type in (AnswerType.CHOICE, AnswerType.MULTI) else ()
    assert clean(answer_type, raw, options) == ""


# Refused, with a message saying why -----------------------------------------------------------


def test_a_number_where_a_choice_is_expected_is_refused_and_the_options_are_listed():
    message = refusal(AnswerType.CHOICE, 3, CRAWLS)
    assert "“3” is not one of the options" in message
    assert "none, ad hoc, yearly, several per year, continuous" in message


def test_a_number_where_who_performs_is_expected_is_refused():
    message = refusal(AnswerType.PERFORMANCE, "2")
    assert "“2” is not one of the options" in message
    assert "nl, shared, other, none" in message


@pytest.mark.parametrize(
    ("answer_type", "raw", "options"),
    [
        (AnswerType.CHOICE, "monthly", CRAWLS),
        (AnswerType.YESNO, "maybe", ()),
        (AnswerType.PERFORMANCE, "the ministry", ()),
    ],
)
def test_an_option_that_does_not_exist_is_refused_and_named(answer_type, raw, options):
    message = refusal(answer_type, raw, options)
    assert f"“{raw}” is not one of the options" in message


def test_one_unknown_option_among_several_refuses_the_whole_multi_answer():
    message = refusal(AnswerType.MULTI, "books;stamps;websites", MATERIAL)
    assert "“stamps” is not one of the options" in message


def test_none_together_with_an_option_is_refused():
    message = refusal(AnswerType.MULTI, "books;none", MATERIAL)
    assert "“none” is not one of the options" in message


@pytest.mark.parametrize("raw", ["1399", "999", str(NEXT_YEAR + 1), "9999"])
def test_years_outside_1400_to_next_year_are_refused_with_the_range(raw):
    message = refusal(AnswerType.YEAR, raw)
    assert f"between 1400 and {NEXT_YEAR}" in message


@pytest.mark.parametrize("raw", ["nineteen", "1998.0", "-1998", "c. 1900", "1998-2001"])
def test_a_year_not_written_with_digits_is_refused(raw):
    assert "A year is written with digits" in refusal(AnswerType.YEAR, raw)


@pytest.mark.parametrize("raw", ["-1", "-0.5", "-1,000"])
def test_negative_counts_are_refused(raw):
    assert "cannot be negative" in refusal(AnswerType.NUMBER, raw)


@pytest.mark.parametrize("raw", ["many", "12 items", "1.2.3", "NaN", "Infinity", "€500"])
def test_something_that_is_not_a_number_is_refused_and_quoted(raw):
    assert f"“{raw}” is not a number" in refusal(AnswerType.NUMBER, raw)


@pytest.mark.parametrize(
    "raw",
    ["www.bnf.fr", "not a web address", "ftp://ftp.bnf.fr/report.pdf", "javascript:alert(1)"],
)
def test_a_bad_web_address_is_refused(raw):
    assert "Enter a web address" in refusal(AnswerType.URL, raw)


def test_text_over_2000_characters_is_refused_with_the_limit():
    assert "At most 2000 characters" in refusal(AnswerType.TEXT, "x" * 2001)


# Reading stored values back ------------------------------------------------------------------


def test_none_and_unknown_multi_answers_have_no_chosen_options_but_stay_different():
    assert values.parts("books;websites") == ["books", "websites"]
    assert values.parts("none") == []
    assert values.for_analysis(AnswerType.MULTI, "none") == frozenset()
    assert values.for_analysis(AnswerType.MULTI, values.UNKNOWN) is None
