"""Google CCAI: Dialogflow and Agent Assist conversation events from Pub/Sub, pulled or pushed."""

from providers.google_ccai._counts import SourceCounts
from providers.google_ccai.adapter import GoogleCcaiAdapter, PubsubDelivery
from providers.google_ccai.config import GoogleCcaiSettings

__all__ = ["GoogleCcaiAdapter", "GoogleCcaiSettings", "PubsubDelivery", "SourceCounts"]
