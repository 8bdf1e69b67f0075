"""Pure parts of lab part two: the CloudFront TTL table, VCL rendering, uploader/gateway/origin helpers."""

from __future__ import annotations

import email.utils
from pathlib import Path

import pytest

from lab.cdn import behaviour_vcl, invalidation_regex, render_vcl
from lab.cdn_policy import (
    CACHING_DISABLED,
    CACHING_OPTIMIZED,
    ELEMENTAL_MEDIAPACKAGE,
    edge_ttl,
    origin_max_age,
    policy_for_path,
)
from lab.delivery import list_size
from lab.ffmpeg_origin import FfmpegHlsSettings, hls_muxer_args
from lab.nms_origin import hls_flags
from lab.s3_gateway import rewrite_missing
from lab.scenarios import extinfs, media_sequence, predicted_duration, target_duration, uris
from lab.stack import LabConfig
from lab.static_http import nginx_etag, resolve
from lab.uploader import content_type, playlist_uris, upload_seconds

NOW = 1_800_000_000.0
DATE = email.utils.formatdate(NOW, usegmt=True)


def _expires(delta: float) -> dict[str, str]:
    return {"Date": DATE, "Expires": email.utils.formatdate(NOW + delta, usegmt=True)}


# (policy, status, origin headers) -> seconds fresh at the edge; None = not stored. servers.md §4.2, §4.4.
TABLE = [
    # CachingOptimized: min 1, default 86400, max 1 year
    (CACHING_OPTIMIZED, 200, {}, 86_400),  # nginx without add_header, S3 without metadata: frozen 24 h
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "no-cache"}, 1),  # nginx README: still cached for MinTTL
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "no-store"}, 1),
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "private, max-age=60"}, 1),
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "public, max-age=0"}, 1),  # NMS / Express
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "max-age=5"}, 5),
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "max-age=5, s-maxage=2"}, 2),  # s-maxage wins
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "max-age=99999999999"}, 31_536_000),  # clamped to max
    (CACHING_OPTIMIZED, 200, _expires(30), 30),
    (CACHING_OPTIMIZED, 200, {"Cache-Control": "max-age=7", **_expires(30)}, 7),  # max-age beats Expires
    (CACHING_OPTIMIZED, 200, _expires(-30), 1),  # already expired: MinTTL
    # CachingDisabled: nothing is stored, whatever the origin says
    (CACHING_DISABLED, 200, {}, None),
    (CACHING_DISABLED, 200, {"Cache-Control": "max-age=600"}, None),
    (CACHING_DISABLED, 404, {}, None),
    # Elemental-MediaPackage: min 0 honours no-cache; max-age=0 is stored but always revalidated
    (ELEMENTAL_MEDIAPACKAGE, 200, {}, 86_400),
    (ELEMENTAL_MEDIAPACKAGE, 200, {"Cache-Control": "no-cache"}, None),
    (ELEMENTAL_MEDIAPACKAGE, 200, {"Cache-Control": "public, max-age=0"}, 0),
    (ELEMENTAL_MEDIAPACKAGE, 200, {"Cache-Control": "max-age=3"}, 3),
    # errors: 404 & 5xx cached >= 10 s; 403 only with max-age
    (CACHING_OPTIMIZED, 404, {}, 10),
    (CACHING_OPTIMIZED, 404, {"Cache-Control": "max-age=60"}, 60),
    (CACHING_OPTIMIZED, 404, {"Cache-Control": "max-age=2"}, 10),
    (CACHING_OPTIMIZED, 503, {}, 10),
    (CACHING_OPTIMIZED, 403, {}, None),
    (CACHING_OPTIMIZED, 403, {"Cache-Control": "max-age=4"}, 4),
    (ELEMENTAL_MEDIAPACKAGE, 404, {}, 10),
    (CACHING_OPTIMIZED, 410, {}, None),
]


@pytest.mark.parametrize(("policy", "status", "headers", "expected"), TABLE)
def test_edge_ttl_table(policy, status, headers, expected):
    assert edge_ttl(policy, status, headers, now=NOW) == expected


def test_header_names_are_case_insensitive():
    assert edge_ttl(CACHING_OPTIMIZED, 200, {"cache-control": "MAX-AGE=9"}) == 9


def test_max_age_is_not_read_from_s_maxage():
    assert origin_max_age({"Cache-Control": "s-maxage=3"}) == 3
    assert origin_max_age({"Cache-Control": "public"}) is None


