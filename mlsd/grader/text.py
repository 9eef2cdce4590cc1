"""Text normalisation for grading: sentences, tokens, stems and canonical terms.

Two texts that say the same thing in different inflections, spellings or
abbreviations should give the same term sequence: "normalised entropy" and
"NE" both become the term `ne`; "calibrated" and "calibration" share a stem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import NamedTuple

import snowballstemmer  # small, pure-Python Snowball (Porter2) stemmer

from mlsd.grader.synonyms import STEM_ALIASES, SYNONYM_GROUPS

_STEMMER = snowballstemmer.stemmer("english")

# Words that carry no content for matching. Negations are NOT here: the
# polarity check needs them, and phrasings never rely on them.
STOPWORDS = frozenset(
    """a an the of to in on at for by with from as is are was were be been being it its this that these
    those there their them they we i you he she our your my me us or and if then than so such do does did
    done can could would should will shall may might must very just also about into over under up down out
    per via each any all some more most less least much many other which who whom whose what when where
    how why while having have has had let lets let's i'd we'd i'll we'll i'm we're it's that's vs versus""".split()
)

NEGATION_CUES = frozenset(
    """not no never none nor without avoid avoids avoiding instead rather wrong mistake mistaken
    pitfall trap misleading naive naively don't doesn't didn't won't wouldn't shouldn't can't cannot isn't
    aren't wasn't weren't never shouldnt dont wont cant isnt arent doesnt didnt wouldnt bad
    hasnt havent hadnt couldnt mustnt wasnt werent""".split()
)

# "p99" stays one word; "50ms" splits into "50" and "ms"; "0.1" stays one number; "w/o" is one word.
_WORD = re.compile(r"w/o\b|!=|=/=|\u2260|p\d+|\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)?|%|<|>|@")
_BRITISH_ISE = re.compile(r"^(\w{3,}?)is(e|ed|es|ing|ation|ations|er|ers)$")


class Token(NamedTuple):  # a tuple, not a dataclass: an answer makes thousands, and tuples build fast
    term: str  # canonical term: stemmed word or canonical phrase id
    start: int  # character offsets into the original text, for evidence
    end: int
    raw: str


_KNOWN_STEMS: dict[str, str] = {}  # the rubric words' stems, seeded from the content cache (core._seed_terms)


def stem(word: str) -> str:
    known = _KNOWN_STEMS.get(word)
    return known if known is not None else _stem(word)


@lru_cache(maxsize=20000)
def _stem(word: str) -> str:
    if word.startswith("personali"):  # Snowball cuts "personalization" to "person", the word for a human
        return "personal"
    if word == "ip":  # the address; Snowball makes "ips" (inverse propensity scoring) "ip" too
        return "ipaddr"
    if word in ("busy", "busier", "busiest"):  # not "business" (both stem to "busi")
        return "busy"
    if word.startswith("regulari") and not word.startswith("regularit"):  # "regularization" is not "train regularly"
        return "regulariz"
    word = _BRITISH_ISE.sub(r"\1iz\2", word)
    word = word.replace("'", "")
    stemmed = _STEMMER.stemWord(word)
    return STEM_ALIASES.get(stemmed, stemmed)


def _build_canonical_phrases() -> dict[tuple[str, ...], str]:
    table: dict[tuple[str, ...], str] = {}
    for canonical, variants in SYNONYM_GROUPS.items():
        # the canonical word itself too: "warehouse" (stemmed "warehous") and "twotower" (as typed)
        # must read as the term that "data warehouse" and "two tower" become
        for variant in (canonical, *variants):
            key = tuple(stem(w) for w in _WORD.findall(variant.lower().replace("&", " and ")))
            if key:
                table[key] = canonical
    return table


_URL = re.compile(r"https?://\S+|www\.\S+")


def _prepare(text: str) -> str:
    # every replacement keeps the length, so offsets still point into the original
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters ("İ") grow when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    # a link's words ("/modal-calibration") are not claims the answer makes
    text = _URL.sub(lambda m: " " * len(m.group(0)), lowered)
    return (
        text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-").replace("\u2014", "-")
        .replace("\u00d7", "x").replace("\u2264", "<").replace("\u2265", ">")
    )


