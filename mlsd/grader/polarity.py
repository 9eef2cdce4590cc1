"""Polarity: does the answer assert a matched idea, deny it, or wave it away?

Three readings matter to an interviewer:

- a red flag's words in a clause that rejects them ("we won't use a random
  split", "a random split would leak the future") are not the wrong claim;
- a concept denied or dismissed ("there is no leakage", "calibration doesn't
  matter", "we don't need a baseline") is not a hit, and costs points;
- contrast is not denial: "calibrated probabilities, not just a good ranking"
  and "a good ranking alone is not enough" both say the first thing matters.
"""

from __future__ import annotations

from mlsd.grader import text as textmod

Span = tuple[int, int]

# Words that criticise what they describe: "a random split would leak the
# future" mentions the wrong practice to reject it, not to claim it.
CRITICAL_STEMS = frozenset(
    "leak inflat overestim optimist mislead wrong flaw pitfal danger hurt harm broken trap naiv fool".split()
)
CLAUSE_BREAK_WORDS = frozenset({"but", "because", "since", "whereas", "while", "although", "though", "however", "so"})
_CLAUSE_PUNCT = ",;()|"
# "not just X", "not only X", "rather than only X": the negation contrasts, it does not deny
_CONTRAST_AFTER_NEGATION = frozenset({"just", "only", "merely", "simply", "solely", "purely"})

# A concept is waved away by a negation plus a word of value in its clause
# ("latency isn't a concern", "we don't need calibration") or one dismissive word.
DISMISS_WORDS = frozenset("irrelevant unnecessary overkill pointless ignore ignored ignoring unrelated".split())
VALUE_STEMS = frozenset(
    "need matter concern necessari import requir relev worth use help care bother".split()
)
# "drift is not an issue", "leakage is no problem": denial, then one of these
_NON_ISSUES = frozenset("issu problem risk concern worri".split())
DENIAL_CUES = frozenset("not no never none n't isn't aren't doesn't don't won't needn't nothing".split())


def _is_denial(token: textmod.Token) -> bool:
    return token.raw in DENIAL_CUES or token.raw.endswith("n't")


def clause_bounds(answer: str, sentence: textmod.Sentence, span: Span, *, words: bool = True,
                  punctuation: bool = True) -> Span:
    """Token range of the clause around `span`: up to punctuation (when
    `punctuation`) and up to a clause-break word such as "but" (when `words`)."""
    toks = sentence.tokens

    def breaks(left: int, right: int) -> bool:
        between = answer[toks[left].end : toks[right].start]
        return punctuation and any(ch in between for ch in _CLAUSE_PUNCT)

    begin = span[0]
    while begin > 0 and not breaks(begin - 1, begin) and not (words and toks[begin - 1].raw in CLAUSE_BREAK_WORDS):
        begin -= 1
    finish = span[1]
    while finish < len(toks) - 1 and not breaks(finish, finish + 1) and not (
        words and toks[finish + 1].raw in CLAUSE_BREAK_WORDS
    ):
        finish += 1
    return begin, finish


def _contrastive(toks: tuple[textmod.Token, ...], i: int) -> bool:
    """'not' in "not just", "not only": a contrast, not a denial."""
    return i + 1 < len(toks) and toks[i + 1].raw in _CONTRAST_AFTER_NEGATION


def is_negated(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """True when a negation or a word of criticism governs the matched span's clause
    (used for red flags: a rejected wrong practice is not a wrong claim)."""
    toks = sentence.tokens
    begin, finish = clause_bounds(answer, sentence, span)
    # no contrast exception here: "not just Y" still keeps Y from being claimed
    return any(textmod.is_negation(toks[i].raw) or toks[i].term in CRITICAL_STEMS for i in range(begin, finish + 1))


def is_dismissed(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """True when the clause denies or waves away the matched concept.

    The scope runs to clause-break words but across commas, so a list keeps the
    polarity of its head: "no need to track revenue, CPC or latency".
    """
    toks = sentence.tokens
    begin, finish = clause_bounds(answer, sentence, span, punctuation=False)
    scope = range(begin, finish + 1)
    if any(toks[i].raw in DISMISS_WORDS for i in scope):
        return True
    # "instead of a retrieval stage", "rather than a baseline": the concept is what was replaced
    before = [t.raw for t in toks[max(0, span[0] - 3) : span[0]]]
    if any(a == "instead" and b == "of" or a == "rather" and b == "than" for a, b in zip(before, before[1:])):
        return True
    denials = [i for i in scope if _is_denial(toks[i]) and not _contrastive(toks, i)]
    if not denials:
        return False
    if any(toks[i].term in VALUE_STEMS for i in scope):
        return True
    if any(t.term in _NON_ISSUES for i in denials for t in toks[i + 1 : i + 3]):
        return True
    # "there is no leakage", "no drift here": a bare denial of the thing itself
    first = denials[0]
    existential = first >= 1 and toks[first - 1].raw in {"is", "are", "there's", "theres", "be"}
    return existential and first < span[0]
