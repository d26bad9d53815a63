"""Words, as story clustering and the story writer both read them.

- :data:`TOKEN` finds the tokens of a text: words (with inner apostrophes: ``O'Neill``,
  ``Biden's``), acronyms written with dots (``U.S.``) and numbers with digit grouping or
  decimals (``385,000``, ``9.3``) or thousands shortened with a K (``266K``).
- :func:`normalise_number` writes a number token one way (``385,000``, ``385000`` and
  ``385K`` are all ``385000``), so a headline's figure matches the text's.
- :func:`stem` is a light, language-blind plural/possessive stemmer (``claims`` -> ``claim``,
  ``cities`` -> ``city``, ``Biden's`` -> ``Biden``).
- :data:`FUNCTION_WORDS` are the usual function words of English, German, Spanish and French,
  written by the team. Each user adds its own: clustering also drops words of time
  (``monday``, ``week``) and common verbs that carry no topic, which the writer keeps (a
  claim's day must be checked); the writer also drops English contractions.
- :func:`guess_language` tells languages apart by counting their function words, and other
  scripts by their letters (``zh``, ``ru``, ``ar``, ...), for texts whose language the source
  did not declare. Ingestion stores its guess; clustering and the writer read it.
- :func:`plural` counts a noun (``1 job``, ``3 stories``), for the site and the commands.
- :data:`INLINE_TAG` matches the HTML tags that sit inside a line of words (``<em>``, ``<a>``,
  ``<span>``): text stripped of markup, by ingestion and by the writer, loses them without a
  space ("<em>Live</em>: ..." is "Live: ...").

No word list here was derived from any evaluation data.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|s|samp|small|span|strike|"
    r"strong|sub|sup|time|u|var)\b[^<>]*>",
    re.IGNORECASE,
)

_EN = """
a about above after again against ago all almost along already also although always am among
an and another any anyone anything are around as at be became because become been before being
below between both but by can cannot could did do does doing done down during each either else
even ever every few for from further get gets getting got had has have having he her here hers
herself him himself his how however i if in into is it its itself just least less like made
make many may me might more most much must my myself near need neither never no nor not now of
off often on once one only onto or other others our ours ourselves out over own per perhaps put
rather really said same say says see seem seemed several shall she should since so some still
such than that the their theirs them themselves then there these they this those though through
thus to too told under until up upon us very via was we well were what whatever when where
whether which while who whom whose why will with within without would yet you your yours
yourself yourselves according amid despite including mr mrs ms dr
"""
_DE = """
der die das den dem des ein eine einer eines einem einen und oder aber nicht ist sind war waren
wird werden wurde wurden hat haben hatte auch auf aus bei mit nach von vor zu zum zur im
in an am für über unter dass es er sie wir ihr ich sich noch nur wie als so schon mehr sein
seine ihre diese dieser dieses man kann können soll sollen wenn dann doch durch gegen bis
"""
_ES = """
el la los las un una unos unas y o pero no es son fue eran ser está están del al de en con por
para sin sobre que se su sus lo le les como más ya muy este esta estos estas ese esa también
entre hasta desde cuando donde ha han había hay dijo según tras
"""
_FR = """
le la les un une des et ou mais ne pas est sont était été être du au aux de en dans avec par
pour sans sur que qui se sa son ses leur leurs ce cette ces il elle ils elles nous vous on plus
aussi comme entre très déjà selon lors après avant dont où a
"""

#: Function words of English, German, Spanish and French (team-written).
FUNCTION_WORDS: frozenset[str] = frozenset((_EN + _DE + _ES + _FR).split())

#: The commonest function words of each language :func:`guess_language` can tell.
LANGUAGE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for on with was as by at from it are has".split()),
    "de": frozenset("der die das und ist nicht mit den von zu ein eine auf für sich des".split()),
    "es": frozenset("el la los las y de que en por con para del una es se al lo su".split()),
    "fr": frozenset("le la les et de des du que en est pour dans une un qui par sur au".split()),
    "it": frozenset("il di che la per un una del della non sono gli alla nel con".split()),
    "pt": frozenset("o os as um uma de do da dos das que em para com não por ao".split()),
    "nl": frozenset("de het een en van is dat op te zijn niet met voor aan er".split()),
}

TOKEN = re.compile(
    r"(?:[^\W\d_]\.){2,}"  # U.S.
    r"|\d+(?:[.,]\d+)*(?:[kK](?![^\W_]))?"  # 385,000  9.3  266K
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*",  # words, O'Neill, Biden's
    re.UNICODE,
)


def normalise_number(tok: str) -> str:
    """``385,000`` -> ``385000``; ``9.3`` stays; ``1.234.567`` -> ``1234567``;
    ``266K`` -> ``266000`` (headlines shorten thousands, texts spell them out)."""
    if tok[-1] in "kK":
        value = normalise_number(tok[:-1])
        try:
            return f"{round(float(value) * 1000)}"
        except ValueError:
            return value
    if "," in tok:
        parts = tok.split(",")
        if all(len(p) == 3 for p in parts[1:]):
            return "".join(parts)
        return tok.replace(",", ".")
    if tok.count(".") > 1:
        return tok.replace(".", "")
    return tok


def stem(word: str) -> str:
    """A light, language-blind plural/possessive stemmer: ``claims`` -> ``claim``,
    ``cities`` -> ``city``, ``biden's`` -> ``biden``."""
    word = word.replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    elif word.endswith("'"):
        word = word[:-1]
    n = len(word)
    if n > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if n > 4 and word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if n > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


