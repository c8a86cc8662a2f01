"""Genesys Cloud: Notification API events, web-messaging text and agent login settings."""
