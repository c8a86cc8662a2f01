"""Shared live state: event de-duplication and each conversation's transcript and suggestions.

In one process it lives in memory; with Redis configured it lives in Redis so any node can
ingest any event.
"""
