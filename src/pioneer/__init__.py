"""Pioneer: evaluate integrated health and social care programmes.

The library is pure functions over pandas DataFrames returning small frozen
result types; the CLI (``pioneer.cli``) and, later, the web app are thin layers
over it. See ``docs/architecture.md`` for the module map.
"""

__version__ = "0.1.0"
