"""Pioneer's settings with the bench URLconf (the app's URLs plus a trivial view)."""

from pioneer.web.settings import *  # noqa: F403

ROOT_URLCONF = "bench.web.urls"
