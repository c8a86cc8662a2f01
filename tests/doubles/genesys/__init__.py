"""A Genesys Cloud double: OAuth, token checks, notifications, conversations."""
