"""Lexical signals for story assignment: tokens, stop words, key terms and window TF-IDF.

Everything here is plain Python over short texts (a title and the first paragraphs):

- :func:`tokens` splits a text into lower-case word tokens with a light plural stemmer;
  stop words (English, plus the commonest German, Spanish and French function words) are
  removed, numbers are kept with their digit grouping removed (``385,000`` -> ``385000``).
  The tokenizer, function words, number forms and stemmer are :mod:`newsloom.words`, shared
  with the story writer; the stop words here add words of time and common verbs.
- :func:`key_terms` finds the terms that name things: runs of capitalised words inside
  sentences (people, places, organisations: ``White House``, ``Pfizer``), acronyms (``FDA``)
  and numbers. A capitalised word that only appears at the start of a sentence, or in a
  headline written in Title Case, is not a name unless the text also capitalises it
  elsewhere. Each word of a name counts, and so does each pair of adjacent words, so
  ``President Joe Biden`` shares ``biden`` with ``Biden`` and ``joe biden`` with ``Joe Biden``.
- :class:`DocFreq` keeps document frequencies over the documents currently in the time
  window (added when an article arrives, removed when it expires), so IDF describes what is
  common *now* (``covid`` during a pandemic), not in some fixed corpus.
- :func:`weighted` and :func:`cosine` turn term counts into sublinear TF-IDF vectors
  (``1 + log tf`` times smoothed IDF, L2-normalised) and compare them.

No word list here was derived from any evaluation data: the stop lists are the usual function
words of each language plus words of time and a few verbs every newswire uses.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from newsloom.words import FUNCTION_WORDS, TOKEN, normalise_number, stem

#: Words that carry no topic for clustering: the function words every part of newsloom drops,
#: and words of time and common verbs that any report may use (days named are a signal of
#: their own, :func:`weekdays`).
STOP_WORDS: frozenset[str] = FUNCTION_WORDS | frozenset(
    """
    last new next week weeks year years day days today yesterday tomorrow monday tuesday
    wednesday thursday friday saturday sunday time times way back first two three going want
    wants go goes went come comes came take takes took know knows think thinks tell tells asked
    ask asks call called calls
    """.split()
)

_SENTENCE_END = re.compile(r"[.!?:;\"“”‘«»¿¡(\[]\s*$|^\s*$|[\n\r—–-]\s*$")


def _norm(tok: str) -> str:
    if tok[0].isdigit():
        return normalise_number(tok)
    low = tok.lower()
    if "." in low:  # U.S. -> us, the same term as US
        return low.replace(".", "")
    if _acronym(tok):
        return low
    return stem(low)


def _shouting(text: str) -> bool:
    """Mostly capital letters (an all-caps headline): capitals then mark no acronyms."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 8 and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def tokens(text: str) -> list[str]:
    """Lower-case, stemmed content tokens of ``text`` (stop words and 1-letter words removed).

    An acronym is kept even when it spells a stop word (``US``, ``WHO``), unless the whole
    text is in capitals; ``U.S.`` and ``US`` give the same token."""
    text = text or ""
    caps = not _shouting(text)
    out = []
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        if caps and _acronym(tok):
            out.append(_norm(tok))
            continue
        low = tok.lower()
        if low in STOP_WORDS or (len(tok) == 1 and not tok.isdigit()):
            continue
        norm = _norm(tok)
        if norm and norm not in STOP_WORDS:
            out.append(norm)
    return out


def _is_title_case(title: str) -> bool:
    """Headline style where most words are capitalised ("Jobless Claims Drop to 385,000")."""
    words = [w for w in re.findall(r"[^\W\d_]+", title) if w.lower() not in STOP_WORDS]
    if len(words) < 3:
        return False
    caps = sum(w[0].isupper() for w in words)
    return caps >= 0.75 * len(words)


def _name_runs(text: str) -> tuple[list[list[str]], set[str]]:
    """Runs of adjacent capitalised tokens, and the words capitalised inside a sentence.

    Numbers are not part of runs. A run is broken by any lower-case token or punctuation
    other than a space between its words.
    """
    runs: list[list[str]] = []
    inner: set[str] = set()
    current: list[str] = []
    last_end = 0
    for m in TOKEN.finditer(text):
        tok = m.group(0)
        gap = text[last_end : m.start()]
        sentence_start = bool(_SENTENCE_END.search(text[max(0, m.start() - 3) : m.start()])) or (
            m.start() == 0
        )
        last_end = m.end()
        capital = tok[0].isupper()
        if current and (not capital or gap.strip() not in ("", "&")):
            runs.append(current)
            current = []
        if not capital or tok[0].isdigit():
            continue
        if not sentence_start:
            inner.add(tok.lower())
        current.append(tok)
    if current:
        runs.append(current)
    return runs, inner


def _acronym(tok: str) -> bool:
    letters = tok.replace(".", "")
    return len(letters) >= 2 and letters.isupper() and letters.isalpha()


