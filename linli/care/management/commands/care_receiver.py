from django.core.management.base import BaseCommand

from linli.care.receiver import serve


class Command(BaseCommand):
    help = "Receive SIA DC-09 alarm frames over TCP (ACK only after the alarm is committed)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="0.0.0.0")
        parser.add_argument("--port", type=int, default=7700)

    def handle(self, host, port, **options):
        server = serve(host, port)
        self.stdout.write(f"DC-09 receiver listening on {host}:{server.server_address[1]}", ending="\n")
        self.stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
