"""Conversation write-back: the platforms' own records of a conversation, server to server.

A platform declaring ``Capability.CONVERSATION_RECORDS`` gets: its queue read as a conversation
starts (``enrich.py``), so queue → knowledge base mapping applies; the agent's notes kept by
cuecard (``notes.py``) with the hold and resume events (``recorder.py``) in a durable outbox;
and, once the conversation ends, one idempotent write of them to the platform, retried after
failures and restarts (``writer.py``). ``records.py`` holds each integration's
``ConversationRecords``; ``views.py`` what the Health page shows.
"""
