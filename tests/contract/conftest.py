"""Fixtures of the contract tests (the broker fixture comes from tests/conftest.py)."""
