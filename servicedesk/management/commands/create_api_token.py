"""Issue an API token for an integration; the secret is printed once and never stored."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from servicedesk.choices import TokenScope
from servicedesk.models import User
from servicedesk.services import api_token_create


class Command(BaseCommand):
    help = "Create an API token acting as USER and print its secret (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username the token acts as")
        parser.add_argument("--name", required=True, help="what the integration is")
        parser.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.READ, help="read or write"
        )

    def handle(self, *args, user: str, name: str, scope: str, **options):
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No user named {user!r}.")
        if not account.is_active:
            raise CommandError(f"User {user!r} is inactive.")
        token, key = api_token_create(name=name, user=account, scope=scope, created_by=None)
        self.stderr.write(
            f"Token {token.name!r} ({token.scope}) acting as {account.username}. "
            "Copy the secret now; it cannot be shown again:"
        )
        self.stdout.write(key)
