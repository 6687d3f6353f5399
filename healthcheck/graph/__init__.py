"""The import graph and the algorithms that run on it, in one place.

- :mod:`healthcheck.graph.build` builds the project's import graph from the
  shared parse (edges with their kinds, the parent packages each import runs).
- :mod:`healthcheck.graph.cycles` holds the graph algorithms (components,
  smallest cycles, fewest edges to cut); they take a successor map and know
  nothing about findings.

Nothing is re-exported here: a reader sees in each import which of the two it uses.
"""
