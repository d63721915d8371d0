"""The HTTP endpoint for vendor gateways: one signed JSON event per POST; the answer comes after the commit."""

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .. import services


@csrf_exempt  # a program signing with its gateway secret, not a browser session
@require_POST
def gateway_events(request):
    status, answer = services.receive_http(
        request.body, gateway_key=request.headers.get("X-Linli-Gateway", ""), timestamp=request.headers.get("X-Linli-Timestamp", ""),
        signature=request.headers.get("X-Linli-Signature", ""), peer=request.META.get("REMOTE_ADDR", ""))
    return JsonResponse(answer, status=status)