# A magnitude written onto a number ("500M", "1.5B", "20k") reads as the word people say, so notes
# match phrasings written out ("500 million members"); only when it touches the number.
_NOTE_NEGATIONS = {"w/o": "without", "!=": "not", "=/=": "not", "\u2260": "not"}
_MAGNITUDE_SUFFIX = {"k": "thousand", "m": "million", "mm": "million", "b": "billion", "bn": "billion"}


def raw_words(text: str) -> list[tuple[str, int, int]]:
    """Lower-cased words with character offsets."""
    found = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(_prepare(text))]
    for i in range(1, len(found)):
        word, start, _ = found[i]
        if word in _MAGNITUDE_SUFFIX and found[i - 1][2] == start and found[i - 1][0][:1].isdigit():
            found[i] = (_MAGNITUDE_SUFFIX[word], start, found[i][2])
    # notes write "without" as "w/o" and "is not" as "!=": the same negations ("train w/o future
    # info", "clicks != relevance")
    return [(_NOTE_NEGATIONS.get(word, word), start, end) for word, start, end in found]


def _canonicalise(words: list[tuple[str, int, int]], aliases: dict[str, str] | None = None,
                  offset: int = 0) -> list[Token]:
    """Replace known multi-word phrases and abbreviations by one canonical term.

    `aliases` maps misspelt words to the rubric word they were meant to be; `offset` is added to
    every token's character offsets.
    """
    stems = [stem(aliases.get(w, w) if aliases else w) for w, _, _ in words]
    tokens: list[Token] = []
    i = 0
    n = len(words)
    while i < n:
        matched = False
        # only as long as the longest known phrase that starts with this word (most start none)
        for length in range(min(6, n - i, _LONGEST_FROM.get(stems[i], 0)), 0, -1):
            key = tuple(stems[i : i + length])
            term = CANONICAL_PHRASES.get(key)
            if term is not None:
                start, end = words[i][1] + offset, words[i + length - 1][2] + offset
                tokens.append(Token(term, start, end, " ".join(w for w, _, _ in words[i : i + length])))
                i += length
                matched = True
                break
        if not matched:
            w, s, e = words[i]
            tokens.append(Token(stems[i], s + offset, e + offset, w))
            i += 1
    return tokens


# stemmed word sequence -> canonical term (built once at import; a few ms)
CANONICAL_PHRASES: dict[tuple[str, ...], str] = _build_canonical_phrases()
# first stem -> length of the longest canonical phrase that starts with it
_LONGEST_FROM: dict[str, int] = {}
for _key in CANONICAL_PHRASES:
    _LONGEST_FROM[_key[0]] = max(_LONGEST_FROM.get(_key[0], 0), len(_key))


def tokens(text: str, aliases: dict[str, str] | None = None) -> list[Token]:
    return _canonicalise(raw_words(text), aliases)


def content_terms(tokens) -> tuple[str, ...]:
    """The terms of these tokens that say what a text is about (no stopwords, no single letters):
    what the topic model compares."""
    return tuple(t.term for t in tokens if t.raw not in STOPWORDS and len(t.term) > 1)


