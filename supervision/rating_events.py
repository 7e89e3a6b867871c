"""Event types of rating_events (registered by supervision.streams.register)."""

EVENT_TYPES: list = []
REASONS: list = []
