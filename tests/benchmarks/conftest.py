# The benchmark runs on demand (`python tests/benchmarks/bench.py`), never in the test run.
collect_ignore = ["bench.py"]
