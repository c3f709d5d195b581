"""Modules of the HTTP load benchmark driver (benches/http/run.py)."""
