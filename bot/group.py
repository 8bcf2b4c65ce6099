"""One story, once: near-duplicate detection of articles.

The same story reaches the bot from several outlets and as several shapes: the full page, the
feed's teaser (its first paragraph or two), a wire copy under another headline with a
paragraph added. Each article gets a `Fingerprint`; a `StoryIndex` tells whether a new
fingerprint belongs to a story already seen.

Why MinHash over word 5-shingles (measured on the seed story, see benchmarks/group.py):
two texts of one article share long word sequences; two different articles, even on the same
topic, almost never share five words in a row. SimHash was tried by the team and misleads on
page text (furniture dominates it). Callers pass *cleaned* text (`bot.extract`): on the raw
seed page the Jaccard similarity with the article is 0.56, after cleaning 0.87.

Why two signatures: Jaccard similarity punishes size differences. A 60-word teaser of a
600-word article has a Jaccard similarity near 0.1, far below anything an LSH index can look
up without drowning in false candidates, although the teaser is entirely *contained* in the
article. So each fingerprint also carries a MinHash of its lead (the first `LEAD_WORDS`
words): a teaser's lead is the article's lead. Candidates come from two LSH indexes
(body, lead); each candidate is then verified on the full signatures with the Jaccard
estimate and a containment estimate derived from it and the exact shingle counts.
"""

from __future__ import annotations

import hashlib
import logging
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np

__all__ = [
    "LEAD_WORDS",
    "MIN_WORDS",
    "NUM_PERM",
    "SHINGLE_WORDS",
    "Fingerprint",
    "StoryIndex",
    "Thresholds",
    "fingerprint",
]

logger = logging.getLogger(__name__)

#: MinHash permutations per signature: Jaccard estimates have a standard error of ~0.04.
NUM_PERM = 128
#: Words per shingle: long enough that unrelated articles share almost none.
SHINGLE_WORDS = 5
#: Words of the lead signature: shorter than a feed teaser, longer than a headline.
LEAD_WORDS = 40
#: Texts shorter than this (words) never join anything: a headline or a caption says too little.
MIN_WORDS = 20

_SEED = 1
_FORMAT_VERSION = 1
_HEADER = struct.Struct("<BHIII")  # version, num_perm, words, shingles, lead shingles

# Scripts written without spaces count each character as a word, so that Chinese and
# Japanese texts still get multi-token shingles.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")


def _tokens(text: str) -> list[str]:
    """Lower-cased words; punctuation and underscores only separate them."""
    return _TOKEN.findall(text.lower())


def _shingles(tokens: list[str]) -> list[bytes]:
    """Word shingles in text order (duplicates kept; the lead needs the order)."""
    if not tokens:
        return []
    if len(tokens) < SHINGLE_WORDS:
        return [" ".join(tokens).encode()]
    return [
        " ".join(tokens[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(tokens) - SHINGLE_WORDS + 1)
    ]


def _hashes(shingles: Iterable[bytes]) -> np.ndarray:
    """datasketch's default hash (sha1_hash32: a digest's first four bytes, little-endian) of
    each shingle, as one array: the digests' bytes joined and read at once, not one number
    unpacked a shingle."""
    sha1 = hashlib.sha1
    return np.frombuffer(b"".join([sha1(s).digest()[:4] for s in shingles]), dtype="<u4")


# MinHash as datasketch 2.0 computes it with its default "affine32" scheme, value for value
# (tests/bot/test_group.py compares the two): each 32-bit shingle hash is mixed with the
# MurmurHash3 finalizer, then permuted as a*h + b mod 2**32 by 128 (a, b) pairs drawn from
# numpy's RandomState(1). Written out here because importing datasketch imports all of it,
# and its LSH module imports scipy (70 MB of RSS in every bot process for a function the bot
# never calls); the arithmetic is these dozen lines.
_EMPTY = np.uint32(0xFFFFFFFF)
_FMIX = (np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35))


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """datasketch's (a, b) for seed `_SEED`: a odd (a bijection), both uint32."""
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _signature(hashes: np.ndarray) -> bytes:
    if not len(hashes):
        return np.full(NUM_PERM, _EMPTY, dtype="<u4").tobytes()
    values = hashes.astype(np.uint32)  # a copy: mixed in place below
    values ^= values >> np.uint32(16)
    values *= _FMIX[0]
    values ^= values >> np.uint32(13)
    values *= _FMIX[1]
    values ^= values >> np.uint32(16)
    a, b = _permutations()
    permuted: np.ndarray = values.reshape(-1, 1) * a + b  # uint32 wraps: the mod 2**32
    signature: bytes = permuted.min(axis=0).astype("<u4").tobytes()
    return signature


