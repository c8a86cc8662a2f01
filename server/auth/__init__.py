"""Authentication: agent session tokens (Socket.IO, widget) and tenant API keys (REST)."""
