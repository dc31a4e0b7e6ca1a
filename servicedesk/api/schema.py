"""OpenAPI description of the API token authentication (registered on import)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "servicedesk.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token created by an administrator: `Authorization: Bearer sd_...`. "
                "Read-scoped tokens may only use GET."
            ),
        }
