"""The extractive story writer: headline, highlights and story from the sources' own sentences.

Deterministic, no model, no network. Given the cleaned articles of one story (``Doc``), it:

1. builds TF-IDF vectors over the story (IDF from the story's own articles; binary term
   weights per sentence), and a centroid in which every *outlet* weighs the same, so one
   outlet with five articles does not outvote four outlets with one each;
2. scores every usable sentence of the news articles by
   ``centrality + ECHO_WEIGHT × echo + POSITION_WEIGHT × lead + small bonuses``, where
   *centrality* is the cosine to the centroid, *echo* is how much of the sentence's content
   (IDF-weighted) other outlets also report (mean over the other outlets of the best
   sentence overlap), *lead* favours the first sentences of an article (news is written
   top-down), and the bonuses favour sentences that name their speaker ("..., the minister
   said") or carry a counter-account ("denied", "rejected", "but X said");
3. drops sentences a reader could not follow out of context: questions, fragments, sentences
   that open with a pronoun or a connective ("He", "This", "But"), quotes with no speaker,
   unbalanced quotes, first-person asides, too short or too long; and ranks lower a sentence
   with loaded or charged words outside quotes ("slams", "utterly", "so-called"). A sentence
   whose speaker is only a pronoun ('"...," she said') is shown only right after the sentence
   of its article before it (which says who she is), and an accusation only with the answer
   its article gives next (:func:`_link_context`); they are never highlights. A sentence
   whose figure a later report replaces ("1,200 hectares", then "1,500 hectares" in an
   article published :data:`SUPERSEDE_AFTER` or more later) is dropped, and the later
   sentence takes over its relevance (``ExtractiveWriter._supersede``);
4. picks highlights (3 distinct facts of about 35 words: a longer sentence loses its asides
   or is cut after its main clause, never its speaker or a quote, and may keep up to 38 words
   when it cannot be cut cleanly) and the story (150-350 words when the material allows) with
   maximal marginal relevance, preferring outlets not yet quoted and dropping a sentence whose
   content is mostly said already, or that repeats a chosen sentence of another outlet
   (:data:`NEAR_REPEAT`, the same figures): that outlet is cited for the chosen one instead;
   where outlets give different accounts, a counter-account is kept next to the claim it
   answers;
5. orders the story by position in the articles (leads first), the most central lead on top;
6. cites, for every sentence, the article it was copied from, the articles whose near-repeats
   it stands for, and every other article with a sentence that states the same thing
   (IDF-weighted overlap >= :data:`CITE_OVERLAP` and all its numbers present, neither
   turning round a word the other states: "no workers were injured" is not what "three
   workers were injured" states, and every quotation in the sentence printed in that
   article); a syndicated copy only when its original is not cited (a copy is not a second
   source);
7. picks the headline: the most central news title that passes the neutrality checks (no
   outlet name, no loaded word, no question, not in capitals, <= 90 characters), cleaned of
   outlet suffixes and labels ("LIVE:"), and not one whose figure a later report replaces;
   else the lead sentence, compressed at a clause boundary.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import zip_longest

import numpy as np

from newsloom.words import FUNCTION_WORDS
from newsloom.write.sentences import Sentence, content_words, is_debris
from newsloom.write.tone import charged_terms_in, loaded_terms_in

VERSION = "1"

#: Sentences read per article (news is top-down; this also bounds the cost of a huge article).
MAX_SENTENCES = 40
#: Sentences read over the whole story (each article gets its share, at least MIN_SENTENCES).
SENTENCE_BUDGET = 300
MIN_SENTENCES = 12
#: Story length goal in words: stop adding sentences at TARGET, never go over MAXIMUM.
STORY_TARGET = 250
STORY_MAXIMUM = 350
STORY_MINIMUM = 150
HIGHLIGHTS = 3
HIGHLIGHT_MAX_WORDS = 35
#: "About 35 words": a longer sentence is shortened (:func:`shorten`: asides left out, cut
#: after its main clause); one that cannot be shortened to 35 cleanly may still be a highlight
#: up to this length, shortened the same way, or whole.
HIGHLIGHT_LONG_WORDS = 38
SENTENCE_MIN_WORDS = 6
SENTENCE_MAX_WORDS = 60
HEADLINE_MAX_CHARS = 90

ECHO_WEIGHT = 0.5
POSITION_WEIGHT = 0.3
ATTRIBUTION_BONUS = 0.05
DISPUTE_BONUS = 0.05
LOADED_PENALTY = 0.2
CHARGED_PENALTY = 0.1
MMR_LAMBDA = 0.75
#: A candidate whose content (IDF-weighted) is this much inside an already chosen sentence
#: adds nothing new.
REDUNDANT_OVERLAP = 0.6
#: Two highlights must be distinct facts.
HIGHLIGHT_REDUNDANT = 0.45
HIGHLIGHT_PLAIN = True
STORY_PLAIN = True
#: An article "states the same thing" when one of its sentences covers this much of ours.
CITE_OVERLAP = 0.6
#: A story sentence must score at least this share of the best sentence (no padding).
RELEVANCE_FLOOR = 0.35
#: Two sentences of different outlets, each this much (IDF-weighted) inside the other, state
#: the same fact: one is shown, citing both (when the figures agree).
NEAR_REPEAT = 0.4
#: An accusation's answer is looked for in this many sentences after it in its article.
ANSWER_WITHIN = 2
#: A later report of a quantity replaces an earlier one (ExtractiveWriter._supersede): an
#: article published at least this much later that gives another figure for the same
#: quantity ("1,500 hectares" after "1,200 hectares") in a sentence covering at least
#: SUPERSEDE_OVERLAP of the earlier sentence's other content (IDF-weighted). Reports closer
#: in time than this are two accounts: neither replaces the other.
SUPERSEDE_AFTER = timedelta(hours=3)
SUPERSEDE_OVERLAP = 0.3


@dataclass
class Doc:
    """One cleaned article as the writer sees it."""

    index: int  # position in the caller's list
    url: str
    title: str
    text: str  # cleaned story text: debris removed, paragraphs joined with "\n"
    outlet: str
    kind: str = "news"
    published: datetime | None = None
    language: str | None = None
    role: str = "body"  # body | copy | opinion | stub | language | empty
    copy_of: int | None = None  # index of the original for role "copy"
    sentences: list[Sentence] = field(default_factory=list)


@dataclass
class Passage:
    """A written sentence and the articles (indices) that support it."""

    text: str
    citations: list[int]


@dataclass
class Draft:
    headline: str
    highlights: list[Passage]
    story: list[Passage]
    backend: str = "extractive"
    version: str = VERSION


# ---------------------------------------------------------------------------------------------
# Sentence checks

_PRONOUN_START = re.compile(
    r"^\(?\s*(?:he|she|they|it|this|that|these|those|his|her|hers|their|theirs|its|him|"
    r"them|we|i|our|us|you|your|such|both|but|and|or|so|also|however|still|yet|instead|"
    r"meanwhile|moreover|furthermore|additionally|then|which|who|another|others|"
    r"that's|it's|they're|he's|she's|er|sie|es|dies|dieser|diese|dieses|aber|und|doch|"
    r"él|ella|ellos|pero|il|elle|ils|elles|mais)\b",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(
    r"\b(?:I|I'm|I've|I'd|I'll|me|my|mine|we|We|we're|We're|we've|We've|our|Our|ours|us)\b"
)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|‘[^’]*’|«[^»]*»|„[^“”]*[“”]")
_LOWER_WORD = re.compile(r"[^\W\d_]+")
#: Verbs and phrases that name a speaker ("said", "according to"), team-written.
ATTRIBUTION_WORDS = frozenset(
    """
    said says say saying told tells stated states announced announces added adds wrote writes
    tweeted posted claimed claims alleged alleges argued argues confirmed confirms reported
    reports noted notes explained acknowledged insisted insists warned warns called calls
    calling described asked testified denied denies disputed rejected responded countered
    sagte sagt erklärte teilte dijo según afirmó selon
    """.split()
)
_ATTRIBUTION_PHRASES = ("according to", "a déclaré", "a dit")
#: Words of a counter-account ("denied", "rejected"), team-written; prefixes end with "*".
_DISPUTE_PREFIXES = (
    "deny",
    "denie",
    "denial",
    "disput",
    "reject",
    "dismiss",
    "refut",
    "contradict",
    "insist",
    "disagree",
    "bestritt",
    "bestreit",
    "negó",
    "rechaz",
    "dément",
    "démenti",
)
_DISPUTE_START = re.compile(r"\b(?:" + "|".join(_DISPUTE_PREFIXES) + ")")
_DISPUTE_WORDS = frozenset({"counter", "counters", "countered"})
_DISPUTE_PHRASES = ("pushed back", "push back", "pushes back", "no evidence", "without evidence")
_DISMISSAL = frozenset("false baseless untrue inaccurate misleading fabricated".split())
_BUT_SAID = re.compile(r"\bbut\b.{0,120}\b(?:said|says|insisted|argued|maintained)\b", re.I)
_END = re.compile(r"[.!…][\"”’'»)\]]*$|[\"”’»]$")


#: Words that turn the word after them round ("no workers were injured", "did not sign"),
#: team-written (en, de, es, fr).
_NEGATIONS = frozenset(
    """no not never none nobody nothing neither nor cannot kein keine keinen keinem keiner
    nicht nie niemand nichts ningún ninguna ninguno nadie nunca nada ne n' pas aucun aucune
    jamais rien""".split()
)
#: Words between a negation and the word it turns round ("no one was hurt").
_NEGATION_SKIP = frozenset("one single longer more".split())
_WORD_TOKEN = re.compile(r"[^\W\d_]+(?:[’'][^\W\d_]+)*|\d[\d.,]*")
#: A quotation of three words or more, in any of the usual marks.
_QUOTED = re.compile(r"[“\"«„]([^“”\"«»„]{8,}?)[”\"»“]")
_NOT_WORD = re.compile(r"[\W_]+")
_EDITED = re.compile(r"\[[^\]]*\]|…|\.\.\.")


@lru_cache(maxsize=50_000)
def negated_words(text: str) -> frozenset[str]:
    """The content words (as :func:`content_words` gives them) that a negation in ``text``
    turns round: the first one after "no", "not", "never", "nobody", "didn't", ... ("no
    workers were injured": ``worker``; "nobody was hurt": ``hurt``)."""
    out: set[str] = set()
    tokens = [t.lower().replace("’", "'") for t in _WORD_TOKEN.findall(text)]
    for i, tok in enumerate(tokens):
        if tok not in _NEGATIONS and not tok.endswith("n't"):
            continue
        for nxt in tokens[i + 1 : i + 5]:
            if nxt in _NEGATION_SKIP:
                continue
            words = content_words(nxt)
            if words:
                out.add(words[0])
                break
    return frozenset(out)


def contradicts(a: str, a_words, b: str, b_words) -> bool:
    """Whether two sentences that share their words say opposite things about one of them:
    one turns round a word the other, with no negation at all, states plainly ("No workers
    were injured" and "Three workers were injured"). A negation about a word only one of
    them has ("not a handgun") is not a contradiction, nor are two negations put
    differently ("found no evidence", "did not find evidence")."""
    neg_a, neg_b = negated_words(a), negated_words(b)
    if bool(neg_a) == bool(neg_b):  # "found no evidence" and "did not find evidence" agree
        return False
    return bool(neg_a & set(b_words) or neg_b & set(a_words))


@lru_cache(maxsize=1024)  # an article's text is read for each quoted sentence of its page
def _plain_words(text: str) -> str:
    return " ".join(_NOT_WORD.sub(" ", text.lower()).split())


def quotes_in(text: str, source: str) -> bool:
    """Whether every quotation of three words or more in ``text`` is in ``source`` (an
    article's text), word for word: an outlet is never cited for words it did not print."""
    plain = None
    for m in _QUOTED.finditer(text):
        # an editor's insertion ("President Xi [Jinping]") or a cut ("...") is not quoted
        for part in _EDITED.split(m.group(1)):
            quote = _plain_words(part)
            if len(quote.split()) < 3:
                continue
            if plain is None:
                plain = f" {_plain_words(source)} "
            if f" {quote} " not in plain:
                return False
    return True


def _balanced(text: str) -> bool:
    if text.count("“") != text.count("”"):
        return False
    if text.count('"') % 2:
        return False
    if text.count("«") != text.count("»"):
        return False
    return text.count("(") == text.count(")")


def attributed(text: str) -> bool:
    """Whether the sentence names a speaker ("said", "told", "according to")."""
    low = text.lower()
    if any(p in low for p in _ATTRIBUTION_PHRASES):
        return True
    return not ATTRIBUTION_WORDS.isdisjoint(_LOWER_WORD.findall(low))


def disputes(text: str) -> bool:
    """Whether the sentence carries a counter-account ("denied", "rejected", "but X said")."""
    low = text.lower()
    words = set(_LOWER_WORD.findall(low))
    if not _DISPUTE_WORDS.isdisjoint(words) or any(p in low for p in _DISPUTE_PHRASES):
        return True
    if _DISPUTE_START.search(low):
        return True
    if ("called" in words or "calling" in words) and not _DISMISSAL.isdisjoint(words):
        return True
    return "but" in words and bool(_BUT_SAID.search(text))


#: A speaker who is only a pronoun: '"...," she said', 'he told reporters', 'sagte sie'.
_SPEECH_VERBS = (
    "said says say added adds told tells asked explained noted continued went wrote writes "
    "insisted insists replied recalled warned warns argued answered stressed conceded admitted "
    "acknowledged"
)
_PRONOUN_SAID = re.compile(
    r"\b(?:he|she|they|it)\s+(?:also\s+|later\s+|then\s+)?(?:"
    + "|".join(_SPEECH_VERBS.split()).replace("went", "went on")
    + r")\b|\b(?:sagte|sagt|erklärte|fügte)\s+(?:er|sie)\b|\ba-t-(?:il|elle)\b"
    r"|\bont-(?:ils|elles)\b",
    re.IGNORECASE,
)
_PRONOUN_HINTS = (" he ", " she ", " they ", " it ", " er", " sie", "-t-il", "-t-elle", "ont-")

#: A name: a capitalised word ("Trump", "Civic"; "The" and "On" are function words).
_NAME = re.compile(r"\b[A-ZÀ-Þ][\w'’-]*")
_NOT_NAMES = FUNCTION_WORDS | frozenset(
    """
    monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december
    """.split()
)
#: An opening that names no one: "Asked about the offer, she said ...".
_ASKED = re.compile(r"^\W*(?:asked|speaking|responding|pressed|interviewed|writing)\b[^,]*,", re.I)


def pronoun_speaker(text: str) -> bool:
    """Whether the sentence's only speaker is a pronoun ('"...," she said'): it cannot be
    shown without the sentence before it, which says who "she" is."""
    low = text.lower()
    if not any(hint in low for hint in _PRONOUN_HINTS):
        return False  # (most sentences: a quick look before the patterns)
    outside = _QUOTED.sub(" ", text)
    m = _PRONOUN_SAID.search(outside)
    if not m:
        return False
    head = _ASKED.sub(" ", outside[: m.start()])
    if any(w.lower() not in _NOT_NAMES for w in _NAME.findall(head)):
        return False  # "Mayor Brandt erred when she said": she may be named before
    return not attributed(head + outside[m.end() :])  # "..., she said, Lenk told reporters"


#: Words of an accusation or a charge against someone, team-written; prefixes.
_ACCUSATION_STEMS = (
    "accus blam critici condemn faulted alleg beschuldig vorgeworfen vorwurf acus reproch".split()
)
_ACCUSATION = re.compile(
    r"\b(?:accus|blam|critici[sz]|condemn|faulted|alleg(?:es|ing|ations?|ed that)|"
    r"beschuldig|vorgeworfen|vorwurf|acus|reproch)",
    re.IGNORECASE,
)
#: Who is accused: the words after the accusing word, up to what they are accused of.
_ACCUSED_START = re.compile(r"^\w*\s*(?:that\s+|of\s+)?")
_ACCUSED_END = re.compile(
    r"\s(?:of|for|over|in|to|with|after|about|because|as|that|who|which|on|at)\s|[,;:.]"
)
_PASSIVE = re.compile(r"\b(?:was|were|is|are|been|being)\s+$", re.IGNORECASE)  # "was accused"
_SAID_WORD = re.compile(r"\b(?:" + "|".join(sorted(ATTRIBUTION_WORDS)) + r")\b", re.IGNORECASE)


def accusation(text: str) -> tuple[set[str], set[str]] | None:
    """For an accusation, the content words of the accuser and of the accused ("The Civic
    Alliance accused the city council of delaying repairs": ``{civic, alliance}``, ``{city,
    council}``); None for a sentence that accuses no one, or that carries the answer too
    ("..., which it denied")."""
    low = text.lower()
    if not any(stem in low for stem in _ACCUSATION_STEMS):
        return None  # (most sentences: a quick look before the patterns)
    outside = _QUOTED.sub(" ", text)
    m = _ACCUSATION.search(outside)
    if not m or disputes(text):
        return None
    before = outside[: m.start()]
    if _PASSIVE.search(before):  # "The council was accused by the Alliance of ..."
        return set(), set(content_words(before))
    after = _ACCUSED_START.sub("", outside[m.end() :])
    accused = " ".join(_ACCUSED_END.split(after, maxsplit=1)[0].split()[:6])
    return set(content_words(before)), set(content_words(accused))


def answers(text: str, accuser: set[str], accused: set[str]) -> bool:
    """Whether ``text``, a sentence that follows an accusation in the same article, is the
    accused side's answer: a denial, or the accused speaking ("Council member Peter Avis
    said the repairs had been funded" after an accusation of the city council)."""
    if disputes(text):
        return True
    outside = _QUOTED.sub(" ", text)
    said = _SAID_WORD.search(outside)
    if not said:
        return False
    before = outside[: said.start()]
    speaker = set(content_words(before))
    if not before.strip(" ,"):  # '"...," said Peter Avis'
        speaker = set(content_words(re.split(r"[,.;]", outside[said.end() :])[0]))
    return not speaker.isdisjoint(accused) and speaker.isdisjoint(accuser)


#: A figure and the word after it: "1,200 hectares", "40 percent", "40%", "12 people"; or a
#: figure alone at the end of its clause ("killing 12.", "rose to 15,").
_QUANTITY = re.compile(
    r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)"
    r"(?:\s*(%)|\s+(per\s?cent)\b|\s+([^\W\d_][\w'’-]*))?(?![\w-])"
)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
#: Words that say a figure counts the dead or the injured, by the first four letters of their
#: ``content_words`` form: "killing 12", "the death toll rose to 15", "15 dead", "12 people
#: were killed", "40 injured".
_CASUALTY = {
    "kill": "dead",
    "dead": "dead",
    "deat": "dead",
    "died": "dead",
    "toll": "dead",
    "fata": "dead",
    "inju": "injured",
    "woun": "injured",
    "hurt": "injured",
}
_TOLL = re.compile(r"\btoll\b", re.IGNORECASE)
#: Units that count people, which a casualty word beside them makes a toll ("12 people were
#: killed"); "12 buildings were destroyed, killing ..." counts buildings, not the dead.
_PEOPLE = frozenset(
    content_words(
        "people persons civilians soldiers children adults passengers workers residents "
        "migrants troops officers miners pilgrims tourists students men women others "
        "firefighters patients fans victims"
    )
)


