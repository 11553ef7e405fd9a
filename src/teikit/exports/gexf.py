"""GEXF 1.3 for Gephi and networkx: the correspondence network and the co-mention
network as two graphs, two files (see :mod:`.network`).

A GEXF graph has one default edge type, and networkx (like most readers) refuses
an undirected edge in a directed graph. So ``-o net.gexf`` writes

- ``net.gexf``: who wrote to whom, a directed graph (sender → addressee, one
  edge per pair, weighted by the number of letters);
- ``net.co-mentions.gexf``: who or what is mentioned together in the text of a
  letter, an undirected graph (weighted by the number of such letters).

Nodes are register entities, by canonical id, with the same attributes in both.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from teikit.document import Document
from teikit.exports.common import ExportOptions, write_streamed
from teikit.exports.network import CoMentions, Edge, Network, Node, build_network
from teikit.index import EntityIndex

__all__ = [
    "CO_MENTIONS_SUFFIX", "GEXF_NS", "co_mentions_path", "write", "write_graph", "write_network",
]  # fmt: skip

GEXF_NS = "http://gexf.net/1.3"
G = f"{{{GEXF_NS}}}"
CO_MENTIONS_SUFFIX = ".co-mentions.gexf"
_NODE_ATTRIBUTES = (
    ("type", "string"),
    ("letters_sent", "integer"),
    ("letters_received", "integer"),
    ("mentions", "integer"),
)
_EDGE_ATTRIBUTES = (("relation", "string"), ("letters", "string"))
_DESCRIPTIONS = {
    "correspondence": "Correspondence network (directed: sender to addressee)",
    "co-mention": "Co-mention network (undirected: mentioned in the text of the same letter)",
}


def co_mentions_path(output: str | os.PathLike[str]) -> Path:
    """Where the co-mention graph of ``-o output`` goes: ``net.gexf`` →
    ``net.co-mentions.gexf``."""
    path = Path(output)
    stem = path.name[: -len(".gexf")] if path.name.lower().endswith(".gexf") else path.name
    return path.with_name(stem + CO_MENTIONS_SUFFIX)


def _attributes(cls: str, spec: tuple[tuple[str, str], ...]) -> etree._Element:
    block = etree.Element(f"{G}attributes", {"class": cls}, nsmap={None: GEXF_NS})
    for name, kind in spec:
        etree.SubElement(block, f"{G}attribute", {"id": name, "title": name, "type": kind})
    return block


def _values(el: etree._Element, values: dict[str, object]) -> None:
    block = etree.SubElement(el, f"{G}attvalues")
    for key, value in values.items():
        etree.SubElement(block, f"{G}attvalue", {"for": key, "value": str(value)})


def _node(node: Node) -> etree._Element:
    el = etree.Element(f"{G}node", {"id": node.id, "label": node.label}, nsmap={None: GEXF_NS})
    _values(
        el,
        {
            "type": node.type,
            "letters_sent": node.letters_sent,
            "letters_received": node.letters_received,
            "mentions": node.mentions,
        },
    )
    return el


# An edge as lxml serialises _edge(): written as text, since an edition's
# co-mention graph has hundreds of thousands of them (an element tree each took
# a fifth of --to all). The test suite holds the two to the same bytes.
_EDGE_TEXT = (
    f'<edge xmlns="{GEXF_NS}" id="e{{n}}" source="{{source}}" target="{{target}}" '
    'type="{kind}" weight="{weight}" label="{relation}">\n'
    "  <attvalues>\n"
    '    <attvalue for="relation" value="{relation}"/>\n'
    '    <attvalue for="letters" value="{letters}"/>\n'
    "  </attvalues>\n"
    "</edge>\n"
)
# What libxml2 escapes in an attribute value (in this order: & first).
_ATTRIBUTE_ESCAPES = (
    ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("\n", "&#10;"),
    ("\r", "&#13;"), ("\t", "&#9;"),
)  # fmt: skip
_NEEDS_ESCAPE = re.compile('[&<>"\n\r\t]')


def _attribute(value: str) -> str:
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    for char, entity in _ATTRIBUTE_ESCAPES:
        value = value.replace(char, entity)
    return value


def _edge_text(n: int, edge: Edge, kind: str) -> str:
    """:func:`_edge` serialised, as text."""
    return _EDGE_TEXT.format(
        n=n,
        source=_attribute(edge.source),
        target=_attribute(edge.target),
        kind=kind,
        weight=edge.weight,
        relation=_attribute(edge.relation),
        letters=_attribute(" ".join(edge.letters)),
    )


def _edge_texts(edges: Iterable[Edge], kind: str) -> Iterator[str]:
    """:func:`_edge_text` of every edge; the co-mention edges from their ranks
    (:meth:`CoMentions.runs`), each id escaped once, not once per edge."""
    if not isinstance(edges, CoMentions):
        for n, edge in enumerate(edges):
            yield _edge_text(n, edge, kind)
        return
    ids = [_attribute(i) for i in edges.ids]
    letters = [_attribute(x) for x in edges.letter_ids]
    relation = _attribute("co-mention")
    # _EDGE_TEXT, written out: the test suite holds the two to the same bytes.
    start = f'<edge xmlns="{GEXF_NS}" id="e'
    values = f'">\n  <attvalues>\n    <attvalue for="relation" value="{relation}"/>\n'
    for n, (a, b, ranks) in enumerate(edges.runs()):
        yield (
            f'{start}{n}" source="{ids[a]}" target="{ids[b]}" type="{kind}" '
            f'weight="{len(ranks)}" label="{relation}{values}'
            f'    <attvalue for="letters" value="{" ".join([letters[x] for x in ranks])}"/>\n'
            "  </attvalues>\n</edge>\n"
        )


def _edge(n: int, edge: Edge, kind: str) -> etree._Element:
    attributes = {
        "id": f"e{n}",
        "source": edge.source,
        "target": edge.target,
        "type": kind,  # every edge as the graph's default: readers need it so
        "weight": str(edge.weight),
        "label": edge.relation,
    }
    el = etree.Element(f"{G}edge", attributes, nsmap={None: GEXF_NS})
    _values(el, {"relation": edge.relation, "letters": " ".join(edge.letters)})
    return el


def write_graph(
    handle: BinaryIO,
    nodes: Sequence[Node],
    edges: Iterable[Edge],
    wanted: Collection[str],
    relation: str,
    title: str,
) -> None:
    """One graph as GEXF 1.3, streamed: element by element, never a whole tree."""
    kind = "directed" if relation == "correspondence" else "undirected"
    handle.write(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    with (
        etree.xmlfile(handle, encoding="UTF-8") as xf,
        xf.element(f"{G}gexf", {"version": "1.3"}, nsmap={None: GEXF_NS}),
    ):
        meta = etree.Element(f"{G}meta", nsmap={None: GEXF_NS})
        etree.SubElement(meta, f"{G}creator").text = "teikit"
        etree.SubElement(
            meta, f"{G}description"
        ).text = f"{_DESCRIPTIONS[relation]}{': ' if title else ''}{title}"
        xf.write("\n", meta, "\n", pretty_print=True)
        with xf.element(f"{G}graph", {"defaultedgetype": kind, "mode": "static"}):
            xf.write("\n", _attributes("node", _NODE_ATTRIBUTES), pretty_print=True)
            xf.write(_attributes("edge", _EDGE_ATTRIBUTES), pretty_print=True)
            with xf.element(f"{G}nodes"):
                xf.write("\n")
                for node in nodes:
                    if node.id in wanted:
                        xf.write(_node(node), pretty_print=True)
            xf.write("\n")
            with xf.element(f"{G}edges"):
                xf.write("\n")
                xf.flush()  # what xf holds goes first: the edges follow as text
                chunk: list[str] = []
                for text in _edge_texts(edges, kind):
                    chunk.append(text)
                    if len(chunk) >= 1024:
                        handle.write("".join(chunk).encode("utf-8"))
                        chunk.clear()
                handle.write("".join(chunk).encode("utf-8"))
            xf.write("\n")
        xf.write("\n")
    handle.write(b"\n")


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
    network: Network | None = None,
) -> list[Path]:
    """Write the correspondence graph to ``output`` and the co-mention graph next to
    it (:func:`co_mentions_path`), each streamed."""
    network = network if network is not None else build_network(index, options.min_co_mentions)
    return write_network(network, output, index.title)


def write_network(network: Network, output: str | os.PathLike[str], title: str) -> list[Path]:
    """:func:`write` of a network made already (``title``: the edition's)."""
    letters = network.correspondence
    # A correspondent without a registered counterpart is still a node.
    correspondents = {e.source for e in letters} | {e.target for e in letters}
    correspondents |= {n.id for n in network.nodes if n.letters_sent or n.letters_received}
    co_mentioned = network.co_mentions.node_ids
    return [
        write_streamed(
            Path(output),
            lambda h: write_graph(
                h, network.nodes, letters, correspondents, "correspondence", title
            ),
        ),
        write_streamed(
            co_mentions_path(output),
            lambda h: write_graph(
                h, network.nodes, network.co_mentions, co_mentioned, "co-mention", title
            ),
        ),
    ]
