"""The new part of a reply: quoted history, "On ... wrote:" headers and signatures cut.

mail-parser-reply does the cutting; it knows English and a dozen other
languages but not Greek, which the source desk writes, so the patterns of
Greek Gmail, Outlook and phone clients are registered with it here.
"""

from __future__ import annotations

import functools

from mailparser_reply import EmailMessage
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE

_GREEK = {
    # Gmail: "Στις Τρί 1 Δεκ 2026 στις 10:00 π.μ., ο/η Νίκος <n@example.gr> έγραψε:"
    "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r"Στις\s(?:.+?\s?.+?)\s?έγραψε:)$",
    # Outlook: "Από: ... / Στάλθηκε: ... / Προς: ... / Θέμα: ..."
    "from_header": r"((?:(?:^|\n|\n"
    + QUOTED_MATCH_INCLUDE
    + r")[* ]*(?:Από|Στάλθηκε|Εστάλη|Προς|Θέμα|Ημερομηνία|Κοιν\.):[ *]*(?:\s{,2}).*){2,}"
    r"(?:\n.*){,1})",
    "disclaimers": [r"Σημαντική (?:σημείωση|ειδοποίηση):", "Αποποίηση ευθύνης:"],
    "signatures": [
        "Με εκτίμηση",
        "Με φιλικούς χαιρετισμούς",
        "Με τιμή",
        "Φιλικά,",
        "Ευχαριστώ,",
        "Ευχαριστώ πολύ,",
    ],
    "sent_from": "Στάλθηκε από|Εστάλη από|Αποστολή από",
}
LANGUAGES = ["en", "el"]


@functools.cache
def _register_greek() -> None:
    # The library reads its languages from this table when a message is read.
    MAIL_LANGUAGES.setdefault("el", _GREEK)


def latest(text: str) -> str:
    """The reply without what it quotes; the whole text when nothing is left after cutting
    (a message that is all quote is kept rather than lost)."""
    if not text.strip():
        return ""
    _register_greek()
    # Lists a reporter writes ("- jams", "- prints blank pages") are not signatures.
    parts = (
        EmailMessage(text=text, languages=list(LANGUAGES), keep_hyphen_lists=True).read().replies
    )
    cut = parts[0].body if parts else ""
    return cut.strip() if cut.strip() else text.strip()
