from django.conf import settings


def site(request):
    return {
        "LINLI_TILE_URL": settings.LINLI_TILE_URL,
        "LINLI_TILE_ATTRIBUTION": settings.LINLI_TILE_ATTRIBUTION,
    }