class _Bands:
    """A MinHash LSH table: signatures cut into `bands` bands of `rows` values; two
    signatures are candidates when any band is equal (datasketch's MinHashLSH, the part
    the index uses: insert and query, no removal). A bucket holds one member index, or a
    list of them once shared: most buckets hold one, and a dict entry per band is the
    whole cost (about 4 KB an article for both tables; datasketch's took 15 KB).
    """

    def __init__(self, bands: int, rows: int) -> None:
        self._width = 4 * rows  # bytes of a band
        self._tables: list[dict[bytes, int | list[int]]] = [{} for _ in range(bands)]

    def _keys(self, signature: bytes) -> list[bytes]:
        width = self._width
        return [signature[i * width : (i + 1) * width] for i in range(len(self._tables))]

    def insert(self, member: int, signature: bytes) -> None:
        for table, key in zip(self._tables, self._keys(signature), strict=True):
            found = table.get(key)
            if found is None:
                table[key] = member
            elif isinstance(found, int):
                table[key] = [found, member]
            else:
                found.append(member)

    def query(self, signature: bytes) -> set[int]:
        found: set[int] = set()
        for table, key in zip(self._tables, self._keys(signature), strict=True):
            members = table.get(key)
            if isinstance(members, int):
                found.add(members)
            elif members is not None:
                found.update(members)
        return found


@dataclass(frozen=True)
class Fingerprint:
    """MinHash signatures of an article's text and of its lead, with the sizes behind them.

    `signature` and `lead` are `NUM_PERM` little-endian uint32 values each; `shingles` and
    `lead_shingles` count the distinct shingles they summarise (containment needs the sizes).
    `to_bytes()` packs everything into 1,039 bytes for a database column.
    """

    signature: bytes
    lead: bytes
    words: int
    shingles: int
    lead_shingles: int

    @property
    def hashvalues(self) -> np.ndarray:
        """The body signature as a read-only numpy array."""
        return np.frombuffer(self.signature, dtype="<u4")

    @property
    def lead_hashvalues(self) -> np.ndarray:
        return np.frombuffer(self.lead, dtype="<u4")

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(
            _FORMAT_VERSION, NUM_PERM, self.words, self.shingles, self.lead_shingles
        )
        return header + self.signature + self.lead

    @classmethod
    def from_bytes(cls, data: bytes) -> Fingerprint:
        """Inverse of `to_bytes`; raises ValueError on data of another version or size."""
        size = _HEADER.size + 8 * NUM_PERM
        if len(data) != size:
            raise ValueError(f"fingerprint must be {size} bytes, got {len(data)}")
        version, num_perm, words, shingles, lead_shingles = _HEADER.unpack_from(data)
        if version != _FORMAT_VERSION or num_perm != NUM_PERM:
            raise ValueError(
                f"fingerprint version {version} with {num_perm} permutations; this code reads "
                f"version {_FORMAT_VERSION} with {NUM_PERM}: recompute it from the text"
            )
        body = data[_HEADER.size : _HEADER.size + 4 * NUM_PERM]
        lead = data[_HEADER.size + 4 * NUM_PERM :]
        return cls(body, lead, words, shingles, lead_shingles)


