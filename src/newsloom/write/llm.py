"""The LLM writer: headline, highlights and story written by a language model, then verified.

Any OpenAI-compatible endpoint works (Ollama, vLLM, llama.cpp's server, OpenAI, ...), through
the ``openai`` SDK. Use it as ``write_page(articles, writer=LLMWriter(settings))``.

1. The story's news articles (role ``body``) are cut into sentences and numbered, a few
   sentences per article in turn, within a character budget: these are the *excerpts*.
2. The model is asked for JSON: ``{"headline": ..., "highlights": [{"text", "sources"}],
   "story": [{"text", "sources"}]}``, where ``sources`` are excerpt numbers (JSON mode is
   requested where the server supports it; code fences, inline ``[n]`` markers, strings for
   numbers and a story given as one paragraph are all accepted).
3. Every sentence is checked against the articles its excerpts come from
   (:class:`newsloom.write.verify.Checker`: every content word, number and quoted span must be
   in them). A sentence that fails, cites nothing valid, or carries a loaded word outside
   quotes is dropped. The headline must pass the same checks against all news articles and
   the extractive writer's neutrality checks (:func:`~newsloom.write.extractive.headline_ok`);
   otherwise the extractive writer's headline is used.
4. When too little survives (fewer than :data:`MIN_HIGHLIGHTS` highlights or a story under
   :data:`MIN_STORY_WORDS` words), the model gets one more round with the failures named; if
   that does not help either, or when the endpoint fails, times out or answers something
   that is not the JSON asked for, the page is written by the extractive writer instead, and
   the draft says why (``info["fallback_reason"]``).

The draft's ``info`` (an :class:`LLMDraft`) says what happened: ``backend`` ("llm" or
"extractive"), ``model``, ``checked``, ``dropped``, ``regenerated``, ``headline`` ("llm" or
"extractive") and, on a fallback, ``fallback_reason``. The writer also keeps the latest one in
``last_info``.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass, field
from typing import Any

from newsloom.write.extractive import (
    HEADLINE_MAX_CHARS,
    HIGHLIGHT_MAX_WORDS,
    SENTENCE_MAX_WORDS,
    Doc,
    Draft,
    ExtractiveWriter,
    Passage,
    clean_headline,
    headline_ok,
)
from newsloom.write.sentences import split_paragraph, word_count
from newsloom.write.tone import loaded_terms_in
from newsloom.write.verify import Checker

log = logging.getLogger(__name__)

VERSION = "1"

#: Excerpts (numbered sentences) given to the model, at most.
MAX_EXCERPTS = 60
#: Sentences taken from one article, at most.
PER_ARTICLE = 12
#: Characters of excerpts, at most (keeps the prompt within a 4k-token context).
MAX_EXCERPT_CHARS = 7_000
#: Shortest excerpt, in words.
EXCERPT_MIN_WORDS = 5
#: Tokens the model may answer with.
MAX_TOKENS = 1_200
#: Seconds before a request to the endpoint times out.
TIMEOUT = 120.0
#: Below these, the LLM page is not worth showing: regenerate once, then fall back.
MIN_HIGHLIGHTS = 2
MIN_STORY_WORDS = 60
#: Written sentences shorter than this (words) are dropped.
MIN_SENTENCE_WORDS = 4
HIGHLIGHTS = 3

SYSTEM_PROMPT = """You are a careful, neutral news editor. You write only from the numbered \
source excerpts you are given.
Rules:
- Use only facts stated in the excerpts. Do not add any name, number, date, place or quote \
that the excerpts do not contain. Reuse the excerpts' own words where you can.
- Every sentence cites the excerpt numbers it is based on.
- Keep each claim with its speaker ("the minister said"). Where sources disagree, give both \
accounts.
- Neutral wording: no opinions, no loaded or emotional words, no questions.
- Quote only words that appear verbatim in the excerpts.
Answer with one JSON object and nothing else, in this form:
{"headline": "...", "highlights": [{"text": "...", "sources": [1]}], \
"story": [{"text": "...", "sources": [1, 2]}]}
- headline: at most 90 characters, a plain statement of the news, not a question;
- highlights: 3 separate key facts, one sentence each, at most 35 words each;
- story: 5 to 10 sentences (about 150 to 250 words) that tell the whole story in order, \
one sentence per item."""


class LLMError(Exception):
    """The endpoint failed or answered something unusable; ``reason`` says what."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class LLMDraft(Draft):
    """A draft with what the writer did (see the module docstring)."""

    info: dict = field(default_factory=dict)


