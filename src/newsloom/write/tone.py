"""The tone label of a story: a published taxonomy, deterministic and explainable.

Every story page carries one label from :data:`TAXONOMY` (see ``docs/tone.md``) together with
the score of every label and the words and phrases that produced the winner.

How a label is scored (English text only):

1. The text is the story's headlines and opening sentences (what a reader meets first).
2. Each emotional label has a team-written lexicon (:data:`LEXICONS`): words and phrases with a
   weight; ``kill*`` matches ``kill``, ``killed``, ``killing``. The label's *density* is the sum
   of the weights of its hits per 100 words.
3. VADER (``vaderSentiment``, MIT licence, its lexicon ships inside the package) rates every
   sentence. The negative labels (Tense, Somber, Contentious, Provocative) are multiplied by
   ``0.5 + 2 × mean negative share``; the positive ones (Hopeful, Celebratory) by
   ``0.5 + 2 × mean positive share``. A story full of "killed" but told flatly scores lower
   than one told with charged words.
4. The label with the highest score wins if it reaches :data:`THRESHOLD`; otherwise the story
   is **Informative**, whose score is reported as the threshold and whose evidence is the
   reporting language found (``said``, ``according to``, figures).

Text in another language than English gets the label **Unrated** (the lexicons and VADER are
English): no score is invented for it.

No list here was derived from any evaluation data; the NRC lexicons are not used.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache

#: The published taxonomy: label -> definition, signals, invented examples.
TAXONOMY: dict[str, dict[str, object]] = {
    "Informative": {
        "definition": "Factual coverage without strong emotional language: announcements, "
        "figures, decisions and reactions reported calmly.",
        "signals": "No emotional label reaches the threshold; reporting language "
        "(said, announced, according to, figures) dominates.",
        "examples": [
            "Central bank holds interest rates at 4.5%",
            "City council approves new bus routes for 2026",
        ],
    },
    "Tense": {
        "definition": "Danger, violence or an unresolved threat: attacks, armed conflict, "
        "emergencies, disasters and stand-offs whose outcome is open.",
        "signals": "Words of attack, war, threat, emergency and disaster; negative VADER "
        "sentiment.",
        "examples": [
            "Troops mass near the border as talks stall",
            "Wildfire forces thousands to evacuate coastal towns",
        ],
    },
    "Somber": {
        "definition": "Death, loss and grief: fatalities, victims, mourning and remembrance.",
        "signals": "Words of death, victims, mourning and funerals; negative VADER sentiment.",
        "examples": [
            "Mourners gather for the funeral of the ferry disaster victims",
            "Death toll from the earthquake rises to 240",
        ],
    },
    "Contentious": {
        "definition": "An open dispute between parties: accusations, denials, lawsuits, "
        "votes and political fights where each side contests the other.",
        "signals": "Words of accusation, denial, criticism, opposition and legal or "
        "partisan battle; negative VADER sentiment.",
        "examples": [
            "Opposition accuses minister of misleading parliament; minister denies it",
            "State sues federal agency over new water rules",
        ],
    },
    "Provocative": {
        "definition": "Coverage charged with outrage: scandal, insults, accusations of "
        "bigotry or lies, inflammatory or sensational language.",
        "signals": "Words of outrage, scandal, hate and insult, and the loaded words "
        "newsloom keeps out of its own headlines; negative VADER sentiment.",
        "examples": [
            "Outrage after official's remarks about refugees",
            "Lawmaker calls report a hoax amid growing scandal",
        ],
    },
    "Hopeful": {
        "definition": "Progress toward something better: recoveries, breakthroughs, "
        "agreements, rescues and relief.",
        "signals": "Words of progress, recovery, agreement and rescue; positive VADER sentiment.",
        "examples": [
            "Negotiators reach ceasefire agreement after weeks of talks",
            "Trapped miners rescued alive after five days",
        ],
    },
    "Celebratory": {
        "definition": "Wins, records, awards and festivities: an achievement or occasion "
        "being celebrated.",
        "signals": "Words of victory, championship, award and celebration; positive VADER "
        "sentiment.",
        "examples": [
            "Home team wins first championship in 40 years",
            "Author awarded national book prize",
        ],
    },
}

#: Not a label of the taxonomy: given to text that cannot be rated (not English, no text).
UNRATED = "Unrated"
UNRATED_DEFINITION = (
    "Tone is rated for English text only (team lexicons and VADER are English); "
    "this story has no English text to rate."
)

#: The lowest score (weighted hits per 100 words, after the VADER factor) an emotional label
#: needs to win over Informative.
THRESHOLD = 1.5

_NEGATIVE = ("Tense", "Somber", "Contentious", "Provocative")
_POSITIVE = ("Hopeful", "Celebratory")

#: Loaded words and phrases (team-written): never in a newsloom headline, and a Provocative
#: signal wherever they appear.
LOADED_TERMS: tuple[str, ...] = (
    "slams",
    "slammed",
    "slamming",
    "blasts",
    "blasted",
    "blasting",
    "destroys",
    "eviscerates",
    "eviscerated",
    "obliterates",
    "annihilates",
    "shreds",
    "rips into",
    "torches",
    "skewers",
    "lashes out",
    "fires back",
    "claps back",
    "shocking",
    "shocked",
    "stunning",
    "jaw-dropping",
    "you won't believe",
    "mind-blowing",
    "epic",
    "meltdown",
    "bombshell",
    "explosive",
    "humiliates",
    "humiliating",
    "humiliation",
    "unhinged",
    "insane",
    "crazy",
    "outrageous",
    "furious",
    "fury",
    "rant",
    "rants",
    "freaks out",
    "goes nuclear",
    "savage",
    "savagely",
    "disgusting",
    "horrifying",
    "destroyed by",
    "owned",
    "mocks",
    "mocked",
    "brutally",
    "scathing",
    "firestorm",
    "chaos",
    "catastrophic",
)

#: Charged, evaluative words (team-written): a sentence that uses them outside a quote is
#: the writer's opinion, and the extractive writer prefers other sentences.
CHARGED_TERMS: tuple[str, ...] = (
    "utterly",
    "pathetic",
    "pathetically",
    "desperate",
    "desperately",
    "blistering",
    "damning",
    "disgraceful",
    "absurd",
    "absurdly",
    "ridiculous",
    "laughable",
    "shameful",
    "brazen",
    "brazenly",
    "reckless",
    "recklessly",
    "so-called",
    "oh-so",
    "hysterical",
    "hysteria",
    "draconian",
    "disastrous",
    "egregious",
    "appalling",
    "atrocious",
    "idiotic",
    "stupid",
    "dumb",
    "sham",
    "farce",
    "witch hunt",
    "bogus",
    "fakery",
    "hypocrisy",
    "hypocritical",
    "hypocrite",
    "grandstanding",
    "stunt",
    "whining",
    "tantrum",
    "smug",
    "sneering",
    "cowardly",
    "despicable",
    "deplorable",
    "vicious",
    "nasty",
    "lunatic",
    "insanity",
    "new low",
    "thankfully",
    "sadly",
    "shamelessly",
    "infamous",
    "notorious",
    "disgusting",
    "ludicrous",
    "preposterous",
)

# Team-written lexicons. Weight 1 is a clear signal, 0.5 a weaker one. A trailing * matches
# any ending.
LEXICONS: dict[str, dict[str, float]] = {
    "Tense": {
        "attack*": 1,
        "assault*": 1,
        "shooting*": 1,
        "gunman": 1,
        "gunmen": 1,
        "gunfire": 1,
        "shot": 0.5,
        "bomb*": 1,
        "explosion*": 1,
        "blast": 0.5,
        "war": 1,
        "wars": 1,
        "warfare": 1,
        "missile*": 1,
        "airstrike*": 1,
        "invasion": 1,
        "invade*": 1,
        "troops": 0.5,
        "military": 0.5,
        "threat*": 1,
        "warn*": 0.5,
        "crisis": 1,
        "emergency": 1,
        "evacuat*": 1,
        "escalat*": 1,
        "tension*": 1,
        "standoff": 1,
        "hostage*": 1,
        "riot*": 1,
        "violence": 1,
        "violent": 1,
        "siege": 1,
        "manhunt": 1,
        "lockdown": 0.5,
        "fear*": 0.5,
        "panic*": 0.5,
        "alarm*": 0.5,
        "danger*": 1,
        "storm": 0.5,
        "hurricane*": 1,
        "wildfire*": 1,
        "flood*": 0.5,
        "earthquake*": 1,
        "clash*": 0.5,
        "terror*": 1,
        "armed": 0.5,
        "weapon*": 0.5,
        "surge": 0.5,
        "outbreak*": 0.5,
        "collapse*": 0.5,
    },
    "Somber": {
        "dead": 1,
        "death*": 1,
        "died": 1,
        "dies": 1,
        "dying": 1,
        "killed": 1,
        "killing*": 1,
        "kill": 0.5,
        "fatal*": 1,
        "victim*": 1,
        "mourn*": 1,
        "grief": 1,
        "griev*": 1,
        "funeral*": 1,
        "memorial*": 1,
        "tragedy": 1,
        "tragic": 1,
        "loss": 0.5,
        "condolence*": 1,
        "bodies": 1,
        "toll": 0.5,
        "passed away": 1,
        "vigil*": 1,
        "bereaved": 1,
        "heartbroken": 1,
        "heartbreak*": 1,
        "suicide*": 1,
        "murder*": 1,
        "homicide*": 1,
        "casualt*": 1,
        "devastat*": 0.5,
        "remember*": 0.5,
    },
    "Contentious": {
        "accus*": 1,
        "allegation*": 1,
        "alleg*": 0.5,
        "deny": 1,
        "denied": 1,
        "denies": 1,
        "denial*": 1,
        "disput*": 1,
        "criticiz*": 1,
        "criticis*": 1,
        "critic*": 0.5,
        "oppos*": 0.5,
        "opposition": 0.5,
        "reject*": 1,
        "blame*": 1,
        "blaming": 1,
        "feud*": 1,
        "lawsuit*": 1,
        "sue": 1,
        "sues": 1,
        "sued": 1,
        "suing": 1,
        "partisan": 1,
        "impeach*": 1,
        "filibuster*": 1,
        "veto*": 1,
        "condemn*": 1,
        "spar*": 0.5,
        "challenge*": 0.5,
        "controvers*": 1,
        "contentious": 1,
        "divided": 0.5,
        "divisive": 1,
        "protest*": 0.5,
        "push back": 1,
        "pushback": 1,
        "dispute": 1,
        "fight*": 0.5,
        "battle*": 0.5,
        "row": 0.5,
        "rebuke*": 1,
        "refut*": 1,
        "contradict*": 1,
        "investigat*": 0.5,
        "probe": 0.5,
        "subpoena*": 1,
        "indict*": 1,
        "charged": 0.5,
        "defy": 1,
        "defied": 1,
        "defian*": 1,
    },
    "Provocative": {
        "outrage*": 1,
        "scandal*": 1,
        "racis*": 1,
        "slur*": 1,
        "extremis*": 1,
        "hate": 1,
        "hateful": 1,
        "conspirac*": 1,
        "hoax*": 1,
        "lie": 1,
        "lies": 1,
        "lying": 1,
        "liar*": 1,
        "fraud*": 0.5,
        "inflammatory": 1,
        "offensive": 0.5,
        "insult*": 1,
        "disgrace*": 1,
        "shameful": 1,
        "shame": 0.5,
        "bigot*": 1,
        "propaganda": 1,
        "censor*": 0.5,
        "backlash": 1,
        "incendiary": 1,
        "smear*": 1,
        "vile": 1,
        "corrupt*": 0.5,
        "treason*": 1,
        "traitor*": 1,
        "radical*": 0.5,
        "sexist": 1,
        "misogyn*": 1,
        "bully*": 0.5,
        "harass*": 0.5,
        "abuse*": 0.5,
        "torture*": 1,
        "atrocit*": 1,
        **{term: 1.0 for term in LOADED_TERMS},
    },
    "Hopeful": {
        "hope*": 1,
        "progress*": 1,
        "recover*": 1,
        "breakthrough*": 1,
        "improv*": 0.5,
        "rebound*": 1,
        "relief": 1,
        "rescue*": 1,
        "survivor*": 0.5,
        "survived": 1,
        "cure*": 1,
        "agreement*": 0.5,
        "deal": 0.5,
        "peace": 1,
        "ceasefire": 1,
        "truce": 1,
        "reunit*": 1,
        "optimis*": 1,
        "promising": 1,
        "milestone*": 1,
        "restor*": 0.5,
        "reopen*": 0.5,
        "boost*": 0.5,
        "growth": 0.5,
        "succeed*": 0.5,
        "success*": 0.5,
        "encourag*": 1,
        "heal*": 1,
        "opportunit*": 0.5,
        "solution*": 0.5,
        "freed": 1,
        "released": 0.5,
    },
    "Celebratory": {
        "celebrat*": 1,
        "win": 0.5,
        "wins": 0.5,
        "won": 0.5,
        "winner*": 1,
        "victor*": 0.5,
        "champion*": 1,
        "award*": 1,
        "prize*": 1,
        "honor*": 0.5,
        "honour*": 0.5,
        "medal*": 1,
        "gold": 0.5,
        "record-breaking": 1,
        "record high": 0.5,
        "anniversary": 1,
        "festival*": 1,
        "triumph*": 1,
        "jubila*": 1,
        "cheer*": 1,
        "congratulat*": 1,
        "parade*": 0.5,
        "trophy": 1,
        "trophies": 1,
        "wedding*": 1,
        "birthday*": 1,
        "crowned": 1,
        "historic": 0.5,
        "first-ever": 0.5,
        "applau*": 1,
        "delight*": 1,
        "proud": 1,
        "thrill*": 1,
    },
}

#: Reporting language: the evidence shown for Informative.
REPORTING: dict[str, float] = {
    "said": 1,
    "says": 1,
    "according to": 1,
    "announced": 1,
    "reported": 1,
    "report": 0.5,
    "statement": 1,
    "data": 1,
    "percent": 1,
    "%": 1,
    "figures": 1,
    "officials": 0.5,
    "confirmed": 1,
    "plans": 0.5,
    "approved": 1,
    "voted": 1,
    "expected": 0.5,
}

_WORD = re.compile(r"[\w%][\w'’\-]*")


def _pattern(term: str) -> str:
    parts = []
    for w in term.split():
        if w.endswith("*"):
            parts.append(re.escape(w[:-1]) + r"[\w'’\-]*")
        else:
            parts.append(re.escape(w))
    body = r"\s+".join(parts)
    left = r"(?<![\w\-])" if term[0].isalnum() else ""
    right = r"(?![\w\-])" if not term.endswith("*") and term[-1].isalnum() else ""
    return left + body + right


class _Lexicons:
    """Every label's terms, matched in one pass over the words of a text."""

    def __init__(self, lexicons: dict[str, dict[str, float]]):
        self.exact: dict[str, list[tuple[str, float]]] = {}
        self.prefixes: dict[str, list[tuple[str, float]]] = {}
        self.phrases: list[tuple[str, float, str, re.Pattern[str]]] = []
        for label, terms in lexicons.items():
            for term, weight in sorted(terms.items()):
                if " " in term or not _WORD.fullmatch(term.rstrip("*")):
                    first = term.split()[0].rstrip("*").lower()
                    pattern = re.compile(_pattern(term), re.IGNORECASE)
                    self.phrases.append((label, float(weight), first, pattern))
                elif term.endswith("*"):
                    self.prefixes.setdefault(term[:-1], []).append((label, float(weight)))
                else:
                    self.exact.setdefault(term, []).append((label, float(weight)))
        self.lengths = sorted({len(p) for p in self.prefixes}, reverse=True)
        self._cache: dict[str, tuple[tuple[str, float], ...]] = {}

    def word(self, w: str) -> tuple[tuple[str, float], ...]:
        hit = self._cache.get(w)
        if hit is None:
            found = {label: weight for label, weight in self.exact.get(w, ())}
            for n in self.lengths:  # longest prefix first, one hit per label
                if len(w) >= n:
                    for label, weight in self.prefixes.get(w[:n], ()):
                        found.setdefault(label, weight)
            hit = tuple(sorted(found.items()))
            if len(self._cache) < 100_000:
                self._cache[w] = hit
        return hit

    def match(self, words: list[str], text: str) -> dict[str, tuple[float, Counter[str]]]:
        out: dict[str, tuple[float, Counter[str]]] = {}
        totals: Counter[str] = Counter()
        found: dict[str, Counter[str]] = {}
        for w in words:
            for label, weight in self.word(w):
                totals[label] += weight
                found.setdefault(label, Counter())[w] += 1
        low = text.lower()
        for label, weight, first, pattern in self.phrases:
            if first not in low:
                continue
            for m in pattern.finditer(text):
                totals[label] += weight
                found.setdefault(label, Counter())[" ".join(m.group(0).lower().split())] += 1
        for label in totals:
            out[label] = (totals[label], found[label])
        return out


