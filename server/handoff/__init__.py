"""Handoff context: what an IVR or a bot learnt before the agent got the conversation."""
