"""Routinely collected area indicators: statistics, catalogue, ingest, sites and comparators,
benchmarking, views and the site workbook (see ``docs/indicators/``)."""
