"""How an answer sounds: dismissals, sweeping claims and corporate filler.

Interviewers hear "latency isn't a concern", "CTR alone is enough" or "drift
monitoring isn't needed" as a candidate skipping the reasoning, and they are
the commonest shape of a confidently wrong answer. A dismissal costs points
from the first one. Sweeping words ("just", "always", "obviously") are normal
in moderation, so only a stream of them costs anything. Buzzword prose
("leverage a holistic, state-of-the-art MLOps stack") is stuffing in sentence
form: each filler word costs points, and so does a pile of tool and architecture
buzzwords beyond the first two ("cloud-native microservices on Kubernetes, observable").
"""

from __future__ import annotations

import re
from functools import lru_cache

_NEGATION = r"(?:not|never|\w+n't|cannot)"
_VALUE = r"(?:needs?|needed|necessary|matters?|concerns?|important|required|worth|care|bother)"
_USELESS = r"(?:unnecessary|irrelevant|pointless|overkill|a waste)"
# Within one clause: the words between may not cross punctuation. Adjectives
# before a noun ("irrelevant ads", "no history") are not dismissals.
_DISMISSAL = re.compile(
    rf"\b{_NEGATION}\s+(?!(?:just|only|merely|simply|solely|every|all|each)\b)(?:[\w-]+\s+){{0,3}}?{_VALUE}\b"
    rf"|\bno need\b|\bno point\b|\bno\s+[\w-]+\s+(?:is|are)\s+(?:needed|necessary|required)\b"
    rf"|\b(?:is|are|be|seems?)\s+(?:[\w-]+\s+)?{_USELESS}\b|\boverkill\b"
    r"|\b(?:alone is|alone are)\s+(?:more than\s+)?(?:enough|fine|plenty|sufficient|good enough)(?![-\w])"
    # "X is enough to start": what suffices for a next step, not a brush-off ("X alone is enough to decide" is)
    r"|\b(?:is|are|should be|would be|will be|that's|thats|that is|it's|which is)\s+(?:more than\s+)?"
    r"(?:enough|fine|plenty|sufficient|good enough)(?![-\w])(?!\s+to\s)"
    # "that's fresh enough", "a daily rebuild is accurate enough"; not "small enough that ...",
    # "long enough to ...", "fast enough for 60 ms"
    r"|\b(?P<degree>(?:is|are|that's|thats|that is|it's|which is|should be|would be)\s+(?!not\b|never\b)[a-z]+\s+enough)(?![-\w])"
    # nor "quick enough for a few milliseconds": a number in words is a number
    r"(?!\s+(?:that|to|so)\b)(?!\s+(?:for|at|under|within|with|in)\s+(?:a\s+|the\s+)?(?:[~<]?\d|few\b|couple\b|"
    r"several\b|single[- ]digit\b|(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred)\b))"
    r"|\ball (?:we|you) need\b|\bonly (?:slows?|costs?|hurts?|adds? noise)\b"
    # "watch time is noisy, so skip it", "position? ignore it": an imperative that ends the clause
    # (not "skip it for low-risk payments", a scoped exemption, nor "the model ignores it", a behaviour)
    r"|(?:\b(?:so|just|then)\s+|[,;?]\s*|(?:->|\u2192)\s*)(?:skip|ignore)\s+(?:it|them|this|that)(?=\s*(?:[.;!)]|$))",
    re.IGNORECASE,
)
# "agree up front what result is enough for launch": a criterion being set, not a brush-off
_ASKED = re.compile(r"\b(?:what|which|how much|how many|how long|how big)\b[^.,;:!?]*$", re.IGNORECASE)
_OUTCOME_CHANCE = re.compile(r"\b(?:chance|probability|likelihood|odds|share|fraction)\s+(?:that\s+)?$", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:where|when|whenever|if|until|once|unless|as long as)\b[^.,;:!?]*$", re.IGNORECASE)
DISMISSAL_PENALTY = 0.1
DISMISSAL_MAX_PENALTY = 0.3

