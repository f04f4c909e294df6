"""Rows of the hot reads: readable as a mapping and by attribute, like a SQLAlchemy Row."""

import pytest

from styrkedjan_common.fastread import Record, record_type


def test_a_typed_record_reads_its_columns_by_attribute_and_by_key():
    Row = record_type(["id", "text", "row_version"])
    row = Row(id="v1", text="Hallstahammar", row_version=3)
    assert (row.id, row.text, row.row_version) == ("v1", "Hallstahammar", 3)
    assert row["text"] == "Hallstahammar"
    assert dict(row) == {"id": "v1", "text": "Hallstahammar", "row_version": 3}
    assert isinstance(row, Record)


def test_an_unknown_attribute_is_an_attribute_error_as_on_any_object():
    row = record_type(["id"])(id="v1")
    with pytest.raises(AttributeError):
        row.missing  # noqa: B018
    assert getattr(row, "missing", None) is None


def test_a_column_named_like_a_dict_method_leaves_the_method_alone():
    row = record_type(["id", "items"])(id="v1", items=2)
    assert row["items"] == 2
    assert list(row.items()) == [("id", "v1"), ("items", 2)]


def test_a_typed_record_has_no_instance_dictionary():
    """Slots only: the row is the dict itself, nothing is stored twice."""
    row = record_type(["id"])(id="v1")
    with pytest.raises(AttributeError):
        row.id = "other"
    assert not hasattr(row, "__dict__")
