"""Changing an incident's facts after it was opened (category, impact, urgency, item, title)."""
