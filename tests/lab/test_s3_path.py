"""The S3 path: moto answers like S3 (404/403 for deleted objects), and the tutorial's uploader lists
segments in the bucket before they can be downloaded while the ordered one never does."""

from __future__ import annotations

import pytest
import requests

from lab.nms_origin import nms_available
from lab.s3 import S3Store, moto_server_path
from lab.scenarios import observe_race

pytestmark = [
    pytest.mark.lab,
    pytest.mark.skipif(moto_server_path() is None, reason="moto_server not installed"),
]

ORIGIN = "nms" if nms_available() is None else "ffmpeg"
SMALL = {"size": (320, 180), "fps": 15, "bitrate_kbps": 300, "fragment_s": 1.0, "playlist_length_s": 3.0}


@pytest.mark.parametrize(
    ("list_permission", "status", "code"), [(True, 404, "NoSuchKey"), (False, 403, "AccessDenied")]
)
def test_deleted_object_answers_like_s3(tmp_path, list_permission, status, code):
    with S3Store(tmp_path, list_permission=list_permission) as store:
        client = store.client()
        client.put_object(Bucket=store.bucket, Key="videos/test/index0.ts", Body=b"ts" * 100, ContentType="video/mp2t")
        url = store.public_url("videos/test/index0.ts")
        ok = requests.get(url, timeout=3)
        assert ok.status_code == 200 and ok.headers["Content-Type"] == "video/mp2t"
        assert ok.headers["Server"] == "AmazonS3" and ok.headers["x-amz-request-id"]
        assert requests.get(url, headers={"If-None-Match": ok.headers["ETag"]}, timeout=3).status_code == 304
        client.delete_object(Bucket=store.bucket, Key="videos/test/index0.ts")
        gone = requests.get(url, timeout=3)
        assert gone.status_code == status and code in gone.text


def test_tutorial_uploader_lists_segments_before_they_are_uploaded(start_lab):
    lab = start_lab(origin=ORIGIN, s3="tutorial", s3_uplink_kbps=300, **SMALL)
    observed = observe_race(lab, 6.0)
    missing = [o for o in observed if o.status != 200]
    truncated = [o for o in observed if o.status == 200 and o.origin_size and o.size < o.origin_size]
    assert observed, "the bucket never listed a segment"
    assert missing or truncated, observed
    assert {o.status for o in missing} <= {403, 404}
    assert any(o.downloadable_after_ms for o in missing), "a missing segment should arrive later"


def test_ordered_uploader_never_lists_a_missing_segment(start_lab):
    lab = start_lab(origin=ORIGIN, s3="ordered", s3_uplink_kbps=300, s3_list_permission=False, **SMALL)
    observed = observe_race(lab, 6.0)
    assert len(observed) >= 3
    assert [o for o in observed if o.status != 200] == []
    assert [o for o in observed if o.origin_size and o.size < o.origin_size] == []
