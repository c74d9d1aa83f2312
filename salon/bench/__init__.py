"""`salon bench`: the benchmark of a running instance (see run.py)."""