@pytest.mark.parametrize(
    ("distribution", "path", "expected"),
    [
        ("tutorial-fix", "/live/test/index.m3u8", "caching-disabled"),
        ("tutorial-fix", "/live/test/index.m3u8?token=1", "caching-disabled"),
        ("tutorial-fix", "/live/test/index0.ts", "elemental-mediapackage"),
        ("caching-optimized", "/hls/test.m3u8", "caching-optimized"),
        ("elemental-mediapackage", "/a.ts", "elemental-mediapackage"),
    ],
)
def test_behaviour_by_path(distribution, path, expected):
    assert policy_for_path(distribution, path).name == expected


def test_unknown_policy_is_refused():
    with pytest.raises(ValueError, match="unknown CDN policy"):
        policy_for_path("caching-sometimes", "/x")


def test_vcl_carries_the_policy_numbers():
    vcl = render_vcl("tutorial-fix", 8080, pop="FRA56-P1", via_id="abc")
    assert '.port = "8080";' in vcl
    assert 'set req.http.X-Cf-Policy = "caching-disabled";' in vcl
    assert 'set req.http.X-Cf-Max = "31536000";' in vcl
    assert 'set resp.http.X-Amz-Cf-Pop = "FRA56-P1";' in vcl
    assert "1.1 abc.cloudfront.net (CloudFront)" in vcl
    assert "@@" not in vcl
    optimized = behaviour_vcl("caching-optimized")
    assert 'X-Cf-Min = "1"' in optimized and 'X-Cf-Default = "86400"' in optimized


def test_uploader_helpers():
    assert upload_seconds(125_000, 1000) == pytest.approx(1.0)
    assert upload_seconds(125_000, 0) == 0
    assert content_type("videos/test/index.m3u8") == "application/vnd.apple.mpegurl"
    assert content_type("index3.ts") == "video/mp2t"
    text = "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:4\n#EXTINF:1.0,\nindex4.ts\n#EXTINF:1.0,\nindex5.ts\n"
    assert playlist_uris(text) == ["index4.ts", "index5.ts"]


def test_gateway_turns_missing_keys_into_403_without_list_permission():
    body = b"<Error><Code>NoSuchKey</Code></Error>"
    assert rewrite_missing(404, body, list_permission=False)
    assert not rewrite_missing(404, body, list_permission=True)
    assert not rewrite_missing(404, b"<Error><Code>NoSuchBucket</Code></Error>", list_permission=False)
    assert not rewrite_missing(200, b"", list_permission=False)


def test_origin_settings_follow_the_lab_config():
    assert list_size(LabConfig(fragment_s=2, playlist_length_s=10)) == 5
    assert list_size(LabConfig(fragment_s=3, playlist_length_s=5)) == 1  # the tutorial's nginx numbers
    assert hls_flags(1, 3) == "[hls_time=1:hls_list_size=3:hls_flags=delete_segments]"
    args = hls_muxer_args(FfmpegHlsSettings(hls_time=2, list_size=4, delete_threshold=5), Path("/o"))
    assert args[:5] == ["-f", "hls", "-hls_time", "2", "-hls_list_size"]
    assert "-hls_delete_threshold" in args and args[args.index("-hls_delete_threshold") + 1] == "5"
    assert args[-1] == "/o/index.m3u8"
    no_delete = hls_muxer_args(FfmpegHlsSettings(delete_segments=False), Path("/o"))
    assert "delete_segments" not in no_delete


def test_static_server_paths_and_etag(tmp_path):
    root = tmp_path.resolve()
    assert resolve(root, "/live/a.ts?x=1") == root / "live" / "a.ts"
    assert resolve(root, "/../etc/passwd") in (None, root / "etc" / "passwd")
    assert nginx_etag(0x5F5E1000, 0x2A) == '"5f5e1000-2a"'


def test_playlist_parsing_helpers():
    text = "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:3.000,\na.ts\n#EXTINF:2.5,\nb.ts\n"
    assert media_sequence(text) == 7
    assert target_duration(text) == 3
    assert extinfs(text) == [3.0, 2.5]
    assert uris(text) == ["a.ts", "b.ts"]


@pytest.mark.parametrize(
    ("origin", "fragment", "keyint", "expected"),
    [("nginx", 1, 3, 3), ("nginx", 4, 3, 6), ("nginx", 2, 1, 2), ("nms", 1, 3, 3), ("ffmpeg", 2, 1, 2)],
)
def test_predicted_segment_duration(origin, fragment, keyint, expected):
    assert predicted_duration(origin, fragment, keyint) == expected


def test_invalidation_paths():
    assert invalidation_regex("/live/*") == "^/live/"
    assert invalidation_regex("/live/test/index.m3u8") == r"^/live/test/index\.m3u8$"
    with pytest.raises(ValueError):
        invalidation_regex("/live/*/index.m3u8")
    with pytest.raises(ValueError):
        invalidation_regex("live/index.m3u8")
