"""Governance: disclosure control, pseudonymisation, retention, audit.

Everything that outputs data imports this package.
"""

from pioneer.governance.disclosure import DEFAULT_THRESHOLD, suppress_small_counts

__all__ = ["DEFAULT_THRESHOLD", "suppress_small_counts"]
