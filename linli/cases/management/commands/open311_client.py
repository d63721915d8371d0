"""`open311_client NAME [--account USERNAME]`: register an Open311 client; its api_key is printed once."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from linli.cases.open311 import create_client
from linli.people.models import Account


class Command(BaseCommand):
    help = "Register a program that may post Open311 requests and print its api_key (only its hash is stored: keep it now)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the program's name (shown in the admin)")
        parser.add_argument("--account", default="", help="username of the account responsible for the client")

    def handle(self, *args, name, account, **options):
        owner = None
        if account:
            owner = Account.objects.filter(username=account).first()
            if owner is None:
                raise CommandError(f"No account named {account!r}.")
        try:
            client, key = create_client(name, owner)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        self.stderr.write(f"Open311 client #{client.pk} {client.name!r} created. Send the key as the api_key parameter "
                          "of POST /open311/v2/requests.json; it is shown only now.")
        self.stdout.write(key)
