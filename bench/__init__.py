"""Benchmarks (DESIGN §7): run each as ``.venv/bin/python -m bench.<name>``."""
