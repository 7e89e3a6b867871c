"""Django's file email backend, each message delayed as by a slow mail server."""

import time

from django.conf import settings
from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def write_message(self, message):
        time.sleep(settings.SLOW_MAIL_SECONDS)  # the server is slow to accept, then it has it
        super().write_message(message)
        self.stream.flush()
