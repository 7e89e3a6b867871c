"""Project-page panels (projects.panels), registered by supervision.streams.register()."""


def register_panels() -> None:
    return None
