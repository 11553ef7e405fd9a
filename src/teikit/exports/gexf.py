"""GEXF 1.3 for Gephi: the correspondence and co-mention network (see :mod:`.network`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from teikit.document import Document
from teikit.exports.common import ExportOptions, write_xml
from teikit.exports.network import build_network
from teikit.index import EntityIndex

__all__ = ["GEXF_NS", "write"]

GEXF_NS = "http://gexf.net/1.3"
G = f"{{{GEXF_NS}}}"
_NODE_ATTRIBUTES = (
    ("type", "string"),
    ("letters_sent", "integer"),
    ("letters_received", "integer"),
    ("mentions", "integer"),
)
_EDGE_ATTRIBUTES = (("relation", "string"), ("letters", "string"))


def _attributes(graph: etree._Element, cls: str, spec: tuple[tuple[str, str], ...]) -> None:
    block = etree.SubElement(graph, f"{G}attributes", {"class": cls})
    for name, kind in spec:
        etree.SubElement(block, f"{G}attribute", {"id": name, "title": name, "type": kind})


def _values(el: etree._Element, values: dict[str, object]) -> None:
    block = etree.SubElement(el, f"{G}attvalues")
    for key, value in values.items():
        etree.SubElement(block, f"{G}attvalue", {"for": key, "value": str(value)})


def build_gexf(index: EntityIndex, title: str = "") -> etree._ElementTree:
    network = build_network(index)
    root = etree.Element(f"{G}gexf", {"version": "1.3"}, nsmap={None: GEXF_NS})
    meta = etree.SubElement(root, f"{G}meta")
    etree.SubElement(meta, f"{G}creator").text = "teikit"
    etree.SubElement(meta, f"{G}description").text = (
        f"Correspondence (directed) and co-mention (undirected) network{': ' if title else ''}"
        f"{title}"
    )
    graph = etree.SubElement(root, f"{G}graph", {"defaultedgetype": "directed", "mode": "static"})
    _attributes(graph, "node", _NODE_ATTRIBUTES)
    _attributes(graph, "edge", _EDGE_ATTRIBUTES)
    nodes = etree.SubElement(graph, f"{G}nodes")
    for node in network.nodes:
        el = etree.SubElement(nodes, f"{G}node", {"id": node.id, "label": node.label})
        _values(
            el,
            {
                "type": node.type,
                "letters_sent": node.letters_sent,
                "letters_received": node.letters_received,
                "mentions": node.mentions,
            },
        )
    edges = etree.SubElement(graph, f"{G}edges")
    for n, edge in enumerate(network.edges):
        el = etree.SubElement(
            edges,
            f"{G}edge",
            {
                "id": f"e{n}",
                "source": edge.source,
                "target": edge.target,
                "type": "directed" if edge.directed else "undirected",
                "weight": str(edge.weight),
                "label": edge.relation,
            },
        )
        _values(el, {"relation": edge.relation, "letters": " ".join(edge.letters)})
    return root.getroottree()


def write(
    docs: Sequence[Document],
    index: EntityIndex,
    output: str | os.PathLike[str],
    options: ExportOptions,
) -> list[Path]:
    """Write the network as GEXF 1.3 to ``output``."""
    return write_xml(output, build_gexf(index, index.title))
