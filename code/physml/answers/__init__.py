"""Computed answers for the exercise self-checks, one module per chapter."""
