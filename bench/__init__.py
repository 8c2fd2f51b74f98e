"""Load benchmarks for Diandian (not part of the test suite). Entry point: `python -m bench.run`."""