def within_one_edit(a: str, b: str) -> bool:
    """True when a and b differ by one insertion, deletion, substitution or adjacent swap."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diffs = [i for i in range(la) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def typo_aliases(text: str, vocabulary: frozenset[str], known: frozenset[str] = frozenset()) -> dict[str, str]:
    """Misspelt answer words (6+ letters) that are one edit from a rubric word."""
    aliases: dict[str, str] = {}
    buckets = _typo_buckets(vocabulary)
    stems = _vocabulary_stems(vocabulary)
    seen: set[str] = set()
    for word, _, _ in raw_words(text):
        if len(word) < 6 or word in seen or word in vocabulary:
            continue
        seen.add(word)
        if stem(word) in stems or stem(word) in known:
            continue  # "trained" is a form of "train", and "stores" a word of its own, not a typo of "scores"
        for length in (len(word) - 1, len(word), len(word) + 1):
            match = next((c for c in buckets.get((word[0], length), ()) if within_one_edit(word, c)), None)
            if match is not None:
                aliases[word] = match
                break
    return aliases


@lru_cache(maxsize=256)
def _vocabulary_stems(vocabulary: frozenset[str]) -> frozenset[str]:
    return frozenset(stem(word) for word in vocabulary)


@lru_cache(maxsize=256)
def _typo_buckets(vocabulary: frozenset[str]) -> dict[tuple[str, int], list[str]]:
    buckets: dict[tuple[str, int], list[str]] = {}
    for word in vocabulary:
        if len(word) >= 5:
            buckets.setdefault((word[0], len(word)), []).append(word)
    return buckets


_PHRASE_TERMS: dict[str, tuple[str, ...]] = {}  # phrasing -> terms; seeded from the content cache


def phrase_terms(phrase: str) -> tuple[str, ...]:
    """Content terms of a rubric phrasing, canonicalised like answer text."""
    found = _PHRASE_TERMS.get(phrase)
    if found is None:
        found = _PHRASE_TERMS[phrase] = _phrase_terms(phrase)
    return found


_PHRASE_WORDS: dict[str, tuple[str, ...]] = {}  # phrasing -> its raw words (typo vocabulary); seeded too


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The lower-cased words of a rubric phrasing, as written (what typos are matched against)."""
    found = _PHRASE_WORDS.get(phrase)
    if found is None:
        found = _PHRASE_WORDS[phrase] = tuple(w for w, _, _ in raw_words(phrase))
    return found


def seed_phrase_terms(known: dict[str, tuple[tuple[str, ...], tuple[str, ...]]], stems: dict[str, str]) -> None:
    """(terms, words) per phrasing and the stems of their words, computed by an earlier process
    for the same grader code (see core._seed_terms)."""
    _KNOWN_STEMS.update(stems)
    for phrase, (terms, words) in known.items():
        _PHRASE_TERMS[phrase] = terms
        _PHRASE_WORDS[phrase] = words


def _phrase_terms(phrase: str) -> tuple[str, ...]:
    out: list[str] = []
    for tok in tokens(phrase):
        if tok.raw in STOPWORDS and tok.term == stem(tok.raw):
            continue
        out.append(tok.term)
    return tuple(dict.fromkeys(out))  # keep order, drop repeats


@lru_cache(maxsize=50000)
def phrase_term_set(phrase: str) -> frozenset[str]:
    return frozenset(phrase_terms(phrase))


def all_terms(sents: list["Sentence"]) -> frozenset[str]:
    """The terms of a whole answer, for a quick 'can this phrasing match at all?'."""
    return frozenset().union(*(s.terms for s in sents)) if sents else frozenset()


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    tokens: tuple[Token, ...]

    @cached_property
    def terms(self) -> frozenset[str]:
        """Every term in the sentence: a phrasing can only match if its terms are a subset."""
        return frozenset(t.term for t in self.tokens)

    @cached_property
    def raws(self) -> frozenset[str]:
        """Every word as written (lower-cased): what stopword-bound checks look for ("just", "on")."""
        return frozenset(t.raw for t in self.tokens)


_LIST_START = re.compile(r"^\s*(?:[-*\u2022>#]|\d+[.)])\s*")
# not after a list number ("1. collect 2. train"), but after a word that ends in a digit ("BM25.", "p99.")
_PUNCT_BREAK = re.compile(r"(?<![\s(]\d[.])(?<![\s(]\d\d[.])(?<!^\d[.])(?<!^\d\d[.])(?<=[.!?;])\s+", re.MULTILINE)


# "e.g." and "i.e." lead into the rest of their sentence ("maximize conversion and trust, i.e. the
# promise is kept"); "etc." and "approx." do when a lower-case word follows
_LEADING_ABBREVIATIONS = frozenset({"e.g.", "i.e.", "eg.", "ie.", "cf.", "vs.", "viz."})
_ABBREVIATIONS = _LEADING_ABBREVIATIONS | {"etc.", "approx.", "incl.", "esp.", "resp.", "min.", "max.", "avg."}