def _casualty(before: list[str], unit: str | None, after: list[str]) -> str | None:
    """What a figure counts, dead or injured, by the casualty word nearest to it (the unit
    itself first, then outward: "12 killed and 40 injured" counts 40 injured), or None."""
    if unit is not None and unit[:4] in _CASUALTY:
        return _CASUALTY[unit[:4]]
    if unit is not None and unit not in _PEOPLE:
        return None
    nearest = [w for pair in zip_longest(after, reversed(before)) for w in pair if w]
    for word in nearest:
        if word[:4] in _CASUALTY:
            return _CASUALTY[word[:4]]
    return None


def quantities(text: str) -> dict[str, set[str]]:
    """The figures of a text by the quantity they give: the unit (the word after the figure,
    or percent) with what the sentence says of it, the content word just before the figure
    and the one just after the unit, within its clause ("has burned 1,200 hectares of
    forest": ``{"burn hectare": {"1200"}, "fore hectare": {"1200"}}``: a word's first four
    letters stand for its forms, "burns" and "burned"). Two reports give
    the same quantity only when one of these keys is the same: "arrested 3 people" and "left
    12 people injured" count different things. A toll is one quantity however it is worded:
    "killing 12", "12 people were killed" and "the death toll rose to 15" all give ``dead``
    (and "40 injured" ``injured``), by the casualty word nearest the figure (within three
    words; "toll" anywhere before it in its clause).
    A year, and a figure with no unit and no casualty word beside it ("15 on Tuesday") count
    nothing."""
    out: dict[str, set[str]] = defaultdict(set)
    for m in _QUANTITY.finditer(text):
        value = m.group(1).rstrip(",").replace(",", "")
        if _YEAR.match(m.group(1)):
            continue
        if m.group(2) or m.group(3):
            unit = "percent"
        else:
            words = content_words(m.group(4) or "")
            has_unit = bool(words) and m.group(4).lower() not in _NOT_NAMES
            unit = words[0] if has_unit else None
        end = m.end() if unit is not None else m.end(1)
        clause_before = re.split(r"[,;:.!?()]", text[: m.start()])[-1].split()
        clause_after = re.split(r"[,;:.!?()]", text[end:])[0].split()[:2]
        before, near = (
            [w for w in content_words(" ".join(words)) if not w[:1].isdigit()]
            for words in (clause_before[-2:], clause_before[-3:])  # "killed at least 12"
        )
        after = [w for w in content_words(" ".join(clause_after)) if not w[:1].isdigit()]
        counts = _casualty(near, unit, after)
        if counts is None and unit is None and _TOLL.search(" ".join(clause_before)):
            counts = "dead"  # "the death toll from the landslide in Orsk rose to 15"
        if counts:
            out[counts].add(value)
        if unit is None:
            continue
        # a word's first letters stand for its forms ("burns", "burned": "burn")
        if before:
            out[f"{before[-1][:4]} {unit}"].add(value)
        if after:
            out[f"{after[0][:4]} {unit}"].add(value)
    return dict(out)


