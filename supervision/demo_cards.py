"""Demo cards and ladder (supervision sweep)."""


def seed_cards() -> int:
    return 0
