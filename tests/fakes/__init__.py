"""Fakes that speak the real protocols, so tests exercise the real clients (STYLE habit 9)."""
