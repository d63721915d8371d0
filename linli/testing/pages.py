"""Helpers for the apps' page tests."""

import re


def two_pages(client, url: str, pattern: str, params: dict | None = None) -> tuple[list, list]:
    """What `pattern` finds on page 1 and on page 2 of a list that pages (portal/_pager.html), each page asserted
    to carry the pager ("第 n 页，共 2 页")."""
    found = []
    for n in (1, 2):
        html = client.get(url, {**(params or {}), **({"page": n} if n > 1 else {})}).content.decode()
        assert f"第 {n} 页，共 2 页" in html, f"{url}: page {n} of 2 has no pager"
        found.append(re.findall(pattern, html))
    return found[0], found[1]


def has_pager(client, url: str, params: dict | None = None) -> bool:
    return "第 1 页" in client.get(url, params or {}).content.decode()
