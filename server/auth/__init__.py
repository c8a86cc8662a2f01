"""Authentication: agent sign-in with platforms (Genesys Cloud), agent sessions and tokens
(Socket.IO, widget), and tenant API keys (REST)."""
