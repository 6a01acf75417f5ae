"""The catalogs are complete: every text the templates and the code mark has a Greek
translation, with the same placeholders, and each committed `.mo` is the compiled
form of its `.po` (so the wheel and `pip install -e .` ship what the `.po` says)."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from service.translations import FOLDER
from tests.conftest import ROOT

# As babel.cfg says (pybabel reads it; the test reads the same mapping).
METHODS = [
    ("service/**.py", "python"),
    ("service/web/templates/**.html", "jinja2"),
    ("service/notify/templates/**.j2", "jinja2"),
]
OPTIONS = {
    "service/notify/templates/**.j2": {
        "trim_blocks": "true",
        "lstrip_blocks": "true",
        "trimmed": "true",
    }
}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _marked() -> set:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    found.discard("")
    return found


def _catalog(language: str):
    with open(FOLDER / language / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=language)


def test_every_marked_text_has_a_greek_translation_with_its_placeholders():
    marked = _marked()
    assert len(marked) > 150  # the extraction itself works
    greek = _catalog("el")
    missing, wrong = [], []
    for text in sorted(marked, key=str):
        entry = greek.get(text if isinstance(text, str) else text[0])
        if (
            entry is None
            or entry.fuzzy
            or not all(entry.string if entry.pluralizable else [entry.string])
        ):
            missing.append(text)
            continue
        sources = [text] if isinstance(text, str) else list(text)
        translations = list(entry.string) if entry.pluralizable else [entry.string]
        wanted = {p for s in sources for p in _PLACEHOLDER.findall(s)}
        for translation in translations:
            if {p for p in _PLACEHOLDER.findall(translation)} != wanted:
                wrong.append((text, translation))
    assert not missing, f"not translated to Greek: {missing}"
    assert not wrong, f"placeholders differ: {wrong}"


def test_the_catalogs_hold_nothing_that_no_longer_exists():
    marked = {t if isinstance(t, str) else t[0] for t in _marked()}
    for language in ("el", "en"):
        kept = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog(language) if m.id}
        assert kept - marked == set(), language
        assert marked - kept == set(), language


@pytest.mark.parametrize("language", ["el", "en"])
def test_each_compiled_catalog_is_its_po_compiled(language):
    folder = FOLDER / language / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(language))
    with open(folder / "messages.mo", "rb") as committed:
        shipped = read_mo(committed)
    fresh = read_mo(io.BytesIO(compiled.getvalue()))
    assert _pairs(shipped) == _pairs(fresh), "run: pybabel compile -d service/translations"


def _pairs(catalog) -> dict:
    def frozen(value):
        return tuple(value) if isinstance(value, list | tuple) else value

    return {frozen(m.id): frozen(m.string) for m in catalog if m.id}