def supersedes(new: dict[str, set[str]], old: dict[str, set[str]]) -> bool:
    """Whether figures ``new`` give another figure for a quantity of ``old`` (1,500 hectares
    for 1,200 hectares), without repeating old's."""
    return any(u in new and old[u] - new[u] and new[u] - old[u] for u in old)


def usable(text: str, *, opinion: bool = False, max_words: int = SENTENCE_MAX_WORDS) -> bool:
    """Whether a sentence can be quoted on its own (see the module docstring, step 3)."""
    words = text.split()
    if not SENTENCE_MIN_WORDS <= len(words) <= max_words:
        return False
    first = text.lstrip("\"“‘'(«„")[:1]
    if not first or not (first.isupper() or first.isdigit()):
        return False
    if not _END.search(text) or text.rstrip("\"”’'») ").endswith(("?", ":")):
        return False
    if text.upper() == text:
        return False
    if not _balanced(text) or is_debris(text):
        return False
    if text[:1] not in '"“‘«„' and _PRONOUN_START.match(text):
        return False  # (a pronoun inside an opening quote is the speaker's own)
    # a quote needs a speaker; a short quoted term or title ("Black Codes") does not
    spans = [m.group(0) for m in _QUOTED.finditer(text)]
    quoted = any(len(q.split()) > 4 for q in spans) or text[:1] in '"“‘«„'
    if quoted and not attributed(_QUOTED.sub(" ", text)):
        return False
    if not opinion:
        if _FIRST_PERSON.search(_QUOTED.sub(" ", text)):
            return False
    return True


