"""End-to-end tests of the browser app (a package, so its conftest does not shadow tests/conftest.py)."""
