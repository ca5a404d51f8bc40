"""Benchmarks: run as scripts (``python -m bench.store_bench``); not part of the tests."""
