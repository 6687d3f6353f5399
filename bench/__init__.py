"""Benchmarks: each measures the project and its peer in the same run and prints the ratio.

Run one with ``python -m bench.<name>`` from the repository root.
"""
