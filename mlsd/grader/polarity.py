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

import re

from mlsd.grader import text as textmod

Span = tuple[int, int]

# Words that criticise what they describe: "a random split would leak the
# future" mentions the wrong practice to reject it, not to claim it.
CRITICAL_STEMS = frozenset(
    "leak inflat overestim optimist mislead wrong flaw pitfal danger hurt harm broken trap naiv fool".split()
)
_DETECT_STEMS = frozenset(textmod.stem(w) for w in "catch detect find spot flag surface notice".split())
# where a claim's clause ends (text.py holds them: the concept model cuts long sentences the same way)
CLAUSE_BREAK_WORDS, _CLAUSE_PUNCT = textmod.CLAUSE_BREAK_WORDS, textmod.CLAUSE_PUNCT
_FRAGMENT_BREAKS = ":;|>"  # what ends a fragment even where a list may run on over commas
# "not just X", "not only X", "rather than only X": the negation contrasts, it does not deny;
# "not every payment needs the big model", "not all features need it": some do (a cascade, a choice)
_CONTRAST_AFTER_NEGATION = frozenset({"just", "only", "merely", "simply", "solely", "purely", "every", "all", "each"})

# A concept is waved away by a negation plus a word of value in its clause
# ("latency isn't a concern", "we don't need calibration") or one dismissive word.
_SUBJECTS = frozenset("i we you they he she it just simply mostly largely safely".split())
DISMISS_WORDS = frozenset("irrelevant unnecessary overkill pointless ignore ignored ignoring unrelated skip skipping negligible".split())
# what leaving out is the cleaning itself ("ignore clicks from bots")
_UNWANTED_STEMS = frozenset(textmod.stem(w) for w in "bot bots spam crawler crawlers junk duplicate duplicates".split())
# an "ignore" whose object points back to what came before ("position? ignore it")
_POINTS_BACK = frozenset("it them this that these those".split())
# "skip-above" clicks and a "skip rate" are things, not decisions to leave something out
_SKIP_AS_NOUN = frozenset("above below rate rates ahead next".split())
# "averages out", "evens out", "washes out"; "little effect", "barely matters", "hardly changes"
_NO_EFFECT_VERBS = frozenset("averages average evens even washes wash".split())
_SCARCELY = frozenset("little barely hardly scarcely minimal tiny".split())
_EFFECT_WORDS = ("effect", "impact", "differen", "matter", "change", "affect", "influence", "move")
_CONDITIONS = frozenset("when if whenever unless during under once".split())
_VARIES_WITH = frozenset("with across by between over".split())
# "skip the last few months", "skip the most recent week": choosing which data to use, not leaving an idea out
_SKIP_SELECTS = frozenset("last latest recent newest most first final oldest earliest".split())
# "users learn to ignore ads", "shoppers ignore the second page": what people do, not a decision of ours
_BEHAVIOUR_SUBJECTS = frozenset("""users user people customers customer shoppers viewers members buyers sellers riders
    drivers couriers dashers fraudsters advertisers recipients readers visitors players patients""".split())
_HABIT_STEMS = frozenset(textmod.stem(w) for w in "learn tend start begin".split())
# "make sure there is no leakage", "ensure no future data": a goal stated without a way to reach it
_GOAL_WORDS = frozenset("sure ensure ensuring ensures guarantee verify confirm".split())
VALUE_STEMS = frozenset(
    "need matter concern necessari import requir relev worth help care bother point".split()
)
# Concept phrasings sometimes name the mistake the concept avoids ("random split",
# "future data"): refusing those is the concept, not a dismissal of it.
BAD_PRACTICE_STEMS = frozenset("leak random futur bias stale overfit skew duplic shuffl contamin".split())
_HARM_STEMS = frozenset(textmod.stem(w) for w in "downtime outage interruption delay lag error errors loss noise".split())
_ARTICLES = frozenset("a an the any".split())
_JUDGED_STEMS = frozenset(textmod.stem(w) for w in "risky risk mistake bad blind reckless gamble".split())

