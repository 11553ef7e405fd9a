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
are never made one by one: each entity's partners are found with set operations
over the letters that mention it (:class:`CoMentions`), one entity at a time, and
only the kept edges are held (as compact arrays, when there are not too many).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from teikit.index import EntityIndex

__all__ = [
    "CoMentions",
    "Edge",
    "Network",
    "NetworkParts",
    "Node",
    "build_network",
    "gather_network",
]

TEXT_PARTS = frozenset({"body", "note", "front", "back"})
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
    finds them again each time it is read (see the module's docstring), or reads
    them from the arrays the first complete reading kept."""

    def __init__(
        self, ids: list[str], letters: list[str], mentioned: list[list[int]], min_letters: int
    ) -> None:
        self.ids = ids  # entity ids by rank (sorted)
        self.letter_ids = letters  # letter ids by rank (sorted)
        self.min_letters = max(1, min_letters)
        # For each entity, the letters that mention it (ascending) and, in each, where
        # the entities after it begin in that letter's sorted ranks.
        self._mentioned = mentioned
        self._in: list[list[tuple[int, int]]] = [[] for _ in ids]
        for letter, ranks in enumerate(mentioned):
            for i, a in enumerate(ranks):
                self._in[a].append((letter, i + 1))
        self._nodes: set[int] | None = None
        self._kept: tuple[array, array, array] | None = None

    def _partners(self, a: int) -> list[tuple[int, list[int]]]:
        """The entities after ``a`` mentioned with it in at least ``min_letters``
        letters, in order, each with those letters: ``seen[k]`` holds the entities
        met in more than k letters so far, each letter a few set operations (C
        loops, not a Python step per pair)."""
        mentioned, need, mine = self._mentioned, self.min_letters, self._in[a]
        seen: list[set[int]] = [set() for _ in range(need)]
        for letter, after in mine:
            later = mentioned[letter][after:]
            for k in range(need - 1, 0, -1):
                if seen[k - 1]:
                    seen[k].update(seen[k - 1].intersection(later))
            seen[0].update(later)
        kept = seen[need - 1]
        if not kept:
            return []
        # The letters of each kept pair, ascending: a's letters in order, each adding
        # itself to the kept partners it mentions.
        letters: dict[int, list[int]] = {b: [] for b in kept}
        for letter, after in mine:
            for b in kept.intersection(mentioned[letter][after:]):
                letters[b].append(letter)
        return sorted(letters.items())

    def _runs(self) -> Iterator[tuple[int, int, list[int]]]:
        """(source rank, target rank, letter ranks) of every kept pair, in order.

        The first complete pass finds them; the kept edges are then held as three
        compact arrays (when there are at most :data:`KEPT_CACHED` of them: with the
        default threshold, a few hundred thousand where the pairs met once are
        millions), which later passes (the two graphs, edges.csv,
        edge_letters.csv) read instead of finding them again."""
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
                    kept = None  # too many to hold: every pass finds them again
                else:
                    kept[0].append(a * (len(self.ids) or 1) + b)
                    kept[2].extend(ranks)
                    kept[1].append(len(kept[2]))
            yield a, b, ranks
        self._kept = kept  # only once the pass is complete

    def _scan(self) -> Iterator[tuple[int, int, list[int]]]:
        for a in range(len(self.ids)):
            if len(self._in[a]) >= self.min_letters:
                for b, letters in self._partners(a):
                    yield a, b, letters

    def runs(self) -> Iterator[tuple[int, int, list[int]]]:
        """Every kept edge as ranks: (source, target, its letters), ranks into
        :attr:`ids` and :attr:`letter_ids`, in order; for writers that make the
        text of each id once, not once per edge."""
        return self._runs()

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


@dataclass
class NetworkParts:
    """What the network is made of, read from the index (each occurrence once):
    plain data that pickles, so that another process can make the
    :class:`Network` (:meth:`network`: the co-mention pairs, most of the work)
    without the index."""

    # The fields of a Node for each registered entry, in the index's order.
    candidates: list[tuple[str, str, str, int, int, int]]
    correspondence: list[Edge]  # sorted, each edge's letters sorted
    linked: set[str]  # the ids of the entries that sent, received or are in an edge
    ids: list[str]  # entity ids by rank (sorted)
    letter_ids: list[str]  # letter ids by rank (sorted)
    mentioned: list[list[int]]  # for each letter, the ranks its text mentions, ascending
    min_co_mentions: int

    def network(self) -> Network:
        co_mentions = CoMentions(self.ids, self.letter_ids, self.mentioned, self.min_co_mentions)
        in_network = self.linked | co_mentions.node_ids
        nodes = [Node(*fields) for fields in self.candidates if fields[0] in in_network]
        return Network(nodes, self.correspondence, co_mentions)


def build_network(index: EntityIndex, min_co_mentions: int = 2) -> Network:
    return gather_network(index, min_co_mentions).network()


def gather_network(index: EntityIndex, min_co_mentions: int = 2) -> NetworkParts:
    """What :func:`build_network` reads of ``index``."""
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
    linked = {by_key[k].id for pair in correspondence for k in pair} | {
        by_key[k].id for k in (*sent, *received) if k in by_key
    }
    candidates = [
        (
            e.id,
            e.name,
            e.type,
            len(sent.get(e.key, ())),
            len(received.get(e.key, ())),
            len(e.occurrences),
        )
        for e in index.entries
        if e.key in by_key
    ]
    edges = sorted(correspondence.values(), key=lambda e: (e.source, e.target))
    for edge in edges:
        edge.letters.sort()
    return NetworkParts(
        candidates,
        edges,
        linked,
        [e.id for e in ranked],
        letter_ids,
        [sorted(m) for m in mentioned],
        min_co_mentions,
    )