# Corporate filler: words that make a sentence sound like a strategy deck while
# saying nothing an engineer could build. Kept narrow: "robust", "scalable" or
# "end to end" have real technical meanings and are not here.
_FILLER = re.compile(
    r"\b(leverag\w*|holistic\w*|synerg\w*|state[- ]of[- ]the[- ]art|best[- ]in[- ]class|world[- ]class|"
    r"cutting[- ]edge|bleeding[- ]edge|next[- ]gen\w*|seamless\w*|proactive(?!\s+(?:rate|detection|removal))\w*|data[- ]centric|excellence|"
    r"unlock\w*|game[- ]chang(?:er|ers|ing)|paradigm\w*|hyperscale|empower\w*|turnkey|future[- ]proof\w*|"
    r"ai[- ](?:driven|powered|first|native)|revolutionar\w*|transformative|frictionless|omnichannel|"
    r"industry[- ]leading|enterprise[- ]grade|world[- ]leading|self[- ]healing|genai[- ]ready|magically)\b",
    re.IGNORECASE,
)
FILLER_PENALTY = 0.15
FILLER_MAX_PENALTY = 0.6

# Infrastructure name-dropping: a stack of fashionable tools and -ilities said instead of a
# design ("cloud-native, event-driven microservices on Kubernetes, fault-tolerant and observable").
# One or two are normal in a serving answer; a pile of them is stuffing.
_STACK_BUZZ = re.compile(
    r"\b(cloud[- ]native|event[- ]driven|micro[- ]?services?|service mesh|serverless|horizontally[- ]scal\w+|"
    r"fault[- ]toleran\w+|highly[- ]available|high availability|edge computing|kubernetes|k8s|tensorrt|onnx|cdn|"
    r"load[- ]balanc\w+|circuit[- ]breakers?|distributed tracing|observab\w+|mlops|ci/cd(?:/ct)?|blue[- ]green|"
    r"responsible ai|explainable ai|xai|governance|grafana|prometheus|pagerduty|evidently|arize|model registry|"
    r"autoscal\w+|grpc|docker|datadog|sagemaker|vertex ai|mlflow|kubeflow|airflow)\b",
    re.IGNORECASE,
)
STACK_BUZZ_FREE = 2  # per answer, plus one per 300 words
STACK_BUZZ_SENTENCE = 3  # a sentence naming this many earns no concept credit


@lru_cache(maxsize=16)
def _found(pattern: re.Pattern, text: str) -> tuple[tuple[int, str], ...]:
    """(start, words) of each match; cached, since a grade asks per sentence and of the whole answer."""
    return tuple((m.start(), m.group(0)) for m in pattern.finditer(text))


def stack_buzz(text: str) -> list[str]:
    """Tool and architecture buzzwords named in the text ("Kubernetes", "service mesh", "MLOps")."""
    return [word for _, word in _found(_STACK_BUZZ, text)]


def stack_buzz_penalty(found: list[str], words: int = 0) -> float:
    """Buzzwords beyond the free ones cost like filler words."""
    excess = len(found) - STACK_BUZZ_FREE - words / 300
    return min(FILLER_MAX_PENALTY, FILLER_PENALTY * excess) if excess > 0 else 0.0


_SWEEPING = re.compile(
    r"\b(just|simply|always|never|regardless|basically|obviously|clearly|the best|perfectly|guarantees?|"
    r"naturally|automatically|averages? out|overcomplicat\w*|the only thing|all that matters|won't change|"
    r"doesn't change)\b",
    re.IGNORECASE,
)
SWEEPING_PENALTY = 0.08
SWEEPING_MAX_PENALTY = 0.3


def _normalise(answer: str) -> str:
    return answer.replace("\u2019", "'")


def dismissals(answer: str) -> list[str]:
    """The dismissive phrases in the answer, in order ("isn't a real concern", "alone is enough")."""
    text = _normalise(answer)
    return [m.group(0) for m in _DISMISSAL.finditer(text) if not _framed(m, text[max(0, m.start() - 40) : m.start()])]


