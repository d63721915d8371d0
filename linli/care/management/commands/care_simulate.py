"""`linli care simulate` (or `linli care-simulate`): N of a station's devices send heartbeats and alarms over HTTP
and DC-09 to a running `linli serve` and `linli care-receiver`; prints what was acknowledged."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from linli.care.models import Device, Gateway
from linli.care.simulate import Dc09Sender, HttpSender


class Command(BaseCommand):
    help = "Simulate alarm devices: heartbeats and alarms over HTTP and SIA DC-09."

    def add_arguments(self, parser):
        parser.add_argument("--devices", type=int, default=50)
        parser.add_argument("--alarms", type=int, default=5)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--http-port", type=int, default=8000)
        parser.add_argument("--dc09-port", type=int, default=0, help="0: no DC-09 traffic")
        parser.add_argument("--gateway", default="", help="gateway key (default: the first)")

    def handle(self, devices, alarms, host, http_port, dc09_port, gateway, **options):
        gw = Gateway.objects.filter(key=gateway).first() if gateway else Gateway.objects.order_by("pk").first()
        if gw is None:
            raise CommandError("no gateway: build the demo first (linli demo) or pass --gateway")
        serials = list(Device.objects.filter(gateway=gw, status="active").values_list("serial", flat=True)[:devices])
        http = HttpSender(host, http_port, gw.key, gw.secret)
        t0 = time.time()
        beats = sum(http.heartbeat(s, random.randint(20, 100)) == 200 for s in serials)
        sent = [http.alarm(random.choice(serials), random.choice(["sos", "fall", "smoke"])) for _ in range(min(alarms, len(serials)))]
        self.stdout.write(f"HTTP: {beats}/{len(serials)} heartbeats, {sum(s.acked_at is not None for s in sent)}/{len(sent)} alarms acknowledged "
                          f"in {time.time() - t0:.1f} s")
        if dc09_port:
            accounts = list(Device.objects.exclude(dc09_account="").values_list("dc09_account", flat=True)[:devices])
            sender = Dc09Sender(host, dc09_port)
            try:
                replies = [sender.send(a, "NULL") for a in accounts]
                replies += [sender.send(random.choice(accounts)) for _ in range(min(alarms, len(accounts)))]
            finally:
                sender.close()
            self.stdout.write(f"DC-09: {replies.count('ACK')}/{len(replies)} acknowledged")
