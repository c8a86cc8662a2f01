"""The assist step: from the live conversation to ranked knowledge-base suggestions."""
