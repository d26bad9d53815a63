"""Article identity: canonical URLs, content hashes and near-duplicate (wire copy) detection.

No I/O here. ``DuplicateIndex`` keeps MinHash signatures in memory; the pipeline stores each
article's signature (``DuplicateIndex.signature`` returns bytes) and refills an index over a
recent time window, so the cost per new article does not grow with the archive.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

import numpy as np
from datasketch import MinHash, MinHashLSH

__all__ = [
    "TRACKING_PARAMS",
    "TRACKING_PREFIXES",
    "DuplicateIndex",
    "canonical_url",
    "content_hash",
    "shingles",
]

#: Query parameters that only track a click and never change the page, matched without regard
#: to case. Drawn from Firefox's query-stripping list, ClearURLs' global rules and the
#: parameters that news sites themselves add to shared links.
TRACKING_PARAMS = frozenset(
    {
        # ad platforms and click ids
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "srsltid", "epik", "rb_clickid",
        "s_cid", "s_kwcid", "ef_id", "wickedid", "_openstat",
        # analytics and e-mail tools
        "_ga", "_gl", "_hsenc", "_hsmi", "__hssc", "__hstc", "__hsfp", "hsctatracking",
        "mc_cid", "mc_eid", "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv",
        "__s", "ml_subscriber", "ml_subscriber_hash", "sc_cid", "trk", "trkcampaign",
        "xtor", "spm", "sr_share",
        # news sites' own share and campaign tags
        "ocid", "cmpid", "cmp", "smid", "smtyp", "ncid", "ref_src", "ref_url",
        "guccounter", "guce_referrer", "guce_referrer_sig",
    }
)  # fmt: skip
#: Parameter name prefixes that are tracking whatever follows them.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "itm_", "hsa_", "matomo_", "piwik_")

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """The URL that identifies an article: one spelling for every way a page is linked.

    Lower-cases scheme and host (and drops a trailing dot from the host), drops default
    ports, user info is kept, the fragment is dropped, tracking parameters
    (``TRACKING_PARAMS``, ``TRACKING_PREFIXES``) are removed and the others keep their order
    and spelling, empty pieces of the query and a trailing ``?`` go, and an empty path
    becomes ``/``. The path is left as it is: servers may treat its case and encoding as
    significant.

    Args:
        url: an absolute URL, or one relative to ``base``.
        base: the URL of the page the link was found on.

    Returns:
        The canonical URL.

    Raises:
        ValueError: not an http(s) URL, no host, or a bad port.
    """
    url = url.strip()
    if base:
        url = urljoin(base.strip(), url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    port = parts.port  # raises ValueError on a bad port
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    if parts.username is not None or parts.password is not None:
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@{netloc}"

    kept = [
        piece
        for piece in parts.query.split("&")
        if piece and not _is_tracking(piece.partition("=")[0])
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", "&".join(kept), ""))


# --- text identity --------------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def content_hash(text: str) -> str:
    """SHA-1 hex digest of the text, case-folded (NFKC) with all runs of whitespace as one space.

    Two fetches of the same article hash alike even when their line breaks differ.
    """
    normal = " ".join(_normal(text).split())
    return hashlib.sha1(normal.encode("utf-8")).hexdigest()


def _words(text: str) -> list[str]:
    # words only: quote styles, dashes and punctuation differ between copies of one story
    return _WORD.findall(_normal(text))


def _shingles_of(words: list[str], k: int) -> set[bytes]:
    if len(words) < k:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + k]).encode("utf-8") for i in range(len(words) - k + 1)}


def shingles(text: str, k: int = 5) -> set[bytes]:
    """Word k-shingles of the case-folded text, punctuation ignored, as UTF-8 bytes.

    A text shorter than ``k`` words gives one shingle (itself); an empty text gives none.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    return _shingles_of(_words(text), k)


_U64 = np.uint64


def _shingle_hashes(words: list[str], k: int) -> np.ndarray:
    """One 32-bit hash per distinct word k-shingle, computed with numpy.

    Each word is hashed once (CRC-32); a shingle's hash is a polynomial over its k word
    hashes, mixed by the splitmix64 finaliser. Stable across processes and platforms.
    """
    wh = np.fromiter((zlib.crc32(w.encode("utf-8")) for w in words), dtype=_U64, count=len(words))
    n = len(words) - k + 1
    h = wh[:n].copy()
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is intended
        for j in range(1, k):
            h = h * _U64(0x100000001B3) + wh[j : j + n]
        h ^= h >> _U64(30)
        h *= _U64(0xBF58476D1CE4E5B9)
        h ^= h >> _U64(27)
        h *= _U64(0x94D049BB133111EB)
        h ^= h >> _U64(31)
    return np.unique(h >> _U64(32))