# ---------------------------------------------------------------------------------------------
# Vectors


class _Space:
    """TF-IDF space of one story: vocabulary, IDF, sentence and document vectors."""

    def __init__(self, docs: list[Doc], sentences: list[Sentence]):
        vocab: dict[str, int] = {}
        doc_words: list[list[str]] = []
        for d in docs:
            words = content_words(d.title)
            for s in d.sentences[:MAX_SENTENCES]:
                words.extend(s.words)
            doc_words.append(words)
            for w in words:
                if w not in vocab:
                    vocab[w] = len(vocab)
        for s in sentences:
            for w in s.words:
                if w not in vocab:
                    vocab[w] = len(vocab)
        self.vocab = vocab
        n_docs = max(1, len(docs))
        df = np.zeros(len(vocab), dtype=np.float32)
        for words in doc_words:
            for w in set(words):
                df[vocab[w]] += 1
        self.idf = (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)
        self.doc_vectors = np.zeros((len(docs), len(vocab)), dtype=np.float32)
        for i, words in enumerate(doc_words):
            counts: dict[int, int] = defaultdict(int)
            for w in words:
                counts[vocab[w]] += 1
            if counts:
                idx = np.fromiter(counts.keys(), dtype=np.int64)
                tf = np.fromiter(counts.values(), dtype=np.float32)
                self.doc_vectors[i, idx] = (1.0 + np.log(tf)) * self.idf[idx]
        self.doc_vectors = _rows_normalised(self.doc_vectors)

    def binary(self, word_lists: list[list[str]]) -> np.ndarray:
        """Rows of IDF weights where a word is present (0 elsewhere)."""
        m = np.zeros((len(word_lists), len(self.vocab)), dtype=np.float32)
        for i, words in enumerate(word_lists):
            idx = [self.vocab[w] for w in set(words) if w in self.vocab]
            if idx:
                m[i, idx] = self.idf[idx]
        return m


