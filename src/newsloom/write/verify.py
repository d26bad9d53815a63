"""Check that a written sentence is supported by the articles it cites.

A sentence is supported when, in the union of its cited articles' texts:

- every content word appears (case-insensitive, after the light plural/possessive stemmer of
  :func:`newsloom.words.stem`; stop words are not checked),
- every number appears (``385,000`` and ``385000`` are the same number),
- every quoted span appears verbatim (curly and straight quotes, dashes and white space are
  normalised; a trailing comma or full stop inside the quote is ignored).

The extractive writer copies sentences, so every one of its sentences must pass. The same
check guards an LLM writer: a sentence that adds a word, a number or a quote that its sources
do not have is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsloom.write.sentences import clean_markup, content_words, numbers

_QUOTED = re.compile(r"[\"“”„«»]([^\"“”„«»]{2,}?)[\"“”„«»]")
_NORMALISE = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "«": '"',
        "»": '"',
        "‘": "'",
        "’": "'",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
    }
)


def _norm_text(text: str) -> str:
    return " ".join(text.translate(_NORMALISE).split())


def quoted_spans(sentence: str) -> list[str]:
    """The spans of ``sentence`` inside double quotes, trailing punctuation removed."""
    spans = []
    for m in _QUOTED.finditer(sentence):
        span = m.group(1).strip().rstrip(",.;:!?").strip()
        if len(span) >= 2:
            spans.append(span)
    return spans


class Checker:
    """:func:`supported` over a fixed set of texts, each tokenised once.

    ``texts`` maps a key (an article index, a URL) to the article's text.
    """

    def __init__(self, texts: dict, *, clean: bool = True):
        self._clean = {k: clean_markup(t) if clean else t for k, t in texts.items() if t}
        self._vocab_cache: dict = {}
        self._numbers_cache: dict = {}
        self._norm_cache: dict = {}

    def _vocab(self, key) -> set[str]:
        if key not in self._vocab_cache:
            words = set(content_words(self._clean[key]))
            self._vocab_cache[key] = words
            self._numbers_cache[key] = {w for w in words if w[0].isdigit()}
        return self._vocab_cache[key]

    def _numbers(self, key) -> set[str]:
        self._vocab(key)
        return self._numbers_cache[key]

    def _norm(self, key) -> str:
        if key not in self._norm_cache:
            self._norm_cache[key] = _norm_text(self._clean[key])
        return self._norm_cache[key]

    def check(self, sentence: str, keys: Iterable) -> tuple[bool, dict]:
        """Whether ``sentence`` is supported by the texts under ``keys``."""
        keys = [k for k in keys if k in self._clean]
        vocabulary: set[str] = set().union(*(self._vocab(k) for k in keys))
        available: set[str] = set().union(*(self._numbers(k) for k in keys))
        words = content_words(sentence)
        missing_words = sorted({w for w in words if not w[0].isdigit() and w not in vocabulary})
        missing_numbers = sorted({n for n in numbers(sentence) if n not in available})
        missing_quotes = [
            q
            for q in quoted_spans(sentence)
            if not any(_norm_text(q) in self._norm(k) for k in keys)
        ]
        details = {
            "missing_words": missing_words,
            "missing_numbers": missing_numbers,
            "missing_quotes": missing_quotes,
            "checked_words": len(words),
        }
        ok = bool(keys) and not (missing_words or missing_numbers or missing_quotes)
        return ok, details


def supported(sentence: str, cited_texts: Iterable[str]) -> tuple[bool, dict]:
    """Whether ``sentence`` is supported by ``cited_texts`` (see the module docstring).

    Returns:
        ``(ok, details)`` where ``details`` has ``missing_words``, ``missing_numbers``,
        ``missing_quotes`` (each a list) and ``checked_words`` (how many content words
        were checked).
    """
    texts = {i: t for i, t in enumerate(cited_texts) if t}
    return Checker(texts).check(sentence, list(texts))
