"""The real Varnish edge against a scripted origin: headers, TTLs and revalidation match the policy table.

The origin is a small HTTP server in this process whose paths choose the origin headers
(``/<case>/<file>``) and whose bodies change when a test bumps their version; every expectation is also
checked against ``lab.cdn_policy.edge_ttl`` so the VCL and the Python table cannot drift apart.
"""

from __future__ import annotations

import email.utils
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from lab.cdn import CdnEdge, varnish_available
from lab.cdn_policy import edge_ttl, policy_for_path

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(varnish_available() is not None, reason="varnishd not installed"),
]

CASES: dict[str, dict[str, str]] = {
    "none": {},
    "nocache": {"Cache-Control": "no-cache"},
    "maxage0": {"Cache-Control": "public, max-age=0"},
    "maxage1": {"Cache-Control": "max-age=1"},
    "smaxage1": {"Cache-Control": "max-age=600, s-maxage=1"},
}


class ScriptedOrigin:
    """``/<case>/<name>`` → body ``<path> v<version>`` with the case's headers, ETag and Last-Modified."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.missing: set[str] = set()
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                origin.requests.append((self.path, self.headers.get("If-None-Match")))
                case = self.path.strip("/").split("/", 1)[0]
                if self.path in origin.missing or case not in CASES:
                    self._reply(404, b"missing\n", {})
                    return
                version = origin.versions.get(self.path, 1)
                etag = f'"v{version}"'
                headers = {**CASES[case], "ETag": etag,
                           "Last-Modified": email.utils.formatdate(1_700_000_000 + version, usegmt=True)}  # fmt: skip
                if self.headers.get("If-None-Match") == etag:
                    self._reply(304, b"", headers)
                    return
                self._reply(200, f"{self.path} v{version}\n".encode(), headers)

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bump(self, path: str) -> None:
        self.versions[path] = self.versions.get(path, 1) + 1

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origin() -> Iterator[ScriptedOrigin]:
    server = ScriptedOrigin()
    yield server
    server.close()


@pytest.fixture(scope="module")
def edges(origin: ScriptedOrigin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, CdnEdge]]:
    workdir = tmp_path_factory.mktemp("cdn")
    started: dict[str, CdnEdge] = {}
    try:
        for policy in ("caching-optimized", "elemental-mediapackage", "tutorial-fix", "caching-disabled"):
            started[policy] = CdnEdge(workdir, origin.port, policy, pop="TST1-P1").start()
        yield started
    finally:
        for edge in started.values():
            edge.stop()


_counter = iter(range(10_000))


def unique(case: str, ext: str = "ts") -> str:
    """A fresh path per test, so tests sharing an edge never see each other's cache entries."""
    return f"/{case}/f{next(_counter)}.{ext}"


def get(edge: CdnEdge, path: str) -> requests.Response:
    return requests.get(edge.base_url + path, timeout=5)


def expected_ttl(policy: str, path: str, case: str, status: int = 200) -> float | None:
    return edge_ttl(policy_for_path(policy, path), status, CASES.get(case, {}))


def test_cloudfront_headers(edges):
    edge = edges["caching-optimized"]
    path = unique("none")
    first, second = get(edge, path), get(edge, path)
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    for resp in (first, second):
        assert re.fullmatch(r"1\.1 [0-9a-f]+\.cloudfront\.net \(CloudFront\)", resp.headers["Via"])
        assert resp.headers["X-Amz-Cf-Pop"] == "TST1-P1"
        assert resp.headers["X-Amz-Cf-Id"]
        assert int(resp.headers["Age"]) >= 0
        assert "X-Varnish" not in resp.headers
        assert resp.headers["ETag"] == '"v1"'  # origin headers pass through


def test_playlist_without_cache_control_is_frozen_under_caching_optimized(edges, origin):
    edge = edges["caching-optimized"]
    path = unique("none", "m3u8")
    assert expected_ttl("caching-optimized", path, "none") == 86_400
    assert get(edge, path).text.endswith("v1\n")
    origin.bump(path)
    time.sleep(2.2)
    stale = get(edge, path)
    assert stale.headers["X-Cache"] == "Hit from cloudfront"
    assert stale.text.endswith("v1\n"), "the edge must keep the old playlist for the 24 h DefaultTTL"
    assert int(stale.headers["Age"]) >= 2