@cache
def _lexicons() -> _Lexicons:
    return _Lexicons({**LEXICONS, "Informative": REPORTING})


def _split_terms(terms) -> tuple[frozenset[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    single = frozenset(t for t in terms if _WORD.fullmatch(t))
    phrases = tuple(
        (t.split()[0], re.compile(_pattern(t), re.IGNORECASE)) for t in terms if t not in single
    )
    return single, phrases


@cache
def _loaded():
    return _split_terms(LOADED_TERMS)


@cache
def _charged():
    return _split_terms(LOADED_TERMS + CHARGED_TERMS)


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def loaded_terms_in(text: str) -> list[str]:
    """The loaded words and phrases of :data:`LOADED_TERMS` found in ``text``."""
    return _terms_in(text, _loaded())


def charged_terms_in(text: str) -> list[str]:
    """The charged words of :data:`CHARGED_TERMS` (and :data:`LOADED_TERMS`) in ``text``."""
    return _terms_in(text, _charged())


def _terms_in(text: str, terms) -> list[str]:
    low = (text or "").lower().replace("’", "'")
    single, phrases = terms
    found = {w for w in _WORD.findall(low) if w in single}
    for first, pattern in phrases:
        if first in low:
            found.update(" ".join(m.group(0).split()) for m in pattern.finditer(low))
    return sorted(found)


def _evidence(found: Counter[str], limit: int = 10) -> list[str]:
    return [w for w, _n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def unrated(reason: str = UNRATED_DEFINITION) -> dict:
    return {
        "label": UNRATED,
        "definition": reason,
        "scores": {},
        "evidence": [],
        "vader": None,
    }


def rate(sentences: list[str]) -> dict:
    """The tone of English text given as sentences (headlines and opening sentences).

    Returns:
        ``{"label", "definition", "scores": {label: score}, "evidence": [words],
        "vader": {"compound", "negative", "positive"}, "counts": {word: n}}``
    """
    sentences = [s for s in (x.strip() for x in sentences) if s]
    text = "\n".join(sentences).replace("’", "'")
    words = [w.lower() for w in _WORD.findall(text)]
    n_words = len(words)
    if n_words == 0:
        return unrated("No text to rate.")
    analyser = _vader()
    polar = [analyser.polarity_scores(s) for s in sentences]
    neg = sum(max(0.0, -p["compound"]) for p in polar) / len(polar)
    pos = sum(max(0.0, p["compound"]) for p in polar) / len(polar)
    compound = sum(p["compound"] for p in polar) / len(polar)

    matched = _lexicons().match(words, text)
    empty: tuple[float, Counter[str]] = (0.0, Counter())
    scores: dict[str, float] = {}
    found_by_label: dict[str, Counter[str]] = {}
    for label in ("Tense", "Somber", "Contentious", "Provocative", "Hopeful", "Celebratory"):
        weight, found = matched.get(label, empty)
        density = 100.0 * weight / n_words
        factor = 0.5 + 2.0 * (neg if label in _NEGATIVE else pos)
        scores[label] = round(density * factor, 3)
        found_by_label[label] = found
    best = max(scores, key=lambda k: (scores[k], -list(scores).index(k)))
    if scores[best] >= THRESHOLD:
        label = best
        evidence = _evidence(found_by_label[best])
    else:
        label = "Informative"
        _w, found = matched.get("Informative", empty)
        evidence = _evidence(found) or ["no emotional signal above the threshold"]
    scores = {"Informative": THRESHOLD, **scores}
    return {
        "label": label,
        "definition": str(TAXONOMY[label]["definition"]),
        "scores": scores,
        "evidence": evidence,
        "vader": {
            "compound": round(compound, 3),
            "negative": round(neg, 3),
            "positive": round(pos, 3),
        },
    }