@dataclass
class Excerpt:
    number: int
    doc: int  # index of the article
    text: str


# ---------------------------------------------------------------------------------------------
# Prompt


def excerpts_of(
    docs: list[Doc], *, max_excerpts: int = MAX_EXCERPTS, max_chars: int = MAX_EXCERPT_CHARS
) -> list[Excerpt]:
    """Numbered sentences of the news articles: each article's sentences in turn (first of
    every article, then second of every article, ...), within the budgets."""
    queues = []
    for d in docs:
        if d.role != "body":
            continue
        sentences = [s.text for s in d.sentences if word_count(s.text) >= EXCERPT_MIN_WORDS]
        if sentences:
            queues.append((d.index, sentences[:PER_ARTICLE]))
    out: list[Excerpt] = []
    chars = 0
    depth = 0
    while len(out) < max_excerpts and any(depth < len(q) for _i, q in queues):
        for index, sentences in queues:
            if depth >= len(sentences) or len(out) >= max_excerpts:
                continue
            text = " ".join(sentences[depth].split())
            if chars + len(text) > max_chars and out:
                return out
            out.append(Excerpt(len(out) + 1, index, text))
            chars += len(text)
        depth += 1
    return out


def prompt_of(docs: list[Doc], excerpts: list[Excerpt]) -> str:
    outlets = {d.index: d.outlet for d in docs}
    lines = [f"[{e.number}] ({outlets.get(e.doc, '?')}) {e.text}" for e in excerpts]
    return (
        "Source excerpts:\n"
        + "\n".join(lines)
        + "\n\nWrite the headline, highlights and story as JSON, citing excerpt numbers."
    )


# ---------------------------------------------------------------------------------------------
# Parsing the answer

