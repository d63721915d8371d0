"""`issue_token USERNAME [--name NAME]`: a new API token for a program; the secret is printed once."""

from django.core.management.base import BaseCommand, CommandError

from linli.people.auth import issue_token
from linli.people.models import Account


class Command(BaseCommand):
    help = "Issue an API token for an account and print it (only its hash is stored: keep it now)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for (shown in the admin)")

    def handle(self, *args, username, name, **options):
        account = Account.objects.filter(username=username).first()
        if account is None:
            raise CommandError(f"No account named {username!r}.")
        if not account.is_active:
            raise CommandError(f"Account {username!r} is inactive.")
        token, secret = issue_token(account, name or "issued by command")
        self.stderr.write(f"Token {token.prefix}… for {account.username} ({token.name}). Send it as: Authorization: Bearer <token>")
        self.stdout.write(secret)
