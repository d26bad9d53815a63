"""normalize: canonical URLs, content hashes, shingles and wire-copy detection (invented texts)."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from newsloom.ingest.normalize import (
    DuplicateIndex,
    canonical_url,
    content_hash,
    shingles,
)

# --- canonical_url --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # scheme and host lower-cased, path case kept
        ("HTTPS://WWW.Example.COM/News/Story", "https://www.example.com/News/Story"),
        # default ports dropped, others kept
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("http://example.com:443/a", "http://example.com:443/a"),
        # empty path becomes "/"
        ("https://example.com", "https://example.com/"),
        ("https://example.com?id=3", "https://example.com/?id=3"),
        # fragment dropped
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com/a?b=1#top", "https://example.com/a?b=1"),
        # tracking parameters stripped, the others kept in their order and spelling
        (
            "https://example.com/a?utm_source=rss&id=7&utm_medium=feed&page=2",
            "https://example.com/a?id=7&page=2",
        ),
        ("https://example.com/a?z=1&a=2&fbclid=XYZ", "https://example.com/a?z=1&a=2"),
        (
            "https://example.com/a?q=caf%C3%A9+au+lait&gclid=1",
            "https://example.com/a?q=caf%C3%A9+au+lait",
        ),
        (
            "https://example.com/a?UTM_Campaign=x&CMP=share_btn&smid=tw&ocid=msn&ncid=rss",
            "https://example.com/a",
        ),
        (
            "https://example.com/a?mc_cid=1&mc_eid=2&igshid=3&_ga=4&yclid=5&ref_src=6&msclkid=7"
            "&dclid=8&cmpid=9&at_medium=10&pk_campaign=11",
            "https://example.com/a",
        ),
        # a trailing "?" and empty query pieces go
        ("https://example.com/a?", "https://example.com/a"),
        ("https://example.com/a?utm_source=x", "https://example.com/a"),
        ("https://example.com/a?id=1&&utm_term=x&", "https://example.com/a?id=1"),
        # blank values and bare keys are kept
        ("https://example.com/a?amp&x=", "https://example.com/a?amp&x="),
        # names that merely contain a tracking word are kept
        (
            "https://example.com/a?my_utm_source=1&ref=home",
            "https://example.com/a?my_utm_source=1&ref=home",
        ),
        # host with a trailing dot, surrounding whitespace
        ("  https://Example.com./a  ", "https://example.com/a"),
        # IPv6 literal and user info
        ("http://[2001:DB8::1]:80/a", "http://[2001:db8::1]/a"),
        ("https://user:pw@Example.com/a", "https://user:pw@example.com/a"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_url_is_idempotent() -> None:
    once = canonical_url("HTTP://Example.com:80?b=2&utm_source=x&a=1#f")
    assert once == "http://example.com/?b=2&a=1"
    assert canonical_url(once) == once


def test_canonical_url_resolves_against_base() -> None:
    base = "https://news.example.org/world/2024/story.html?utm_source=x"
    assert (
        canonical_url("../2023/other.html", base)
        == "https://news.example.org/world/2023/other.html"
    )
    assert canonical_url("/a?fbclid=1", base) == "https://news.example.org/a"
    assert canonical_url("//cdn.example.org/x", base) == "https://cdn.example.org/x"
    assert canonical_url("https://other.example/b", base) == "https://other.example/b"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "mailto:desk@example.com",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "example.com/no-scheme",
        "/relative/without/base",
        "https://",
        "https:///path-only",
        "http://example.com:99999/a",
        "http://example.com:port/a",
    ],
)
def test_canonical_url_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(url)


# --- content_hash and shingles --------------------------------------------------------------


def test_content_hash_ignores_case_and_whitespace() -> None:
    a = "The council voted on Tuesday.\n\nThe motion passed."
    b = "  the COUNCIL voted on   Tuesday. The motion passed.  "
    assert content_hash(a) == content_hash(b)
    assert len(content_hash(a)) == 40
    assert int(content_hash(a), 16) >= 0
    assert content_hash(a) != content_hash("The council voted on Wednesday. The motion passed.")


def test_shingles() -> None:
    got = shingles("One, two THREE four five six.", k=5)
    assert got == {b"one two three four five", b"two three four five six"}
    assert shingles("Only three words", k=5) == {b"only three words"}
    assert shingles("", k=5) == set()
    assert shingles("a b c", k=1) == {b"a", b"b", b"c"}
    # punctuation ignored, Unicode words kept, NFKC + casefold
    assert shingles("ZOË’s Café!", k=2) == {"zoë s".encode(), "s café".encode()}
    with pytest.raises(ValueError):
        shingles("x", k=0)


# --- DuplicateIndex -------------------------------------------------------------------------

WIRE = (
    "Firefighters in the northern hills spent a third night battling a wildfire that has "
    "burned through more than four thousand hectares of pine forest and forced the evacuation "
    "of six villages, regional authorities said on Thursday. "
    "Strong and shifting winds pushed the fire across a main road late on Wednesday, cutting "
    "off the route used by residents to reach the valley towns, and emergency crews escorted "
    "convoys of cars along a forestry track instead. "
    "No deaths have been reported, but two firefighters were treated in hospital for smoke "
    "inhalation and a farmer suffered burns while trying to move his livestock to safety. "
    "The regional fire chief said three water-bombing aircraft and more than two hundred "
    "ground crew were deployed, with reinforcements expected from neighbouring provinces by "
    "the weekend. Forecasters warned that temperatures would stay above thirty-five degrees "
    "until Sunday, with little chance of rain. "
    "Officials said the cause of the fire was under investigation. A spokesperson for the "
    "forestry service said a downed power line was one possibility being examined, while "
    "police said they had not ruled out arson. "
    "Residents who left their homes have been housed in schools and sports halls in the "
    "valley, where volunteers were handing out food, water and bedding. "
    "The mayor of one of the evacuated villages said about forty people had refused to leave "
    "and were staying to protect their houses with garden hoses and buckets, despite repeated "
    "warnings from the police that the roads could be closed without notice. "
    "The fire is the largest in the region since a blaze eight years ago destroyed more than "
    "ten thousand hectares and several hundred homes, prompting a review of how the hills are "
    "managed. That review recommended wider firebreaks along the ridges and more water "
    "reservoirs for helicopters, but a report by the regional audit office last year found "
    "that fewer than half of the planned firebreaks had been cut. "
    "Farmers' groups said the fire had destroyed winter feed stored in barns and called for "
    "emergency support. The agriculture ministry said inspectors would visit the area once it "
    "was safe to assess the damage to crops, orchards and herds. "
    "Tourism officials in the valley said hotels remained open and that roads to the coast "
    "were not affected, but several walking routes and campsites in the hills were closed "
    "until further notice."
)

SAME_TOPIC = (
    "Wildfires in the northern hills have become more frequent and more intense over the past "
    "decade, and scientists say the pine plantations planted after the war are a large part "
    "of the problem. Dense stands of a single species dry out quickly in long summers, and the "
    "fallen needles build up into a carpet of fuel that carries flames from tree to tree. "
    "Foresters have argued for years that the plantations should be thinned and mixed with "
    "broadleaf trees, which hold more moisture and slow a fire's spread. But thinning is "
    "expensive, the timber has little value, and many of the owners are small farmers who "
    "cannot afford the work. The regional government promised a replanting programme two "
    "years ago, but only a fraction of the money has been spent, according to figures "
    "released by the forestry service this spring. Meanwhile the fire season starts earlier "
    "each year and villages in the hills are emptying as younger residents leave for the "
    "cities, leaving fewer people to clear land around their homes."
)


def _site_copy(before: str, after: str, edits: dict[str, str]) -> str:
    body = WIRE
    for old, new in edits.items():
        assert old in body
        body = body.replace(old, new)
    return f"{before}\n{body}\n{after}"


def test_wire_copies_are_linked_to_the_earliest() -> None:
    idx = DuplicateIndex(threshold=0.8)
    copies = {
        7: _site_copy("Advertisement", "Copyright 2024 Regional Press Agency.", {}),
        3: _site_copy(
            "Sign up for our morning newsletter",
            "Read more: our live weather map.",
            {"on Thursday": "on Thursday morning", "neighbouring": "nearby"},
        ),
        11: _site_copy(
            "Listen to this article",
            "Supplied by a news agency.",
            {"a farmer suffered burns": "one farmer was burned"},
        ),
    }
    sigs = {key: idx.signature(text) for key, text in copies.items()}
    assert all(isinstance(s, bytes) and len(s) == 128 * 8 for s in sigs.values())

    assert idx.find(sigs[7]) is None  # empty index
    idx.add(7, sigs[7])
    assert idx.find(sigs[3]) == 7
    idx.add(3, sigs[3])
    # the smallest key wins, whatever the order of insertion
    assert idx.find(sigs[11]) == 3
    idx.add(11, sigs[11])
    assert len(idx) == 3
    assert 11 in idx

    other = idx.signature(SAME_TOPIC)
    assert other is not None
    assert idx.find(other) is None


def test_different_stories_on_one_topic_are_not_linked() -> None:
    idx = DuplicateIndex()
    idx.add(1, idx.signature(WIRE))
    follow_up = (
        "A day after firefighters brought the hill fire under control, residents of six "
        "villages were allowed to return home on Saturday to find scorched gardens, melted "
        "water tanks and, in a few cases, houses reduced to their walls. The regional "
        "government said it would pay emergency grants to families whose homes were damaged "
        "and would send engineers to check the safety of the road that the fire crossed. "
        "Police said a man had been questioned about the start of the fire and released "
        "without charge."
    )
    sig = idx.signature(follow_up)
    assert sig is not None
    assert idx.find(sig) is None


def test_signature_is_stable_and_serialisable() -> None:
    a = DuplicateIndex()
    b = DuplicateIndex()
    sig = a.signature(WIRE)
    assert sig == b.signature(WIRE)  # same permutations in every process
    assert sig == pickle.loads(pickle.dumps(sig))
    b.add(5, sig)
    assert b.find(a.signature(WIRE)) == 5


def test_signature_bytes_are_pinned() -> None:
    # stored signatures must stay comparable: changing the hashing needs a data migration
    sig = DuplicateIndex().signature(WIRE)
    assert hashlib.sha1(sig).hexdigest() == "428142b6c8178653112ca003677bcd103728b15b"


def test_short_texts_have_no_signature() -> None:
    idx = DuplicateIndex()
    assert idx.signature("") is None
    assert idx.signature("Breaking: wildfire forces evacuation of six villages") is None
    assert idx.signature(" ".join(["word"] * 39)) is None
    assert idx.signature(" ".join(f"w{i}" for i in range(40))) is not None


def test_add_twice_replaces_and_bad_signatures_are_refused() -> None:
    idx = DuplicateIndex()
    idx.add(1, idx.signature(WIRE))
    idx.add(1, idx.signature(SAME_TOPIC))
    assert len(idx) == 1
    assert idx.find(idx.signature(WIRE)) is None
    assert idx.find(idx.signature(SAME_TOPIC)) == 1
    with pytest.raises(ValueError):
        idx.add(2, b"\x00" * 16)
    with pytest.raises(ValueError):
        DuplicateIndex(num_perm=64).find(idx.signature(WIRE))
    with pytest.raises(ValueError):
        DuplicateIndex(threshold=0)


def test_threshold_decides() -> None:
    strict = DuplicateIndex(threshold=0.99)
    strict.add(1, strict.signature(WIRE))
    edited = _site_copy(
        "Advertisement",
        "More news",
        {"on Thursday": "on Friday", "two hundred": "250", "little chance": "no chance"},
    )
    assert strict.find(strict.signature(edited)) is None
    loose = DuplicateIndex(threshold=0.5)
    loose.add(1, loose.signature(WIRE))
    assert loose.find(loose.signature(edited)) == 1
