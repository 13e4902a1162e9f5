"""Helpers of the web load benchmark (``bench/bench_web_load.py``): bench-only settings and
URLs (the app plus a trivial view), and the store side (preparing invitations, checking
what was saved)."""
