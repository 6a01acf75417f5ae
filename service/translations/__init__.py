"""The gettext catalogs of pages and mails (`<language>/LC_MESSAGES/messages.po`, with
the compiled `.mo` beside it), and loading one outside a request (for mails).

English is the source language: its catalog is empty on purpose and every text
falls back to itself. `tests/test_translations.py` checks that the Greek catalog
translates every text the templates and the code mark, and that each `.mo`
matches its `.po`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

FOLDER = Path(__file__).resolve().parent
DOMAIN = "messages"


@lru_cache(maxsize=8)
def catalog(language: str) -> NullTranslations:
    """The language's compiled catalog; texts it lacks stay in English."""
    return Translations.load(str(FOLDER), [language], DOMAIN)