def key_terms(title: str, text: str) -> list[str]:
    """Names, acronyms and numbers in a title and text, normalised, in order, de-duplicated.

    Returns single words (``biden``) and adjacent pairs inside a name (``white house``).
    """
    title = title or ""
    text = text or ""
    body_runs, body_inner = _name_runs(text)
    title_runs, title_inner = _name_runs(title)
    title_case = _is_title_case(title)
    seen: dict[str, None] = {}

    def emit(runs: list[list[str]], inner: set[str], trusted: set[str] | None) -> None:
        for run in runs:
            words = []
            for tok in run:
                if (tok.lower() in STOP_WORDS and not _acronym(tok)) or len(tok) < 2:
                    if words:
                        break  # "The White House" keeps going; "Biden And" stops
                    continue
                words.append(tok)
            if trusted is None:
                segments = [words]
            else:  # keep only the trusted words, each stretch of them a name of its own
                segments, current = [], []
                for w in words:
                    if _acronym(w) or w.lower() in trusted:
                        current.append(w)
                    else:
                        segments.append(current)
                        current = []
                segments.append(current)
            for seg in segments:
                if not seg:
                    continue
                if (
                    len(seg) == 1
                    and trusted is None
                    and not (_acronym(seg[0]) or seg[0].lower() in inner)
                ):
                    continue  # a lone capitalised word at a sentence start
                norms = [_norm(w) for w in seg]
                for w in norms:
                    seen.setdefault(w, None)
                for a, b in zip(norms, norms[1:], strict=False):
                    seen.setdefault(f"{a} {b}", None)

    all_inner = body_inner | title_inner
    emit(body_runs, all_inner, None)
    # Title Case headlines capitalise everything: trust only words the body also capitalises.
    emit(title_runs, all_inner, body_inner if title_case else None)
    for m in TOKEN.finditer(f"{title}\n{text}"):
        tok = m.group(0)
        if tok[0].isdigit():
            num = normalise_number(tok)
            digits = num.replace(".", "")
            if len(digits) >= 2 and not (
                len(num) == 4 and num.isdigit() and num[:2] in ("19", "20")
            ):
                seen.setdefault(num, None)
    return list(seen)


class DocFreq:
    """Document frequencies of terms over the documents currently in the window."""

    def __init__(self) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0

    def add(self, terms: Iterable[str]) -> None:
        self.n += 1
        self.df.update(set(terms))

    def remove(self, terms: Iterable[str]) -> None:
        self.n -= 1
        for t in set(terms):
            left = self.df[t] - 1
            if left > 0:
                self.df[t] = left
            else:
                del self.df[t]

    def idf(self, term: str) -> float:
        """Smoothed IDF, as scikit-learn's: ``ln((1 + n) / (1 + df)) + 1``."""
        return math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1.0


def sublinear(counts: Mapping[str, int]) -> dict[str, float]:
    """``1 + ln(tf)`` for each term."""
    return {t: 1.0 + math.log(c) for t, c in counts.items() if c > 0}


def weighted(
    tf: Mapping[str, float],
    df: DocFreq,
    power: float = 1.0,
    memo: dict[str, float] | None = None,
) -> dict[str, float]:
    """TF times IDF (raised to ``power``: above 1 rare terms count for more), L2-normalised.

    ``memo`` caches IDF weights between calls while the document frequencies do not change.
    """
    if memo is None:
        memo = {}
    vec = {}
    for t, w in tf.items():
        idf = memo.get(t)
        if idf is None:
            idf = memo[t] = df.idf(t) ** power
        vec[t] = w * idf
    norm = math.sqrt(sum(w * w for w in vec.values()))
    if norm == 0:
        return {}
    return {t: w / norm for t, w in vec.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two normalised sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[t] for t, w in a.items() if t in b)


# Day names in the languages the stop lists cover, Monday = 0.
_DAY_NAMES = {
    0: ("monday", "montag", "lunes", "lundi"),
    1: ("tuesday", "dienstag", "martes", "mardi"),
    2: ("wednesday", "mittwoch", "miércoles", "miercoles", "mercredi"),
    3: ("thursday", "donnerstag", "jueves", "jeudi"),
    4: ("friday", "freitag", "viernes", "vendredi"),
    5: ("saturday", "samstag", "sonnabend", "sábado", "sabado", "samedi"),
    6: ("sunday", "sonntag", "domingo", "dimanche"),
}
_DAY_OF = {name: day for day, names in _DAY_NAMES.items() for name in names}
_DAY = re.compile(r"\b(" + "|".join(_DAY_OF) + r")\b", re.IGNORECASE | re.UNICODE)
_WORD_BEFORE = re.compile(r"(\w+)\s+$", re.UNICODE)
#: Words that make a day name part of a name, not a date: Super Tuesday, Black Friday.
_NOT_A_DATE = frozenset(
    "super black good ash cyber bloody easter palm giving holy small plastic".split()
)


def weekdays(text: str) -> frozenset[int]:
    """The days of the week a text names (Monday = 0), in English, German, Spanish or French.

    News reports date their events by weekday ("the Senate voted 52-48 on Thursday"), so two
    reports that each name days, none in common, are most likely about different events of
    the same kind (this week's jobless claims and last week's). Named days such as Super
    Tuesday or Black Friday do not count.
    """
    text = text or ""
    out = set()
    for m in _DAY.finditer(text):
        # the word before, looked up without consuming it ("Tuesday Wednesday" is two days)
        before = _WORD_BEFORE.search(text, max(0, m.start() - 32), m.start())
        if before is not None and before.group(1).lower() in _NOT_A_DATE:
            continue
        out.add(_DAY_OF[m.group(1).lower()])
    return frozenset(out)
