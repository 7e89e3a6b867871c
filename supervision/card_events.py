"""Event types of card_events (registered by supervision.streams.register)."""

EVENT_TYPES: list = []
REASONS: list = []
