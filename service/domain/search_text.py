"""Search text: the folded form both databases index, and queries parsed into safe terms.

Folding keeps every character's position (one character in, one out), so a match
found in the folded text marks the same span of the original: letters and digits
lose their accents and case (Greek "ΔΊΚΤΥΟ" and "δικτυο" fold alike, which neither
database's own tokenizer does), everything else becomes a space.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

# Beyond this a query says nothing more; it keeps hostile queries cheap.
MAX_TERMS = 16
_WORD = re.compile(r"[^\W_]+")
# A quoted phrase, or a run of anything but spaces and quotes.
_PIECE = re.compile(r'"([^"]*)"?|([^\s"]+)')
# What joins the words of one thing typed bare ("e-mail", "INC-000042", "v2.1", a
# mail address); every other character separates things.
_JOINED = re.compile(r"[^\w\-./@']+")


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if unicodedata.category(char)[0] not in "LN":
        return " "
    base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
    for candidate in (base.casefold(), base.lower(), char.lower()):
        if len(candidate) == 1:
            return candidate
    return char


def fold(text: str | None) -> str:
    """`text` (NFC) as it is indexed: same length, accent- and case-free words, spaces."""
    return "".join(_fold_char(c) for c in (text or ""))


def words(text: str | None) -> list[str]:
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Term:
    """A word, or a phrase of words in order; `negated` excludes what has it."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class SearchQuery:
    """Alternatives (OR) of groups of terms that must all hold (AND)."""

    groups: tuple[tuple[Term, ...], ...] = field(default_factory=tuple)

    def __bool__(self) -> bool:
        return bool(self.groups)


def parse(text: str | None) -> SearchQuery:
    """Words, "quoted phrases", -excluded words and OR, as people type them into a search
    box; every other character separates words, so no input is a syntax error.
    A group with nothing wanted in it (only exclusions) is dropped."""
    groups: list[list[Term]] = [[]]
    count = 0
    for match in _PIECE.finditer(text or ""):
        phrase, bare = match.group(1), match.group(2)
        if bare is not None and bare.lower() == "or":
            groups.append([])
            continue
        negated = bare is not None and bare.startswith("-")
        if phrase is not None or negated:
            found = words(phrase if phrase is not None else bare)
            terms = [Term(tuple(found), negated)] if found else []
        else:
            # Each joined thing is its words in order, like a phrase.
            terms = [Term(tuple(w)) for w in map(words, _JOINED.split(bare)) if w]
        for term in terms:
            if count < MAX_TERMS:
                groups[-1].append(term)
                count += 1
    kept = tuple(tuple(g) for g in groups if any(not t.negated for t in g))
    return SearchQuery(kept)


# The words of a text that are asked for when looking for things like it, at most.
MAX_TELLING_WORDS = 12
# Words too common to say two texts are alike.
_COMMON_WORDS = """the and for not with from this that have has are was were but can cannot
    since when what our your you they them its into onto out all any will would could
    should does did doesn don isn wasn after before again still just only also very"""
_COMMON = frozenset(_COMMON_WORDS.split())


def telling_words(text: str | None) -> list[str]:
    """The folded words of `text` that say what it is about, first ones first."""
    wanted = [w for w in dict.fromkeys(words(text)) if len(w) > 2 and w not in _COMMON]
    return wanted[:MAX_TELLING_WORDS]
