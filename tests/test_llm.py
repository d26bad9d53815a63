"""The LLM writer against real HTTP servers.

(a) A small OpenAI-compatible server written here with ``http.server`` answers with canned
JSON: the real ``openai`` client, the parsing, the verification, the dropping of invented
sentences and the fallbacks (HTTP 500, time-out, garbage) all run for real.

(b) ``@pytest.mark.llm``: the real llama-cpp-python server with the cached
Qwen2.5-Coder-1.5B-Instruct model (``scripts/llm-server.sh`` builds both).

Every article here is invented (places, outlets, people and events do not exist).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from helpers import free_port

from newsloom.write import SourceArticle, write_page
from newsloom.write.llm import (
    LLMDraft,
    LLMWriter,
    _items,
    excerpts_of,
    parse_answer,
    writer_for,
)
from newsloom.write.page import prepare
from newsloom.write.verify import supported

T0 = datetime(2026, 5, 3, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)

LEDGER = "https://ledger.example/world/bridge"
COURIER = "https://courier.example/news/tollan-bridge"
HARBOR = "https://harbortimes.example/wire/bridge"

LEDGER_TEXT = (
    "A section of the Tollan river bridge collapsed on Sunday evening, injuring 14 people, "
    "the city fire service said.\n"
    "The bridge, built in 1962, had been closed to lorries since March after engineers found "
    "cracks in two of its supports, Mayor Ilse Varga told reporters.\n"
    "Rescue crews searched the river with boats and divers until midnight.\n"
    "Traffic between the old town and the harbour district was diverted to the northern "
    "ring road."
)
COURIER_TEXT = (
    "Fourteen people were injured when part of the Tollan river bridge collapsed on Sunday, "
    "the city fire service said.\n"
    "Mayor Ilse Varga said the city would open an inquiry into the collapse.\n"
    "The construction firm Brenner Bau, which repaired the bridge last year, said its work "
    "met every safety standard.\n"
    '"We followed the engineers\' plans to the letter," Brenner Bau director Karl Menz said.'
)
HARBOR_TEXT = (
    "The Tollan river bridge partly collapsed on Sunday evening and 14 people were hurt, "
    "according to the city fire service.\n"
    "Divers searched the river until midnight but found no one missing, the fire service "
    "said.\n"
    "The bridge carried about 20,000 vehicles a day before it was closed to lorries in March."
)


def articles() -> list[SourceArticle]:
    return [
        SourceArticle(
            url=LEDGER,
            title="Tollan river bridge partly collapses, injuring 14",
            text=LEDGER_TEXT,
            source="The Ledger",
            published=T0,
        ),
        SourceArticle(
            url=COURIER,
            title="City to open inquiry into Tollan bridge collapse",
            text=COURIER_TEXT,
            source="Courier",
            published=T0.replace(hour=10),
        ),
        SourceArticle(
            url=HARBOR,
            title="Fourteen hurt as Tollan bridge gives way",
            text=HARBOR_TEXT,
            source="Harbor Times",
            published=T0.replace(hour=11),
        ),
    ]


def excerpt_number(prompt: str, start: str) -> int:
    """The number the writer gave the excerpt that starts with ``start``."""
    for line in prompt.splitlines():
        if line.startswith("[") and start in line:
            return int(line[1 : line.index("]")])
    raise AssertionError(f"no excerpt with {start!r} in the prompt:\n{prompt}")


INVENTED = "The bridge had carried 45,000 vehicles a day before the collapse."


def good_answer(prompt: str) -> dict:
    n = lambda s: excerpt_number(prompt, s)  # noqa: E731
    return {
        "headline": "Part of the Tollan river bridge collapses, injuring 14 people",
        "highlights": [
            {
                "text": "A section of the Tollan river bridge collapsed on Sunday evening, "
                "injuring 14 people, the city fire service said.",
                "sources": [n("A section of the Tollan"), n("Fourteen people")],
            },
            {
                "text": "Mayor Ilse Varga said the city would open an inquiry into the collapse.",
                "sources": [n("open an inquiry")],
            },
            {"text": INVENTED, "sources": [n("20,000 vehicles")]},
        ],
        "story": [
            {
                "text": "A section of the Tollan river bridge collapsed on Sunday evening, "
                "injuring 14 people, the city fire service said.",
                "sources": [n("A section of the Tollan")],
            },
            {
                "text": "The bridge, built in 1962, had been closed to lorries since March "
                "after engineers found cracks in two of its supports, Mayor Ilse Varga said.",
                "sources": [n("built in 1962")],
            },
            {
                "text": "Divers searched the river until midnight but found no one missing, "
                "the fire service said.",
                "sources": [n("Divers searched")],
            },
            {
                "text": "Mayor Ilse Varga said the city would open an inquiry into the collapse.",
                "sources": [n("open an inquiry")],
            },
            {
                "text": "The construction firm Brenner Bau, which repaired the bridge last "
                "year, said its work met every safety standard.",
                "sources": [n("Brenner Bau, which")],
            },
            {"text": INVENTED, "sources": [n("20,000 vehicles")]},
        ],
    }


# ---------------------------------------------------------------------------------------------
# (a) a canned OpenAI-compatible server


class FakeLLM:
    """A real HTTP server speaking the OpenAI chat API; ``answer(body, prompt)`` decides the
    reply: a dict (sent as the message's JSON content), a str (sent as the content as is),
    an int (that HTTP status), or ("sleep", seconds)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answer = lambda body, prompt: good_answer(prompt)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.rstrip("/") == "/v1/models":
                    self._send(
                        200,
                        {
                            "object": "list",
                            "data": [
                                {
                                    "id": "fake-model",
                                    "object": "model",
                                    "created": 0,
                                    "owned_by": "test",
                                }
                            ],
                        },
                    )
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(body)
                prompt = body["messages"][1]["content"]
                reply = fake.answer(body, prompt)
                if isinstance(reply, tuple) and reply[0] == "sleep":
                    time.sleep(reply[1])
                    reply = good_answer(prompt)
                if isinstance(reply, int):
                    self._send(reply, {"error": {"message": f"status {reply}"}})
                    return
                content = reply if isinstance(reply, str) else json.dumps(reply)
                self._send(
                    200,
                    {
                        "id": "chatcmpl-1",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body.get("model", "fake-model"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": content},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake():
    server = FakeLLM()
    yield server
    server.close()


def llm_settings(url: str, **kw) -> SimpleNamespace:
    values = {"llm_base_url": url, "llm_model": "fake-model", "llm_api_key": None}
    values["llm_timeout"] = 5.0
    values.update(kw)
    return SimpleNamespace(**values)


def test_llm_page_verified_and_invented_sentence_dropped(fake):
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["status"] == "complete"
    assert page["writer"]["backend"] == "llm"
    info = writer.last_info
    assert info["backend"] == "llm" and info["model"] == "fake-model"
    assert info["dropped"] == 2  # the invented sentence, as highlight and in the story
    assert info["headline"] == "llm"
    assert page["headline"] == "Part of the Tollan river bridge collapses, injuring 14 people"
    texts = [p["text"] for p in page["highlights"] + page["story"]]
    assert INVENTED not in texts
    assert len(page["highlights"]) == 2
    assert len(page["story"]) == 5 and page["word_count"] >= 60
    # citations are the cited articles' URLs, and each sentence is supported by them
    by_url = {a.url: a.text for a in articles()}
    for p in page["highlights"] + page["story"]:
        assert p["citations"]
        assert supported(p["text"], [by_url[u] for u in p["citations"]])[0]
    # in the order of the Sources list (Courier before The Ledger), where the page numbers them
    assert page["highlights"][0]["citations"] == [COURIER, LEDGER]
    # the request: numbered excerpts, JSON mode, the configured model
    (request,) = fake.requests
    assert request["model"] == "fake-model"
    assert request["response_format"] == {"type": "json_object"}
    prompt = request["messages"][1]["content"]
    assert "[1] (The Ledger) A section of the Tollan river bridge" in prompt
    assert "(Courier)" in prompt and "(Harbor Times)" in prompt


def test_draft_records_what_happened(fake):
    writer = LLMWriter(llm_settings(fake.url))
    docs, _ = prepare(articles())
    draft = writer.write(docs)
    assert isinstance(draft, LLMDraft)
    assert draft.backend == "llm"
    assert draft.info["checked"] == 9 and draft.info["dropped"] == 2
    assert draft.info["regenerated"] is False
    assert writer.last_info == draft.info


def test_lenient_parsing_fences_markers_and_string_sources(fake):
    def answer(body, prompt):
        n = lambda s: excerpt_number(prompt, s)  # noqa: E731
        story = " ".join(
            [
                "A section of the Tollan river bridge collapsed on Sunday evening, injuring "
                f"14 people, the city fire service said [{n('A section of the Tollan')}].",
                "Mayor Ilse Varga said the city would open an inquiry into the collapse. "
                f"[{n('open an inquiry')}]",
                "The construction firm Brenner Bau, which repaired the bridge last year, said "
                f"its work met every safety standard [{n('Brenner Bau, which')}].",
                "Divers searched the river until midnight but found no one missing, the fire "
                f"service said [{n('Divers searched')}].",
            ]
        )
        data = {
            "headline": "Tollan river bridge partly collapses, injuring 14 people",
            "highlights": [
                "A section of the Tollan river bridge collapsed on Sunday evening, the city "
                f"fire service said [{n('A section of the Tollan')}].",
                {
                    "text": "Mayor Ilse Varga said the city would open an inquiry.",
                    "citations": f"[{n('open an inquiry')}]",
                },
            ],
            "story": story,
        }
        return "Here is the page:\n```json\n" + json.dumps(data, indent=1) + "\n```"

    fake.answer = answer
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "llm", writer.last_info
    assert writer.last_info["dropped"] == 0
    assert len(page["highlights"]) == 2 and len(page["story"]) == 4
    assert page["story"][1]["citations"] == [COURIER]
    assert not any("[" in p["text"] for p in page["story"])


def test_http_500_falls_back_to_extractive(fake):
    fake.answer = lambda body, prompt: 500
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["status"] == "complete"
    assert page["writer"]["backend"] == "extractive"
    assert writer.last_info["backend"] == "extractive"
    assert "HTTP 500" in writer.last_info["fallback_reason"]
    assert page["story"] and page["headline"]
    assert len(fake.requests) == 1  # no retry storm


def test_timeout_falls_back_to_extractive(fake):
    fake.answer = lambda body, prompt: ("sleep", 2.0)
    writer = LLMWriter(llm_settings(fake.url, llm_timeout=0.5))
    started = time.monotonic()
    page = write_page(articles(), now=NOW, writer=writer)
    assert time.monotonic() - started < 2.0
    assert page["writer"]["backend"] == "extractive"
    assert "timed out" in writer.last_info["fallback_reason"]
    assert page["status"] == "complete"


@pytest.mark.parametrize(
    "garbage",
    ["I cannot help with that.", '{"headline": "Bridge collapses", "highlights": [', "[1, 2, 3]"],
)
def test_garbage_answer_falls_back(fake, garbage):
    fake.answer = lambda body, prompt: garbage
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "extractive"
    reason = writer.last_info["fallback_reason"]
    assert "JSON" in reason, reason
    assert page["status"] == "complete"


def test_unsupported_answer_regenerates_once_then_falls_back(fake):
    invented = {
        "headline": "Bridge collapse kills dozens in Tollan",
        "highlights": [{"text": INVENTED, "sources": [1]}],
        "story": [
            {"text": INVENTED, "sources": [1]},
            {"text": "The mayor resigned on Monday after 300 people protested.", "sources": [2]},
        ],
    }
    fake.answer = lambda body, prompt: invented
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert len(fake.requests) == 2
    feedback = fake.requests[1]["messages"][-1]["content"]
    assert "45,000" in feedback or "45000" in feedback
    assert page["writer"]["backend"] == "extractive"
    assert "too little survived" in writer.last_info["fallback_reason"]
    assert page["status"] == "complete"
    assert INVENTED not in [p["text"] for p in page["story"]]


def test_regeneration_can_rescue_the_page(fake):
    def answer(body, prompt):
        if len(fake.requests) == 1:
            return {"headline": "x", "highlights": [], "story": [{"text": INVENTED}]}
        return good_answer(prompt)

    fake.answer = answer
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "llm"
    assert writer.last_info["regenerated"] is True
    assert writer.last_info["dropped"] == 3  # 1 in the first round, 2 in the second


def test_server_without_json_mode(fake):
    def answer(body, prompt):
        return 400 if "response_format" in body else good_answer(prompt)

    fake.answer = answer
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "llm"
    assert [("response_format" in r) for r in fake.requests] == [True, False]
    write_page(articles(), now=NOW, writer=writer)  # remembered: no second 400
    assert [("response_format" in r) for r in fake.requests] == [True, False, False]


@pytest.mark.parametrize(
    "headline",
    [
        "Shocking bridge disaster horrifies Tollan",  # loaded
        "Was the Tollan bridge safe?",  # a question
        "Tollan bridge collapses after 40 years of neglect",  # a number not in the sources
        "Tollan river bridge collapses, The Ledger reports",  # an outlet's name
    ],
)
def test_headline_must_be_neutral_and_supported(fake, headline):
    fake.answer = lambda body, prompt: {**good_answer(prompt), "headline": headline}
    writer = LLMWriter(llm_settings(fake.url))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "llm"
    assert writer.last_info["headline"] == "extractive"
    assert page["headline"] != headline and page["headline"]


def test_model_discovered_from_endpoint(fake):
    writer = LLMWriter(llm_settings(fake.url, llm_model=None))
    write_page(articles(), now=NOW, writer=writer)
    assert fake.requests[0]["model"] == "fake-model"
    assert writer.last_info["model"] == "fake-model"


def test_unreachable_endpoint_and_no_endpoint():
    port = free_port()
    writer = LLMWriter(llm_settings(f"http://127.0.0.1:{port}/v1"))
    page = write_page(articles(), now=NOW, writer=writer)
    assert page["writer"]["backend"] == "extractive"
    assert "could not reach" in writer.last_info["fallback_reason"]

    off = LLMWriter(SimpleNamespace())
    page = write_page(articles(), now=NOW, writer=off)
    assert page["writer"]["backend"] == "extractive"
    assert "llm_base_url" in off.last_info["fallback_reason"]
    assert type(writer_for(SimpleNamespace(llm_base_url=None))).__name__ == "ExtractiveWriter"
    assert isinstance(writer_for(SimpleNamespace(llm_base_url="http://x/v1")), LLMWriter)


def test_parsing_helpers():
    assert parse_answer('```json\n{"a": 1}\n```') == {"a": 1}
    assert parse_answer('Sure! {"a": [1, 2]} Hope this helps.') == {"a": [1, 2]}
    assert _items({"text": "The bridge fell on Sunday. [2] Crews came [3].", "sources": "1"}) == [
        ("The bridge fell on Sunday.", [1, 2]),
        ("Crews came.", [1, 3]),
    ]
    assert _items(["- One thing happened here [1][2]."]) == [("One thing happened here.", [1, 2])]
    assert _items(None) == [] and _items(42) == []


def test_excerpts_round_robin_within_budget():
    docs, _ = prepare(articles())
    ex = excerpts_of(docs)
    assert [e.number for e in ex] == list(range(1, len(ex) + 1))
    assert [e.doc for e in ex[:3]] == [0, 1, 2]  # first sentence of every article first
    small = excerpts_of(docs, max_chars=300)
    assert 1 <= len(small) < len(ex)
    assert sum(len(e.text) for e in small) <= 300 or len(small) == 1


# ---------------------------------------------------------------------------------------------
# (b) the real model

PORT_TEXT = (
    "Dock workers at the port of Marrow walked out on Tuesday in a dispute over night-shift "
    "pay, the Marrow Dockers' Union said.\n"
    "The union said about 1,200 of its members had joined the strike and that ships would "
    "not be unloaded until Friday.\n"
    'Union leader Tessa Lund said the port operator had "ignored every offer" made since '
    "January.\n"
    "The port operator, Marrow Port Authority, said it had offered a 6 percent raise and "
    "called the strike unnecessary."
)
PORT_TEXT_2 = (
    "A strike by about 1,200 dock workers halted cargo at the port of Marrow on Tuesday.\n"
    "Marrow Port Authority spokesman Ivo Hart said the authority had offered a 6 percent "
    "raise and wanted talks to resume on Wednesday.\n"
    "Twelve container ships were waiting outside the harbour on Tuesday evening, the "
    "harbour master's office said."
)


def real_stories() -> list[list[SourceArticle]]:
    port = [
        SourceArticle(
            url="https://ledger.example/marrow-strike",
            title="Dock workers strike at port of Marrow over night-shift pay",
            text=PORT_TEXT,
            source="The Ledger",
            published=T0,
        ),
        SourceArticle(
            url="https://courier.example/marrow-port",
            title="Strike halts cargo at Marrow port",
            text=PORT_TEXT_2,
            source="Courier",
            published=T0.replace(hour=12),
        ),
    ]
    return [articles(), port]


@pytest.mark.llm
def test_real_model_pages_are_verified(real_server):
    writer = LLMWriter(SimpleNamespace(llm_base_url=real_server, llm_timeout=300.0), max_tokens=500)
    verified = total = 0
    report = []
    for story in real_stories():
        page = write_page(story, now=NOW, writer=writer, min_outlets=2)
        info = writer.last_info
        report.append((page["headline"], info))
        # the page is complete, or a recorded fallback to the extractive writer
        assert page["status"] == "complete", page["status_reason"]
        if info["backend"] == "llm":
            assert page["writer"]["backend"] == "llm"
            by_url = {a.url: a.text for a in story}
            for p in page["highlights"] + page["story"]:
                total += 1
                verified += supported(p["text"], [by_url[u] for u in p["citations"]])[0]
        else:  # a fallback the model caused, not a broken server
            reason = info["fallback_reason"]
            assert reason and not reason.startswith(("could not reach", "the endpoint")), info
    print("real model:", json.dumps(report, indent=1, default=str))
    if total:
        assert verified / total >= 0.98, (verified, total)