def _rows_normalised(m: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


@dataclass
class _Mats:
    """Sentence matrices of one story (rows: sentences of the body docs and their copies)."""

    weights: np.ndarray  # IDF weight where a word is present
    present: np.ndarray  # 1.0 where a word is present
    totals: np.ndarray  # sum of a row's weights
    counts: np.ndarray  # number of distinct words in a row
    unit: np.ndarray  # weights, L2-normalised rows

    def inside(self, a: int, rows: np.ndarray) -> np.ndarray:
        """How much of sentence ``a``'s content (IDF-weighted) is inside each of ``rows``."""
        return (self.present[rows] @ self.weights[a]) / self.totals[a]


# ---------------------------------------------------------------------------------------------
# The writer


_POOLS: list = []


@contextmanager
def _one_blas_thread():
    """Run the small matrix products single-threaded: on a busy machine, BLAS threads that
    wait for each other cost more than they save on matrices this size (threadpoolctl, when
    installed; otherwise nothing changes)."""
    if not _POOLS:
        try:
            from threadpoolctl import ThreadpoolController

            _POOLS.append(ThreadpoolController())
        except ImportError:
            _POOLS.append(None)
    if _POOLS[0] is None:
        yield
        return
    with _POOLS[0].limit(limits=1, user_api="blas"):
        yield


@dataclass(eq=False)
class _Candidate:
    sentence: Sentence
    doc: Doc
    row: int  # row in the sentence matrices
    relevance: float = 0.0
    centrality: float = 0.0
    echo: float = 0.0
    n_words: int = 0
    usable: bool = True
    dispute: bool = False
    text: str = ""  # what is shown: the sentence, or its first clause for a highlight
    #: Sentences of the same article that must be on the page with this one (see
    #: :func:`_link_context`); None when this one cannot be shown (they are not usable).
    needs: list[_Candidate] | None = field(default_factory=list)
    after: _Candidate | None = None  # the sentence this one is shown right after
    #: Earlier sentences whose figures this one replaces (see ExtractiveWriter._supersede).
    replaces: list[_Candidate] = field(default_factory=list)


def _link_context(candidates: list[_Candidate]) -> None:
    """Mark the sentences that cannot be shown alone, and what each needs (``needs``,
    ``after``), so that every sentence keeps its speaker and an accusation keeps its answer:

    - a sentence whose only speaker is a pronoun ('"...," she said') needs the sentence
      before it in its article, shown right before it (and that one its own, when its
      speaker is a pronoun too);
    - an accusation needs the accused side's answer (:func:`answers`) when one of the next
      :data:`ANSWER_WITHIN` sentences of its article gives one, shown right after it; the
      answer needs the accusation in turn.

    A sentence whose needed neighbour is not usable gets ``needs = None``: it is never shown.
    """
    at = {(c.doc.index, c.sentence.position): c for c in candidates}
    for c in candidates:
        doc, pos = c.doc.index, c.sentence.position
        if pronoun_speaker(c.sentence.text):
            c.after = at.get((doc, pos - 1))
            c.needs = None if c.after is None else [c.after]
        charge = accusation(c.sentence.text)
        if charge is None or c.needs is None:
            continue
        following = c.doc.sentences[pos + 1 : pos + 1 + ANSWER_WITHIN]
        reply = next((s for s in following if answers(s.text, *charge)), None)
        if reply is None:
            continue
        answer = at.get((doc, reply.position))
        if answer is None:
            c.needs = None  # the article answers, but not in a sentence we can show
            continue
        c.needs.append(answer)
        if answer.needs is not None:
            answer.needs.append(c)
        answer.after = answer.after or c


class ExtractiveWriter:
    """Writes headline, highlights and story by selecting the sources' own sentences."""

    backend = "extractive"
    version = VERSION

    def write(self, docs: list[Doc]) -> Draft:
        """A draft from the story's docs. Only docs with role ``body`` give sentences; a doc
        with role ``copy`` (a syndicated copy) is cited only where its original is not."""
        with _one_blas_thread():
            return self._write(docs)

    def _write(self, docs: list[Doc]) -> Draft:
        body = [d for d in docs if d.role == "body" and d.sentences]
        copies = [d for d in docs if d.role == "copy" and d.sentences]
        if not body:
            return Draft(headline=self.headline(docs, [], None), highlights=[], story=[])
        # a sentence budget for the whole story bounds the cost of many long articles
        cap = max(MIN_SENTENCES, min(MAX_SENTENCES, SENTENCE_BUDGET // (len(body) + len(copies))))
        body = [replace(d, sentences=d.sentences[:cap]) for d in body]
        copies = [replace(d, sentences=d.sentences[:cap]) for d in copies]
        support = body + copies
        sentences = [s for d in support for s in d.sentences[:MAX_SENTENCES]]
        space = _Space(body, sentences)
        rows = {id(s): i for i, s in enumerate(sentences)}
        weights = space.binary([s.words for s in sentences])
        totals = weights.sum(axis=1)
        totals[totals == 0] = 1.0
        m = _Mats(
            weights=weights,
            present=(weights > 0).astype(np.float32),
            totals=totals,
            counts=np.maximum((weights > 0).sum(axis=1), 1).astype(np.float32),
            unit=_rows_normalised(weights),
        )

        # centroid: each outlet weighs the same
        per_outlet: dict[str, int] = defaultdict(int)
        for d in body:
            per_outlet[d.outlet] += 1
        centroid = np.zeros(len(space.vocab), dtype=np.float32)
        for i, d in enumerate(body):
            centroid += space.doc_vectors[i] / per_outlet[d.outlet]
        norm = float(np.linalg.norm(centroid))
        if norm:
            centroid /= norm

        candidates = [
            _Candidate(sentence=s, doc=d, row=rows[id(s)], text=s.text)
            for d in body
            for s in d.sentences[:MAX_SENTENCES]
        ]
        centrality = m.unit @ centroid
        for c in candidates:
            c.usable = usable(c.sentence.text)
            c.centrality = float(centrality[c.row])
        candidates = [c for c in candidates if c.usable and c.centrality > 0]
        _link_context(candidates)
        candidates, stale_titles = self._supersede(candidates, support, space)
        echo = self._echo(candidates, support, m)
        for c, e in zip(candidates, echo, strict=True):
            text = c.sentence.text
            c.n_words = len(text.split())
            c.dispute = disputes(text)
            c.echo = float(e)
            lead = 1.0 / math.sqrt(1.0 + c.sentence.position)
            c.relevance = c.centrality + ECHO_WEIGHT * c.echo + POSITION_WEIGHT * lead
            if attributed(text):
                c.relevance += ATTRIBUTION_BONUS
            if c.dispute:
                c.relevance += DISPUTE_BONUS
            charged = charged_terms_in(_QUOTED.sub(" ", text))
            if charged:  # the author's own judgement, not the news
                c.relevance -= LOADED_PENALTY + CHARGED_PENALTY * (len(charged) - 1)
        for c in candidates:  # a later report stands in for the earlier ones it replaces
            if c.replaces:
                c.relevance = max(c.relevance, *(o.relevance for o in c.replaces))

        pool = candidates
        pool.sort(key=lambda c: (-c.relevance, c.doc.index, c.sentence.position))
        short = []
        for c in pool:  # highlights: cut to ~35 words, the speaker kept
            if short and c.relevance < RELEVANCE_FLOOR * short[0].relevance:
                break  # below the floor of _select: never chosen
            if c.needs != []:
                continue  # a highlight stands alone
            text = shorten(c.sentence.text, HIGHLIGHT_MAX_WORDS, HIGHLIGHT_LONG_WORDS)
            if text == c.sentence.text:
                short.append(c)
            elif text:
                short.append(replace(c, text=text, n_words=len(text.split())))
        # the figures each article states, and the articles merged into a chosen sentence
        figures = {
            d.index: {w for s in d.sentences for w in s.words if w[:1].isdigit()} for d in support
        }
        merged: dict[int, set[int]] = defaultdict(set)
        highlights = self._select(
            short,
            m,
            merged=merged,
            figures=figures,
            limit_words=None,
            count=HIGHLIGHTS,
            max_words=HIGHLIGHT_LONG_WORDS,
            redundant=HIGHLIGHT_REDUNDANT,
            plain=HIGHLIGHT_PLAIN,
        )
        story = self._select(
            pool,
            m,
            merged=merged,
            figures=figures,
            limit_words=STORY_TARGET,
            count=None,
            max_words=SENTENCE_MAX_WORDS,
            redundant=REDUNDANT_OVERLAP,
            plain=STORY_PLAIN,
        )
        story = self._add_counter_accounts(story, pool, m)
        story = self._with_context(story, m)
        story = self._order(story, m)
        highlights.sort(key=lambda c: (-c.relevance, c.doc.index, c.sentence.position))
        citations = self._citations(highlights + story, support, m, rows, figures, merged)

        top = story[0] if story else (highlights[0] if highlights else None)
        return Draft(
            headline=self.headline(
                docs, body, top, centroid=centroid, space=space, stale=stale_titles
            ),
            highlights=[Passage(c.text, citations[id(c)]) for c in highlights],
            story=[Passage(c.text, citations[id(c)]) for c in story],
        )

    # -- later reports ----------------------------------------------------------------------

    @staticmethod
    def _supersede(candidates, support, space) -> tuple[list[_Candidate], set[int]]:
        """The candidates without those a later report replaces, and the indices of the docs
        whose title a later report replaces.

        A sentence (or title) is replaced when a sentence of an article published at least
        :data:`SUPERSEDE_AFTER` later gives another figure for one of its quantities
        (:func:`supersedes`: "1,500 hectares" after "1,200 hectares") and covers at least
        :data:`SUPERSEDE_OVERLAP` of its other content (IDF-weighted): the same fact, updated.
        The replacing candidate records what it replaces (``replaces``: it inherits their
        relevance); a candidate that needs a replaced one cannot be shown (``needs = None``).
        """
        dated = [d.published for d in support if d.published is not None]
        if not dated or max(dated) - min(dated) < SUPERSEDE_AFTER:
            return candidates, set()
        idf = {w: float(space.idf[i]) for w, i in space.vocab.items()}

        def content(words) -> set[str]:
            return {w for w in words if not w[:1].isdigit()}

        # the later reports: every sentence with figures of a dated article
        reports = []
        by_sentence = {id(c.sentence): c for c in candidates}
        for d in support:
            if d.published is None:
                continue
            for sent in d.sentences[:MAX_SENTENCES]:
                q = quantities(sent.text)
                if q:
                    reports.append((d.published, q, content(sent.words), sent))

        def replaced_by(published, text, words):
            if published is None:
                return []
            q = quantities(text)
            if not q:
                return []
            own = content(words)
            total = sum(idf.get(w, 0.0) for w in own) or 1.0
            return [
                sent
                for at, new_q, new_words, sent in reports
                if at - published >= SUPERSEDE_AFTER
                and supersedes(new_q, q)
                and sum(idf.get(w, 0.0) for w in own & new_words) / total >= SUPERSEDE_OVERLAP
            ]

        stale: set[int] = set()
        for c in candidates:
            newer = replaced_by(c.doc.published, c.sentence.text, c.sentence.words)
            if newer:
                stale.add(id(c))
                for sent in newer:
                    if id(sent) in by_sentence:
                        by_sentence[id(sent)].replaces.append(c)
        stale_titles = {
            d.index
            for d in support
            if replaced_by(d.published, d.title or "", content_words(d.title or ""))
        }
        kept = [c for c in candidates if id(c) not in stale]
        for c in kept:
            c.replaces = [o for o in c.replaces if id(o) in stale]
            if c.needs and any(id(n) in stale for n in c.needs):
                c.needs = None  # (its speaker or its answer is out of date)
        return kept, stale_titles

    # -- scoring ----------------------------------------------------------------------------

    @staticmethod
    def _echo(candidates: list[_Candidate], support: list[Doc], m: _Mats) -> np.ndarray:
        """Per candidate: mean over the other outlets of the best IDF-weighted overlap."""
        outlets = sorted({d.outlet for d in support})
        if len(outlets) < 2 or not candidates:
            return np.zeros(len(candidates), dtype=np.float32)
        index = {o: i for i, o in enumerate(outlets)}
        outlet_idx = np.array(
            [index[d.outlet] for d in support for _s in d.sentences[:MAX_SENTENCES]],
            dtype=np.int64,
        )
        rows = np.array([c.row for c in candidates], dtype=np.int64)
        # only words reported by at least two outlets can overlap across outlets
        by_outlet = np.zeros((len(outlets), m.weights.shape[1]), dtype=bool)
        for i in range(len(outlets)):
            by_outlet[i] = m.present[outlet_idx == i].any(axis=0)
        shared = np.flatnonzero(by_outlet.sum(axis=0) >= 2)
        if shared.size == 0:
            return np.zeros(len(candidates), dtype=np.float32)
        inter = m.weights[np.ix_(rows, shared)] @ m.present[:, shared].T
        overlap = inter / m.totals[rows][:, None]
        cand_outlet = outlet_idx[rows]
        echo = np.zeros(len(candidates), dtype=np.float32)
        for i in range(len(outlets)):
            best = overlap[:, outlet_idx == i].max(axis=1)
            best[cand_outlet == i] = 0.0
            echo += best
        return echo / (len(outlets) - 1)

    def _select(
        self,
        pool,
        m: _Mats,
        *,
        merged: dict[int, set[int]],
        figures: dict[int, set[str]],
        limit_words,
        count,
        max_words,
        redundant,
        plain=False,
    ):
        """Maximal marginal relevance over ``pool`` (sorted by relevance, best first).

        A candidate that says again what a chosen sentence says is left out: mostly inside it
        (``redundant``), or a near-repeat from another outlet (each :data:`NEAR_REPEAT` inside
        the other, no figure of its own, and its article states every figure of the chosen
        one), whose article is then cited for the chosen sentence (``merged``, by row).
        """
        if not pool:
            return []
        floor = RELEVANCE_FLOOR * pool[0].relevance
        remaining = [c for c in pool if c.n_words <= max_words and c.relevance >= floor]
        if not remaining:
            return []
        rows = np.array([c.row for c in remaining], dtype=np.int64)
        relevance = np.array([c.relevance for c in remaining], dtype=np.float64)
        n_words = np.array([c.n_words for c in remaining], dtype=np.int64)
        outlets = sorted({c.doc.outlet for c in remaining})
        outlet_of = np.array([outlets.index(c.doc.outlet) for c in remaining], dtype=np.int64)
        keys = [" ".join(c.sentence.text.lower().split()) for c in remaining]
        used = np.zeros(len(outlets), dtype=np.float64)
        max_sim = np.zeros(len(remaining), dtype=np.float64)
        max_inside = np.zeros(len(remaining), dtype=np.float64)
        alive = np.ones(len(remaining), dtype=bool)
        chosen: list[_Candidate] = []
        words = 0
        while True:
            if count is not None and len(chosen) >= count:
                break
            if limit_words is not None and words >= limit_words:
                break
            mask = alive & (max_inside < redundant)
            if limit_words is not None:
                mask &= words + n_words <= STORY_MAXIMUM
            if not mask.any():
                break
            score = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * max_sim - 0.05 * used[outlet_of]
            score[~mask] = -np.inf
            j = int(np.argmax(score))  # ties: the first, i.e. the pool's order
            best = remaining[j]
            chosen.append(best)
            words += best.n_words
            used[outlet_of[j]] += 1
            alive[j] = False
            for i, key in enumerate(keys):
                if key == keys[j]:
                    alive[i] = False
            cols = np.flatnonzero(m.present[best.row])  # the chosen sentence's words
            block = np.ix_(rows, cols)
            max_sim = np.maximum(max_sim, m.unit[block] @ m.unit[best.row, cols])
            inside = m.weights[block].sum(axis=1) / m.totals[rows]
            back = (m.present[block] @ m.weights[best.row, cols]) / m.totals[best.row]
            near = alive & (np.minimum(inside, back) >= NEAR_REPEAT) & (outlet_of != outlet_of[j])
            for i in np.flatnonzero(near):
                if self._same_fact(best, remaining[i], figures):
                    alive[i] = False
                    merged[best.row].add(remaining[i].doc.index)
            if plain:  # unweighted too: common words count as much as rare ones
                inside = np.maximum(inside, m.present[block].sum(axis=1) / m.counts[rows])
            for i in np.flatnonzero(inside >= min(redundant, NEAR_REPEAT)):
                # "no workers were injured" after "three workers were injured": another
                # account, not a repeat; it may still be chosen
                other = remaining[i]
                if contradicts(best.text, best.sentence.words, other.text, other.sentence.words):
                    inside[i] = 0.0
            max_inside = np.maximum(max_inside, inside)
        return chosen

    @staticmethod
    def _same_fact(chosen: _Candidate, other: _Candidate, figures) -> bool:
        """Whether a near-repeat states the same fact: no figure the chosen sentence lacks,
        and its article states every figure of the chosen one (12 dead and 15 dead are two
        accounts, both shown), neither turns round a word the other states (:func:`contradicts`),
        and its article prints every quotation of the chosen one."""
        own = {w for w in chosen.sentence.words if w[:1].isdigit()}
        theirs = {w for w in other.sentence.words if w[:1].isdigit()}
        return (
            theirs <= own <= figures[other.doc.index]
            and not contradicts(
                chosen.text, chosen.sentence.words, other.text, other.sentence.words
            )
            and quotes_in(chosen.text, other.doc.text)
        )

    def _add_counter_accounts(self, story, pool, m: _Mats):
        """Keep a counter-account (a denial, a rejection) when the story has none."""
        if not story or any(c.dispute for c in story):
            return story
        chosen = {id(c) for c in story}
        words = sum(c.n_words for c in story)
        for c in pool:
            if not c.dispute or id(c) in chosen or c.n_words > SENTENCE_MAX_WORDS:
                continue
            if c.needs is None:
                continue  # cannot be shown (see _link_context)
            others = [s for s in story if s.doc.outlet != c.doc.outlet]
            if not others:
                continue
            if float(m.inside(c.row, np.array([s.row for s in others])).max()) < 0.2:
                continue  # not about what the story says
            if float(m.inside(c.row, np.array([s.row for s in story])).max()) >= (
                REDUNDANT_OVERLAP
            ):
                continue
            while words + c.n_words > STORY_MAXIMUM:
                drop = min(
                    (s for s in story[1:] if not s.dispute),
                    key=lambda s: s.relevance,
                    default=None,
                )
                if drop is None:
                    break
                story = [s for s in story if s is not drop]
                words -= drop.n_words
            if words + c.n_words <= STORY_MAXIMUM:
                return story + [c]
        return story

    @staticmethod
    def _with_context(story, m: _Mats):
        """The story with the sentences its sentences need (``needs``: a pronoun's speaker, an
        accusation's answer), brought in when they fit (<= STORY_MAXIMUM words) and say
        something not said already; a sentence that cannot have them is left out, and so is
        every sentence that needs it."""
        chosen = list(story)
        refused: set[int] = set()

        def repeats(n: _Candidate, c: _Candidate) -> bool:  # the story (but c) says n already
            rows = np.array([s.row for s in chosen if s is not c], dtype=np.int64)
            return bool(rows.size) and float(m.inside(n.row, rows).max()) >= REDUNDANT_OVERLAP

        while True:
            ids = {id(c) for c in chosen}
            words = sum(c.n_words for c in chosen)
            for c in chosen:
                if c.needs is not None:
                    missing = [n for n in c.needs if id(n) not in ids]
                    if not missing:
                        continue
                    if (
                        all(n.needs is not None and id(n) not in refused for n in missing)
                        and not any(repeats(n, c) for n in missing)
                        and words + sum(n.n_words for n in missing) <= STORY_MAXIMUM
                    ):
                        chosen.extend(missing)
                        break
                refused.add(id(c))
                chosen.remove(c)
                break
            else:
                return chosen

    def _order(self, story, m: _Mats):
        """Leads first (by position in their article), the most relevant lead on top; a
        counter-account right after the claim it answers."""
        if not story:
            return story
        ordered = sorted(
            story,
            key=lambda c: (min(c.sentence.position, 6), -c.relevance, c.doc.index),
        )
        first = min(c.sentence.position for c in story)
        top = max(
            (c for c in story if c.sentence.position == first),
            key=lambda c: (c.relevance, -c.doc.index),
        )
        ordered.remove(top)
        ordered.insert(0, top)
        for c in [c for c in ordered if c.dispute]:
            claims = [s for s in ordered if s.doc.outlet != c.doc.outlet and not s.dispute]
            if not claims:
                continue
            overlap = m.inside(c.row, np.array([s.row for s in claims], dtype=np.int64))
            j = int(np.argmax(overlap))
            if float(overlap[j]) < 0.2:
                continue
            ordered.remove(c)
            ordered.insert(ordered.index(claims[j]) + 1, c)
        # a sentence that needs another (a pronoun's speaker, the accusation it answers) stays
        # right after it; so does a quote after the sentence it follows in its article
        for c in sorted(ordered, key=lambda c: (c.doc.index, c.sentence.position)):
            if c is ordered[0]:
                continue
            before = [s for s in ordered if s is c.after]
            if not before and _QUOTED.search(c.text):
                before = [
                    s
                    for s in ordered
                    if s.doc.index == c.doc.index and s.sentence.position == c.sentence.position - 1
                ]
            if before:
                ordered.remove(c)
                ordered.insert(ordered.index(before[0]) + 1, c)
        return ordered

    @staticmethod
    def _citations(chosen, support, m: _Mats, rows, figures, merged) -> dict[int, list[int]]:
        """Per chosen candidate: the indices of the docs that support it, its own first (the
        page cites a syndicated copy only where its original is not: ``page.cited_urls``)."""
        if not chosen:
            return {}
        sel = np.array([c.row for c in chosen], dtype=np.int64)
        inside = (m.present @ m.weights[sel].T) / m.totals[sel][None, :]  # sentences x chosen
        doc_rows = {
            d.index: np.array([rows[id(s)] for s in d.sentences[:MAX_SENTENCES]], dtype=np.int64)
            for d in support
        }
        doc_text = {d.index: " ".join(d.text.split()) for d in support}
        out: dict[int, list[int]] = {}
        for k, c in enumerate(chosen):
            cited = [c.doc.index]
            cited += sorted(merged.get(c.row, set()) - {c.doc.index})
            own_numbers = {w for w in c.sentence.words if w[:1].isdigit()}
            text_norm = " ".join(c.sentence.text.split())
            for d in support:
                if d.index in cited:
                    continue
                if text_norm in doc_text[d.index]:
                    cited.append(d.index)
                    continue
                r = doc_rows[d.index]
                if not r.size or own_numbers - figures[d.index]:
                    continue
                close = np.flatnonzero(inside[r, k] >= CITE_OVERLAP)
                # it states the same thing: a sentence that shares the words and says it is
                # so (or not so) alike, and every quotation printed in the article itself
                if any(
                    not contradicts(c.text, c.sentence.words, o.text, o.words)
                    for o in (d.sentences[i] for i in close)
                ) and quotes_in(c.text, doc_text[d.index]):
                    cited.append(d.index)
            out[id(c)] = cited
        return out

    # -- headline ---------------------------------------------------------------------------

    def headline(self, docs, body, top, *, centroid=None, space=None, stale=frozenset()) -> str:
        """The headline (module docstring, step 7); the titles of the docs in ``stale`` (whose
        figures a later report replaces, see :meth:`_supersede`) are not used."""
        outlet_names = {d.outlet for d in docs if d.outlet}
        titles = []
        for d in body or [d for d in docs if d.role in ("body", "copy", "stub", "empty")]:
            if d.index in stale:
                continue
            title = clean_headline(d.title, outlet_names | {_host_word(d.url)})
            if title and headline_ok(title, outlet_names):
                titles.append((d, title))
        if titles:
            if space is not None and centroid is not None:
                vecs = _rows_normalised(space.binary([content_words(t) for _d, t in titles]))
                scores = vecs @ centroid
                best = int(np.argmax(scores))
                if float(scores[best]) > 0:
                    return titles[best][1]
            return titles[0][1]
        if top is not None:
            compressed = compress(top.sentence.text)
            if compressed:
                return compressed
        for d in docs:  # any title (opinion too) that passes the checks once shortened
            title = _truncate(clean_headline(d.title, outlet_names | {_host_word(d.url)}))
            if headline_ok(title, outlet_names):
                return title
        return ""


_TRIM_AT = re.compile(
    r",\s+(?:which|who|as|while|after|amid|following|including|days after|hours after|"
    r"weeks after|a move|a decision|the latest|the first|in a|in an|with|where|when|despite|"
    r"(?!(?:some|no|any|every)thing\b|morning\b|evening\b|king\b|spring\b|string\b)"
    r"[a-z]{2,}ing)\s"  # a participial phrase: ", killing at least 13 people"
    r"|;\s|\s(?:[—–]|--)\s|\s(?:as|after|amid|while|following)\s"
    r"|\s(?:in an? (?:attempt|bid|effort|move|shift|sign|step))\s"
)


_DASH = re.compile(r"\s(?:[—–]|--)\s")
_DANGLING = re.compile(
    r"\b(?:a|an|the|about|just|shortly|soon|only|even|long|right|immediately|days?|weeks?|"
    r"months?|years?|hours?|minutes?|moments?|decades?|century|centuries|not|than|so|such|"
    r"same|well|much)$",
    re.IGNORECASE,
)
_OPEN_BETWEEN = re.compile(r"\bbetween\s(?!.*(?:\band\b|&)).*$", re.IGNORECASE)
#: Before a bare " as ", words after which "as" is a preposition, not a new clause.
_AS_PREPOSITION = re.compile(
    r"(?:[a-z]{2,}(?:ed|ing|en)|known|such|seen|[)\]]|"
    r"\b(?!(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b)[A-Z][\w.’'-]*)$"
)


def trim(sentence: str, max_words: int) -> str | None:
    """The sentence cut after its main clause (<= ``max_words``), or None when it cannot be
    cut safely: the tail must hold no speaker and no quote, the head must be balanced and
    have at least 10 words, and must not end inside an aside, "between ... and ..." or a
    dangling phrase ("more than a century"), nor before a preposition "as"."""
    best = None
    for m in _TRIM_AT.finditer(sentence):
        head = sentence[: m.start()].rstrip(" ,;")
        tail = sentence[m.start() :]
        n = len(head.split())
        if n > max_words:
            break
        if n < 10 or attributed(tail) or _QUOTED.search(tail) or any(q in tail for q in '"“”'):
            continue
        if m.group(0) == " as " and _AS_PREPOSITION.search(head):
            continue  # "worked as", "presenting as", "Price (R., Ga.) as": no clause follows
        if _OPEN_BETWEEN.search(head):
            continue  # "a standoff between the senators[, who ..., and the majority]"
        if _DASH.match(tail) and _DASH.search(tail, 3):
            continue  # the dash opens an aside: what comes before it is no clause
        if len(_DASH.findall(head)) % 2:
            continue  # an aside opened and not closed
        last = head.rsplit(None, 1)[-1]  # (the last word only: a search of the head is slow)
        if not _balanced(head) or _PRONOUN_START.match(head) or _DANGLING.search(last):
            continue
        best = head
    if best is None:
        return None
    return best.rstrip(".") + "."


#: Asides a sentence reads the same without: a parenthesis ("(D-Calif.)"), a pair of dashes,
#: a non-restrictive clause between commas (", who ... ,").
#: A word that looks like a verb ("is", "resigned", "faces").
_VERBISH = (
    r"(?:is|was|are|were|has|had|have|will|would|could|can|may|might|must|should|did|does|"
    r"[a-z]{2,}ed|(?!this\b|thus\b|plus\b)[a-z]{2,}[^s\W]s)\b"
)
_ASIDE = re.compile(
    r"\s\([^()]{1,80}\)(?=[\s,.;:])"
    r"|\s(?:[—–]|--)\s[^—–]{1,160}?\s(?:[—–]|--)(?=\s)"
    r"|,\s(?:which|who|whose)\s[^,;:]{1,160}?,(?=\s" + _VERBISH + ")"  # "Ana, who ..., is"
)
_VERB_NEXT = re.compile(r"\s*" + _VERBISH)
_QUOTE_CHARS = '"“”«»„'


def _asides(sentence: str) -> list[tuple[int, int]]:
    """Spans of the asides that can go: no speaker and no quote in them."""
    out = []
    for m in _ASIDE.finditer(sentence):
        aside = m.group(0)
        if attributed(aside) or any(q in aside for q in _QUOTE_CHARS):
            continue
        before = sentence[: m.start()].split()
        if aside[0] == "," and not (before and before[-1][:1].isupper()):
            continue  # a clause between commas goes only after a name
        out.append(m.span())
    return out


_INTRO = re.compile(
    r"(?:In|On|At|After|Before|Despite|Amid|During|Since|With|Without|Following|Under|"
    r"Over|Through|While|When|Although|Though|Because|If|As)\s"
)


def shorten(sentence: str, max_words: int, longest: int | None = None) -> str | None:
    """The sentence in at most ``max_words`` words (else, when ``longest`` is given, in at
    most ``longest``), keeping its speaker, or None: asides left out (:data:`_ASIDE`), or cut
    after its main clause (:func:`trim`), or both; the longest such version wins."""
    n = len(sentence.split())
    limits = [max_words] if longest is None else [max_words, longest]
    if n <= max(limits):
        if n <= max_words:
            return sentence
        limits = [max_words]  # the whole sentence is the fallback
    spans = _asides(sentence)
    brackets = [sp for sp in spans if sentence[sp[0] + 1] == "("]
    groups = [brackets] if brackets else []  # party tags and the like: all or none
    groups += [[sp] for sp in spans if sp not in brackets][:3]
    shorter = []  # the sentence without some of its asides
    for mask in range(1, 1 << len(groups)):
        text, last = [], 0
        chosen = sorted(sp for k, g in enumerate(groups) if mask >> k & 1 for sp in g)
        for a, b in chosen:
            text.append(sentence[last:a])
            if (
                sentence[a + 1] in "—–-"
                and _INTRO.match(sentence)
                and "," not in sentence[:a]
                and not _VERB_NEXT.match(sentence, b)
            ):
                text.append(",")  # "On the third night — ... — the former president"
            last = b
        text.append(sentence[last:])
        short = "".join(text)
        if len(short.split()) >= 10 and _balanced(short):
            shorter.append(short)
    for limit in limits:
        options = [cut] if (cut := trim(sentence, limit)) else []
        for short in shorter:
            if len(short.split()) <= limit:
                options.append(short)
            elif cut := trim(short, limit):
                options.append(cut)
        if options:
            return max(options, key=lambda t: (len(t.split()), -options.index(t)))
    return sentence if n <= max(max_words, longest or 0) else None


# ---------------------------------------------------------------------------------------------
# Headline helpers

_LABEL_PREFIX = re.compile(
    r"^(?:breaking(?: news)?|live(?: updates?)?|watch|video|update[d]?|exclusive|opinion|"
    r"analysis|editorial|commentary|just in|developing|photos?|listen|podcast|explainer|"
    r"fact check)\s*[:|\-–—]\s*",
    re.IGNORECASE,
)
_SUFFIX = re.compile(r"\s+[|\-–—:]\s+([^|\-–—:]{2,60})$")
_QUESTION = re.compile(r"\?\s*$")


def _host_word(url: str) -> str:
    m = re.match(r"^[a-z]+://(?:www\.)?([^/:]+)", url or "", re.IGNORECASE)
    if not m:
        return ""
    parts = m.group(1).lower().split(".")
    return parts[-2] if len(parts) >= 2 else parts[0]


@lru_cache(maxsize=4096)
def _squash(text: str) -> str:
    return re.sub(r"[^\w]", "", text.lower())


def clean_headline(title: str, outlet_names: set[str]) -> str:
    """A title without outlet suffixes (" - CNN", " | Reuters"), labels ("LIVE:") and a
    trailing full stop."""
    title = " ".join((title or "").split())
    names = {_squash(n) for n in outlet_names if n and len(_squash(n)) >= 2}
    for _ in range(3):
        m = _SUFFIX.search(title)
        if not m:
            break
        tail = _squash(m.group(1))
        brandish = " | " in m.group(0) or any(n in tail or tail in n for n in names if tail)
        if not brandish:
            break
        title = title[: m.start()].rstrip()
    title = _LABEL_PREFIX.sub("", title).strip()
    if title.endswith(".") and not title.endswith(("..", "U.S.", "U.K.", "Jr.", "Inc.")):
        title = title[:-1].rstrip()
    return title


def headline_ok(title: str, outlet_names: set[str] = frozenset()) -> bool:
    """The neutrality checks for a headline (see the module docstring, step 7)."""
    if not title or len(title) > HEADLINE_MAX_CHARS or len(title.split()) < 4:
        return False
    if _QUESTION.search(title) or "!" in title:
        return False
    letters = [ch for ch in title if ch.isalpha()]
    if letters and sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
        return False
    if title[:1] in "\"“‘'«„":
        return False
    if loaded_terms_in(title):
        return False
    if _FIRST_PERSON.search(_QUOTED.sub(" ", title)):
        return False
    low = f" {_squash_spaces(title)} "
    for name in outlet_names:
        n = _squash_spaces(name)
        if len(n) >= 3 and f" {n} " in low:
            return False
    return True


def _squash_spaces(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.lower()).split())


_CLAUSE = re.compile(
    r",\s+(?:which|who|where|while|as|after|before|amid|saying|according to|but|and)\b|"
    r",\s+(?:a|an|the)\s[^,]{0,50}\s(?:said|says)\b|"
    r";|\s[—–]\s|\s+(?:after|amid|as|while|because|despite)\s"
)


_TRAILING_ATTRIBUTION = re.compile(
    r",\s+(?:[^,\"“”]{0,60}?\s)?(?:said|says|told [^,]{1,40}|reported|announced|"
    r"according to [^,]{1,60})(?:\s+(?:on|late|early)?\s*\w+day)?\s*$"
    r"|,?\s+according to [^,]{1,60}$"
)
_WEAK_END = frozenset("a an the of to and or in on at for with by from as that".split())


def _truncate(text: str, limit: int = HEADLINE_MAX_CHARS) -> str:
    if len(text) <= limit:
        return text
    words = text[: limit - 1].rsplit(" ", 1)[0].split()
    while len(words) > 1 and (words[-1].lower() in _WEAK_END or words[-1][-1] in ",;:-–—"):
        words.pop()
    return " ".join(words).rstrip(",;:-–— ") + "…"


def compress(sentence: str) -> str:
    """A headline from a sentence: the first clause that says what happened, <= 90 chars."""
    text = " ".join(sentence.split()).rstrip()
    text = re.sub(r"[.!]+([\"”’']*)$", r"\1", text)
    if len(text) <= HEADLINE_MAX_CHARS and headline_ok(text):
        return text
    bare = _TRAILING_ATTRIBUTION.sub("", text)  # a headline states the news, not who said it
    if bare != text and len(bare.split()) >= 5:
        if len(bare) <= HEADLINE_MAX_CHARS and headline_ok(bare):
            return bare
        text = bare
    best = ""
    for m in _CLAUSE.finditer(text):  # the longest head that fits
        head = text[: m.start()].rstrip(" ,;")
        if len(head) > HEADLINE_MAX_CHARS:
            break
        if len(head.split()) >= 5 and _balanced(head) and headline_ok(head):
            best = head
    if best:
        return best
    short = _truncate(text)
    return short if headline_ok(short) else ""
