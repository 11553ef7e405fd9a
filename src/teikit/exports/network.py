"""The correspondence and co-mention network, shared by the GEXF and CSV exports.

Nodes are register entries. A directed ``correspondence`` edge goes from each
sender to each addressee of a letter, weighted by the number of letters; an
undirected ``co-mention`` edge joins two entries mentioned in the text (not the
header) of the same letter, weighted by the number of such letters, and is kept
when they are mentioned together in at least ``min_co_mentions`` letters (default
2: in a large edition the pairs met once are millions of edges of weight one, a
5,000-letter edition naming 70 entities a letter has 13 million, which no
network tool can use; 1 keeps every pair). Unregistered names are left out: they
have no identity to join on.

The co-mention pairs grow with the square of the mentions per letter, so they
are counted outside memory: each pair-and-letter is one 64-bit number, written
in buckets by its first entity to temporary files, and each bucket is sorted and
counted on its own (:class:`CoMentions`). Memory stays flat however many pairs
there are; the edges are read back, in order, each time they are iterated.
"""

from __future__ import annotations

import math
import tempfile
import weakref
from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from teikit.index import EntityIndex

__all__ = ["CoMentions", "Edge", "Network", "Node", "build_network"]

TEXT_PARTS = frozenset({"body", "note", "front", "back"})
BUCKET_PAIRS = 2_000_000  # pairs sorted in memory at once (~80 MB as Python ints)
_FLUSH = 65_536  # pairs a bucket holds before it is appended to its file
KEPT_CACHED = 4_000_000  # kept edges held after the first pass (~40 MB as arrays)


@dataclass(frozen=True)
class Node:
    id: str  # register xml:id
    label: str
    type: str  # person | place | org | work
    letters_sent: int
    letters_received: int
    mentions: int


@dataclass
class Edge:
    source: str
    target: str
    relation: str  # correspondence | co-mention
    directed: bool
    letters: list[str] = field(default_factory=list)

    @property
    def weight(self) -> int:
        return len(self.letters)


