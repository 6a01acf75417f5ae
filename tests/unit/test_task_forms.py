"""Each kind of field a task page renders (build) and the JSON its inputs turn back into
(parse), without a database: the page and the server must agree on every value."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from service.domain.errors import FieldError
from service.forms import unrenderable
from service.web.task_forms import build, errors_by_path, parse, requested_rows
from tests.conftest import FORMS


def fields(schema, ui=None, values=None, errors=None, rows=None):
    return {f.name: f for f in build(schema, ui or {}, values or {}, errors, rows).fields}


def obj(**properties):
    return {"type": "object", "properties": properties}


def test_a_list_of_free_words_is_a_text_box_one_a_line():
    schema = obj(
        tags={"type": "array", "items": {"type": "string"}},
        counts={"type": "array", "items": {"type": "integer"}},
    )
    built = fields(schema, values={"tags": ["customers", "staff"]})
    assert built["tags"].widget == "lines"
    assert built["tags"].value == "customers\nstaff"
    sent = MultiDict({"tags": " customers \r\n\r\nchildren\n", "counts": "3\n4"})
    assert parse(schema, {}, sent) == {"tags": ["customers", "children"], "counts": [3, 4]}
    # Nothing typed: left out, so a required list says "required".
    assert parse(schema, {}, MultiDict({"tags": "\n  \n"})) == {}


def test_choices_come_from_enum_names_ui_enum_names_and_const_alternatives():
    schema = obj(
        old={"type": "string", "enum": ["a", "b"], "enumNames": ["Alpha", "Beta"]},
        new={"type": "string", "enum": ["a", "b"]},
        level={"type": "integer", "oneOf": [{"const": 1, "title": "Low"}, {"const": 2}]},
        kind={"anyOf": [{"enum": ["x"], "title": "Ex"}, {"const": "y", "title": "Why"}]},
        many={"type": "array", "items": {"enum": ["p", "q"]}, "uniqueItems": True},
    )
    ui = {"new": {"ui:enumNames": ["First", "Second"]}, "kind": {"ui:widget": "radio"}}
    built = fields(schema, ui, values={"level": 2, "many": ["q"]})
    assert built["old"].options == [("a", "Alpha"), ("b", "Beta")]
    assert built["new"].options == [("a", "First"), ("b", "Second")]
    assert (built["level"].widget, built["level"].options) == ("select", [("1", "Low"), ("2", "2")])
    assert built["level"].value == "2"
    assert (built["kind"].widget, built["kind"].options) == ("radio", [("x", "Ex"), ("y", "Why")])
    assert (built["many"].widget, built["many"].value) == ("checkboxes", ["q"])
    sent = MultiDict([("level", "1"), ("kind", "y"), ("many", "p"), ("many", "q")])
    assert parse(schema, ui, sent) == {"level": 1, "kind": "y", "many": ["p", "q"]}
    # What is not offered goes on as sent, for the schema to refuse.
    assert parse(schema, ui, MultiDict({"level": "7"})) == {"level": "7"}


def test_a_nested_object_is_a_fieldset_whose_bracketed_names_come_back_nested():
    schema = obj(
        contact={
            "type": "object",
            "title": "Contact",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "phone": {"type": "string"}},
        }
    )
    [group] = build(schema, {}, {"contact": {"name": "Dora"}}).fields
    assert (group.widget, group.label) == ("group", "Contact")
    assert [(c.name, c.id, c.required, c.value) for c in group.children] == [
        ("contact[name]", "contact.name", True, "Dora"),
        ("contact[phone]", "contact.phone", False, ""),
    ]
    sent = MultiDict({"contact[name]": "Dora", "contact[phone]": ""})
    assert parse(schema, {}, sent) == {"contact": {"name": "Dora"}}
    assert parse(schema, {}, MultiDict({"contact[name]": ""})) == {}  # an empty group: left out


ROWS = obj(
    people={
        "type": "array",
        "title": "People",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        },
    }
)


def test_rows_show_what_is_known_and_empty_rows_and_come_back_without_the_empty_ones():
    [people] = build(ROWS, {}, {"people": [{"name": "Ann", "age": 4}]}).fields
    assert people.widget == "rows" and people.addable
    assert [[c.name for c in row] for row in people.rows] == [
        ["people[0][name]", "people[0][age]"],
        ["people[1][name]", "people[1][age]"],  # one empty row to type into
    ]
    assert people.rows[0][1].value == 4
    sent = MultiDict(
        {
            "people[0][name]": "Ann", "people[0][age]": "4",
            "people[1][name]": "", "people[1][age]": "",
            "people[2][name]": "Bo", "people[2][age]": "",
        }
    )  # fmt: skip
    assert parse(ROWS, {}, sent) == {"people": [{"name": "Ann", "age": 4}, {"name": "Bo"}]}


def test_add_a_row_draws_the_form_again_with_one_more_row_keeping_what_was_typed():
    sent = MultiDict(
        {"people[0][name]": "Ann", "people[1][name]": "", "__rows:people": "2", "__add": "people"}
    )
    counts, adding = requested_rows(sent)
    assert (counts, adding) == ({"people": 3}, True)
    [people] = build(ROWS, {}, parse(ROWS, {}, sent), rows=counts).fields
    assert len(people.rows) == 3
    assert people.rows[0][0].value == "Ann"
    assert requested_rows(MultiDict({"__rows:people": "2"})) == ({"people": 2}, False)


def test_rows_follow_min_items_max_items_and_addable():
    limited = json.loads(json.dumps(ROWS))
    limited["properties"]["people"] |= {"minItems": 3, "maxItems": 3}
    [people] = build(limited, {}, {}).fields
    assert len(people.rows) == 3 and not people.addable
    ui = {"people": {"ui:options": {"addable": False}}}
    [fixed] = build(ROWS, ui, {"people": [{"name": "Ann"}]}).fields
    assert len(fixed.rows) == 1 and not fixed.addable
    more = {"people": {"ui:options": {"emptyRows": 2}}}
    assert len(build(ROWS, more, {}).fields[0].rows) == 2


def test_read_only_and_disabled_fields_are_shown_but_never_sent():
    schema = obj(
        a={"type": "string", "readOnly": True},
        b={"type": "string"},
        c={"type": "string"},
        d={"type": "string"},
    )
    ui = {"b": {"ui:readonly": True}, "c": {"ui:disabled": True}, "d": {"ui:widget": "hidden"}}
    built = fields(schema, ui, values={"a": "kept", "b": "kept"})
    assert (built["a"].readonly, built["a"].value) == (True, "kept")
    assert built["b"].readonly and built["c"].disabled and "d" not in built
    sent = MultiDict({"a": "changed", "b": "changed", "c": "changed", "d": "changed"})
    assert parse(schema, ui, sent) == {}


def test_ui_title_description_help_and_placeholder():
    schema = obj(code={"type": "string", "title": "Code", "description": "From the schema"})
    ui = {
        "code": {
            "ui:title": "Invoice code",
            "ui:description": "Upper left of the invoice",
            "ui:help": "Eight letters",
            "ui:placeholder": "ABCD1234",
            "ui:autofocus": True,
        }
    }
    built = fields(schema, ui)["code"]
    assert built.autofocus
    assert (built.label, built.description, built.help, built.placeholder) == (
        "Invoice code",
        "Upper left of the invoice",
        "Eight letters",
        "ABCD1234",
    )


@pytest.mark.parametrize(
    "spec, widget, typed, sent",
    [
        ({"format": "email"}, "email", "a@example.org", "a@example.org"),
        ({"format": "uri"}, "url", "https://example.org", "https://example.org"),
        ({"format": "date"}, "date", "2026-03-02", "2026-03-02"),
        ({"format": "date-time"}, "datetime", "2026-03-02T14:00", "2026-03-02T14:00:00+00:00"),
        ({"format": "date-time"}, "datetime", "tomorrow 3pm", "tomorrow 3pm"),
        ({"type": "number", "minimum": 0}, "number", "2.5", 2.5),
        ({"type": "boolean"}, "yesno", "false", False),
    ],
)
def test_inputs_follow_the_format_and_type(spec, widget, typed, sent):
    schema = obj(x={"type": "string"} | spec)
    assert fields(schema)["x"].widget == widget
    assert parse(schema, {}, MultiDict({"x": typed})) == {"x": sent}


@pytest.mark.parametrize(
    "ui, widget, typed, sent",
    [
        ({"ui:widget": "checkbox"}, "checkbox", "true", True),
        ({"ui:widget": "password"}, "password", "s3cret", "s3cret"),
        ({"ui:widget": "markdown"}, "textarea", "**done**", "**done**"),
        ({"ui:widget": "time"}, "time", "14:00", "14:00"),
        ({"ui:widget": "a-widget-nobody-knows"}, "text", "as typed", "as typed"),
    ],
)
def test_inputs_follow_the_ui_widget(ui, widget, typed, sent):
    schema = obj(x={"type": "boolean"} if widget == "checkbox" else {"type": "string"})
    assert fields(schema, {"x": ui})["x"].widget == widget
    assert parse(schema, {"x": ui}, MultiDict({"x": typed})) == {"x": sent}
    assert parse(schema, {"x": ui}, MultiDict()) == {}  # an unticked box is left out


def test_boolean_schemas_in_conditions_and_fields_are_no_trouble():
    schema = obj(a={"type": "string"}, b=True)
    schema["if"] = {"properties": {"a": {"const": "x"}}}
    schema["then"] = False
    schema["else"] = True
    assert list(fields(schema)) == ["a"]
    assert unrenderable(schema, {}) == []


def test_a_date_time_is_shown_in_utc_to_the_minute():
    schema = obj(at={"type": "string", "format": "date-time"})
    assert fields(schema, values={"at": "2026-03-02T15:30:00+01:00"})["at"].value == (
        "2026-03-02T14:30"
    )


def test_top_level_if_then_nested_all_of_and_else_say_when_a_field_is_needed():
    schema = json.loads((FORMS / "triage-schema.json").read_text())
    built = fields(schema)
    kind = "Incident or service request is Incident (something is broken)"
    assert built["urgency"].when == [f"Needed when {kind}"]
    assert not built["urgency"].required
    nested = obj(flag={"type": "boolean", "title": "Flag"}, why={"type": "string"})
    when_no = {"if": {"properties": {"flag": {"const": False}}}, "then": {"required": ["why"]}}
    unless_yes = {"if": {"properties": {"flag": {"const": True}}}, "else": {"required": ["why"]}}
    nested["allOf"] = [{"allOf": [when_no]}, unless_yes]
    assert fields(nested)["why"].when == ["Needed when Flag is No", "Needed unless Flag is Yes"]


def test_dependencies_say_when_a_field_is_needed_and_bring_in_their_fields():
    schema = obj(
        card={"type": "string", "title": "Card"},
        address={"type": "string"},
        pet={"type": "string", "title": "Pet", "enum": ["cat", "dog"]},
    )
    schema["dependencies"] = {
        "card": ["address"],
        "pet": {
            "oneOf": [
                {"properties": {"pet": {"enum": ["cat"]}}},
                {
                    "properties": {"pet": {"enum": ["dog"]}, "walks": {"type": "integer"}},
                    "required": ["walks"],
                },
            ]
        },
    }
    built = fields(schema)
    assert built["address"].when == ["Needed when Card is filled in"]
    assert built["walks"].when == ["Needed when Pet is Dog"]
    assert parse(schema, {}, MultiDict({"pet": "dog", "walks": "2"})) == {"pet": "dog", "walks": 2}


def test_messages_go_to_the_deepest_field_they_are_about_the_rest_to_the_top():
    schema = obj(
        tags={"type": "array", "items": {"type": "string"}},
        people=ROWS["properties"]["people"],
    )
    errors = errors_by_path(
        [
            FieldError("$.tags[1]", "too long"),
            FieldError("$.people[0].name", "this field is required"),
            FieldError("$.people", "too few rows"),
            FieldError("$.colour", "this field is not part of the form"),
            FieldError("$", "expected an object"),
        ]
    )
    form = build(schema, {}, {"people": [{"age": 3}]}, errors)
    tags, people = form.fields
    assert tags.errors == ["line 2: too long"]
    assert people.errors == ["too few rows"]
    assert people.rows[0][0].errors == ["this field is required"]
    assert form.general == ["this field is not part of the form", "expected an object"]


def test_every_shipped_form_renders_without_a_deployment_warning():
    for path in sorted(FORMS.glob("*-schema.json")):
        ui = json.loads(path.with_name(path.name.replace("-schema", "-uischema")).read_text())
        schema = json.loads(path.read_text())
        assert unrenderable(schema, ui) == [], path.name
        assert build(schema, ui, {}).fields, path.name


def test_what_the_page_cannot_render_is_found_by_keyword_and_pointer():
    schema = obj(
        tags={"type": "object", "patternProperties": {"^x": {"type": "string"}}},
        other={"$ref": "#/definitions/other"},
        pair={"type": "array", "items": [{"type": "string"}], "additionalItems": False},
        phone={"type": "string", "format": "phone"},
        either={"oneOf": [{"type": "string"}, {"type": "integer"}]},
    )
    found = {
        (f.keyword, f.pointer, f.in_ui)
        for f in unrenderable(schema, {"tags": {"ui:widget": "map"}})
    }
    assert found == {
        ("patternProperties", "/properties/tags/patternProperties", False),
        ("$ref", "/properties/other/$ref", False),
        ("additionalItems", "/properties/pair/additionalItems", False),
        ("items", "/properties/pair/items", False),
        ("format", "/properties/phone/format", False),
        ("oneOf", "/properties/either/oneOf", False),
        ("ui:widget", "/tags/ui:widget", True),
    }


ROUND_TRIP = obj(
    title={"type": "string"},
    count={"type": "integer", "minimum": 0},
    ok={"type": "boolean"},
    level={"type": "integer", "oneOf": [{"const": 1, "title": "Low"}, {"const": 2}]},
    kinds={"type": "array", "items": {"enum": ["a", "b", "c"]}},
    tags={"type": "array", "items": {"type": "string"}},
    contact={"type": "object", "properties": {"name": {"type": "string"}}},
    people=ROWS["properties"]["people"],
)
_word = st.text(alphabet="abc xyz-1", min_size=1, max_size=12).map(str.strip).filter(bool)


def _sent_by_a_browser(found, into):
    """What a browser sends for the fields as drawn (nothing typed, nothing changed)."""
    for f in found:
        if f.widget == "group":
            _sent_by_a_browser(f.children, into)
        elif f.widget == "rows":
            for row in f.rows:
                _sent_by_a_browser(row, into)
        elif f.widget == "checkboxes":
            into += [(f.name, value) for value in f.value]
        elif f.value != "":
            into.append((f.name, str(f.value)))
    return into


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "title": _word,
            "count": st.integers(min_value=0, max_value=10**6),
            "ok": st.booleans(),
            "level": st.sampled_from([1, 2]),
            "kinds": st.lists(st.sampled_from("abc"), min_size=1, unique=True),
            "tags": st.lists(_word, min_size=1, max_size=4),
            "contact": st.fixed_dictionaries({"name": _word}),
            "people": st.lists(
                st.fixed_dictionaries({"name": _word}, optional={"age": st.integers(0, 120)}),
                min_size=1,
                max_size=3,
            ),
        },
    )
)
def test_what_a_page_draws_comes_back_as_the_same_json(values):
    drawn = build(ROUND_TRIP, {}, values).fields
    assert parse(ROUND_TRIP, {}, MultiDict(_sent_by_a_browser(drawn, []))) == values
