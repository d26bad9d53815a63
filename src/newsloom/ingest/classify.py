"""News, opinion, analysis or other: decide an article's kind from the evidence at hand.

A pure function, no I/O. The evidence is tried strongest first and the first rule that decides
wins; :attr:`Classification.rule` records which one:

1. ``declared``: a kind given by an import file (``declared_kind``), when it is one of ``KINDS``.
2. ``jsonld:<Type>`` / ``og:<type>``: the page's own schema.org types and ``og:type``.
   ``OpinionNewsArticle`` and ``ReviewNewsArticle`` (a critic's assessment is an opinion) give
   opinion; ``AnalysisNewsArticle`` and ``BackgroundNewsArticle`` (explainers) give analysis;
   ``ReportageNewsArticle`` gives news; ``SatiricalArticle`` gives other; a page whose only
   types are video, audio, podcast or image gallery types gives other (a video embedded in an
   article does not: the article types win).
3. ``url:/<segment>/``: a path segment that names an opinion section (``/opinion/``,
   ``/commentary/``, ``/editorials/``, ``/columnists/``, ``/op-ed/``, ``/letters/``,
   ``/voices/``, ``/views/``, ...), an analysis section (``/analysis/``, ``/news-analysis/``,
   ``/explainer/``, ``/fact-check/``), or a non-article section (``/video/``, ``/podcasts/``,
   ``/gallery/``, ``/quiz/``, ``/crossword/``, ``/sponsored/``, ...). Whole segments only, so
   ``/reviews/`` is not ``/views/``. A slug that starts with ``opinion-``, ``op-ed-``,
   ``editorial-`` or ``commentary-`` or ends with ``-opinion`` (before a numeric id) gives
   opinion (``url:slug:opinion``). Not deciding on purpose: ``/blog/``, ``/blogs/`` (live blogs
   and newsroom blogs are news; a blog segment only adds to the text-cue score), ``/live/``
   (live coverage is news), ``/obituaries/`` (news), ``/reviews/`` (often shopping pages).
4. ``section:<Section>``: the page's section metadata, matched word by word against the same
   names (``Opinion``, ``Commentary``, ``Editorials``, ``Analysis``, ``Video``, ...).
5. ``title:<Label>``: a label before or after the headline, set off by ``:``, ``|`` or a
   dash: ``Opinion: ...``, ``OPINION | ...``, ``Column: ...``, ``Editorial: ...``,
   ``Letter: ...``, ``Op-Ed: ...``, ``Review: ...``, ``... | Opinion``, ``... (Opinion)``
   give opinion; ``Analysis: ...``, ``News analysis: ...``, ``Explainer: ...``,
   ``Fact check: ...`` give analysis; ``Watch: ...``, ``Video: ...``, ``Podcast: ...``,
   ``Quiz: ...`` give other.
6. ``text:score=0.63 (first_person_singular, modal, ...)``: when nothing above decided, a
   score in [0, 1] from writing cues in the title and the first ~120 words of the text (see
   :func:`text_cue_score`): the writer's own I/we/you (quoted speech is stripped first),
   should/must in sentences that report no one, a small hand-written list of evaluative words
   and intensifiers, questions and exclamations outside quotes, first/second person or a
   question in the headline; attribution ("said", "according to") and a news clock ("on
   Tuesday", "yesterday") count against. At or above ``threshold`` the article is opinion;
   below it, news (the rule still shows the score). Text cues cannot tell an opinion piece
   from an analysis piece, so they only ever give opinion. With neither title nor text the
   article is news with the rule ``default``.

Measured on the allsides-dev set: see docs/benchmarks.md, "Opinion and analysis detection".
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from urllib.parse import unquote, urlsplit

from ..model import KINDS, Classification

# The default for ``Settings.opinion_threshold``; chosen on the development set (see
# docs/benchmarks.md, "Opinion and analysis detection").
DEFAULT_THRESHOLD = 0.55

# --- 2. page types -------------------------------------------------------------------------

_TYPE_KINDS = {
    "opinionnewsarticle": "opinion",
    "reviewnewsarticle": "opinion",
    "analysisnewsarticle": "analysis",
    "backgroundnewsarticle": "analysis",
    "reportagenewsarticle": "news",
    "satiricalarticle": "other",
}
# Types that make a page "other" only when the page has no article type at all.
_MEDIA_TYPES = {
    "videoobject",
    "video",
    "video.other",
    "video.episode",
    "video.movie",
    "video.tv_show",
    "audioobject",
    "podcastepisode",
    "podcastseries",
    "podcastseason",
    "music.song",
    "imagegallery",
    "mediagallery",
    "quiz",
}
_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "blogposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "socialmediaposting",
    "webpage",
    "analysisnewsarticle",
}


def _type_name(value: str) -> tuple[str, str]:
    """("jsonld" or "og", bare type) for one page type value."""
    v = value.strip()
    if v.lower().startswith("og:"):
        return "og", v[3:].strip()
    low = v.lower()
    for prefix in ("http://schema.org/", "https://schema.org/", "schema:"):
        if low.startswith(prefix):
            return "jsonld", v[len(prefix) :]
    # og:type values are lower case and often dotted (video.other); schema.org types are
    # CamelCase words.
    if "." in v or v.islower():
        return "og", v
    return "jsonld", v


def _from_page_types(page_types: Iterable[str]) -> Classification | None:
    names = [_type_name(t) for t in page_types if isinstance(t, str) and t.strip()]
    for want in ("opinion", "analysis", "news", "other"):
        for origin, name in names:
            if _TYPE_KINDS.get(name.lower()) == want:
                return Classification(want, f"{origin}:{name}")
    lows = {name.lower() for _, name in names}
    if lows and not (lows & _ARTICLE_TYPES) and lows & _MEDIA_TYPES:
        for origin, name in names:
            if name.lower() in _MEDIA_TYPES:
                return Classification("other", f"{origin}:{name}")
    return None


# --- 3./4. section names (URL segments and section metadata) ---------------------------------

_SECTION_KINDS = {
    # opinion
    "opinion": "opinion",
    "opinions": "opinion",
    "commentary": "opinion",
    "commentisfree": "opinion",
    "editorial": "opinion",
    "editorials": "opinion",
    "column": "opinion",
    "columns": "opinion",
    "columnist": "opinion",
    "columnists": "opinion",
    "op-ed": "opinion",
    "op-eds": "opinion",
    "oped": "opinion",
    "opeds": "opinion",
    "letters": "opinion",
    "letters-to-the-editor": "opinion",
    "letters-to-editor": "opinion",
    "voices": "opinion",
    "perspective": "opinion",
    "perspectives": "opinion",
    "views": "opinion",
    "viewpoint": "opinion",
    "viewpoints": "opinion",
    "guest-column": "opinion",
    "guest-columns": "opinion",
    "guest-essay": "opinion",
    # analysis
    "analysis": "analysis",
    "news-analysis": "analysis",
    "explainer": "analysis",
    "explainers": "analysis",
    "explained": "analysis",
    "fact-check": "analysis",
    "fact-checks": "analysis",
    "factcheck": "analysis",
    "fact-checking": "analysis",
    # other: not an article of news or opinion
    "video": "other",
    "videos": "other",
    "podcast": "other",
    "podcasts": "other",
    "audio": "other",
    "gallery": "other",
    "galleries": "other",
    "photos": "other",
    "slideshow": "other",
    "slideshows": "other",
    "quiz": "other",
    "quizzes": "other",
    "crossword": "other",
    "crosswords": "other",
    "puzzles": "other",
    "games": "other",
    "horoscope": "other",
    "horoscopes": "other",
    "sponsored": "other",
    "sponsor-content": "other",
    "sponsored-content": "other",
    "partner-content": "other",
    "paid-post": "other",
    "advertorial": "other",
}
# Section metadata is free text ("Opinion > Columnists", "News Analysis"): match words.
_SECTION_WORDS = {
    **{k: v for k, v in _SECTION_KINDS.items() if "-" not in k},
    "op-ed": "opinion",
    "oped": "opinion",
    "letters": "opinion",
    "fact-check": "analysis",
    "explainer": "analysis",
}
_SECTION_PHRASES = (
    ("news analysis", "analysis"),
    ("fact check", "analysis"),
    ("letters to the editor", "opinion"),
    ("op ed", "opinion"),
)

_SLUG_OPINION = re.compile(r"^(?:opinion|op-ed|oped|editorial|commentary)-|-opinion(?:-\d+)?$")
_BLOG_SEGMENTS = {"blog", "blogs"}


def _segments(url: str) -> tuple[list[str], str | None]:
    try:
        parts = urlsplit(url)
    except ValueError:
        return [], None
    segs = [unquote(s).lower() for s in parts.path.split("/") if s]
    return segs, (parts.hostname or "").lower() or None


def _from_url(url: str) -> Classification | None:
    segs, _host = _segments(url)
    if not segs:
        return None
    # The last segment is the article's slug (or a file name); sections come before it, but a
    # section index page ("/opinion/") counts too.
    for seg in segs:
        kind = _SECTION_KINDS.get(seg)
        if kind:
            return Classification(kind, f"url:/{seg}/")
    slug = re.sub(r"\.(?:html?|php|aspx?|shtml)$", "", segs[-1])
    if _SLUG_OPINION.search(slug):
        return Classification("opinion", "url:slug:opinion")
    return None


def _from_section(section: str | None) -> Classification | None:
    if not section or not section.strip():
        return None
    label = section.strip()
    low = label.lower()
    flat = re.sub(r"[^a-z]+", " ", low).strip()
    for phrase, kind in _SECTION_PHRASES:
        if re.search(rf"\b{phrase}\b", flat):
            return Classification(kind, f"section:{label}")
    for word in re.findall(r"[a-z]+(?:-[a-z]+)*", low):
        kind = _SECTION_WORDS.get(word)
        if kind:
            return Classification(kind, f"section:{label}")
    return None


# --- 5. title labels --------------------------------------------------------------------------

_TITLE_LABELS = {
    "opinion": "opinion",
    "column": "opinion",
    "editorial": "opinion",
    "commentary": "opinion",
    "letter": "opinion",
    "letters": "opinion",
    "op-ed": "opinion",
    "oped": "opinion",
    "op ed": "opinion",
    "perspective": "opinion",
    "viewpoint": "opinion",
    "guest column": "opinion",
    "guest opinion": "opinion",
    "guest essay": "opinion",
    "review": "opinion",
    "our view": "opinion",
    "my view": "opinion",
    "analysis": "analysis",
    "news analysis": "analysis",
    "explainer": "analysis",
    "explained": "analysis",
    "fact check": "analysis",
    "fact-check": "analysis",
    "factcheck": "analysis",
    "watch": "other",
    "video": "other",
    "podcast": "other",
    "listen": "other",
    "quiz": "other",
    "photos": "other",
    "gallery": "other",
}
_LABEL_ALT = "|".join(
    re.escape(k).replace(r"\ ", r"\s+") for k in sorted(_TITLE_LABELS, key=len, reverse=True)
)
_TITLE_PREFIX = re.compile(rf"^\s*[\[(]?\s*({_LABEL_ALT})\s*[\])]?\s*(?::|\||[-–—]\s)", re.I)
_TITLE_BRACKET = re.compile(rf"[\[(]\s*({_LABEL_ALT})\s*[\])]\s*$", re.I)
_TITLE_SEP = re.compile(r"\s+(?:\||[-–—])\s+|\s*\|\s*")


def _from_title(title: str | None) -> Classification | None:
    if not title or not title.strip():
        return None
    for rx in (_TITLE_PREFIX, _TITLE_BRACKET):
        m = rx.search(title)
        if m:
            return _title_hit(m.group(1))
    parts = [p.strip() for p in _TITLE_SEP.split(title.strip())]
    # "Headline | Opinion | Outlet": a whole part after the headline is the label.
    for part in parts[1:]:
        if re.sub(r"\s+", " ", part.lower()) in _TITLE_LABELS:
            return _title_hit(part)
    return None


def _title_hit(label: str) -> Classification:
    label = re.sub(r"\s+", " ", label.strip())
    kind = _TITLE_LABELS[label.lower()]
    return Classification(kind, f"title:{label[:1].upper()}{label[1:].lower()}")


# --- 6. text cues -----------------------------------------------------------------------------

# A small, general English list of evaluative and emotive words and intensifiers, written by
# hand (not learned from any data set). Words common in straight reporting ("major", "key",
# "significant", "critical") are left out on purpose.
_EVALUATIVE = frozenset(
    """
