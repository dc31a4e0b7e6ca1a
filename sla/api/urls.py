from rest_framework.routers import SimpleRouter

from .views import CalendarViewSet, PolicyViewSet

router = SimpleRouter()
router.register("calendars", CalendarViewSet, basename="api-sla-calendar")
router.register("policies", PolicyViewSet, basename="api-sla-policy")

urlpatterns = router.urls
