"""Settings of the `db_worker` processes the fault tests start: the test settings, with emails
written to files (one a message) by a mail server that takes its time, so a worker can be
killed in the middle of a task."""

import os

from portal.settings.test import *  # noqa: F403

EMAIL_BACKEND = "tests.integration.slow_mail.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
SLOW_MAIL_SECONDS = float(os.environ.get("SLOW_MAIL_SECONDS", "0.3"))
# Tasks whose worker died are queued again after a second, not the production default.
TASK_ORPHAN_GRACE_SECONDS = float(os.environ.get("TASK_ORPHAN_GRACE_SECONDS", "1"))
