"""The correspondence and co-mention network, shared by the GEXF and CSV exports.

Nodes are register entries. A directed ``correspondence`` edge goes from each
sender to each addressee of a letter, weighted by the number of letters; an
undirected ``co-mention`` edge joins two entries mentioned in the text (not the
header) of the same letter, weighted by the number of such letters.
Unregistered names are left out: they have no identity to join on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from teikit.index import EntityIndex

__all__ = ["Edge", "Network", "Node", "build_network"]

TEXT_PARTS = frozenset({"body", "note", "front", "back"})


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


@dataclass
class Network:
    nodes: list[Node]
    edges: list[Edge]


def build_network(index: EntityIndex) -> Network:
    by_key = {e.key: e for e in index.entries if e.registered}
    sent: dict[str, set[str]] = defaultdict(set)
    received: dict[str, set[str]] = defaultdict(set)
    edges: dict[tuple[str, str, str], Edge] = {}
    letter_files = {lt.file: lt.id for lt in index.letters}
    for letter in index.letters:
        for sender in letter.senders:
            sent[sender.key].add(letter.id)
            for addressee in letter.addressees:
                received[addressee.key].add(letter.id)
                pair = (sender.key, addressee.key)
                if sender.key in by_key and addressee.key in by_key and pair[0] != pair[1]:
                    edge = edges.setdefault(
                        (*pair, "correspondence"),
                        Edge(by_key[pair[0]].id, by_key[pair[1]].id, "correspondence", True),
                    )
                    if letter.id not in edge.letters:
                        edge.letters.append(letter.id)
    mentioned: dict[str, set[str]] = defaultdict(set)  # letter id -> entry keys
    for entry in by_key.values():
        for o in entry.occurrences:
            if o.where in TEXT_PARTS and o.file in letter_files:
                mentioned[letter_files[o.file]].add(entry.key)
    for letter_id in sorted(mentioned):
        for a, b in combinations(sorted(mentioned[letter_id]), 2):
            edge = edges.setdefault(
                (a, b, "co-mention"), Edge(by_key[a].id, by_key[b].id, "co-mention", False)
            )
            edge.letters.append(letter_id)
    in_network = {k for pair in edges for k in pair[:2]} | set(sent) | set(received)
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
        if e.key in by_key and e.key in in_network
    ]
    order = sorted(
        edges.values(), key=lambda e: (e.relation != "correspondence", e.source, e.target)
    )
    for edge in order:
        edge.letters.sort()
    return Network(nodes, order)
