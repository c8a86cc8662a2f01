"""Queue routing: which knowledge base, prompt and LLM serve each queue, on every node."""