def fingerprint(text: str) -> Fingerprint:
    """MinHash fingerprint of cleaned article text (run `bot.extract.clean_text` first).

    Text is lower-cased and stripped of punctuation, cut into word 5-shingles, and summarised
    twice: all of it, and its first `LEAD_WORDS` words.
    """
    tokens = _tokens(text)
    shingles = _shingles(tokens)
    distinct = dict.fromkeys(shingles)  # each hashed once, in first-seen order
    hashes = _hashes(distinct)
    # The lead's distinct shingles are the first of the text's distinct ones.
    lead = len(dict.fromkeys(shingles[: LEAD_WORDS - SHINGLE_WORDS + 1]))
    return Fingerprint(
        signature=_signature(hashes),
        lead=_signature(hashes[:lead]),
        words=len(tokens),
        shingles=len(distinct),
        lead_shingles=lead,
    )


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the sets behind two signatures."""
    return float(np.count_nonzero(a == b)) / len(a)


def _containment(fp_a: Fingerprint, fp_b: Fingerprint, similarity: float) -> float:
    """Estimated share of the smaller text's shingles found in the larger one.

    From |A∩B| = J·(|A|+|B|)/(1+J) with the exact set sizes; capped at 1 because the
    Jaccard estimate is noisy.
    """
    smaller = min(fp_a.shingles, fp_b.shingles)
    if smaller == 0:
        return 0.0
    overlap = similarity * (fp_a.shingles + fp_b.shingles) / (1.0 + similarity)
    return min(1.0, overlap / smaller)


@dataclass(frozen=True)
class Thresholds:
    """When a candidate counts as the same story (see `StoryIndex` for the reasoning).

    Measured on 92,665 pairs of distinct articles (benchmarks/group.py): apart from one pair
    that is the same Daily Mail story twice in cnndm, the highest whole-text Jaccard of two
    different stories was 0.16, the highest containment 0.31 and the highest lead Jaccard
    0.05, so these limits leave a wide margin.
    """

    #: Jaccard of the whole texts: the same article with small edits (another outlet).
    same: float = 0.5
    #: Containment of the smaller text in the larger, with at least `contained_jaccard`:
    #: an article inside a longer version of it (new headline and first sentence, a
    #: paragraph added).
    contained: float = 0.55
    contained_jaccard: float = 0.2
    #: Jaccard of the leads: a teaser or truncated copy ...
    lead: float = 0.5
    #: ... if it is contained in the other text (estimate) ...
    lead_contained: float = 0.5
    #: ... or is at most this many words long: the containment estimate of a 60-word teaser
    #: in a 2,000-word article rests on 2 or 3 equal values out of 128 and is pure noise.
    teaser_words: int = 100


class StoryIndex:
    """Stories seen so far, searchable by fingerprint.

    `find` looks up candidates in two LSH indexes (whole text, and lead), so a new
    article is compared with a few candidates, not with every story. A candidate is accepted
    when one of three tests on the full 128-value signatures passes:

    1. whole-text Jaccard >= `same` (0.5): the same article, lightly edited;
    2. containment of the smaller text in the larger >= `contained` (0.55) and Jaccard >=
       `contained_jaccard` (0.2): a short article inside a longer version (a paragraph added);
    3. lead Jaccard >= `lead` (0.5), and containment >= `lead_contained` (0.5) or the shorter
       text has at most `teaser_words` (100) words: a teaser or a truncated copy, whose
       whole-text Jaccard is tiny because of the size difference. The containment condition
       keeps apart two long texts that merely open alike (a daily column's fixed intro).

    Fingerprints of fewer than `MIN_WORDS` words are never indexed and never matched: a bare
    headline would otherwise join whatever story shares its five-word phrases.

    The index lives in memory (rebuild it at start-up from stored `Fingerprint.to_bytes()`,
    for the stories of the window that matters, e.g. the last few days): the two LSH indexes
    cost about 4 KB an article (`_Bands`). It is not thread-safe.
    """

    #: LSH bands x rows. Body: 32 x 2 finds pairs with Jaccard 0.3 with probability 0.95,
    #: 0.1 with 0.28, unrelated news (< 0.01) almost never. Lead: 16 x 4 finds leads with
    #: Jaccard 0.5 with probability 0.65, 0.6 with 0.9, 0.7 with 0.99.
    BODY_BANDS = (32, 2)
    LEAD_BANDS = (16, 4)

    def __init__(self, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds()
        self._body = _Bands(*self.BODY_BANDS)
        self._lead = _Bands(*self.LEAD_BANDS)
        self._members: list[tuple[int, Fingerprint]] = []
        self._stories: set[int] = set()

    def __len__(self) -> int:
        """Number of distinct stories (not articles) added."""
        return len(self._stories)

    def add(self, story_id: int, fp: Fingerprint) -> None:
        """Record that the article with this fingerprint belongs to `story_id`."""
        self._stories.add(story_id)
        if fp.words < MIN_WORDS:
            logger.debug("story %s: fingerprint of %s words not indexed", story_id, fp.words)
            return
        key = len(self._members)
        self._members.append((story_id, fp))
        self._body.insert(key, fp.signature)
        self._lead.insert(key, fp.lead)

    def find(self, fp: Fingerprint) -> int | None:
        """The story this fingerprint belongs to (the best-scoring one), or None if it is new."""
        match = self.best_match(fp)
        return None if match is None else match[0]

    def best_match(self, fp: Fingerprint) -> tuple[int, float] | None:
        """(story id, score) of the best accepted candidate; the score is the Jaccard or,
        for contained texts, the containment estimate."""
        if fp.words < MIN_WORDS or not self._members:
            return None
        keys = self._body.query(fp.signature) | self._lead.query(fp.lead)
        best: tuple[int, float] | None = None
        for key in sorted(keys):  # on a tie the story indexed first wins
            story_id, other = self._members[key]
            score = self.score(fp, other)
            if score is not None and (best is None or score > best[1]):
                best = (story_id, score)
        return best

    def score(self, a: Fingerprint, b: Fingerprint) -> float | None:
        """How strongly two fingerprints are one story, or None if they are not."""
        limits = self.thresholds
        similarity = _jaccard(a.hashvalues, b.hashvalues)
        if similarity >= limits.same:
            return similarity
        contained = _containment(a, b, similarity)
        if contained >= limits.contained and similarity >= limits.contained_jaccard:
            return contained
        if contained < limits.lead_contained and min(a.words, b.words) > limits.teaser_words:
            return None
        lead = _jaccard(a.lead_hashvalues, b.lead_hashvalues)
        if lead >= limits.lead:
            # ranked below clear whole-text matches: a shared lead is weaker evidence
            return max(contained, lead / 2)
        return None
