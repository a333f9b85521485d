"""The demo tax bureau (演示税务局): a FastAPI server over its own DuckDB store.

Imports only `sbflib.domain` of ours (its clock included); the client reaches it over HTTP only.
Run it with `python -m sbflib.bureau serve --store PATH` (see `cli.py`).
"""
