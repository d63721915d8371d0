"""Loaded with `-p linli.testing.pytest_env` (pyproject addopts) before pytest-django imports the
settings, so the test run gets its own var directory and a fixed encryption key — a conftest.py
runs too late for that."""

import os
from pathlib import Path

os.environ.setdefault("LINLI_VAR_DIR", str(Path.cwd() / "var" / "test"))
os.environ.setdefault("LINLI_ENCRYPTION_KEY", "q1Z8Wk1cN3tQwQGsKk3m0yq0O3Gm7o2m8YcX3m1Hh5Y=")
