"""Tags the grid-work templates share: which tabs the viewer may open."""

from django import template

from linli.people.scopes import for_request

from ..views._common import _may_see_ranking

register = template.Library()


@register.simple_tag(takes_context=True)
def may_see_leaders(context) -> bool:
    """The 楼栋长 tab shows only to those the leaders' ranking opens for."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    return _may_see_ranking(for_request(request))
