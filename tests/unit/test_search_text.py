"""Folding, query parsing and snippets: no input is a syntax error, and marks land on the
words people typed, whatever their case and accents."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.domain.search_text import fold, parse, words
from service.services.search.hits import fts5, websearch
from service.services.search.snippets import START, STOP, marked_spans, snippet

# Text as people and attackers type it: letters, Greek, digits and the characters
# both FTS syntaxes give meaning to.
HOSTILE = st.text(
    alphabet=st.sampled_from(list("abcΔίκτυοΣς09 \"*-+:()^~{}[],.;'\\/NEARORNOTAND\t\n\x00é")),
    max_size=80,
) | st.text(max_size=80)


def test_greek_folds_without_case_or_accents():
    assert words("ΔΊΚΤΥΟ") == words("δίκτυο") == words("Δικτυο") == ["δικτυο"]
    assert words("ΚΑΘΥΣΤΕΡΗΣΗ ΔΙΚΤΥΟΥ") == words("καθυστέρηση δικτύου")
    # The final sigma is a sigma.
    assert words("ΔΙΑΚΟΜΙΣΤΗΣ") == words("διακομιστής")


@given(st.text(max_size=200))
def test_folding_keeps_every_position(text):
    assert len(fold(text)) == len(text)


def test_a_query_reads_words_phrases_exclusions_and_or():
    query = parse('mail "Outlook client" -printer OR ΔΙΚΤΥΟ')
    assert fts5(query) == '("mail" AND "outlook client" NOT "printer") OR ("δικτυο")'
    assert websearch(query) == '"mail" "outlook client" -"printer" or "δικτυο"'


def test_syntax_characters_only_separate_words():
    assert (
        fts5(parse('NEAR(mail* gateway) title:"x'))
        == '("near" AND "mail" AND "gateway" AND "title" AND "x")'
    )
    assert fts5(parse("INC-000042")) == '("inc 000042")'
    assert not parse('*** -- "" () :')
    assert not parse("-printer")


@given(HOSTILE)
def test_any_text_makes_a_query_of_quoted_words(text):
    query = parse(text)
    for rendered in (fts5(query), websearch(query)):
        # Quotes come in pairs around folded words: nothing of the input is syntax.
        assert rendered.count('"') % 2 == 0
        inside = rendered.split('"')[1::2]
        assert all(part == fold(part) and part.strip() for part in inside)


def test_snippets_mark_the_original_text_and_escape_the_rest():
    original = "Το <b>ΔΙΚΤΥΟ</b> & mail"
    folded = fold(original)
    at = folded.index("δικτυο")
    highlighted = folded[:at] + START + folded[at : at + 6] + STOP + folded[at + 6 :]
    made = snippet("title", original, marked_spans(highlighted, folded))
    assert made.matched == ["ΔΙΚΤΥΟ"]
    assert made.html == "Το &lt;b&gt;<mark>ΔΙΚΤΥΟ</mark>&lt;/b&gt; &amp; mail"
    assert made.text == original


def test_a_long_field_is_cut_around_its_first_match():
    original = "word " * 100 + "gateway " + "tail " * 100
    start = original.index("gateway")
    made = snippet("comments", original, [(start, start + 7)])
    assert made.matched == ["gateway"]
    assert made.text.startswith("…") and made.text.endswith("…")
    assert len(made.text) < 300


def test_highlights_that_do_not_fit_the_text_mark_nothing():
    assert marked_spans(f"{START}other{STOP}", "mail") == []
