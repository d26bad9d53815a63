"""Text cleaning, debris removal, sentence splitting and content words for the story writer.

Article text arrives from extraction as paragraphs separated by newlines. Before any sentence
can be quoted on a story page it goes through three steps:

1. :func:`clean_markup` removes HTML (``<script>``/``<style>`` blocks with their content, then
   tags), unescapes entities (twice, so ``&amp;lt;b&amp;gt;`` cannot come back as a tag) and
   normalises white space. Titles get the same treatment (:func:`clean_title`).
2. :func:`strip_debris` drops the lines that are not the story: bylines ("By Jane Doe"),
   credits ("Reporting by ...; Editing by ..."), "Read more", "Sign up", "Advertisement",
   photo credits and captions, copyright lines, paywall prompts ("Subscribe to continue
   reading"), and removes datelines at the start of a paragraph ("WASHINGTON (AP) —",
   "LONDON, June 3 (Reuters) -", "(CNN) —") and inline photo credits ("(AP Photo/...)").
3. :func:`split_sentences` splits paragraphs into sentences with rules for abbreviations
   ("Sen.", "U.S.", "Jan."), initials, decimals and closing quotes. A sentence is always a
   verbatim span of the cleaned text, so a page that quotes it can be checked word for word.

:func:`content_words` gives the lower-case, lightly stemmed content tokens (stop words removed,
numbers normalised) used for ranking, citations and verification. The stop lists are the usual
function words of English, German, Spanish and French, written by the team.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from newsloom.words import FUNCTION_WORDS, INLINE_TAG, TOKEN, normalise_number, stem

# ---------------------------------------------------------------------------------------------
# Markup

_BLOCKS = re.compile(
    r"<(script|style|noscript|iframe|template|svg|object)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_UNCLOSED_BLOCK = re.compile(
    r"<(script|style|noscript|iframe|template|svg|object)\b.*", re.IGNORECASE | re.DOTALL
)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_BREAKS = re.compile(r"<\s*(br|/p|p|/div|div|/li|li|/h\d|h\d)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<[A-Za-z/!?][^<>]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _strip_tags(text: str) -> str:
    text = _COMMENT.sub(" ", text)
    text = _BLOCKS.sub(" ", text)
    text = _UNCLOSED_BLOCK.sub(" ", text)
    text = _BREAKS.sub("\n", text)
    return _TAG.sub(" ", INLINE_TAG.sub("", text))


def clean_markup(text: str | None) -> str:
    """Plain text: no tags, no entities, no control characters, single spaces, ``\\n`` breaks."""
    if not text:
        return ""
    if "<" in text or "&" in text:
        for _ in range(2):
            text = html.unescape(_strip_tags(text))
        text = _strip_tags(text).replace("<", "‹").replace(">", "›") if "<" in text else text
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def clean_title(title: str | None) -> str:
    """A title as one line of plain text."""
    return " ".join(clean_markup(title).split())


# ---------------------------------------------------------------------------------------------
# Debris

_DASH = r"(?:—|–|--|-|―)"
# "WASHINGTON (AP) —", "KYIV, Ukraine (AP) —", "LONDON, June 3 (Reuters) -", "NEW YORK —",
# "BERLIN/PARIS, June 3 (Reuters) -"
_DATELINE_CITY = re.compile(
    r"^[A-ZÀ-Þ][A-ZÀ-Þ.'’/\- ]{1,40}"  # CITY in capitals
    r"(?:,\s*[A-Z][\w.'’\- ]{1,30}?)*"  # , State / , Month Day
    r"\s*(?:\([^()]{2,40}\)\s*)?" + _DASH + r"\s+(?=\S)"  # (AP)
)
# "(CNN) —", "(Reuters) -", "(CNN)The" at the very start of a paragraph
_DATELINE_AGENCY = re.compile(r"^\((?:[A-Z][\w.&/ ]{1,30})\)\s*(?:" + _DASH + r"\s*)?(?=\S)")
# inline photo credits: "(AP Photo/Evan Vucci)", "(Photo by Jane Doe/Getty Images)"
_INLINE_CREDIT = re.compile(
    r"\s*[\(\[](?:AP|AFP|Reuters|EPA)?\s*(?:Photo|Image|Picture|File photo|Video)s?\b"
    r"[^()\[\]]{0,80}[\)\]]",
    re.IGNORECASE,
)
_DEBRIS_LINE = re.compile(
    r"^(?:"
    r"(?:additional\s+)?(?:reporting|writing|editing|research|compiled|produced)\s+by\b"
    r"|(?:read|see|watch|listen)\s+(?:more|also|next|the full)\b"
    r"|(?:read|watch|listen)\s*:"
    r"|(?:related|more|also read|recommended|trending|most read|top stories)\b\s*[:|]"
    r"|related (?:stories|articles|coverage|content)\b"
    r"|click here\b|sign up\b|subscribe\b|already a subscriber|log ?in\b|register\b"
    r"|advertisement$|ad$|sponsored\b|story continues below|continue reading\b"
    r"|follow (?:us|him|her|them|[A-Z@][\w@.]*) on\b"
    r"|share (?:this|on)\b|share$|comments?$|print$|email$"
    r"|(?:photo|image|picture|video|graphic)(?:\s+credit)?\s*:"
    r"|(?:photograph|photo|image):?\s+(?:by\s+)?[^.]{0,60}/(?:getty|ap|afp|reuters|epa)"
    r"|copyright\b|©|all rights reserved"
    r"|(?:this|the) (?:story|article) (?:has been|was|is being) updated"
    r"|(?:updated|published|last updated|posted)\s*(?:on|at)?\s*:?\s*\w{3,9}\.?\s+\d"
    r"|our standards\s*:|the thomson reuters trust principles"
    r"|listen to (?:this|the) (?:article|story)"
    r"|\(?(?:this|the) content is (?:for|available to) (?:subscribers|members)"
    r"|loading\W*$"
    r")",
    re.IGNORECASE,
)
_DEBRIS_ANYWHERE = re.compile(
    r"contributed (?:to )?(?:this|the) report"
    r"|contributed reporting"
    r"|to continue reading"
    r"|subscribe (?:now|today|to (?:continue|read|our|get))"
    r"|for (?:full|unlimited) access"
    r"|to read the (?:full|rest of the|whole) (?:article|story)"
    r"|this article is (?:for|only available to) (?:subscribers|members)"
    r"|you have reached your (?:free )?(?:article )?limit"
    r"|sign up for (?:our|the|a) [\w ]*newsletter"
    r"|(?:enable|turn on) javascript"
    r"|getty images\W*$"
    r"|\bhttps?://|www\.\w",
    re.IGNORECASE,
)

# cheap substring test before the regular expression above
_DEBRIS_KEYS = (
    "contributed",
    "continue reading",
    "subscribe",
    "access",
    "to read the",
    "this article is",
    "reached your",
    "newsletter",
    "javascript",
    "getty images",
    "http",
    "www.",
)


def strip_dateline(paragraph: str) -> str:
    """Drop a leading dateline ("WASHINGTON (AP) —") from a paragraph."""
    for pattern in (_DATELINE_CITY, _DATELINE_AGENCY):
        m = pattern.match(paragraph)
        if m:
            rest = paragraph[m.end() :]
            # a dateline is followed by a sentence, not by more capitals ("US-CHINA - TALKS")
            if rest[:1].isupper() or rest[:1].isdigit() or rest[:1] in "\"“‘'":
                return rest
    return paragraph


# "By Jane Doe", "By JANE DOE and John Roe | The Times", "By Jane Doe, Reuters"
_BYLINE = re.compile(
    r"^(?:By|BY)\s+[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3}"
    r"(?:\s*(?:,|and|&)\s*[A-Z][\w.'’\-]+(?:\s+[A-Z][\w.'’\-]+){0,3})*"
    r"(?:\s*[,|\-–—]\s*[^.!?]{0,60})?$"
)


def is_debris(line: str) -> bool:
    """True for a line or sentence that is page furniture, not story."""
    text = line.strip()
    if not text:
        return True
    if _BYLINE.match(text) and len(text.split()) <= 14:
        return True
    if _DEBRIS_LINE.match(text):
        return True
    low = text.lower()
    return any(k in low for k in _DEBRIS_KEYS) and bool(_DEBRIS_ANYWHERE.search(text))


def strip_debris(text: str) -> list[str]:
    """The story paragraphs of a cleaned text: debris lines dropped, datelines removed."""
    out = []
    for line in text.split("\n"):
        line = _INLINE_CREDIT.sub("", line).strip()
        if not line or is_debris(line):
            continue
        line = strip_dateline(line).strip()
        if line and not is_debris(line):
            out.append(line)
    return out


# ---------------------------------------------------------------------------------------------
# Sentences

_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sen rep gov gen lt col maj sgt capt cmdr adm st jr sr rev hon pres
    supt insp det atty insp no nos vs etc fig jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun inc corp co ltd llc bros dept univ est approx
    ave blvd rd mt ft pt op vol ed eds al ca cf ie eg
    """.split()
)
# A boundary: ., ! or ? (or an ellipsis), closing quotes/brackets, white space, then an
# opening that can start a sentence.
_BOUNDARY = re.compile(r"([.!?…]+)([\"”’'»)\]]*)(\s+)(?=[\"“‘'«(\[]?[A-ZÀ-ÞÄÖÜ0-9¿¡])")
_WORD_BEFORE = re.compile(r"([\w.'’\-]+)$")


