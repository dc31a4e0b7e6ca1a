import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
application = get_wsgi_application()

from servicedesk.warmup import warm_up  # noqa: E402 (after the settings are configured)

warm_up()  # the URLconf and translations now, not in each worker's first request

# What exists now (Django, DRF, the settings, models and apps) lives as long as the worker:
# moved out of the cyclic collector's reach, a full collection no longer walks it on every
# request that triggers one (~76 ms each at this size; see docs/PERFORMANCE.md, gc-freeze).
gc.collect()
gc.freeze()