# Verbs of doing: "we won't use X", "I would not pin down X", "don't track X" refuse X;
# "does not guarantee X" or "is not X" do not.
ACTION_STEMS = frozenset(
    """use add build track monitor pin ask consid includ run do bother implement check measur log keep handl comput
    train deploy spend look collect account plan""".split()
)

# verdicts that wave something away, said after it in a note
_NO_VERDICTS = (r"not needed|not worth it|not required|not a concern|not an issue|not important|not a problem|"
                r"doesn't matter|doesnt matter|irrelevant|unnecessary|overkill|n/a")
_ANSWERED_NO = re.compile(r"\s*(?:-+>?\s*|\u2192\s*)?(?:no|nope|nah|" + _NO_VERDICTS + r"|skip|skip it)\b",
                          re.IGNORECASE)
# notes give a verdict after an arrow or a colon: "position bias -> not an issue at our scale",
# "calibration: not needed", "seasonality -> averages out" (a bare "no" only when nothing follows
# it: "label: no click within 30 min" describes a label)
_VERDICT_AFTER = re.compile(r"\s*(?:-+>|\u2192|=>|:)\s*(?:(?:no|nope|nah)(?=\s*(?:$|[,.;!)]|-+>))|" + _NO_VERDICTS
                            + r"|no issue|no problem|no concern|averages out|washes out|evens out|cancels out|"
                            r"skip it|skipped|ignore it|ignored)\b", re.IGNORECASE)
_FILLER_BEFORE_DENIED = frozenset("really a an any much actually truly meaningful real".split())
_HANDLED = frozenset("handled solved fixed covered managed addressed".split())
_BY_ITSELF = frozenset("automatically itself tooling platform magically".split())

# "drift is not an issue", "leakage is no problem": denial, then one of these
_NON_ISSUES = frozenset("issu problem risk concern worri deal".split())  # "not a big deal"
_DOWNGRADES = frozenset("less littl minor".split())  # stems: "less of a concern", "little concern", "a minor issue"
DENIAL_CUES = frozenset(
    """not no never none n't isn't aren't doesn't don't won't needn't nothing
    isnt arent doesnt dont wont neednt cant shouldnt wouldnt didnt""".split()
)


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


# "randomise per request, not per user", "split randomly, not by time": a "not" right after the
# claim that opens an alternative rejects the alternative and so asserts the claim
_ALTERNATIVE_OPENERS = frozenset("per by on over across at in for from with the a an".split())


def _contrast_after(answer: str, toks: tuple[textmod.Token, ...], span: Span, i: int) -> bool:
    return (i == span[1] + 1 and toks[i].raw == "not" and i + 1 < len(toks)
            and toks[i + 1].raw in _ALTERNATIVE_OPENERS
            and not any(ch in answer[toks[span[1]].end : toks[i].start] for ch in ".;:"))


# A wrong practice put up to be knocked down: "one might think clicks take days, but ...",
# "someone might propose one big model over the corpus, but ...", "it is tempting to say only the
# order matters, but ...", "lowering the threshold for big payments sounds right, but ...". The
# frame alone is not enough ("many teams assume logs are unbiased" may be the speaker's view too):
# a rebuttal must follow.
_STRAWMAN_BEFORE = re.compile(
    r"\b(?:(?:one|someone|somebody|people|some|many|others|a candidate|candidates|teams?|you)\s+"
    r"(?:might|may|would|could|often|sometimes|usually|will)?\s*"
    r"(?:think|say|propose|suggest|argue|assume|believe|claim|expect|want|be tempted)\b"
    r"|\b(?:it is|it's|its)\s+tempting\b|\btempting to\b|\bthe (?:naive|obvious|easy|simple) "
    r"(?:approach|idea|answer|view|way|choice|option|thing)\b|\bnaively\b"
    r"|\ba (?:common|classic|frequent|typical) (?:mistake|trap|pitfall|error)\b)", re.IGNORECASE)
_STRAWMAN_AFTER = re.compile(
    r"^[^.;:]*?\b(?:sounds?|seems?|looks?|feels?)\s+(?:\w+\s+)?(?:right|reasonable|good|fine|natural|appealing|"
    r"obvious|safe|simple|attractive|sensible|logical|great|promising|useful|tempting|convenient|easy|cheap)\b",
    re.IGNORECASE)
