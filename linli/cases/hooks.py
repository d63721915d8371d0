"""The case page's one door for the apps above cases (README.md, "Hooks").

cases imports nothing from the apps above it (meetings, patrols, …). An app that owns a part of the case page — the
meetings app owns the whistle meeting (the meeting step of 吹哨报到) and its resolutions — registers a CasePanel here
from its AppConfig.ready():

- `context(page)` returns what the part adds to the case page's context; a "forms" dict joins the page's action
  forms (and so "What you can do"), the rest joins the template's context (cases/detail.html renders it).
- `actions`: (route under cases/<int:pk>/, URL name in the "cases" namespace, handler). cases/urls.py mounts each;
  the view (views.case.panel_view) finds the case in the caller's scope and calls
  `handler(request, scope, case, **url_kwargs)`, which returns a response, or raises ShowAgain(bound forms) to have
  the case page shown again with those forms and their errors (400).

URLs are mounted when linli.cases.urls is first imported, which Django does after every AppConfig.ready().
"""

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class CasePage:
    """What a panel is given to build its part of one case page."""

    request: object
    scope: object
    case: object
    handler: bool  # the caller sees the case as one of its handlers (not only as its reporter)
    bound: dict  # forms bound to a refused POST, by name


class ShowAgain(Exception):
    """Raised by a panel's action handler: show the case page again with these bound forms (status 400)."""

    def __init__(self, bound: dict):
        super().__init__("show the case page again")
        self.bound = bound


@dataclass(frozen=True)
class CasePanel:
    name: str
    context: Callable[[CasePage], dict]
    actions: tuple = ()  # (route, URL name, handler)


case_page_panels: list[CasePanel] = []


def register(panel: CasePanel) -> None:
    """Add (or, registered again under its name, replace) a part of the case page."""
    for i, p in enumerate(case_page_panels):
        if p.name == panel.name:
            case_page_panels[i] = panel
            return
    case_page_panels.append(panel)