class CoMentions:
    """The co-mention edges, in order of (source id, target id), as an iterable that
    reads them back from its buckets each time (see the module's docstring)."""

    def __init__(
        self, ids: list[str], letters: list[str], mentioned: list[list[int]], min_letters: int
    ) -> None:
        self.ids = ids  # entity ids by rank (sorted)
        self.letter_ids = letters  # letter ids by rank (sorted)
        self.min_letters = max(1, min_letters)
        total = sum(len(m) * (len(m) - 1) // 2 for m in mentioned)
        self.buckets = max(1, math.ceil(total / BUCKET_PAIRS))
        self._memory: list[array] = [array("q") for _ in range(self.buckets)]
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        if self.buckets > 1:
            self._folder = tempfile.TemporaryDirectory(prefix="teikit-pairs-")
            weakref.finalize(self, self._folder.cleanup)
        self._sorted = [False] * self.buckets
        self._fill(mentioned)
        self._nodes: set[int] | None = None
        self._kept: tuple[array, array, array] | None = None

    def _file(self, bucket: int) -> Path:
        assert self._folder is not None
        return Path(self._folder.name) / f"{bucket}.bin"

    def _fill(self, mentioned: list[list[int]]) -> None:
        n_ids, n_letters = len(self.ids) or 1, len(self.letter_ids) or 1
        buckets, memory = self.buckets, self._memory
        for letter, ranks in enumerate(mentioned):
            # (a * n_ids + b) * n_letters + letter for every a < b (ranks are sorted),
            # a row of pairs at a time: 13 million pairs in 5,000 letters.
            later = [b * n_letters for b in ranks]
            for i, a in enumerate(ranks[:-1]):
                bucket = a * buckets // n_ids
                pairs = memory[bucket]
                base = a * n_ids * n_letters + letter
                pairs.extend([base + b for b in later[i + 1 :]])
                if buckets > 1 and len(pairs) >= _FLUSH:
                    self._flush(bucket)
        if buckets > 1:
            for bucket in range(buckets):
                self._flush(bucket)

    def _flush(self, bucket: int) -> None:
        with self._file(bucket).open("ab") as handle:
            self._memory[bucket].tofile(handle)
        self._memory[bucket] = array("q")

    def _bucket(self, bucket: int) -> array:
        """The bucket's numbers, sorted (sorted once, then kept so: in memory for one
        bucket, in its file for several)."""
        if self.buckets == 1:
            if not self._sorted[0]:
                self._memory[0] = array("q", sorted(self._memory[0]))
                self._sorted[0] = True
            return self._memory[0]
        path = self._file(bucket)
        pairs = array("q")
        if path.exists():
            with path.open("rb") as handle:
                pairs.frombytes(handle.read())
        if not self._sorted[bucket]:
            pairs = array("q", sorted(pairs))
            path.write_bytes(pairs.tobytes())
            self._sorted[bucket] = True
        return pairs

    def _runs(self) -> Iterator[tuple[int, int, list[int]]]:
        """(source rank, target rank, letter ranks) of every kept pair, in order.

        The first complete pass scans every pair-and-letter number; the kept edges
        it finds are then held as three compact arrays (when there are at most
        :data:`KEPT_CACHED` of them: with the default threshold, a few hundred
        thousand where the numbers are millions), which later passes (the two
        graphs, edges.csv, edge_letters.csv) read instead of scanning again."""
        if self._kept is not None:
            pairs, ends, letters = self._kept
            n_ids, start = len(self.ids) or 1, 0
            for pair, end in zip(pairs, ends, strict=True):
                a, b = divmod(pair, n_ids)
                yield a, b, letters[start:end].tolist()
                start = end
            return
        kept: tuple[array, array, array] | None = (array("q"), array("q"), array("q"))
        for a, b, ranks in self._scan():
            if kept is not None:
                if len(kept[0]) >= KEPT_CACHED:
                    kept = None  # too many to hold: every pass scans
                else:
                    kept[0].append(a * (len(self.ids) or 1) + b)
                    kept[2].extend(ranks)
                    kept[1].append(len(kept[2]))
            yield a, b, ranks
        self._kept = kept  # only once the pass is complete

    def _scan(self) -> Iterator[tuple[int, int, list[int]]]:
        n_ids, n_letters = len(self.ids) or 1, len(self.letter_ids) or 1
        for bucket in range(self.buckets):
            pairs = self._bucket(bucket)
            start, count = 0, len(pairs)
            while start < count:
                pair = pairs[start] // n_letters
                end = start + 1
                while end < count and pairs[end] // n_letters == pair:
                    end += 1
                if end - start >= self.min_letters:
                    a, b = divmod(pair, n_ids)
                    letters = sorted({pairs[i] % n_letters for i in range(start, end)})
                    if len(letters) >= self.min_letters:
                        yield a, b, letters
                start = end

    def __iter__(self) -> Iterator[Edge]:
        ids, letters = self.ids, self.letter_ids
        letter_of = letters.__getitem__
        for a, b, ranks in self._runs():
            yield Edge(ids[a], ids[b], "co-mention", False, list(map(letter_of, ranks)))

    @property
    def node_ids(self) -> set[str]:
        """The ids of the entities in some kept edge."""
        if self._nodes is None:
            found: set[int] = set()
            for a, b, _ in self._runs():
                found.add(a)
                found.add(b)
            self._nodes = found
        return {self.ids[n] for n in self._nodes}


@dataclass
class Network:
    nodes: list[Node]
    correspondence: list[Edge]
    co_mentions: CoMentions

    def iter_edges(self) -> Iterator[Edge]:
        """Every edge, correspondence first, read as it is needed."""
        yield from self.correspondence
        yield from self.co_mentions

    @property
    def edges(self) -> list[Edge]:
        """Every edge as a list (for a large edition, iterate :meth:`iter_edges`)."""
        return list(self.iter_edges())


def build_network(index: EntityIndex, min_co_mentions: int = 2) -> Network:
    by_key = {e.key: e for e in index.entries if e.registered}
    sent: dict[str, set[str]] = defaultdict(set)
    received: dict[str, set[str]] = defaultdict(set)
    correspondence: dict[tuple[str, str], Edge] = {}
    letter_files = {lt.file: lt.id for lt in index.letters}
    for letter in index.letters:
        for sender in letter.senders:
            sent[sender.key].add(letter.id)
            for addressee in letter.addressees:
                received[addressee.key].add(letter.id)
                pair = (sender.key, addressee.key)
                if sender.key in by_key and addressee.key in by_key and pair[0] != pair[1]:
                    edge = correspondence.setdefault(
                        pair, Edge(by_key[pair[0]].id, by_key[pair[1]].id, "correspondence", True)
                    )
                    if letter.id not in edge.letters:
                        edge.letters.append(letter.id)
    # Ranks: entities by id and letters by id, so that the numbers sort as the ids do.
    ranked = sorted(by_key.values(), key=lambda e: (e.id, e.key))
    rank = {e.key: n for n, e in enumerate(ranked)}
    letter_ids = sorted(set(letter_files.values()))
    letter_rank = {lid: n for n, lid in enumerate(letter_ids)}
    mentioned: list[set[int]] = [set() for _ in letter_ids]
    for entry in by_key.values():
        for o in entry.occurrences:
            if o.where in TEXT_PARTS and o.file in letter_files:
                mentioned[letter_rank[letter_files[o.file]]].add(rank[entry.key])
    co_mentions = CoMentions(
        [e.id for e in ranked], letter_ids, [sorted(m) for m in mentioned], min_co_mentions
    )
    del mentioned
    in_network = (
        {by_key[k].id for pair in correspondence for k in pair}
        | {by_key[k].id for k in (*sent, *received) if k in by_key}
        | co_mentions.node_ids
    )
    nodes = [
        Node(
            id=e.id,
            label=e.name,
            type=e.type,
            letters_sent=len(sent.get(e.key, ())),
            letters_received=len(received.get(e.key, ())),
            mentions=len(e.occurrences),
        )
        for e in index.entries
        if e.key in by_key and e.id in in_network
    ]
    edges = sorted(correspondence.values(), key=lambda e: (e.source, e.target))
    for edge in edges:
        edge.letters.sort()
    return Network(nodes, edges, co_mentions)
