"""Authentication: agent sign-in at their platform, agent sessions and tokens, API keys, admins."""