absurd absurdity appalling atrocious awful bad baffling bizarre blatant blatantly brave
brilliant callous careless cheap childish clueless contemptible cowardly crazy cynical
delusional deplorable desperate despicable dishonest disgrace disgraceful disgusting
dismal dreadful dumb embarrassing evil excellent fabulous farce farcical feckless foolish
fantastic glorious grotesque gross hateful hideous hilarious hollow horrible horrendous
hypocrisy hypocritical idiotic ignorant immoral inane incompetent incompetence indefensible
inexcusable insane insulting laughable lazy lousy ludicrous mediocre monstrous moronic naive
nasty nonsense noble obscene offensive outrageous pathetic petty pitiful pointless preposterous
pretentious reckless repugnant ridiculous ruinous sad scandalous shameful shameless shocking
silly sinister sloppy smug spineless stupid terrible terrific toxic tragic tragically ugly
unacceptable unconscionable unforgivable unhinged vile wicked woeful wonderful wrong wrongheaded
admirable commendable courageous heroic laudable praiseworthy remarkable splendid superb
""".split()
)
_INTENSIFIERS = frozenset(
    """
absolutely clearly obviously surely truly utterly simply frankly honestly certainly
undeniably undoubtedly indeed really incredibly extremely deeply profoundly painfully
blindingly entirely hardly merely plainly sheer downright outright thoroughly
""".split()
)
_MODAL = re.compile(
    r"\b(?:should(?:n[’']t)?|must(?:n[’']t)?|ought|needs? to|has to|have to)\b", re.I
)
_FIRST_SINGULAR = re.compile(r"\b(?:I|I[’']m|I[’']ve|I[’']d|I[’']ll|me|my|mine|myself)\b")
_FIRST_PLURAL = re.compile(
    r"\b(?:we|we[’']re|we[’']ve|we[’']d|we[’']ll|us|our|ours|ourselves|"
    r"let[’']s)\b",
    re.I,
)
_SECOND = re.compile(
    r"\b(?:you|you[’']re|you[’']ve|you[’']d|you[’']ll|your|yours|yourself|"
    r"yourselves)\b",
    re.I,
)
_REPORTING = re.compile(
    r"\b(?:said|says|say|told|tells|according to|announced|announces|reported|reports|"
    r"stated|added|confirmed|confirms|denied|denies|testified|tweeted|wrote|writes|"
    r"asked|explained|noted|insisted|argued|claimed|warned|acknowledged|spokes(?:man|woman|"
    r"person)|statement|press release|in an interview)\b",
    re.I,
)
_NEWS_TIME = re.compile(
    r"\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|tonight|"
    r"this week|last week|earlier this)\b",
    re.I,
)
_WHETHER = re.compile(r"\b(?:whether|if)\b[^.?!]*\b(?:should|must|ought)\b", re.I)
_COPULA = re.compile(r"\b(?:is|are|isn[’']t|aren[’']t|it[’']s|that[’']s)\b", re.I)
_TITLE_SPEAKER = re.compile(r"^\s*(?:[A-Z][\w.’'-]*\s+){0,3}[A-Z][\w.’'-]*\s*:\s.*$")
_WORD = re.compile(r"[A-Za-z][A-Za-z’'-]*")

# Hand-set weights of a logistic score, rounded; tuned coarsely on the tuning part (before
# 2021-06-01) of the development set (see docs/benchmarks.md). Each cue is in [0, 1].
_BIAS = -1.2
_WEIGHTS = {
    "first_person_singular": 2.0,  # I/me/my outside quotes: 1 use 0.5, 2+ uses 1
    "first_person_plural": 2.0,  # we/us/our outside quotes, same scale
    "second_person": 2.0,  # you/your outside quotes, same scale
    "modal": 1.0,  # should/must/ought/need to in a sentence that reports no one
    "evaluative": 1.5,  # evaluative or emotive words: 1 word 0.5, 2+ words 1
    "intensifier": 1.0,  # intensifiers, same scale
    "question": 1.5,  # a sentence outside quotes that asks
    "exclamation": 1.0,  # a sentence outside quotes that exclaims
    "present_copula": 0.7,  # two or more is/are/it's/that's outside quotes (argument, not report)
    "title_question": 1.0,  # the headline asks
    "title_person": 2.0,  # I/we/you/our in the headline, outside quotes
    "title_why": 1.0,  # "Why ..." / "How ..." / "What ..." headline
    "blog_url": 0.8,  # a /blog/ or /blogs/ URL segment (added in classify)
    "attribution": -1.5,  # share of sentences with a reporting verb ("said", "according to")
    "news_time": -1.0,  # a weekday, "yesterday", "this week": the clock of a news report
}

_QUOTE_PAIRS = re.compile(
    r"“[^“”]*”|\"[^\"]*\"|‘[^‘’]*’(?![A-Za-z])|«[^«»]*»|(?<![A-Za-z])'[^'\n]+'(?![A-Za-z])"
)
_QUOTE_OPEN_TAIL = re.compile(r"[“«][^”»]*$|\"[^\"]*$")


def strip_quotes(text: str) -> str:
    """The text without quoted speech (paragraph by paragraph; an unclosed quote runs to the
    end of its paragraph, as in multi-paragraph quotations)."""
    out = []
    for para in re.split(r"\n\s*\n|\n", text):
        para = _QUOTE_PAIRS.sub(" ", para)
        para = _QUOTE_OPEN_TAIL.sub(" ", para)
        out.append(para)
    return "\n".join(out)


_SENTENCE_END = re.compile(r"(?<=[.!?…])[\s”’\"')\]]*\s+(?=[“‘\"'(\[]?[A-Z0-9])|\n+")


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and len(_WORD.findall(s)) >= 2]


# Text cues read the opening of the text: the lead is where an opinion piece shows its voice,
# and the weights were set on excerpts of about 90 words, so a long article must not pile up
# cues just by being long.
LEAD_WORDS = 120


def _lead(text: str) -> str:
    """The text up to the end of the sentence that holds its ``LEAD_WORDS``-th word."""
    words = list(re.finditer(r"\S+", text))
    if len(words) <= LEAD_WORDS:
        return text
    cut = words[LEAD_WORDS - 1].end()
    m = re.compile(r"[.!?…][”’\"')\]]*(?=\s)").search(text, cut - 1)
    return text[: m.end()] if m else text


def _first_singular_count(s: str) -> int:
    # "World War I", "Title I", "Phase I": a roman numeral, not the pronoun.
    s = re.sub(r"\b(?:War|Title|Phase|Part|Class|Type|Stage|Chapter|Article|Section)\s+I\b", "", s)
    return len(_FIRST_SINGULAR.findall(s))


def _first_plural_count(s: str) -> int:
    # "US" is a country, not "us"; "here's what we know" is a newsroom formula.
    s = re.sub(r"\bwhat we (?:know|don[’']t know)\b", "", s, flags=re.I)
    return len([m for m in _FIRST_PLURAL.findall(s) if m != "US" and m != "Us"])


def text_features(title: str | None, text: str | None) -> dict[str, float]:
    """The writing cues of a title and text, each in [0, 1] (names as in ``_WEIGHTS``)."""
    title = (title or "").strip()
    raw = _lead((text or "").strip())
    body = strip_quotes(raw)
    sents = _sentences(body)
    n = max(len(sents), 1)

    feats: dict[str, float] = {}

    def upto2(count: int) -> float:
        return min(count, 2) / 2

    def words_in(vocab: frozenset[str]) -> int:
        return sum(1 for s in sents for w in _WORD.findall(s) if w.lower() in vocab)

    def any_sentence(pred) -> float:
        return 1.0 if any(pred(s) for s in sents) else 0.0

    if sents:
        feats["first_person_singular"] = upto2(sum(_first_singular_count(s) for s in sents))
        feats["first_person_plural"] = upto2(sum(_first_plural_count(s) for s in sents))
        feats["second_person"] = upto2(sum(len(_SECOND.findall(s)) for s in sents))
        feats["modal"] = any_sentence(
            lambda s: _MODAL.search(s) and not _REPORTING.search(s) and not _WHETHER.search(s)
        )
        feats["evaluative"] = upto2(words_in(_EVALUATIVE))
        feats["intensifier"] = upto2(words_in(_INTENSIFIERS))
        feats["question"] = any_sentence(lambda s: s.rstrip("”’\"') ").endswith("?"))
        feats["exclamation"] = any_sentence(lambda s: s.rstrip("”’\"') ").endswith("!"))
        feats["present_copula"] = 1.0 if len(_COPULA.findall(body)) >= 2 else 0.0
        feats["attribution"] = sum(1 for s in sents if _REPORTING.search(s)) / n
        feats["news_time"] = 1.0 if _NEWS_TIME.search(body) else 0.0
    if title:
        bare_title = strip_quotes(title)
        # "Mark Doe: I will not resign": a headline that quotes a named speaker.
        bare_title = _TITLE_SPEAKER.sub("", bare_title)
        feats["title_question"] = 1.0 if bare_title.rstrip().endswith("?") else 0.0
        feats["title_person"] = (
            1.0
            if _first_singular_count(bare_title)
            or _first_plural_count(bare_title)
            or _SECOND.search(bare_title)
            else 0.0
        )
        feats["title_why"] = 1.0 if re.match(r"\s*(?:why|how|what)\b", bare_title, re.I) else 0.0
    return feats


def text_cue_score(title: str | None, text: str | None) -> tuple[float, dict[str, float]]:
    """Score in [0, 1] that the title and text are written as opinion, and the named cues that
    raised it (cue name -> its contribution to the logit, positive ones only)."""
    feats = text_features(title, text)
    if not feats:
        return 0.0, {}
    contributions = {k: _WEIGHTS[k] * v for k, v in feats.items() if v}
    z = _BIAS + sum(contributions.values())
    score = 1.0 / (1.0 + math.exp(-z))
    cues = {k: round(v, 3) for k, v in contributions.items() if v > 0}
    return score, dict(sorted(cues.items(), key=lambda kv: -kv[1]))


# --- the decision -----------------------------------------------------------------------------


def classify(
    *,
    url: str,
    title: str | None,
    text: str | None,
    page_types: Sequence[str] = (),
    section: str | None = None,
    declared_kind: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Classification:
    """The article's kind and the rule that decided it (see the module docstring)."""
    if declared_kind and declared_kind.strip().lower() in KINDS:
        return Classification(declared_kind.strip().lower(), "declared")
    for found in (
        _from_page_types(page_types or ()),
        _from_url(url or ""),
        _from_section(section),
        _from_title(title),
    ):
        if found is not None:
            return found
    if not (title and title.strip()) and not (text and text.strip()):
        return Classification("news", "default")
    score, cues = text_cue_score(title, text)
    segs, _ = _segments(url or "")
    if any(s in _BLOG_SEGMENTS for s in segs[:-1]):
        z = math.log(max(score, 1e-9) / max(1 - score, 1e-9)) + _WEIGHTS["blog_url"]
        score = 1.0 / (1.0 + math.exp(-z))
        cues = {"blog_url": _WEIGHTS["blog_url"], **cues}
        cues = dict(sorted(cues.items(), key=lambda kv: -kv[1]))
    names = ", ".join(list(cues)[:4])
    rule = f"text:score={score:.2f}" + (f" ({names})" if names else "")
    if score >= threshold:
        return Classification("opinion", rule, score)
    return Classification("news", rule, score)
