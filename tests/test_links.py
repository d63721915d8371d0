"""Issue 14, fix 10: every link a person is shown leads somewhere they may go — and says so in Chinese.

A small crawler signs in as a resident, a volunteer team lead, a volunteer, a building leader and subdistrict staff
(the test world of linli/testing/world.py plus a little of each app: an activity, a team, a council matter, leaders'
duties), starts from their home and the apps' front pages, and follows every same-origin link two levels deep (GET
only; sign-out, exports, PDFs and downloads skipped). No link may answer 403, 404 or 500; a redirect must land on a
page that answers 200. Every page reached is read as a person reads it in the default language (zh-Hans): its text
and the attributes a screen reader speaks; no English words may be left in it beyond the names of formats and
standards (a string never extracted into a catalogue, or untranslated, shows there).
"""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.utils import timezone

from linli.core import roles
from linli.people import services as people
from linli.people.scopes import resolve, system
from linli.testing.world import PASSWORD

pytestmark = pytest.mark.django_db

STARTS = ["/", "/cases/", "/meetings/", "/patrols/", "/volunteers/"]
DEPTH = 2
SKIP = re.compile(r"(logout|sign-?out|export|\.pdf|\.xlsx|\.csv|/download|/admin/|/static/|/media/|/api/|/open311/|/i18n/)", re.I)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


class _Text(HTMLParser):
    """What a person reads: text outside <script>/<style>, and the placeholder, title, aria-label and alt attributes."""

    SPOKEN = ("placeholder", "title", "aria-label", "alt")

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1
        self.parts += [v for k, v in attrs if k in self.SPOKEN and v]

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


# Latin words a Chinese page may show: the language switch, names of formats, standards and the product.
LATIN_ALLOWED = {"English", "linli", "Open311", "API", "PDF", "Excel", "CSV", "JSON", "HTTP", "HTTPS", "OpenStreetMap",
                 "Leaflet", "SLA", "WGS84", "GCJ", "docs", "rates", "xlsx", "csv", "pdf", "md", "JPEG", "PNG", "WebP", "iCalendar"}


def english_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    text = re.sub(r"https?://\S+|[\w.+-]+@[\w.-]+|\b[\w-]+\.(?:xlsx|csv|pdf|md|json)\b", " ", text)
    return {w for w in re.findall(r"[A-Za-z][A-Za-z0-9']{2,}", text) if w not in LATIN_ALLOWED}


def _links(base: str, html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    out = []
    for href in parser.hrefs:
        if href.startswith(("mailto:", "tel:", "javascript:", "#")):
            continue
        url = urldefrag(urljoin("http://testserver" + base, href))[0]
        parts = urlsplit(url)
        if parts.netloc != "testserver" or SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def crawl(client, starts=STARTS, depth=DEPTH, limit=400):
    """(seen, bad, english): {url: status} of every page reached, the links that answered neither 200 nor a redirect
    to 200 as (page, link, status), and {page: English words left in it}. Start pages a role does not have (404/403
    on an app's front page is no link's fault) are left out unless something links to them."""
    seen, bad, english = {}, [], {}
    frontier = [(u, None) for u in starts]
    for level in range(depth + 1):
        nxt = []
        for url, parent in frontier:
            if url in seen or len(seen) >= limit:
                continue
            r = client.get(url)
            status = r.status_code
            final = url
            hops = 0
            while status in (301, 302) and hops < 5:
                final = r.url
                r = client.get(final)
                status, hops = r.status_code, hops + 1
            seen[url] = status
            if status != 200:
                if parent is not None:
                    bad.append((parent, url, status))
                continue
            if "text/html" in r.get("Content-Type", "") and (words := english_words(r.content.decode())):
                english[final] = sorted(words)
            if level < depth and "text/html" in r.get("Content-Type", ""):
                nxt.extend((link, final) for link in _links(final, r.content.decode()) if link not in seen)
        frontier = nxt
    return seen, bad, english


def _as(client, key):
    client.logout()
    assert client.login(username=key, password=PASSWORD)
    return client


@pytest.fixture
def town(world):
    """The test world with something in each app to link to."""
    from linli.meetings import services as meetings
    from linli.patrols import services as patrols
    from linli.volunteers import services as volunteers

    s = system()
    staff = resolve(world.accounts["community_staff"])
    # a volunteer team lead who is an approved volunteer too, and an approved volunteer
    lead = people.register_person(s, community=world.a, name="卢队长", phone="13900007777")
    people.appoint(s, lead, roles.VOLUNTEER_TEAM_LEAD, world.a, starts_on=datetime.date(2020, 1, 1))
    people.create_account(lead, "team_lead", PASSWORD)
    lead_v = volunteers.decide(staff, volunteers.register(s, person=lead, skills="理发"), approve=True)
    vol = volunteers.decide(staff, volunteers.register(resolve(world.accounts["resident"]), person=world.persons["a1"], skills="剪纸"),
                            approve=True)
    volunteers.create_team(staff, world.a, name="邻里互助志愿服务队", lead=lead_v, services="理发", channel="社区服务站")
    now = timezone.now()
    act = volunteers.create_activity(staff, world.a, title="义诊进社区", place="社区广场", starts_at=now + datetime.timedelta(days=1),
                                     ends_at=now + datetime.timedelta(days=1, hours=2), capacity=5, points_per_hour=10, kind="clinic")
    volunteers.sign_up(resolve(world.accounts["resident"]), act)
    # a second building leader, so the ranking names someone else
    other = people.register_person(s, community=world.a, name="秦楼长", phone="13900007778")
    people.appoint(s, other, roles.BUILDING_LEADER, world.buildings["A2"], starts_on=datetime.date(2020, 1, 1))
    patrols.seed_point_rules(world.a, timezone.localdate())
    patrols.generate_duties(world.a, timezone.localdate().replace(day=1))
    # a council matter raised by the resident
    meetings.raise_matter(resolve(world.accounts["resident"]), title="楼道堆物清理", what="三楼楼道堆满杂物，影响通行")
    return world, vol


@pytest.mark.parametrize("key", ["resident", "team_lead", "building_leader", "grid_worker", "subdistrict_staff"])
def test_every_link_a_person_is_shown_opens(client, town, key):
    _as(client, key)
    seen, bad, english = crawl(client)
    assert len(seen) > 10, seen
    assert not bad, "\n".join(f"{parent} → {url}: {status}" for parent, url, status in bad)
    english = {url: words for url, words in english.items() if set(words) - {key, *key.split("_")}}  # the test accounts' usernames
    assert not english, "\n".join(f"{url}: {' '.join(words)}" for url, words in english.items())
