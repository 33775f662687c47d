"""Benchmarks: latency, ingestion, scale, cold start. Run them with python -m bench.run_all."""