_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*|\s*```\s*$")
_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])+")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")


def parse_answer(content: str) -> dict:
    """The JSON object in the model's answer (code fences and chatter around it ignored)."""
    text = _FENCE.sub("", (content or "").strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise LLMError("the answer has no JSON object")
    try:
        data = json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise LLMError(f"the answer is not valid JSON ({exc.msg})") from exc
    if not isinstance(data, dict):
        raise LLMError("the answer is not a JSON object")
    return data


def _numbers(value: Any) -> list[int]:
    if value is None:
        return []
    if isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value]
    if isinstance(value, float) and value.is_integer():
        return [int(value)]
    if isinstance(value, str):
        return [int(n) for n in re.findall(r"\d+", value)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in _numbers(v)]
    return []


def _items(value: Any) -> list[tuple[str, list[int]]]:
    """(sentence, excerpt numbers) pairs from a list of items or a paragraph."""
    if value is None:
        return []
    if isinstance(value, str | dict):
        value = [value]
    if not isinstance(value, list):
        return []
    out: list[tuple[str, list[int]]] = []
    for item in value:
        if isinstance(item, str):
            text, sources = item, []
        elif isinstance(item, dict):
            text = item.get("text") or item.get("sentence") or item.get("content") or ""
            sources = _numbers(
                item.get("sources", item.get("citations", item.get("source", item.get("cites"))))
            )
        else:
            continue
        if not isinstance(text, str):
            continue
        for paragraph in text.split("\n"):
            paragraph = _BULLET.sub("", paragraph).strip()
            if not paragraph:
                continue
            first = len(out)
            for sentence in split_paragraph(paragraph):
                lead = _LEADING_MARKERS.match(sentence)
                if lead and len(out) > first:  # "... said. [2] Next ...": [2] is the last's
                    prev_text, prev_cited = out[-1]
                    out[-1] = (prev_text, list(dict.fromkeys(prev_cited + _numbers(lead[0]))))
                    sentence = sentence[lead.end() :]
                cited = list(sources)
                for m in _MARKER.finditer(sentence):
                    cited.extend(_numbers(m.group(1)))
                sentence = " ".join(_MARKER.sub("", sentence).split())
                sentence = re.sub(r"\s+([.,;:!?])", r"\1", sentence)
                if sentence.strip(".,;:!? "):
                    out.append((sentence, list(dict.fromkeys(cited))))
                elif len(out) > first:  # a marker after the full stop: "... said. [2]"
                    prev_text, prev_cited = out[-1]
                    out[-1] = (prev_text, list(dict.fromkeys(prev_cited + cited)))
    return out


# ---------------------------------------------------------------------------------------------
# The writer


def _get(settings: Any, name: str, default: Any = None) -> Any:
    value = getattr(settings, name, None) if settings is not None else None
    return default if value is None else value


class LLMWriter:
    """Writes the page with a language model behind an OpenAI-compatible endpoint, verifies
    every sentence, and falls back to the extractive writer (see the module docstring).

    ``settings`` supplies ``llm_base_url``, ``llm_model``, ``llm_api_key`` and
    ``llm_timeout``; keyword arguments override them. Without a base URL the writer is off
    and every draft is extractive (``fallback_reason`` says so).
    """

    backend = "llm"
    version = VERSION

    def __init__(
        self,
        settings: Any = None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        api_key: str | None = None,
        timeout: float | None = None,
        max_tokens: int = MAX_TOKENS,
        regenerate: bool = True,
        temperature: float = 0.0,
        fallback: ExtractiveWriter | None = None,
    ):
        self.base_url = base_url or _get(settings, "llm_base_url")
        self.model = model or _get(settings, "llm_model")
        self.api_key = api_key or _get(settings, "llm_api_key")
        self.timeout = float(timeout or _get(settings, "llm_timeout", TIMEOUT))
        self.max_tokens = max_tokens
        self.regenerate = regenerate
        self.temperature = temperature
        self.fallback = fallback or ExtractiveWriter()
        self.last_info: dict = {}
        self._client = None
        self._json_mode = True

    # -- the endpoint -----------------------------------------------------------------------

    @property
    def client(self):
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                base_url=self.base_url,
                api_key=self.api_key or "not-needed",
                timeout=self.timeout,
                max_retries=0,
            )
        return self._client

    def model_name(self) -> str:
        """The configured model, else the first one the endpoint lists."""
        if not self.model:
            try:
                listed = self.client.models.list()
                first = next(iter(listed), None)
                self.model = first.id if first is not None else "default"
            except Exception as exc:  # any failure here is reported later
                log.info("llm: could not list models (%s); using 'default'", exc)
                self.model = "default"
        return self.model

    def complete(self, messages: list[dict]) -> str:
        """The model's answer to ``messages``; raises :class:`LLMError` on any failure."""
        import openai

        kwargs = {
            "model": self.model_name(),
            "messages": messages,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
        }
        try:
            try:
                if self._json_mode:
                    kwargs["response_format"] = {"type": "json_object"}
                response = self.client.chat.completions.create(**kwargs)
            except (openai.BadRequestError, openai.UnprocessableEntityError):
                if not self._json_mode:
                    raise
                # the server may not know response_format: ask again without it
                self._json_mode = False
                kwargs.pop("response_format", None)
                response = self.client.chat.completions.create(**kwargs)
        except openai.APITimeoutError as exc:
            raise LLMError(f"the endpoint timed out after {self.timeout:g} s") from exc
        except openai.APIStatusError as exc:
            raise LLMError(f"the endpoint answered HTTP {exc.status_code}") from exc
        except openai.APIConnectionError as exc:
            raise LLMError(f"could not reach the endpoint ({exc.__class__.__name__})") from exc
        except openai.OpenAIError as exc:
            raise LLMError(f"the endpoint failed ({exc.__class__.__name__}: {exc})") from exc
        try:
            content = response.choices[0].message.content
        except (AttributeError, IndexError, TypeError) as exc:
            raise LLMError("the answer has no message") from exc
        if not content or not content.strip():
            raise LLMError("the answer is empty")
        return content

    # -- writing ----------------------------------------------------------------------------

    def write(self, docs: list[Doc]) -> Draft:
        """A draft from the story's docs (see the module docstring)."""
        started = time.monotonic()
        if not self.base_url:
            draft = self._fallback(docs, "no LLM endpoint configured (llm_base_url)")
        else:
            try:
                draft = self._write(docs)
            except LLMError as exc:
                draft = self._fallback(docs, exc.reason)
            except Exception as exc:  # a page is always written
                log.exception("llm: unexpected failure")
                draft = self._fallback(docs, f"unexpected error ({exc.__class__.__name__})")
        draft.info["elapsed_s"] = round(time.monotonic() - started, 2)
        self.last_info = dict(draft.info)
        return draft

    def _fallback(self, docs: list[Doc], reason: str) -> LLMDraft:
        log.warning("llm: falling back to the extractive writer: %s", reason)
        base = self.fallback.write(docs)
        info = {
            "backend": base.backend,
            "version": base.version,
            "fallback_reason": reason,
        }
        if self.base_url:
            info["model"] = self.model
        return LLMDraft(
            headline=base.headline,
            highlights=base.highlights,
            story=base.story,
            backend=base.backend,
            version=base.version,
            info=info,
        )

    def _write(self, docs: list[Doc]) -> LLMDraft:
        excerpts = excerpts_of(docs)
        if not excerpts:
            raise LLMError("no news sentences to write from")
        messages = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": prompt_of(docs, excerpts)},
        ]
        checker = Checker({d.index: d.text for d in docs}, clean=False)
        content = self.complete(messages)
        result = self._verify(parse_answer(content), docs, excerpts, checker)
        regenerated = False
        if not result.enough and self.regenerate:
            regenerated = True
            messages += [
                {"role": "assistant", "content": content},
                {"role": "user", "content": result.feedback()},
            ]
            try:
                again = self._verify(parse_answer(self.complete(messages)), docs, excerpts, checker)
            except LLMError as exc:
                log.info("llm: regeneration failed: %s", exc.reason)
            else:
                checked, dropped = result.checked + again.checked, result.dropped + again.dropped
                result = again if again.story_words >= result.story_words else result
                result.checked, result.dropped = checked, dropped
        if not result.enough:
            raise LLMError(
                "too little survived verification "
                f"({len(result.highlights)} highlights, {result.story_words} story words; "
                f"{result.dropped} of {result.checked} sentences dropped)"
            )
        headline, source = result.headline, "llm"
        if not headline:
            headline, source = self.fallback.write(docs).headline, "extractive"
        info = {
            "backend": self.backend,
            "version": self.version,
            "model": self.model,
            "checked": result.checked,
            "dropped": result.dropped,
            "regenerated": regenerated,
            "headline": source,
            "excerpts": len(excerpts),
        }
        return LLMDraft(
            headline=headline,
            highlights=result.highlights,
            story=result.story,
            backend=self.backend,
            version=self.version,
            info=info,
        )

    def _verify(
        self, data: dict, docs: list[Doc], excerpts: list[Excerpt], checker: Checker
    ) -> _Verified:
        by_number = {e.number: e.doc for e in excerpts}
        out = _Verified()

        def keep(items, max_words: int, limit: int | None) -> list[Passage]:
            kept: list[Passage] = []
            seen: set[str] = set()
            for text, numbers in items:
                if limit is not None and len(kept) >= limit:
                    break
                out.checked += 1
                cited = list(dict.fromkeys(by_number[n] for n in numbers if n in by_number))
                why = _rejected(text, cited, checker, max_words)
                key = text.casefold()
                if why is None and key in seen:
                    why = {"duplicate": True}
                if why is not None:
                    out.dropped += 1
                    out.failures.append((text, why))
                    log.info("llm: dropped sentence %r: %s", text[:120], why)
                    continue
                seen.add(key)
                out.kept += 1
                kept.append(Passage(text, cited))  # (a syndicated copy is no second source)
            return kept

        out.highlights = keep(_items(data.get("highlights")), HIGHLIGHT_MAX_WORDS, HIGHLIGHTS)
        out.story = keep(_items(data.get("story")), SENTENCE_MAX_WORDS, None)
        out.headline = self._headline(data.get("headline"), docs, checker)
        return out

    @staticmethod
    def _headline(value: Any, docs: list[Doc], checker: Checker) -> str:
        if not isinstance(value, str):
            return ""
        outlet_names = {d.outlet for d in docs if d.outlet}
        title = clean_headline(_MARKER.sub("", value), outlet_names)
        title = title.strip().strip('"“”').strip()
        if len(title) > HEADLINE_MAX_CHARS or not headline_ok(title, outlet_names):
            log.info("llm: headline %r fails the neutrality checks", title)
            return ""
        body = [d.index for d in docs if d.role in ("body", "copy")]
        ok, details = checker.check(title, body)
        if not ok:
            log.info("llm: headline %r is not supported: %s", title, details)
            return ""
        return title


@dataclass
class _Verified:
    headline: str = ""
    highlights: list[Passage] = field(default_factory=list)
    story: list[Passage] = field(default_factory=list)
    checked: int = 0
    kept: int = 0
    dropped: int = 0
    failures: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def story_words(self) -> int:
        return sum(word_count(p.text) for p in self.story)

    @property
    def enough(self) -> bool:
        return len(self.highlights) >= MIN_HIGHLIGHTS and self.story_words >= MIN_STORY_WORDS

    def feedback(self) -> str:
        lines = [
            "Some sentences were not supported by the excerpts they cite and were removed:",
        ]
        for text, why in self.failures[:12]:
            missing = (
                why.get("missing_words", [])
                + why.get("missing_numbers", [])
                + [f'"{q}"' for q in why.get("missing_quotes", [])]
            )
            reason = (
                f"not in the cited excerpts: {', '.join(missing)}"
                if missing
                else ", ".join(f"{k}" for k in why)
            )
            lines.append(f"- {text} ({reason})")
        lines.append(
            "Write the JSON again: 3 highlights and a story of 5 to 10 sentences, using only "
            "words, names and numbers from the excerpts, each sentence citing the excerpts "
            "that state it."
        )
        return "\n".join(lines)


def _rejected(text: str, cited: list[int], checker: Checker, max_words: int) -> dict | None:
    """Why a written sentence cannot be shown, or None when it can."""
    n = word_count(text)
    if n < MIN_SENTENCE_WORDS:
        return {"too_short": n}
    if n > max_words:
        return {"too_long": n}
    if text.rstrip().endswith("?"):
        return {"question": True}
    if not cited:
        return {"no_valid_citation": True}
    unquoted = re.sub(r"[\"“][^\"“”]*[\"”]", " ", text)
    loaded = loaded_terms_in(unquoted)
    if loaded:
        return {"loaded": sorted(loaded)}
    ok, details = checker.check(text, cited)
    return None if ok else details


def writer_for(settings: Any) -> LLMWriter | ExtractiveWriter:
    """The writer the settings ask for: the LLM writer when ``llm_base_url`` is set."""
    return LLMWriter(settings) if _get(settings, "llm_base_url") else ExtractiveWriter()
