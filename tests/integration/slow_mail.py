"""Django's file email backend, each message delayed as by a slow mail server.

While a message is on its way, `<EMAIL_FILE_PATH>.sending` holds the time it set off: a test
kills the worker while that is recent, so the kill lands while the server takes its time (the
previous message sent and marked), never between a message written and its mark committed."""

import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends import filebased


def sending_marker(outbox) -> Path:
    return Path(f"{outbox}.sending")


class EmailBackend(filebased.EmailBackend):
    def write_message(self, message):
        marker = sending_marker(settings.EMAIL_FILE_PATH)
        marker.write_text(repr(time.time()))
        time.sleep(settings.SLOW_MAIL_SECONDS)  # the server is slow to accept, then it has it
        super().write_message(message)
        self.stream.flush()
        marker.unlink(missing_ok=True)
