"""Knowledge API routes (included under /api/v1/)."""

from django.urls import path

from servicedesk.api import converters  # noqa: F401  (registers <id:...> and <ref:...>)

from .views import ArticleViewSet as A

urlpatterns = [
    path("articles/", A.as_view({"get": "list", "post": "create"}), name="api-article-list"),
    path(
        "articles/search/",
        A.as_view({"get": "search"}, filter_backends=[], pagination_class=None),
        name="api-article-search",
    ),
    path(
        "articles/<id:pk>/",
        A.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="api-article-detail",
    ),
    path(
        "articles/<id:pk>/transition",
        A.as_view({"post": "transition"}, filter_backends=[], pagination_class=None),
        name="api-article-transition",
    ),
    path(
        "articles/<id:pk>/feedback",
        A.as_view({"post": "feedback"}, filter_backends=[], pagination_class=None),
        name="api-article-feedback",
    ),
    path(
        "articles/<id:pk>/solved",
        A.as_view({"post": "solved"}, filter_backends=[], pagination_class=None),
        name="api-article-solved",
    ),
]
