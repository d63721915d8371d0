"""The public disclosure page: no sign-in, the community's teams and channels, no personal data."""

import datetime

from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from linli.places.models import Community

from .. import queries
from ..models import Volunteer, Wish


def public(request, community_id):
    """No sign-in: the community's volunteer teams and the channels residents can use. No personal data."""
    community = get_object_or_404(Community, pk=community_id)
    wish_counts = {s: Wish.objects.filter(community=community, status=s).count() for s in (Wish.Status.OPEN, Wish.Status.THANKED)}
    return render(request, "volunteers/public.html", {
        "community": community, "teams": queries.public_teams(community),
        "volunteer_count": Volunteer.objects.filter(community=community, status=Volunteer.Status.APPROVED).count(),
        "menu": queries.service_menu(community),
        "activities": queries.upcoming(community).filter(starts_at__gte=timezone.now() - datetime.timedelta(hours=12))[:10],
        "open_wishes": wish_counts[Wish.Status.OPEN], "thanked_wishes": wish_counts[Wish.Status.THANKED]})
