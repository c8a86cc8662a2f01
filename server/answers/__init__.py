"""Answers for the agent: the best passage at once, then an LLM's cited answer streamed in.

``service.AnswerService`` is started by the pipeline for each customer turn;
``sources.LlmIntegrationSource`` is the seam to stored LLM integrations; ``client.ChatClient``
is the OpenAI-compatible streaming client. (No re-exports here: the realtime layer imports
``models`` and the service imports the realtime layer.)
"""
