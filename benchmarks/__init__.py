"""Benchmarks: throughput, accuracy, soak and cluster runs."""
