"""Words that say nothing about what a question is about: function words, question words
and the chat around a question ("thanks", "please tell me", "newsbot"). One list, so the
extractive answerer's keyword overlap and the thread follow-up's carried-over terms agree
on what a content word is."""

from __future__ import annotations

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own please same she
    should so some such tell than that the their them then there these they this those through
    to too under until up very was we were what when where which while who whom whose why will
    with would yes you your yours still much many say said know newsbot ok okay thanks thank""".split()
)