def test_no_cache_is_still_cached_for_the_one_second_minimum(edges, origin):
    edge = edges["caching-optimized"]
    path = unique("nocache", "m3u8")
    assert expected_ttl("caching-optimized", path, "nocache") == 1
    get(edge, path)
    origin.bump(path)
    held = get(edge, path)
    assert held.headers["X-Cache"] == "Hit from cloudfront" and held.text.endswith("v1\n")
    time.sleep(1.3)
    fresh = get(edge, path)
    assert fresh.text.endswith("v2\n")
    assert fresh.headers["X-Cache"] == "Miss from cloudfront"  # changed at the origin: a full 200


def test_unchanged_object_is_revalidated_as_refresh_hit(edges, origin):
    edge = edges["caching-optimized"]
    path = unique("maxage1")
    assert expected_ttl("caching-optimized", path, "maxage1") == 1
    get(edge, path)
    time.sleep(1.3)
    before = len(origin.requests)
    refreshed = get(edge, path)
    assert refreshed.headers["X-Cache"] == "RefreshHit from cloudfront"
    assert refreshed.headers["Age"] == "0"
    assert origin.requests[before:] == [(path, '"v1"')], "revalidation must send If-None-Match"


def test_s_maxage_wins_over_max_age(edges, origin):
    edge = edges["caching-optimized"]
    path = unique("smaxage1")
    assert expected_ttl("caching-optimized", path, "smaxage1") == 1
    get(edge, path)
    origin.bump(path)
    time.sleep(1.3)
    assert get(edge, path).text.endswith("v2\n")


def test_elemental_honours_no_cache_and_revalidates_max_age_zero(edges, origin):
    edge = edges["elemental-mediapackage"]
    nocache = unique("nocache")
    assert expected_ttl("elemental-mediapackage", nocache, "nocache") is None
    assert [get(edge, nocache).headers["X-Cache"] for _ in range(2)] == ["Miss from cloudfront"] * 2
    zero = unique("maxage0")
    assert expected_ttl("elemental-mediapackage", zero, "maxage0") == 0
    assert get(edge, zero).headers["X-Cache"] == "Miss from cloudfront"
    assert get(edge, zero).headers["X-Cache"] == "RefreshHit from cloudfront"
    origin.bump(zero)
    assert get(edge, zero).text.endswith("v2\n")
    nocc = unique("none")
    get(edge, nocc)
    assert get(edge, nocc).headers["X-Cache"] == "Hit from cloudfront"


def test_tutorial_fix_playlists_fresh_segments_cached(edges, origin):
    edge = edges["tutorial-fix"]
    playlist, segment = unique("none", "m3u8"), unique("none", "ts")
    assert expected_ttl("tutorial-fix", playlist, "none") is None
    assert expected_ttl("tutorial-fix", segment, "none") == 86_400
    get(edge, playlist)
    origin.bump(playlist)
    again = get(edge, playlist)
    assert again.headers["X-Cache"] == "Miss from cloudfront" and again.text.endswith("v2\n")
    get(edge, segment)
    origin.bump(segment)
    cached = get(edge, segment)
    assert cached.headers["X-Cache"] == "Hit from cloudfront" and cached.text.endswith("v1\n")


def test_caching_disabled_never_stores(edges, origin):
    edge = edges["caching-disabled"]
    path = unique("none")
    get(edge, path)
    origin.bump(path)
    again = get(edge, path)
    assert again.headers["X-Cache"] == "Miss from cloudfront" and again.text.endswith("v2\n")


def test_404_is_cached_for_ten_seconds(edges, origin):
    path = unique("none")
    origin.missing.add(path)
    optimized, disabled = edges["caching-optimized"], edges["caching-disabled"]
    assert expected_ttl("caching-optimized", path, "none", status=404) == 10
    assert get(optimized, path).status_code == 404
    assert get(disabled, path).status_code == 404
    origin.missing.discard(path)  # the segment appears at the origin
    cached = get(optimized, path)
    assert cached.status_code == 404 and cached.headers["X-Cache"] == "Error from cloudfront"
    assert get(disabled, path).status_code == 200


def test_invalidation_drops_cached_copies(edges, origin):
    edge = edges["caching-optimized"]
    folder = f"/none/inv{next(_counter)}"
    playlist, segment, other = folder + "/index.m3u8", folder + "/index0.ts", unique("none")
    for path in (playlist, segment, other):
        get(edge, path)
        origin.bump(path)
    edge.invalidate(folder + "/*")
    assert get(edge, playlist).text.endswith("v2\n")
    assert get(edge, segment).text.endswith("v2\n")
    assert get(edge, other).text.endswith("v1\n"), "only the invalidated paths are refetched"
    edge.invalidate(other)
    assert get(edge, other).text.endswith("v2\n")