def _after_abbreviation(text: str, end: int, next_start: int) -> bool:
    """True when the punctuation before `end` closes an abbreviation that does not end the sentence."""
    word = text[max(0, end - 8):end].split()[-1:] or [""]
    word = word[0].lstrip("([\"'").lower()
    if word in _LEADING_ABBREVIATIONS:
        return True
    return word in _ABBREVIATIONS and next_start < len(text) and text[next_start].islower()


def _segments(text: str) -> list[tuple[int, int]]:
    """Character spans of sentences and list items.

    A newline ends a sentence only at a paragraph break, before a list item
    or heading, or after closing punctuation: hard-wrapped prose stays whole.
    """
    spans: list[tuple[int, int]] = []
    lines = text.split("\n")
    offset = 0
    start: int | None = None
    previous = ""
    for line in lines:
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        breaks_before = (
            not stripped
            or bool(_LIST_START.match(line))
            or not previous.strip()
            or previous.rstrip().endswith((".", "!", "?", ":", ";"))
        )
        if breaks_before and start is not None:
            spans.append((start, line_start - 1))
            start = None
        if stripped and start is None:
            start = line_start
        previous = line
    if start is not None:
        spans.append((start, len(text)))
    out: list[tuple[int, int]] = []
    for lo, hi in spans:
        piece_start = lo
        for match in _PUNCT_BREAK.finditer(text, lo, hi):
            if _after_abbreviation(text, match.start(), match.end()):
                continue
            out.append((piece_start, match.start()))
            piece_start = match.end()
        out.append((piece_start, hi))
    return [(lo, hi) for lo, hi in out if text[lo:hi].strip()]


def sentences(text: str, aliases: dict[str, str] | None = None) -> list[Sentence]:
    """Split into sentences and list items; token offsets stay relative to `text`."""
    out: list[Sentence] = []
    for lo, hi in _segments(text):
        piece = text[lo:hi]
        toks = tuple(_canonicalise(raw_words(piece), aliases, lo))
        if toks:
            out.append(Sentence(piece, lo, toks))
    return out


# where clauses meet: a word that opens a new clause, or punctuation between two words
# (polarity reads a claim's clause by the same marks; a condition is a clause of its own: "if the model
# doesn't answer in time, we approve everything")
CLAUSE_BREAK_WORDS = frozenset({"but", "because", "since", "whereas", "while", "although", "though", "however", "so",
                                "if", "unless"})
CLAUSE_PUNCT = ",;()|:>"  # ':' and the '>' of '->' end a clause in notes


def clauses(sentence: Sentence, min_tokens: int = 6) -> list[Sentence]:
    """The sentence cut where its clauses meet (a comma, a colon, "because", "but"), each
    piece shorter than `min_tokens` joined to the next; [sentence] when it has one clause."""
    toks, base = sentence.tokens, sentence.start
    cuts = [0] + [i for i in range(1, len(toks))
                  if toks[i].raw in CLAUSE_BREAK_WORDS
                  or any(ch in sentence.text[toks[i - 1].end - base : toks[i].start - base] for ch in CLAUSE_PUNCT)]
    pieces: list[list[int]] = []
    for lo, hi in zip(cuts, [*cuts[1:], len(toks)]):
        if pieces and pieces[-1][1] - pieces[-1][0] < min_tokens:
            pieces[-1][1] = hi
        else:
            pieces.append([lo, hi])
    if len(pieces) > 1 and pieces[-1][1] - pieces[-1][0] < min_tokens:
        last = pieces.pop()
        pieces[-1][1] = last[1]
    if len(pieces) < 2:
        return [sentence]
    return [Sentence(sentence.text[toks[lo].start - base : toks[hi - 1].end - base], toks[lo].start, toks[lo:hi])
            for lo, hi in pieces]


def is_negation(raw: str) -> bool:
    return raw in NEGATION_CUES or raw.endswith("n't")


def is_negation_term(term: str) -> bool:
    """A phrasing's term that says a negation ("hasn't" is the term "hasnt", "mistake" is "mistak")."""
    return is_negation(term) or term in _NEGATION_TERMS


_NEGATION_TERMS = frozenset(stem(word) for word in NEGATION_CUES)
