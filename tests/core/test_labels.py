"""The labels of stored values: one table per domain, checked complete."""

from __future__ import annotations

import enum

import pytest

from consult.core.labels import labels_by_kind


class Colour(enum.StrEnum):
    RED = "red"
    GREEN = "green"


class Size(enum.StrEnum):
    SMALL = "small"
    RED = "red"  # the same word as Colour.RED


class Shape(enum.StrEnum):
    ROUND = "round"


def test_one_dict_per_enum_in_the_order_of_the_table():
    colours, shapes = labels_by_kind(
        (Colour, Shape), {Colour.GREEN: "g", Colour.RED: "r", Shape.ROUND: "o"}
    )
    assert list(colours.items()) == [(Colour.GREEN, "g"), (Colour.RED, "r")]
    assert shapes == {Shape.ROUND: "o"}


def test_a_value_without_its_label_is_refused():
    with pytest.raises(ValueError, match=r"Colour values without a label: \['GREEN'\]"):
        labels_by_kind((Colour,), {Colour.RED: "r"})


def test_two_enums_sharing_a_word_are_caught():
    # One key of the table: Size.RED's label lands on Colour.RED, and Size misses RED.
    with pytest.raises(ValueError, match="Size values without a label"):
        labels_by_kind(
            (Colour, Size), {Colour.RED: "r", Colour.GREEN: "g", Size.SMALL: "s", Size.RED: "x"}
        )


def test_each_dict_is_the_named_enums_whatever_the_tables_order():
    shapes, colours = labels_by_kind(
        (Shape, Colour), {Colour.GREEN: "g", Colour.RED: "r", Shape.ROUND: "o"}
    )
    assert shapes == {Shape.ROUND: "o"} and set(colours) == {Colour.GREEN, Colour.RED}


def test_a_member_of_an_enum_not_named_is_refused():
    with pytest.raises(ValueError, match="Shape is not one of the enums named"):
        labels_by_kind((Colour,), {Colour.GREEN: "g", Colour.RED: "r", Shape.ROUND: "o"})
