"""The tenant admin REST API: knowledge bases, documents, queue mappings, LLM integrations."""
