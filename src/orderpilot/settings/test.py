"""Settings for the test suite: the same as production, quicker hashing, no broker kicks."""

import os

os.environ.setdefault("ORDERPILOT_DATA_DIR", "var/test")

from .base import *  # noqa: E402, F403
from .base import DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ORDERPILOT_KICK_WORKERS = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that subprocesses started by tests (workers, CLI) see the same data.
    DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"].replace(".sqlite3", "-test.sqlite3")}

# WhiteNoise warns at start-up when STATIC_ROOT does not exist (a fresh checkout has not run
# collectstatic), and the suite turns warnings into errors; the files come from the apps' static
# folders (WHITENOISE_USE_FINDERS), so an empty folder is all it needs.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
