"""Ingest: canonical events in, through de-duplication and the assist step, out to widgets."""
