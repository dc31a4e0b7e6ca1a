import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "servicedesk.settings")
application = get_wsgi_application()

# What exists now (Django, DRF, the settings, models and apps) lives as long as the worker:
# moved out of the cyclic collector's reach, a full collection no longer walks it on every
# request that triggers one (~76 ms each at this size; see docs/PERFORMANCE.md, gc-freeze).
gc.collect()
gc.freeze()