# Words that start a sentence, not a name: after "U.S." they mean the sentence ended there.
_STARTERS = frozenset(
    """
    The A An He She It They We I In On At But And This That These Those There His Her Its
    Their Our As If When While After Before Since Some Many Most No Officials Still Yet So
    """.split()
)


def _no_break_before(chunk: str, punct: str, following: str) -> bool:
    if punct != ".":
        return False
    m = _WORD_BEFORE.search(chunk)
    if not m:
        return False
    word = m.group(1).rstrip(".")
    low = word.lower().lstrip("(\"“‘'")
    if low in _ABBREVIATIONS:
        return True
    if "." in word:  # U.S., a.m., D.C. -- unless a quote or a sentence opener follows
        nxt = following.split(" ", 1)[0].strip(",;:")
        return not (following[:1] in '"“‘«' or nxt in _STARTERS)
    if len(low) == 1 and low.isalpha():  # an initial: "Michael J. Fox"
        return True
    return False


def split_paragraph(paragraph: str) -> list[str]:
    """Sentences of one paragraph, each a verbatim span of it."""
    sentences = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        chunk = paragraph[start : m.start(1)]
        if _no_break_before(chunk, m.group(1), paragraph[m.end(3) : m.end(3) + 20]):
            continue
        end = m.end(2)
        piece = paragraph[start:end].strip()
        if piece:
            sentences.append(piece)
        start = m.end(3)
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Sentences of a cleaned, debris-free text (paragraphs separated by ``\\n``)."""
    out = []
    for paragraph in text.split("\n"):
        out.extend(split_paragraph(paragraph))
    return out


@dataclass
class Sentence:
    """A sentence of an article: where it is, and its content words."""

    text: str
    article: int  # index of the article in the writer's input
    position: int  # index of the sentence in the article's story text
    words: list[str]


# ---------------------------------------------------------------------------------------------
# Words

#: Words the writer does not compare: function words, English contractions and a few reporting
#: verbs (a day or a figure is checked).
STOP_WORDS: frozenset[str] = FUNCTION_WORDS | frozenset(
    """
    add added adds s t don't didn't doesn't isn't wasn't aren't weren't won't can't couldn't
    wouldn't shouldn't it's that's there's he's she's they're we're i'm i've we've they've
    you're let's hatten sagte
    """.split()
)


@lru_cache(maxsize=200_000)
def _normal_token(tok: str) -> str:
    """A token as a content word, or "" for a stop word."""
    if tok[0].isdigit():
        return normalise_number(tok)
    low = tok.lower().replace("’", "'")
    if len(low) == 1 or low in STOP_WORDS:
        return ""
    norm = low if "." in low else stem(low)
    return "" if norm in STOP_WORDS else norm


def content_words(text: str) -> list[str]:
    """Lower-case, stemmed content tokens: stop words and one-letter words removed, numbers
    normalised (``385,000`` and ``385K`` -> ``385000``)."""
    return [n for n in map(_normal_token, TOKEN.findall(text or "")) if n]


def numbers(text: str) -> list[str]:
    """The numbers in ``text``, normalised."""
    return [normalise_number(t) for t in TOKEN.findall(text or "") if t[0].isdigit()]


def base_language(code: str | None) -> str | None:
    """``en-US`` -> ``en``; None stays None."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-").split("-")[0]
    return code or None


def word_count(text: str) -> int:
    return len(text.split())
