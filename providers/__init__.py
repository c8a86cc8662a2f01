"""Provider adapters: each platform's native events, turned into one canonical event model."""
