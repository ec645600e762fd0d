"""The package's shape: no import cycle between modules, layers as import-linter checks them."""

from __future__ import annotations

import grimp
import networkx as nx


def test_no_import_cycles():
    graph = grimp.build_graph("wuling_geo", exclude_type_checking_imports=True)
    g = nx.DiGraph()
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            # A package's __init__ re-exporting its modules is not a cycle of concerns.
            if not imported.startswith(module + "."):
                g.add_edge(module, imported)
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == []
