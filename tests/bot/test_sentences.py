"""The sentence splitter and citation-marker helpers (bot/sentences.py) on their own: the
citation checker, the extractive answerer and the streamed answer all cut text with them."""

from __future__ import annotations

import pytest

from bot.sentences import (
    attach_markers,
    before_final_stop,
    markers_in,
    numbers_in,
    split_sentences,
    strip_markers,
)


def test_quoted_sentences_stay_whole():
    # the closing quote after the stop belongs to the sentence it ends
    assert split_sentences('The league is known as the "PSL." It began in 2016.') == [
        'The league is known as the "PSL."', "It began in 2016."]
    # a stop inside a quotation that closes later does not end the sentence
    assert split_sentences('"We came. We saw," the coach said. Fans cheered.') == [
        '"We came. We saw," the coach said.', "Fans cheered."]
    assert split_sentences("She said “We won. It is over.” Fans cheered.") == [
        "She said “We won. It is over.”", "Fans cheered."]


def test_unclosed_quote_does_not_glue_the_paragraph():
    assert split_sentences('He wrote "Hello. Then nothing happened. The end.') == [
        'He wrote "Hello.', "Then nothing happened.", "The end."]


@pytest.mark.parametrize("text, expected", [
    ("Mr. Smith flew to the U.S. on Monday. It rained.", ["Mr. Smith flew to the U.S. on Monday.", "It rained."]),
    ("Sen. Warren spoke on Jan. 5. Gov. Hochul did not.", ["Sen. Warren spoke on Jan. 5.", "Gov. Hochul did not."]),
    ("The author J. K. Rowling replied. Fans cheered.", ["The author J. K. Rowling replied.", "Fans cheered."]),
    ("Prices rose 2.5 percent to $4.99 a gallon. Drivers paid 1,000 more.",
     ["Prices rose 2.5 percent to $4.99 a gallon.", "Drivers paid 1,000 more."]),
    ("Was it true? Yes! It was.", ["Was it true?", "Yes!", "It was."]),
])
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text, expected):
    assert split_sentences(text) == expected


def test_paragraphs_and_bullets_are_sentences_of_their_own():
    text = "Headline without a stop\n\nFirst point made here\n- a bullet\n* another one"
    assert split_sentences(text) == ["Headline without a stop", "First point made here", "- a bullet", "* another one"]


def test_a_marker_after_the_stop_stays_with_its_sentence():
    assert split_sentences("It cost $5 million. [1] Next year it rises. [2][3]") == [
        "It cost $5 million [1].", "Next year it rises [2][3]."]


def test_a_growing_text_splits_into_the_start_of_its_final_split():
    """What the streamed answer relies on: cut the text anywhere, and the sentences before
    the last one are the first sentences of the finished text, up to one that is inside an
    open quotation (it may close later) or is followed by markers (they move into it)."""
    text = ('Mr. Smith flew to the U.S. on Jan. 5 [1]. Prices rose 2.5 percent. [2] '
            'She said "We won. It is over." Fans cheered [1][2]. The end!')
    final = split_sentences(text)
    for cut in range(1, len(text)):
        partial = split_sentences(text[:cut])
        done = []
        for sentence, following in zip(partial, partial[1:]):
            if sentence.count('"') % 2 or following.startswith("["):
                break
            done.append(sentence)
        assert done == final[: len(done)], text[:cut]


def test_markers_in_order_of_appearance_without_repeats():
    assert markers_in("A [2] b [1, 2] c [3; 1].") == [2, 1, 3]
    assert markers_in("No markers, [x] or [1234].") == []


def test_strip_markers_removes_lists_with_their_commas():
    assert strip_markers("Prices rose [1], [2], and [3].") == "Prices rose."
    assert strip_markers("It rained [1][2] all day [3] .") == "It rained all day."


def test_numbers_are_normalised_for_support_checks():
    assert numbers_in("A $5.2 billion deal, 1,000 jobs and 7% growth in 2022.") == {"5.2", "1000", "7", "2022"}


def test_additions_go_before_the_final_stop():
    assert attach_markers("Prices rose.", [1, 2]) == "Prices rose [1][2]."
    assert attach_markers("Did they?  ", [3]) == "Did they [3]?"
    assert attach_markers("No stop", [1]) == "No stop [1]"
    assert before_final_stop("Gas cost $5.", "(as of June 12, 2022)") == "Gas cost $5 (as of June 12, 2022)."