class DuplicateIndex:
    """MinHash LSH (datasketch) over article texts: finds syndicated wire copies.

    A signature is the MinHash of the text's word 5-shingles under ``num_perm`` hash functions
    ``(a * x + b) mod 2**64 >> 32`` (multiply-add-shift over 32-bit shingle hashes), computed
    in one numpy pass: about 4x faster than hashing each shingle with SHA-1 through
    ``MinHash.update_batch``. ``a`` and ``b`` come from a fixed seed, so bytes stored today
    match those computed after a restart. datasketch's ``MinHashLSH`` proposes candidates and
    each is checked against the threshold with the estimated Jaccard similarity (the share of
    equal hash values). Keys are article ids; ``find`` returns the smallest matching key, the
    earliest article, which the pipeline records as ``duplicate_of``.
    """

    #: Fewer words than this cannot be judged: headlines and teasers look alike by nature.
    MIN_WORDS = 40
    SHINGLE_SIZE = 5
    SEED = 1

    def __init__(self, threshold: float = 0.8, num_perm: int = 128):
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        rng = np.random.RandomState(self.SEED)  # the legacy generator: its stream is frozen
        a = rng.randint(0, 2**64 - 1, size=num_perm, dtype=np.uint64) | _U64(1)
        b = rng.randint(0, 2**64 - 1, size=num_perm, dtype=np.uint64)
        self._a, self._b = a[:, None], b[:, None]
        self._perms = (a, b)  # MinHash objects (for the LSH) must carry some
        # LSH only proposes candidates, each checked against ``threshold`` below; banding for a
        # slightly lower threshold misses fewer true copies near the line (and cannot go above
        # 0.9, where datasketch runs out of bands)
        self._lsh = MinHashLSH(threshold=min(0.9, max(0.1, threshold - 0.1)), num_perm=num_perm)
        self._sigs: dict[int, np.ndarray] = {}

    def signature(self, text: str) -> bytes | None:
        """The text's MinHash as bytes (``num_perm`` little-endian uint64), or None when the
        text has fewer than ``MIN_WORDS`` words."""
        words = _words(text)
        if len(words) < self.MIN_WORDS:
            return None
        x = _shingle_hashes(words, self.SHINGLE_SIZE)
        with np.errstate(over="ignore"):  # arithmetic modulo 2**64 is intended
            y = np.multiply(self._a, x)  # (num_perm, shingles)
            y += self._b
            y >>= _U64(32)
            values = y.min(axis=1)
        return values.astype("<u8", copy=False).tobytes()

    def _minhash(self, sig: bytes) -> tuple[np.ndarray, MinHash]:
        values = np.frombuffer(sig, dtype="<u8")
        if values.shape[0] != self.num_perm:
            raise ValueError(
                f"signature has {values.shape[0]} values, this index uses {self.num_perm}"
            )
        mh = MinHash(seed=self.SEED, hashvalues=values, permutations=self._perms)
        return values, mh

    def add(self, key: int, sig: bytes) -> None:
        """Index an article's signature; adding a key twice replaces its signature."""
        values, mh = self._minhash(sig)
        if key in self._sigs:
            self._lsh.remove(key)
        self._lsh.insert(key, mh)
        self._sigs[key] = values

    def discard(self, key: int) -> None:
        """Forget an article (a no-op when it is not indexed)."""
        if self._sigs.pop(key, None) is not None:
            self._lsh.remove(key)

    def find(self, sig: bytes) -> int | None:
        """The smallest key whose estimated Jaccard similarity with ``sig`` reaches the
        threshold, or None."""
        values, mh = self._minhash(sig)
        best: int | None = None
        for key in self._lsh.query(mh):
            if best is not None and key >= best:
                continue
            if float(np.mean(self._sigs[key] == values)) >= self.threshold:
                best = key
        return best

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, key: object) -> bool:
        return key in self._sigs