_REBUTTAL = re.compile(r"\b(?:but|however|yet|though|although|except)\b", re.IGNORECASE)


def is_strawman(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """The matched practice is named by someone else or as a tempting first idea, then rebutted."""
    toks = sentence.tokens
    before = answer[sentence.start : toks[span[0]].start]
    after = answer[toks[span[1]].end : sentence.start + len(sentence.text)]
    frame = _STRAWMAN_BEFORE.search(before)
    if frame:
        return bool(_REBUTTAL.search(after) or _REBUTTAL.search(before[frame.end():]))
    appraisal = _STRAWMAN_AFTER.search(after)
    return bool(appraisal and _REBUTTAL.search(after[appraisal.end():]))


# "Caching full pages for hours would show old prices", "A random split would overstate gains": a
# practice made the subject of a harm it would do is weighed and rejected, not proposed. Only verbs
# that name a harm count ("would give us", "would show" could praise it), and not where the speaker
# is the subject ("we would lose a day" may be the plan's accepted cost).
_HARM_VERBS = ("overstate understate inflate deflate exaggerate leak hide mask mislead miss bias skew break blow "
               "confound contaminate poison overfit remove delete erase lose hurt waste penalise penalize starve "
               "drown destroy wreck undercount overcount double").split()
_HARM_AFTER = re.compile(r"^[^,;:]{0,40}?\b(?:would|could)\s+(?:\w+\s+){0,2}?(?:" + "|".join(_HARM_VERBS) + r")\w*\b",
                         re.IGNORECASE)
_SPEAKER = re.compile(r"\b(?:i|we|you|they|i'd|we'd|you'd)\b", re.IGNORECASE)


def is_hypothetical_harm(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """The matched practice is the subject of a harm it would do ("X would overstate recall")."""
    toks = sentence.tokens
    if _SPEAKER.search(answer[sentence.start : toks[span[0]].start]):
        return False
    return bool(_HARM_AFTER.search(answer[toks[span[1]].end : sentence.start + len(sentence.text)]))


# "If we dropped cancelled orders, the P90 would come out short": a practice supposed in an if-clause
# whose main clause says what would follow (or a harm) is weighed, not proposed. Not when the main clause is the
# speaker's own plan ("if the score is above 0.5, we'd decline"), nor when the match runs into it.
_OPEN_IF = re.compile(r"\b(?:if|suppose|imagine)\b[^,;:]*$", re.IGNORECASE)
_MAIN_CLAUSE = re.compile(r"^[^,;:.]*[,;]\s*(?:then\s+)?(?P<main>[^;.]*)", re.IGNORECASE)
_CONSEQUENCE = re.compile(r"(?<!\bi )(?<!\bwe )(?<!\byou )\b(?:would|wouldn't|could|couldn't|might)\b"
                          r"|\b(?!(?:i|we|you)'d)\w+'d\b", re.IGNORECASE)


def is_counterfactual(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """The matched practice is supposed in an if-clause and its consequence follows ("if X, Y would ...")."""
    toks = sentence.tokens
    if not _OPEN_IF.search(answer[sentence.start : toks[span[0]].start]):
        return False
    main = _MAIN_CLAUSE.search(answer[toks[span[1]].end : sentence.start + len(sentence.text)])
    return bool(main and (_CONSEQUENCE.search(main.group("main")) or _says_harm(main.group("main"))))


# a harm said in the present ("if we rebuild nightly, new listings are invisible all day"); not one
# denied ("if the shift is uniform, it doesn't hurt"), which is the claim that nothing goes wrong
_HARMS = re.compile(r"\b(?:" + "|".join(_HARM_VERBS + "wrong worse stale garbage useless misleading broken fail fails "
                                         "lie lies invisible oversell undersell inflated".split()) + r")\w*\b",
                    re.IGNORECASE)


def _says_harm(clause: str) -> bool:
    return any(not any(textmod.is_negation(w.lower()) or w.lower().endswith(("n't", "nt"))
                       for w in clause[: found.start()].split()[-3:])
               for found in _HARMS.finditer(clause))


def is_negated(answer: str, sentence: textmod.Sentence, span: Span, claimed: frozenset[str] = frozenset()) -> bool:
    """True when a negation or a word of criticism governs the matched span's clause
    (used for red flags: a rejected wrong practice is not a wrong claim). `claimed`: the
    phrasing's terms; a negation inside the span that the phrasing itself says ("no
    chargeback after 14 days means legitimate") is part of the claim, not a rejection of it."""
    toks = sentence.tokens
    begin, finish = clause_bounds(answer, sentence, span)
    # no contrast exception here: "not just Y" still keeps Y from being claimed;
    # but "X instead of Y" / "X rather than Y" reject only what follows them
    def rejects(i: int) -> bool:
        if span[0] <= i <= span[1] and toks[i].term in claimed:
            return False
        if toks[i].raw in ("instead", "rather"):
            return i < span[0]
        if _contrast_after(answer, toks, span, i):
            return False
        if toks[i].raw == "not" and i > 0 and toks[i - 1].raw == "or":  # "whether it was fraud or not" asks both ways
            return False
        if toks[i].raw == "than":  # "recall (more important than accuracy)" ranks it below
            return i < span[0] and i > 0 and toks[i - 1].raw in ("important", "useful", "better", "informative")
        if toks[i].term in CRITICAL_STEMS and any(toks[j].term in _DETECT_STEMS for j in range(max(0, i - 2), i)):
            return False  # "reports to catch privacy leaks": the leak is what is looked for, not a verdict
        if toks[i].term == "hurt" and i + 1 < len(toks) and toks[i + 1].raw in ("equally", "alike", "same", "both"):
            return False  # "late and early hurt equally" weighs two errors, it criticises neither
        if toks[i].raw == "harmful" and i + 1 < len(toks) and toks[i + 1].raw not in textmod.STOPWORDS \
                and not _punctuation_between(answer, toks, i, i + 1):
            return False  # "harmful posts" names the content (moderation's subject), "X is harmful" judges X
        return textmod.is_negation(toks[i].raw) or toks[i].term in CRITICAL_STEMS

    return (any(rejects(i) for i in range(begin, finish + 1)) or _asks(answer, toks, begin, finish)
            or is_strawman(answer, sentence, span) or is_hypothetical_harm(answer, sentence, span)
            or is_counterfactual(answer, sentence, span))


# "what does the model optimise", "should we cache results?": a question weighs an option, it claims nothing
# ("which is" and "who is" usually open a relative clause: "17k/s, which is the figure we size for")
_QUESTION_WORDS = frozenset("what how why when where whether".split())
_AUXILIARIES = frozenset("do does did is are was were should shall can could would will must may might".split())


def _asks(answer: str, toks: tuple[textmod.Token, ...], begin: int, finish: int) -> bool:
    """True when the clause toks[begin..finish] is a question: it ends in '?', or opens with a
    question word and an auxiliary ("what does", "how should") or with "should we"/"do we"."""
    after = answer[toks[finish].end:].lstrip()
    if after.startswith("?"):
        return True
    first = toks[begin].raw
    second = toks[begin + 1].raw if begin + 1 <= finish else ""
    return (first in _QUESTION_WORDS and second in _AUXILIARIES) or (first in _AUXILIARIES and second == "we")


def _punctuation_between(answer: str, toks: tuple[textmod.Token, ...], left: int, right: int) -> bool:
    return any(ch in answer[toks[left].end : toks[right].start] for ch in _CLAUSE_PUNCT + "/")


def _skips(toks: tuple[textmod.Token, ...], i: int, first: int) -> bool:
    """Whether "skip" at toks[i] leaves out the match starting at `first`."""
    if i + 1 < len(toks) and toks[i + 1].raw in _SKIP_AS_NOUN:
        return False  # a "skip rate", "skip-above" clicks: a thing, not a decision
    if i > first:
        return False  # "spell fixes we skip" is rare; "X, skip Y" is about Y
    if any(t.raw in _SKIP_SELECTS for t in toks[i + 1 : i + 4]):
        return False
    # "skip the re-ranker when it is slow": a fallback under a condition, not leaving it out
    if any(t.raw in _CONDITIONS for t in toks[i + 1 : i + 6]):
        return False
    # "skipping the baseline leaves no bar to judge by": the skipping is the subject, and what it
    # costs is said of it
    return not (toks[i].raw == "skipping" and any(t.raw in _CONSEQUENCE_VERBS for t in toks[first + 1 : first + 5]))


_CONSEQUENCE_VERBS = frozenset("leaves means makes costs risks hides breaks loses throws wastes".split())


_NOT_PLURALS = frozenset("is was has does goes this its us as yes less unless across always perhaps".split())


def _plural_noun(word: str) -> bool:
    """A rough test for a plural noun ("clicks", "searches") as against a verb ("launch", "ship")."""
    return len(word) > 3 and word.endswith("s") and not word.endswith("ss") and word not in _NOT_PLURALS


def is_wished(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """True when the match is only wished away: "make sure there is no leakage", "ensure no
    future data gets in". A goal with no way of reaching it is neither the concept (it says
    nothing about how) nor a dismissal of it (it says the concept matters)."""
    toks = sentence.tokens
    first = span[0]
    for d in range(first - 1, max(-1, first - 4), -1):
        if _punctuation_between(answer, toks, d, first):
            return False
        if _is_denial(toks[d]):
            return any(t.raw in _GOAL_WORDS for t in toks[max(0, d - 4) : d])
    return False


_REFUSED = re.compile(r"\b(?:wouldn't|would not|don't|do not|never|can't|cannot|won't)\s+(?:\w+\s+)?"
                     r"(?:accept|buy|agree|believe)\s+(?:with\s+)?(?:that|the (?:idea|claim|view) that)\b", re.IGNORECASE)


# the two words that turn down what follows: "instead of an A/B test", "rather than a holdout"
_TURNED_DOWN = frozenset({("instead", "of"), ("rather", "than")})


def is_dismissed(answer: str, sentence: textmod.Sentence, span: Span) -> bool:
    """True when the answer denies or waves away the matched concept.

    Read close to the match, the way the words attach:
    - a denial with a word of value before it: "we don't need calibration", and
      across a list: "no need to track revenue, CPC or latency as guardrails";
    - after it, in the same clause: "latency isn't a real concern", "X doesn't matter";
    - a bare denial: "there is no leakage";
    - what was replaced: "instead of a retrieval stage";
    - a dismissive word next to it: "position is irrelevant".
    Contrast is not denial: "calibrated, not just ranked", "a requirement, not a nice-to-have".
    """
    toks = sentence.tokens
    # "some would say calibration doesn't matter, but ...", "I wouldn't accept that latency is no concern":
    # a dismissal put up to be knocked down, or refused, is the opposite of one
    if is_strawman(answer, sentence, span) or is_counterfactual(answer, sentence, span) \
            or _REFUSED.search(answer[sentence.start : toks[span[0]].start]):
        return False
    begin, finish = clause_bounds(answer, sentence, span, punctuation=False)
    first, last = span
    # notes ask and answer: "decompose into stages? no -> one model", "calibration? not needed"
    if sentence.text.rstrip().endswith("?") and _ANSWERED_NO.match(answer, sentence.start + len(sentence.text)):
        return True
    if _VERDICT_AFTER.match(answer, toks[last].end):
        return True

    def near_dismiss_word(i: int) -> bool:
        if toks[i].raw not in DISMISS_WORDS:
            return False  # (what follows only ever turns a dismissive word into none)
        # "we cannot ignore cold start": a denied dismissal is the opposite of one
        if i > 0 and _is_denial(toks[i - 1]) or i > 1 and _is_denial(toks[i - 2]) and toks[i - 1].raw in ("be", "afford"):
            return False
        if toks[i].raw.startswith("skip") and not _skips(toks, i, first):
            return False
        # "an ignored request costs the recipient", "count ignored requests": the participle names
        # an outcome when it stands before its noun with no one doing the ignoring
        if toks[i].raw == "ignored" and i == first - 1 and (i == 0 or toks[i - 1].raw not in _SUBJECTS):
            return False
        if toks[i].raw.startswith("ignor") and (
                any(t.raw in _BEHAVIOUR_SUBJECTS for t in toks[max(0, i - 3) : i])
                or i >= 2 and toks[i - 1].raw == "to" and toks[i - 2].term in _HABIT_STEMS):
            return False
        # "annoy them into turning notifications off or ignoring later ones": after the idea, an "ignore"
        # with an object of its own ignores that, not the idea (which "position? ignore it" points back to)
        if toks[i].raw in ("ignore", "ignoring") and i > last and i + 1 < len(toks) \
                and toks[i + 1].raw not in _POINTS_BACK and not _punctuation_between(answer, toks, i, i + 1):
            return False
        # "ignore clicks from bots", "skip duplicate events": leaving out junk is the cleaning, not a dismissal
        # (but "ignore position bias" does wave the bias away)
        if i < first and any(t.term in _UNWANTED_STEMS for t in toks[first : last + 1]):
            return False
        if toks[i].raw == "negligible" and i < first:
            return False  # "negligible compared with the calibration error" judges something else
        return toks[i].raw in DISMISS_WORDS and not (
            _punctuation_between(answer, toks, min(i, first), max(i, last)) if i < first or i > last else False
        )

    if any(near_dismiss_word(i) for i in range(max(begin, first - 4), min(finish, last + 4) + 1)):
        return True
    # "position bias averages out", "drift has little effect on the score", "seasonality barely
    # matters": a verdict of no effect said after what it judges, in the same clause
    for i in range(last + 1, min(finish, last + 5)):
        a, b = toks[i].raw, toks[i + 1].raw
        # ("the cost ratio hardly changes with the amount" says it is stable, not that it does not matter)
        varies = i + 2 < len(toks) and toks[i + 2].raw in _VARIES_WITH
        if (a in _NO_EFFECT_VERBS and b == "out" or a in _SCARCELY and b.startswith(_EFFECT_WORDS) and not varies) \
                and not any(_is_denial(t) for t in toks[max(last + 1, i - 2) : i]):  # "does not average out"
            return True
    # "leakage: handled automatically by the tooling", "drift is taken care of by the platform":
    # a hard problem declared solved by something else, with nothing said about how
    after = [t.raw for t in toks[last + 1 : min(finish, last + 6) + 1]]
    if any(a in _HANDLED and (b in _BY_ITSELF or b == "by" and c in _BY_ITSELF)
           for a, b, c in zip(after, after[1:] + [""], after[2:] + ["", ""])):
        return True
    before = [t.raw for t in toks[max(0, first - 3) : first]]
    # "instead of an A/B test", "rather than run an A/B test": what was turned down (a verb and its
    # article may come between, within the match's own clause)
    turned_down = any(pair in _TURNED_DOWN for pair in zip(before, before[1:]))
    if not turned_down and first >= 4 and toks[first - 1].raw in _ARTICLES and not _punctuation_between(
            answer, toks, first - 4, last):
        turned_down = (toks[first - 4].raw, toks[first - 3].raw) in _TURNED_DOWN
    if turned_down and not any(t.raw in _CONDITIONS for t in toks[:first]):
        return True
    # "launch without an online test", "ship w/o a holdout": the thing left out (but "without
    # leakage", "without downtime" leave out a harm, which is the concept)
    if "without" in before:
        at = first - 1 - before[::-1].index("without")
        # ("would not use class weights without correction" asks for the correction: two negations)
        if (all(t.raw in _ARTICLES for t in toks[at + 1 : first]) and not _punctuation_between(answer, toks, at, first)
                and not any(t.term in BAD_PRACTICE_STEMS | _HARM_STEMS for t in toks[first : last + 1])
                and not any(_is_denial(t) or t.raw in ("avoid", "cannot") for t in toks[begin:at])
                # "without the logged position, bias cannot be corrected", "if we ship without it, ...":
                # a condition that argues for the thing
                and at > begin and not any(t.raw in _CONDITIONS for t in toks[begin:at])
                # "clicks without purchases", "searches without results": a kind of thing, not a choice
                and not _plural_noun(toks[at - 1].raw)
                # "launching without an online test is risky": leaving it out is what is judged
                and not any(t.term in CRITICAL_STEMS | _JUDGED_STEMS for t in toks[last + 1 : finish + 1])):
            return True
    # a denial before the match (or inside a spread-out one), with a word of value after it:
    # "don't need", "no need to", "downsampling doesn't require any correction"
    for d in range(last - 1, max(begin, first - 10) - 1, -1):
        if d < first and any(ch in answer[toks[d].end : toks[first].start] for ch in _FRAGMENT_BREAKS):
            break  # "clicks are not relevance: debias by position": the note moved on after the colon
        if _is_denial(toks[d]) and not _contrastive(toks, d):
            # in the denial's clause: "no focal loss, the auction needs calibrated scores" denies focal loss
            if any(toks[k].term in VALUE_STEMS and not _punctuation_between(answer, toks, d, k)
                   for k in range(d, min(len(toks), max(first, d + 3)))):
                return True
            if d >= first:
                continue
            # "there is no leakage", "there's no drift": the thing itself denied
            if toks[d].raw in {"no", "none"} and d >= first - 2 and d >= 1 and (
                toks[d - 1].raw in {"is", "are", "there's", "theres", "be"}
            ):
                return True
            # "there isn't really a feedback loop here", "there aren't any cold-start issues"
            if d >= first - 4 and d >= 1 and (
                toks[d].raw in {"isn't", "aren't", "isnt", "arent", "wasn't", "won't"} and toks[d - 1].raw == "there"
                or toks[d].raw == "not" and d >= 2 and toks[d - 1].raw in {"is", "are", "will"} and toks[d - 2].raw == "there"
            ) and all(t.raw in _FILLER_BEFORE_DENIED for t in toks[d + 1 : first]):
                return True
            # "I would not pin down latency", "we won't use a baseline": refusing to do it,
            # unless what follows is itself a bad practice ("don't use future data")
            if (toks[d].raw != "no" and d >= first - 6 and not _punctuation_between(answer, toks, d, first)
                    and any(t.term in ACTION_STEMS for t in toks[d + 1 : d + 3])
                    and not any(t.term in BAD_PRACTICE_STEMS for t in toks[first : last + 1])):
                return True
            break
    # "no additional correction is required", "no extra monitoring needed": the thing denied, then
    # its value; the "no" may sit inside a spread-out match ("popularity-sampled, so no correction")
    value_after = any(t.term in VALUE_STEMS for t in toks[last + 1 : min(finish, last + 3) + 1])
    if value_after and any(toks[d].raw == "no" and not _punctuation_between(answer, toks, d, last)
                           for d in range(max(begin, first - 2), last + 1)):
        return True
    # "latency is less of a concern than it first appears", "a minor issue": a concern downgraded to none
    tail = [t.term for t in toks[last + 1 : min(finish, last + 6) + 1] if t.raw not in ("a", "an", "the", "much")]
    if any(a in _DOWNGRADES and (b == "of" and c in _NON_ISSUES | VALUE_STEMS or b in _NON_ISSUES)
           for a, b, c in zip(tail, tail[1:] + [""], tail[2:] + ["", ""])):
        return True
    # a denial right after the match, in its clause ("latency isn't a real concern")
    for d in range(last + 1, min(finish, last + 4) + 1):
        if _punctuation_between(answer, toks, last, d):
            break
        if _is_denial(toks[d]) and not _contrastive(toks, d):
            after = [toks[i] for i in range(d, min(len(toks), d + 4))
                     if i == d or not _punctuation_between(answer, toks, d, i)]
            return any(t.term in VALUE_STEMS or t.term in _NON_ISSUES for t in after) or (
                toks[d].raw.endswith(("n't", "nt")) and any(t.term in VALUE_STEMS for t in after)
            )
    return False
