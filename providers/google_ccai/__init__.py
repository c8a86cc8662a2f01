"""Google CCAI: Dialogflow and Agent Assist conversation events from Pub/Sub, pulled or pushed."""

from providers.google_ccai.adapter import GoogleCcaiAdapter, PubsubDelivery
from providers.google_ccai.config import GoogleCcaiSettings
from providers.google_ccai.counts import SourceCounts

__all__ = ["GoogleCcaiAdapter", "GoogleCcaiSettings", "PubsubDelivery", "SourceCounts"]
