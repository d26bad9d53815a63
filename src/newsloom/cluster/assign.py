"""Online story assignment: each arriving article joins a live story or starts one.

How an article is placed (``StoryAssigner.add``):

1. Expire: articles older than ``window_hours`` before the newest article seen leave memory
   (vector index, document frequencies, their story); a story with no article left expires.
2. A syndicated copy (``duplicate_of`` names a live article) joins that article's story.
3. Candidates: the stories of the ``neighbours`` nearest live articles by embedding.
4. Pair score between two articles: embedding cosine
   + ``w_lex`` x TF-IDF cosine of title + lead (sublinear tf, stop words removed, IDF over the
   articles in the window, raised to ``idf_power`` so that rare terms count more)
   + ``w_title`` x TF-IDF cosine of the headlines
   + ``w_ents`` x IDF-weighted cosine of names, acronyms and numbers (``text.key_terms``)
   - ``w_time`` x hours apart / ``window_hours``
   - ``w_days`` when both articles name days of the week (``text.weekdays``, in the title and
   the first ``days_words`` words) and share none: reports published together that date
   their events on different days are about different events of one kind (this week's
   jobless claims and last week's, the House vote and the Senate vote). Adjacent days count
   ``w_days_adjacent`` of that (reports straddle midnight), and the penalty fades to nothing
   as the publication times grow ``days_hours`` apart (a follow-up names a later day and is
   still the story). Backgrounds leave it out (``days_in_background``): a look-alike from
   another day still shows that the neighbourhood is crowded. A decision's reason counts the
   story's recent members it applied to (``other-days=N``).
   Across languages (declared, else guessed: ``newsloom.words.guess_language``) lexical
   signals mean nothing, so no pair score is formed: a story whose recent members are all in
   other languages is judged on the embedding alone: the average cosine less the time
   penalty (hours at ``w_time_cross``) must reach ``cross_floor``, and, less
   ``w_background_cross`` x the crowding around the article and the story (their nearest
   live articles outside it, any language), ``cross_threshold``. The embedding alone rates
   this month's jobs report as close to last month's as to another outlet's report of it;
   what tells them apart is how close everything else around them is (the background of step
   6, on the embedding).
5. Story score: ``average_share`` x the mean pair score over the story's ``recent_members``
   (average link) + the rest x the best one (single link). Average link is what stops
   chaining: one lookalike member cannot pull in an article the rest of the story does not
   resemble. ``min_average`` (mean embedding cosine) is a hard floor besides, and so is
   ``min_overlap`` where the article and the story both name things in words (people,
   places, organisations, acronyms: ``text.key_terms``) and share no key term (figures
   included): then their words must overlap (TF-IDF cosine of title + lead plus ``w_title``
   x headline cosine), since the embedding alone says "same topic" (two cities' flood
   barriers voted on the same day), which a young window, whose IDF and backgrounds are a
   few articles deep, cannot yet tell apart. Scripts without capitals (Chinese, Arabic)
   give figures alone as key terms, so the floor leaves them to the embedding.
6. Background (a hubness correction, in the spirit of CSLS in cross-lingual retrieval): the
   same score means less where many stories look alike (a week of infrastructure talks, the
   fourth Gaza story). The article's background is its mean pair score with its
   ``background_k`` best neighbours outside the candidate story (a neighbour in another
   language at its cross-language score, so that a minority language in the window meets a
   crowd too); the story's is the same for its ``background_members`` members most like the
   article, over the article's neighbours.
   The article joins the best story whose score, less ``w_background`` x (article background
   + story background), reaches ``join_threshold``; otherwise it starts a story.
   Commentary is spared some evidence: when the article is an opinion or analysis piece
   (``Item.kind``, the classifier's verdict at ingestion), or the story's recent members all
   are, every bar above is ``opinion_relief`` lower. A comment argues about an event in its
   own words and names the people it argues with more than the facts the reports share, so
   its lexical signals are weaker than a report's; the story page is where it belongs.
7. Bridge and merge: before that, for each two of the ``merge_candidates`` best stories that
   the article would join on its own (both margins met), the average link over every pair
   that connects the article, the one story and the other (article-story, article-story,
   story-story), less the background outside both, is compared with ``merge_threshold``; the
   best pair that reaches it is merged and the article joins the result. Both margins must be
   met because one near-perfect pair (a republished copy with its original) would otherwise
   carry the average over an unrelated story. The older story survives (smaller
   first-article time, then smaller key) and takes the other's articles. Two stories that the
   article does not bridge are left as they are.
8. Bridge languages: after joining a story, each other story in other languages only that
   the article would also have joined (its cross-language margin is met) is merged into it
   when the two stories share no language and their members' average embedding cosine (less
   the time penalty) clears the same two bars. A translation that arrived before any
   coverage in the main language had nothing to join and started its own story; without this
   it would stay apart when articles arrive out of time order (many feeds, many workers).

Everything a decision reads (live members in (time, id) order, integer document frequencies,
the live vectors) depends only on which articles are live, not on the path that led there, so
``restore`` is exact and the process is deterministic (ties broken by id). Cost per article is
bounded by the window, not the archive: one kNN search over the live articles, then pair scores
with at most ``neighbours`` stories x ``recent_members`` members (and, to bridge, the members
of ``merge_candidates`` stories with each other).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import numpy as np

from newsloom.words import guess_language

from .index import WindowIndex
from .text import (
    DocFreq,
    cosine,
    key_terms,
    sublinear,
    tokens,
    weekdays,
    weighted,
)


@dataclass
class ClusterParams:
    """Every threshold and weight of the assigner. The defaults were chosen by
    ``bench/cluster_quality.py --direct --sweep`` on the allsides-dev tuning split (see
    docs/benchmarks.md, "Story clustering quality")."""

    #: Articles (and so stories whose last article is) older than this before the newest
    #: article seen are forgotten.
    window_hours: float = 72.0
    #: Background-corrected story score an article needs to join a story.
    join_threshold: float = 0.6
    #: Weight of the TF-IDF cosine of title + lead in a pair score (embedding cosine has 1).
    w_lex: float = 1.0
    #: Weight of the headline TF-IDF cosine.
    w_title: float = 0.5
    #: Weight of the names/acronyms/numbers cosine.
    w_ents: float = 0.25
    #: IDF is raised to this power in every TF-IDF vector (above 1: rare terms count more).
    idf_power: float = 2.0
    #: Pair score lost when two articles are a whole window apart (linear in the hours).
    w_time: float = 0.8
    #: Pair score lost when both articles name days of the week and no day is in common
    #: (``w_days_adjacent`` x that when the nearest two days named are next to each other).
    w_days: float = 0.9
    w_days_adjacent: float = 0.5
    #: The days penalty fades to nothing as two articles' publication times grow this far
    #: apart (hours): reports published together that date different days describe
    #: different events; a follow-up the next day names a later day and is the same story.
    days_hours: float = 24.0
    #: Words of body text searched for day names (after the title): the lead dates the event.
    days_words: int = 80
    #: Whether the backgrounds count the days penalty too.
    days_in_background: bool = False
    #: Share of the average link (vs. the single best member) in a story score.
    average_share: float = 1.0
    #: Mean embedding cosine to the story's recent members below which nothing joins.
    min_average: float = 0.4
    #: Weight of the background (article's + story's) subtracted before the threshold.
    w_background: float = 0.25
    #: Neighbours outside the story that make up a background.
    background_k: int = 3
    #: Members of a candidate story whose background is looked up (those most like the article).
    background_members: int = 3
    #: Candidate stories (best raw score first) whose own background is looked up; the others
    #: are assumed as crowded as the article's surroundings.
    background_stories: int = 5
    #: What an article needs to join a story whose recent members are all in other languages:
    #: the mean embedding cosine (less the time penalty), less ``w_background_cross`` x the
    #: crowding around both (``_cross_background``). Set on allsides-dev with one article of
    #: each story machine-translated into German or Spanish (docs/benchmarks.md, "Ninth look").
    cross_threshold: float = 0.35
    #: Weight of the crowding taken off a cross-language score: the embedding alone cannot tell
    #: this month's jobs report from last month's, nor one infrastructure offer from the next,
    #: and without it a report in another language joins whichever look-alike scores highest.
    w_background_cross: float = 0.25
    #: And whatever the crowding, the mean embedding cosine (less the time penalty) must reach
    #: this: in a young window there is no crowd to measure, and a bare 0.36 is no evidence.
    cross_floor: float = 0.6
    #: ``w_time`` across languages. The embedding alone must clear the bars above, with less
    #: margin than a pair score has (the team's translations score 0.66-0.86 against their
    #: stories), and a report in another language often comes hours after the first coverage:
    #: at ``w_time`` and the old fixed bar of 0.65, a German report three hours late already
    #: fell short. Days named apart still count in full. Set on the team's fixture
    #: (docs/benchmarks.md, "Sixth look").
    w_time_cross: float = 0.2
    #: Lexical evidence (best TF-IDF cosine of title + lead, plus ``w_title`` x the best
    #: headline cosine) that an article needs to join a story when both name things and share
    #: no name: the embedding alone says "same topic" (two cities' flood barriers approved the
    #: same day), which a young window's IDF and backgrounds cannot yet tell apart.
    min_overlap: float = 0.25
    #: Evidence an opinion or analysis piece is spared (added to its margin: every bar above
    #: is this much lower), and so is an article judged against a story whose recent members
    #: all are. Commentary argues about an event in its own words, quotes little, and often
    #: names the people it argues with rather than the facts reports share; reports of one
    #: event overlap far more. The article's kind comes from the classifier at ingestion.
    opinion_relief: float = 0.1
    #: Background-corrected average link of an article and two stories (every pair between
    #: the three) at which the two stories are merged and the article joins them.
    merge_threshold: float = 0.8
    #: Best candidate stories (by score) checked two by two for a merge the article bridges.
    merge_candidates: int = 3
    #: Nearest live articles whose stories are candidates.
    neighbours: int = 30
    #: Most recent members of a story that an article is compared with.
    recent_members: int = 20
    #: Words of body text used for lexical signals and names (after the title).
    body_words: int = 150


@dataclass
class Item:
    """One article as the assigner sees it."""

    id: int
    time: datetime
    title: str
    text: str
    vector: np.ndarray
    source: str | None = None
    language: str | None = None
    duplicate_of: int | None = None
    #: news, opinion, analysis or other (``newsloom.ingest.classify``); None counts as news.
    kind: str | None = None


#: Kinds that argue or explain rather than report (``ClusterParams.opinion_relief``).
COMMENTARY = frozenset({"opinion", "analysis"})


@dataclass
class Decision:
    article_id: int
    story: int
    new_story: bool
    score: float
    merged: list[tuple[int, int]] = field(default_factory=list)
    reason: str = ""


@dataclass
class _Doc:
    id: int
    ts: float
    vector: np.ndarray
    words: dict[str, float]  # sublinear tf of title + lead tokens
    title: dict[str, float]  # sublinear tf of title tokens
    names: list[str]  # key terms
    days: frozenset[int]  # weekdays named in title + lead
    lang: str | None
    commentary: bool = False  # an opinion or analysis piece


class _Story:
    __slots__ = ("key", "first_ts", "members")

    def __init__(self, key: int, first_ts: float):
        self.key = key
        self.first_ts = first_ts
        self.members: list[_Doc] = []  # sorted by (ts, id)

    def add(self, doc: _Doc) -> None:
        self.members.append(doc)
        if len(self.members) > 1 and (self.members[-2].ts, self.members[-2].id) > (doc.ts, doc.id):
            self.members.sort(key=lambda d: (d.ts, d.id))

    def recent(self, n: int) -> list[_Doc]:
        return self.members[-n:]


@dataclass
class _Score:
    story: int
    score: float  # story score (average/single link of pair scores)
    margin: float  # score - background - threshold (>= 0: may join)
    background: float
    vec: float  # mean embedding cosine to the recent members
    lex: float
    title: float
    shared: int  # names shared with the story
    cross: bool
    days_apart: int = 0  # recent members dated on other days (the days penalty applied)
    unnamed: bool = False  # both name things in words, and no key term is in common
    relief: float = 0.0  # opinion_relief added to the margin (commentary on either side)
    vec_floor: float = 0.0  # min_average, where vec fell short of it and that decided

    def describe(self) -> str:
        if self.cross:
            return (
                f"vec={self.vec:.2f} (other language) score={self.score:.2f}"
                f" bg={self.background:.2f}"
            )
        days = f" other-days={self.days_apart}" if self.days_apart else ""
        ents = "0 (names differ)" if self.unnamed else str(self.shared)
        relief = f" commentary=-{self.relief:.2f}" if self.relief else ""
        floor = f" (floor {self.vec_floor:.2f})" if self.vec_floor else ""
        return (
            f"vec={self.vec:.2f}{floor} lex={self.lex:.2f} title={self.title:.2f} ents={ents}"
            f"{days} score={self.score:.2f} bg={self.background:.2f}{relief}"
        )


def _names_words(names) -> bool:
    """Whether key terms name something in words, not only in figures. Texts in scripts
    without capitals (Chinese, Arabic, Hindi) give figures alone: the names floor
    (``min_overlap``) must not judge them, since their words do not overlap as tokens."""
    return any(not n[0].isdigit() for n in names)


class StoryAssigner:
    """Assigns articles to stories one at a time; see the module docstring."""

    def __init__(self, params: ClusterParams | None = None):
        self.params = params or ClusterParams()
        self._index: WindowIndex | None = None
        self._docs: dict[int, _Doc] = {}
        self._story_of: dict[int, int] = {}
        self._stories: dict[int, _Story] = {}
        self._words = DocFreq()
        self._names = DocFreq()
        self._newest = -math.inf
        # per-decision caches (document frequencies change with every article)
        self._wcache: dict[tuple[int, str], dict[str, float]] = {}
        self._pcache: dict[tuple[int, int], tuple[float, float, float, float]] = {}
        self._bgcache: dict[tuple[int, frozenset[int]], float] = {}
        self._near: list[int] = []  # the current article's nearest live articles
        self._idf_words: dict[str, float] = {}
        self._idf_names: dict[str, float] = {}

    # --- public -----------------------------------------------------------------------------

    def live_stories(self) -> int:
        """Stories with at least one article in the window."""
        return len(self._stories)

    def story_of(self, article_id: int) -> int | None:
        """The live story an article is in, if the article is still in the window."""
        return self._story_of.get(article_id)

    def newest(self) -> datetime | None:
        """The newest article time seen (added or restored); None before any."""
        if self._newest == -math.inf:
            return None
        return datetime.fromtimestamp(self._newest, UTC)

    def pair_scores(self, ids: list[int]) -> np.ndarray:
        """Pair scores (step 4 of the module docstring) between live articles, as a decision
        now would see them: a symmetric matrix, NaN across languages and on the diagonal.
        For diagnostics: ``bench/cluster_quality.py --ceiling`` clusters offline with it."""
        self._clear_caches()
        docs = [self._docs[i] for i in ids]
        out = np.full((len(docs), len(docs)), np.nan)
        for i, a in enumerate(docs):
            for j in range(i + 1, len(docs)):
                score = self._pair(a, docs[j])
                if score is not None:
                    out[i, j] = out[j, i] = score
        return out

    def rewind(self, time: datetime) -> None:
        """Take ``time`` as the newest time seen, so that the window ends there.

        For an article that arrives after much newer ones were placed (a backfilled archive, a
        new source's older items): restore the stories around its time, members after it
        included, then rewind to it. Members newer than ``time`` stay until the window passes
        them; members older than ``time`` - ``window_hours`` leave at the next article.
        """
        self._newest = time.timestamp()

    def add(self, item: Item) -> Decision:
        """Place one article (articles arrive in (time, id) order)."""
        doc = self._doc(item)
        self._advance(doc.ts)
        self._count(doc)
        self._clear_caches()
        dup = item.duplicate_of
        if dup is not None and dup in self._story_of:
            key = self._story_of[dup]
            self._attach(doc, key)
            return Decision(item.id, key, False, 1.0, [], f"duplicate of article {dup}")
        scores = self._candidates(doc)
        bridge = self._bridge(doc, scores)
        if bridge is not None:
            score, survivor, absorbed = bridge
            self._attach(doc, survivor)
            best = next(s for s in scores if s.story in (survivor, absorbed))
            reason = (
                f"joined and bridged: union={score:.2f} with {best.describe()}; "
                f"merged story {absorbed} into story {survivor}"
            )
            return Decision(
                item.id, survivor, False, round(score, 6), [(absorbed, survivor)], reason
            )
        if not scores or scores[0].margin < 0:
            self._stories[doc.id] = _Story(doc.id, doc.ts)
            self._attach(doc, doc.id)
            reason = (
                f"new: best story {scores[0].story}: {scores[0].describe()}"
                if scores
                else "new: no live neighbour"
            )
            return Decision(item.id, item.id, True, 0.0, [], reason)
        best = scores[0]
        self._attach(doc, best.story)
        reason = ("joined across languages: " if best.cross else "joined: ") + best.describe()
        merged = self._bridge_languages(doc, best, scores)
        if merged:
            survivor = merged[-1][1]
            reason += "; bridged languages: " + ", ".join(
                f"merged story {a} into story {b}" for a, b in merged
            )
            return Decision(item.id, survivor, False, round(best.score, 6), merged, reason)
        return Decision(item.id, best.story, False, round(best.score, 6), [], reason)

    def restore(self, story: int, items: list[Item], first: datetime | None = None) -> None:
        """Rebuild one live story from its items (in order), deciding nothing.

        After all live stories are restored, the assigner decides as if it had placed every
        one of those items itself. Items already known are skipped. ``first`` is the time of
        the story's first article when ``items`` may not include it (for which story is older
        when two merge); by default the story's key article, else its oldest item.
        """
        if not items:
            return
        if first is not None:
            first_ts = first.timestamp()
        else:
            key_item = next((it for it in items if it.id == story), None)
            first_ts = (key_item or min(items, key=lambda it: (it.time, it.id))).time.timestamp()
        for item in items:
            if item.id in self._docs:
                continue
            doc = self._doc(item)
            self._newest = max(self._newest, doc.ts)
            self._count(doc)
            if story not in self._stories:
                self._stories[story] = _Story(story, first_ts)
            self._attach(doc, story)

    # --- state ------------------------------------------------------------------------------

    def _doc(self, item: Item) -> _Doc:
        p = self.params
        title = item.title or ""
        body = " ".join((item.text or "").split()[: p.body_words])
        lang = (item.language or "").strip().lower()[:2] or guess_language(
            f"{title} {body}", min_words=8
        )
        return _Doc(
            id=item.id,
            ts=item.time.timestamp(),
            vector=np.asarray(item.vector, dtype=np.float32),
            words=sublinear(Counter(tokens(f"{title}\n{body}"))),
            title=sublinear(Counter(tokens(title))),
            names=key_terms(title, body),
            days=weekdays(f"{title}\n{' '.join(body.split()[: p.days_words])}"),
            lang=lang or None,
            commentary=(item.kind or "").lower() in COMMENTARY,
        )

    def _advance(self, ts: float) -> None:
        self._newest = max(self._newest, ts)
        if self._index is None:
            return
        cutoff = self._newest - self.params.window_hours * 3600.0
        for art in sorted(self._index.expire(cutoff)):
            doc = self._docs.pop(art)
            self._words.remove(doc.words)
            self._names.remove(doc.names)
            key = self._story_of.pop(art)
            story = self._stories[key]
            story.members = [d for d in story.members if d.id != art]
            if not story.members:
                del self._stories[key]

    def _count(self, doc: _Doc) -> None:
        self._words.add(doc.words)
        self._names.add(doc.names)

    def _attach(self, doc: _Doc, key: int) -> None:
        if self._index is None:
            self._index = WindowIndex(len(doc.vector))
        self._docs[doc.id] = doc
        self._index.add(doc.id, doc.vector, doc.ts)
        self._story_of[doc.id] = key
        self._stories[key].add(doc)
        self._bgcache.clear()

    def _merge(self, a: int, b: int) -> tuple[int, int]:
        """Merge two stories; returns (survivor, absorbed)."""
        sa, sb = self._stories[a], self._stories[b]
        survivor, absorbed = (
            (sa, sb) if (sa.first_ts, sa.key) <= (sb.first_ts, sb.key) else (sb, sa)
        )
        for d in absorbed.members:
            self._story_of[d.id] = survivor.key
        survivor.members = sorted(survivor.members + absorbed.members, key=lambda d: (d.ts, d.id))
        del self._stories[absorbed.key]
        self._bgcache.clear()
        return survivor.key, absorbed.key

    def _clear_caches(self) -> None:
        self._idf_words.clear()
        self._idf_names.clear()
        self._wcache.clear()
        self._pcache.clear()
        self._bgcache.clear()

    # --- pair scores ------------------------------------------------------------------------

    def _weighted(self, d: _Doc, what: str) -> dict[str, float]:
        key = (d.id, what)
        got = self._wcache.get(key)
        if got is None:
            power = self.params.idf_power
            if what == "words":
                got = weighted(d.words, self._words, power, self._idf_words)
            elif what == "title":
                got = weighted(d.title, self._words, power, self._idf_words)
            else:
                got = weighted(dict.fromkeys(d.names, 1.0), self._names, power, self._idf_names)
            self._wcache[key] = got
        return got

    def _signals(self, a: _Doc, b: _Doc) -> tuple[float, float, float, float]:
        """(embedding, lexical, headline, names) similarity of two articles."""
        key = (a.id, b.id) if a.id < b.id else (b.id, a.id)
        got = self._pcache.get(key)
        if got is None:
            vec = float(a.vector @ b.vector)
            if a.lang and b.lang and a.lang != b.lang:
                got = (vec, -1.0, -1.0, -1.0)  # lexical signals do not apply
            else:
                got = (
                    vec,
                    cosine(self._weighted(a, "words"), self._weighted(b, "words")),
                    cosine(self._weighted(a, "title"), self._weighted(b, "title")),
                    cosine(self._weighted(a, "names"), self._weighted(b, "names")),
                )
            self._pcache[key] = got
        return got

    def _other_days(self, a: _Doc, b: _Doc) -> bool:
        """Whether the days penalty applies to this pair (both name days, none shared, and
        they were published less than ``days_hours`` apart)."""
        p = self.params
        if not (p.w_days and a.days and b.days) or a.days & b.days:
            return False
        return abs(a.ts - b.ts) / 3600.0 < p.days_hours

    def _penalty(self, a: _Doc, b: _Doc, days: bool = True, w_time: float | None = None) -> float:
        """What time takes off a pair score: hours apart (at ``w_time`` unless given), and days
        named with none shared."""
        p = self.params
        hours = abs(a.ts - b.ts) / 3600.0
        penalty = (p.w_time if w_time is None else w_time) * hours / p.window_hours
        if days and self._other_days(a, b):
            gap = min(min((x - y) % 7, (y - x) % 7) for x in a.days for y in b.days)
            share = 1.0 if gap >= 2 else p.w_days_adjacent
            penalty += p.w_days * share * (1.0 - hours / p.days_hours)
        return penalty

    def _pair(self, a: _Doc, b: _Doc, days: bool = True) -> float | None:
        """The pair score (see the module docstring); None across languages."""
        p = self.params
        vec, lex, title, names = self._signals(a, b)
        if lex < 0:
            return None
        penalty = self._penalty(a, b, days)
        return vec + p.w_lex * lex + p.w_title * title + p.w_ents * names - penalty

    def _link(self, pairs: list[float]) -> float:
        share = self.params.average_share
        return share * (sum(pairs) / len(pairs)) + (1 - share) * max(pairs)

    def _cross(self, a: _Doc, b: _Doc) -> float:
        """Embedding cosine of two articles, less the time penalty at ``w_time_cross`` (for
        other languages)."""
        return self._signals(a, b)[0] - self._penalty(a, b, w_time=self.params.w_time_cross)

    def _cross_background(self, doc: _Doc, key: int) -> float:
        """Crowding around ``doc`` and story ``key`` on the embedding alone (for a
        cross-language decision, where no pair score exists): the mean cosine of the article
        with its ``background_k`` nearest live articles outside the story, in any language,
        plus the same for the story's ``background_members`` members most like the article,
        over the article's neighbours."""
        p = self.params

        def crowd(d: _Doc) -> float:
            sims = sorted(
                (
                    float(d.vector @ self._docs[a].vector)
                    for a in self._near
                    if a not in (doc.id, d.id) and self._story_of[a] != key
                ),
                reverse=True,
            )[: p.background_k]
            return sum(sims) / len(sims) if sims else 0.0

        values = [
            crowd(d) for d in self._most_alike(self._stories[key].recent(p.recent_members), doc)
        ]
        return crowd(doc) + (sum(values) / len(values) if values else 0.0)

    def _cross_margin(self, score: float, doc: _Doc, key: int) -> tuple[float, float]:
        """(margin, background) of a cross-language score of ``doc`` with story ``key``: the
        score must reach ``cross_floor``, and, less the crowding, ``cross_threshold``."""
        p = self.params
        background = p.w_background_cross * self._cross_background(doc, key)
        return min(score - background - p.cross_threshold, score - p.cross_floor), background

    def _most_alike(self, members: list[_Doc], probe: _Doc) -> list[_Doc]:
        """The ``background_members`` members most like ``probe`` (ties: smaller id)."""
        chosen = sorted(members, key=lambda d: (-float(d.vector @ probe.vector), d.id))
        return chosen[: self.params.background_members]

    # --- backgrounds ------------------------------------------------------------------------

    def _background_of(self, doc: _Doc, exclude: frozenset[int], near: list[int]) -> float:
        """Mean of the ``background_k`` best pair scores of ``doc`` with the articles ``near``
        outside the stories ``exclude``. A neighbour in another language counts with its
        cross-language score (``_cross``): counting only the article's own language, a German
        article in a mostly English window had almost no background, and two German reports
        of different events on one theme met no crowd at all."""
        p = self.params
        scores = []
        for a in near:
            if a == doc.id or self._story_of[a] in exclude:
                continue
            other = self._docs[a]
            score = self._pair(doc, other, days=p.days_in_background)
            scores.append(self._cross(doc, other) if score is None else score)
        scores = sorted(scores, reverse=True)[: p.background_k]
        return sum(scores) / len(scores) if scores else 0.0

    def _story_background(self, members: list[_Doc], exclude: frozenset[int], probe: _Doc) -> float:
        """Mean background of the members most like ``probe``, within the probe's
        neighbourhood (one kNN search per article, not one per member)."""
        values = []
        for d in self._most_alike(members, probe):
            key = (d.id, exclude)
            if key not in self._bgcache:
                self._bgcache[key] = self._background_of(d, exclude, self._near)
            values.append(self._bgcache[key])
        return sum(values) / len(values) if values else 0.0

    # --- decisions --------------------------------------------------------------------------

    def _candidates(self, doc: _Doc) -> list[_Score]:
        """Candidate stories, best margin first (ties: higher score, then smaller key)."""
        p = self.params
        if self._index is None or not len(self._index):
            return []
        near = [art for art, _sim in self._index.search(doc.vector, p.neighbours)]
        self._near = near
        keys = list(dict.fromkeys(self._story_of[a] for a in near))
        named = _names_words(doc.names)
        raw: list[_Score] = []  # margins and backgrounds come below
        for key in keys:
            story = self._stories[key]
            recent = story.recent(p.recent_members)
            signals = [self._signals(doc, d) for d in recent]
            vec = sum(s[0] for s in signals) / len(signals)
            pairs = [x for x in (self._pair(doc, d) for d in recent) if x is not None]
            same = [s for s in signals if s[1] >= 0] or [(0.0, 0.0, 0.0, 0.0)]
            names = {n for d in recent for n in d.names}
            shared = sum(1 for n in doc.names if n in names)
            commentary = doc.commentary or all(d.commentary for d in recent)
            if pairs:
                raw.append(
                    _Score(
                        story=key,
                        score=self._link(pairs),
                        margin=0.0,
                        background=0.0,
                        vec=vec,
                        lex=max(s[1] for s in same),
                        title=max(s[2] for s in same),
                        shared=shared,
                        cross=False,
                        days_apart=sum(1 for d in recent if self._other_days(doc, d)),
                        unnamed=named and not shared and _names_words(names),
                        relief=p.opinion_relief if commentary else 0.0,
                    )
                )
            else:  # the story is in other languages only: the embedding alone decides
                cross = self._link([self._cross(doc, d) for d in recent])
                raw.append(_Score(key, cross, 0.0, 0.0, vec, 0.0, 0.0, shared, cross=True))
        same_lang = sorted((s for s in raw if not s.cross), key=lambda s: (-s.score, s.story))
        out = []
        for rank, cand in enumerate(same_lang):
            exclude = frozenset((cand.story,))
            bg_doc = self._background_of(doc, exclude, near)
            if rank < p.background_stories:
                recent = self._stories[cand.story].recent(p.recent_members)
                bg_story = self._story_background(recent, exclude, doc)
            else:
                bg_story = bg_doc
            background = p.w_background * (bg_doc + bg_story)
            margin = cand.score - background - p.join_threshold
            # the reason names the floor where it decided (the score alone would have joined),
            # as it applied (commentary meets it lower, as every bar)
            applied = p.min_average - cand.relief
            floor = applied if cand.vec < applied and margin + cand.relief >= 0 else 0.0
            if cand.vec < p.min_average:
                margin = min(margin, cand.vec - p.min_average)
            overlap = cand.lex + p.w_title * cand.title
            if cand.unnamed and overlap < p.min_overlap:
                margin = min(margin, overlap - p.min_overlap)
            out.append(
                replace(cand, margin=margin + cand.relief, background=background, vec_floor=floor)
            )
        for cand in (s for s in raw if s.cross):
            margin, background = self._cross_margin(cand.score, doc, cand.story)
            out.append(replace(cand, margin=margin, background=background))
        out.sort(key=lambda s: (-s.margin, -s.score, s.story))
        return out

    def _bridge(self, doc: _Doc, scores: list[_Score]) -> tuple[float, int, int] | None:
        """Merge two candidate stories that ``doc`` bridges: (union score, survivor, absorbed).

        Two of the best ``merge_candidates`` stories (by raw score) are merged when every
        link between the three parts (the article, one story, the other) taken together, less
        the background outside both stories, reaches ``merge_threshold``.
        """
        p = self.params
        top = sorted((s for s in scores if not s.cross), key=lambda s: (-s.score, s.story))
        top = top[: p.merge_candidates]
        best: tuple[float, int, int] | None = None
        for i, s1 in enumerate(top):
            for s2 in top[i + 1 :]:
                if s1.margin < 0 or s2.margin < 0:
                    continue  # the article would not join one of them on its own
                union = self._union(doc, s1.story, s2.story)
                if union is not None and union >= p.merge_threshold:
                    if best is None or union > best[0]:
                        best = (union, s1.story, s2.story)
        if best is None:
            return None
        survivor, absorbed = self._merge(best[1], best[2])
        return best[0], survivor, absorbed

    def _languages(self, key: int) -> set[str | None]:
        return {d.lang for d in self._stories[key].recent(self.params.recent_members)}

    def _bridge_languages(
        self, doc: _Doc, best: _Score, scores: list[_Score]
    ) -> list[tuple[int, int]]:
        """Merge into the story just joined each other-language story the article would also
        have joined, when the two stories' members are in no common language and alike on
        their own (average embedding cosine between them, less the time penalty, reaches
        ``cross_threshold``). Without it a translation that arrived before the story it
        belongs to (so had nothing in its language to join) stays apart for good.
        (absorbed, survivor) pairs, in order."""
        p = self.params
        merged: list[tuple[int, int]] = []
        survivor = best.story
        for other in scores[1:]:
            if other.margin < 0 or not (other.cross or best.cross):
                continue
            if other.story not in self._stories or other.story == survivor:
                continue
            if self._languages(survivor) & self._languages(other.story):
                continue
            ra = self._stories[survivor].recent(p.recent_members)
            rb = self._stories[other.story].recent(p.recent_members)
            link = self._link([self._cross(x, y) for x in ra for y in rb])
            if self._cross_margin(link, doc, other.story)[0] < 0:
                continue
            survivor, absorbed = self._merge(survivor, other.story)
            merged.append((absorbed, survivor))
        return merged

    def _union(self, doc: _Doc, a: int, b: int) -> float | None:
        """Background-corrected average link of ``doc`` + story ``a`` + story ``b``."""
        p = self.params
        ra = self._stories[a].recent(p.recent_members)
        rb = self._stories[b].recent(p.recent_members)
        links = [(doc, d) for d in ra + rb] + [(x, y) for x in ra for y in rb]
        vec = sum(self._signals(x, y)[0] for x, y in links) / len(links)
        if vec < p.min_average:
            return None
        pairs = [s for s in (self._pair(x, y) for x, y in links) if s is not None]
        if not pairs:
            return None
        exclude = frozenset((a, b))
        background = p.w_background * (
            self._background_of(doc, exclude, self._near)
            + self._story_background(ra + rb, exclude, doc)
        )
        return self._link(pairs) - background