def _framed(match: re.Match, before: str) -> bool:
    """Whether the words just before a dismissive phrase give it another sense: "once the test is
    long enough" states a condition; "the chance it's fine" names an outcome whose probability is
    weighed; "what lift is enough" asks for a criterion."""
    return bool(match.group("degree") and _CONDITION.search(before) or _OUTCOME_CHANCE.search(before)
                or _ASKED.search(before))


def dismissal_penalty(found: list[str]) -> float:
    """Cost of the dismissals found by `dismissals`: each one counts, up to a cap."""
    return min(DISMISSAL_MAX_PENALTY, DISMISSAL_PENALTY * len(found))


def filler(answer: str) -> list[str]:
    """Corporate filler words in the answer ("leverage", "holistic", "state-of-the-art")."""
    return [word for _, word in _found(_FILLER, answer)]


def filler_penalty(found: list[str], words: int = 0) -> float:
    """Cost of the filler words found by `filler`: each one counts, up to a cap; a long answer
    may carry one per 200 words free (three in a 2,000-word write-up are not buzzword prose)."""
    excess = len(found) - words / 600
    return min(FILLER_MAX_PENALTY, FILLER_PENALTY * excess) if excess > 0 else 0.0


def sweeping_penalty(answer: str) -> float:
    """Sweeping words beyond one per answer (plus one per 150 words) cost points."""
    words = len(answer.split())
    count = len(_SWEEPING.findall(_normalise(answer)))
    excess = count - 1 - words / 150
    return min(SWEEPING_MAX_PENALTY, SWEEPING_PENALTY * excess) if excess > 0 else 0.0


# Every dismissal holds one of these words (see _DISMISSAL): a cheap test of which sentences could.
_DISMISSAL_CUE = re.compile(
    r"n['\u2019]t|\b(?:not|never|cannot|no|unnecessary|irrelevant|pointless|overkill|waste|enough|fine|plenty|"
    r"sufficient|need|only|skip|ignore)\b", re.IGNORECASE)


def sentences_without_credit(answer: str, spans: list[tuple[int, int]]) -> set[int]:
    """Indices of the sentences (character spans of `answer`) that wave something away, use corporate
    filler or name STACK_BUZZ_SENTENCE or more tool buzzwords: their words earn no concept credit.

    The same as testing each sentence's text with `dismissals`, `filler` and `stack_buzz`, but the
    filler and buzzword patterns run once over the whole answer (a match is inside one sentence),
    and `dismissals` only on sentences that hold one of its cue words."""
    def inside(positions: list[int]) -> dict[int, int]:
        counts: dict[int, int] = {}
        for position in positions:
            for index, (lo, hi) in enumerate(spans):
                if lo <= position < hi:
                    counts[index] = counts.get(index, 0) + 1
                    break
        return counts

    found = set(inside([start for start, _ in _found(_FILLER, answer)]))
    found |= {i for i, n in inside([start for start, _ in _found(_STACK_BUZZ, answer)]).items()
              if n >= STACK_BUZZ_SENTENCE}
    for index in inside([m.start() for m in _DISMISSAL_CUE.finditer(answer)]):
        if index not in found and _waves_away(answer[spans[index][0] : spans[index][1]]):
            found.add(index)
    return found


# "a bit early is fine, but every minute late annoys people": what follows the contrast is the point
_CONTRAST = re.compile(r"\b(?:but|however|whereas|yet)\b", re.IGNORECASE)


def _waves_away(sentence: str) -> bool:
    """True when the sentence brushes something off, and not only in a clause a contrast then answers."""
    if not dismissals(sentence):
        return False
    turns = [m.end() for m in _CONTRAST.finditer(sentence)]
    return not turns or bool(dismissals(sentence[turns[-1]:])) or not dismissals(sentence[: turns[-1]])