#: Scripts that one language mostly writes in (Unicode character name prefix -> code), for
#: texts in no language of :data:`LANGUAGE_WORDS`: kana before Han (Japanese uses both).
_SCRIPTS = (
    ("HIRAGANA", "ja"),
    ("KATAKANA", "ja"),
    ("HANGUL", "ko"),
    ("CJK", "zh"),
    ("CYRILLIC", "ru"),
    ("GREEK", "el"),
    ("HEBREW", "he"),
    ("ARABIC", "ar"),
    ("DEVANAGARI", "hi"),
    ("THAI", "th"),
)


def guess_language(
    text: str, languages: Iterable[str] | None = None, min_words: int = 6
) -> str | None:
    """A two-letter language code by function-word counts (among ``languages``, default all
    of :data:`LANGUAGE_WORDS`); for a text mostly in another script, that script's main
    language (``zh`` for Han, ``ru`` for Cyrillic, ...: a Chinese report must not be compared
    word for word with English ones, as if it were English); None when the text has fewer
    than ``min_words`` words or too few function words to tell."""
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", (text or "")[:4000])]
    seen = Counter(words)
    if len(words) >= min_words:
        vocabs = {lang: LANGUAGE_WORDS[lang] for lang in (languages or LANGUAGE_WORDS)}
        counts = {lang: sum(seen[w] for w in vocab) for lang, vocab in vocabs.items()}
        best = max(sorted(counts), key=lambda lang: counts[lang])
        if counts[best] >= 2:
            return best
    return _script_language(text)


def _script_language(text: str) -> str | None:
    """The language of the script most of ``text``'s letters are in, from :data:`_SCRIPTS`
    (None for Latin letters, or fewer than eight letters)."""
    counts: Counter[str] = Counter()
    letters = 0
    for ch in (text or "")[:2000]:
        if not ch.isalpha():
            continue
        letters += 1
        name = unicodedata.name(ch, "")
        for prefix, code in _SCRIPTS:
            if name.startswith(prefix):
                counts[code] += 1
                break
    if not counts or letters < 8:
        return None
    if counts["ja"]:  # any kana: Japanese, whose Han characters would count as Chinese
        counts["ja"] += counts.pop("zh", 0)
    code, n = counts.most_common(1)[0]
    return code if n > letters / 2 else None


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 story``, ``2 stories`` (``many`` when adding an s is not the plural)."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
