"""Provider integrations: stored platform connections, and the adapters that run them."""
