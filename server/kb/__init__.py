"""Knowledge-base content: loading article folders into documents for the store."""

from server.kb.loader import (
    SUPPORTED_SUFFIXES,
    external_id_for,
    iter_documents,
    list_files,
    load_folder,
    read_document,
)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "external_id_for",
    "iter_documents",
    "list_files",
    "load_folder",
    "read_document",
]
