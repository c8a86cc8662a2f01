"""Authentication: platform sign-in (Genesys Cloud), agent sessions and tokens, API keys."""
