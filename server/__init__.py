"""The cuecard server: ingest, assist pipeline, realtime widget endpoint, REST API and storage."""
