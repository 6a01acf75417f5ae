"""Fills in a task page the way a person would, from nothing but the page: each field's
own inputs, options, limits and marks. A form the page cannot complete shows here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import lxml.html

TEXT = "Filled in from the page"


@dataclass
class Block:
    """One `div.field` of the page: its inputs, and whether it says it is needed."""

    label: str
    required: bool
    when: list[str]
    inputs: list = field(default_factory=list)
    inside: list[Block] = field(default_factory=list)  # the groups and lists around it


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _owner(element):
    for ancestor in element.iterancestors():
        if ancestor.tag == "div" and "field" in _classes(ancestor):
            return ancestor
    return None


def read_form(html: str):
    """(the form's hidden inputs, its field blocks in page order)."""
    page = lxml.html.fromstring(html)
    [form] = page.xpath("//form[@method='post' and .//button[normalize-space()='Complete']]")
    hidden = [
        (i.get("name"), i.get("value") or "")
        for i in form.xpath(".//input[@type='hidden']")
        if i.get("name")
    ]
    blocks: dict = {}
    for div in form.xpath(".//div[contains(concat(' ', @class, ' '), ' field ')]"):
        heading = div.xpath("./label | ./fieldset/legend")
        first = heading[0] if heading else None
        required = bool(first is not None and first.xpath("./span[@class='required']"))
        when = [p.text_content() for p in div.xpath("./div[@class='help']/p[@class='when']")]
        when += [
            p.text_content() for p in div.xpath("./fieldset/div[@class='help']/p[@class='when']")
        ]
        label = first.text_content().strip() if first is not None else ""
        outer = [blocks[a] for a in div.iterancestors() if a in blocks]
        blocks[div] = Block(label, required, when, inside=outer)
    for element in form.xpath(".//input | .//select | .//textarea"):
        if element.get("type") in ("hidden", "submit") or not element.get("name"):
            continue
        owner = _owner(element)
        assert owner is not None, f"an input outside any field: {element.get('name')}"
        blocks[owner].inputs.append(element)
    return hidden, [b for b in blocks.values() if b.inputs]


def fill(html: str, *, now: datetime, only_marked: bool = False, choose=None) -> list:
    """The form as a browser would send it. `only_marked`: only the fields marked required
    or "Needed when ..." (and those of marked groups), to prove the marks are enough.
    `choose`: {input name: value} picks among a field's own options (a route through the
    process) or gives a date-time with a meaning (a call in the future)."""
    choose = dict(choose or {})
    hidden, blocks = read_form(html)
    sent = list(hidden)
    for block in blocks:
        names = {element.get("name") for element in block.inputs}
        picked = {n: choose.pop(n) for n in list(choose) if n in names}
        marked = block.required or block.when
        if (
            only_marked
            and not picked
            and not (marked and all(o.required or o.when for o in block.inside))
        ):
            continue
        sent += _fill_block(block, now, picked)
    assert not choose, f"the page has no field for {sorted(choose)}"
    return sent


def _fill_block(block: Block, now: datetime, picked: dict) -> list:
    sent = []
    first = block.inputs[0]
    name = first.get("name")
    if first.get("disabled") is not None:
        return []
    kind = first.get("type") if first.tag == "input" else first.tag
    if kind in ("radio", "checkbox"):
        options = [e.get("value") for e in block.inputs]
        value = picked.get(name, options[0])
        assert value in options, f"{value!r} is not offered for {name}: {options}"
        return [(name, value)]
    if kind == "select":
        options = [o.get("value") for o in first.xpath("./option") if o.get("value")]
        assert options, f"{name} offers nothing to choose"
        value = picked.get(name, options[0])
        assert value in options, f"{value!r} is not offered for {name}: {options}"
        return [(name, value)]
    if first.get("readonly") is not None:
        return [(name, first.value or "")]
    if name in picked:
        return [(name, picked[name])]
    for element in block.inputs:
        sent.append((element.get("name"), _typed(element, now)))
    return sent


def _typed(element, now: datetime) -> str:
    kind = element.get("type") if element.tag == "input" else element.tag
    if kind == "number":
        low, high = element.get("min"), element.get("max")
        number = float(low) if low is not None else float(high) if high is not None else 1
        return str(int(number)) if element.get("step") in ("1", None) else str(number)
    if kind == "datetime-local":
        return now.strftime("%Y-%m-%dT%H:%M")
    if kind == "date":
        return now.date().isoformat()
    if kind == "time":
        return now.strftime("%H:%M")
    if kind == "email":
        return "someone@example.org"
    if kind == "url":
        return "https://example.org/page"
    text = TEXT
    minimum, maximum = element.get("minlength"), element.get("maxlength")
    if minimum is not None:
        text = text.ljust(int(minimum), "x")
    if maximum is not None:
        text = text[: int(maximum)]
    return text
