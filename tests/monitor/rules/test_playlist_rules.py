"""RFC 8216 / rfc8216bis rules across reloads, on scripted snapshots (injected times)."""

from __future__ import annotations

from dataclasses import replace

from monitor.records import EndpointState, Severity
from monitor.rules.playlist import suspicion
from tests.monitor.helpers import request, snap
from tests.monitor.rules.harness import Driver
from tests.monitor.rules.text import Seg, media, names


def problems(alerts) -> list[str]:
    return [a.code for a in alerts if a.recovers is None]


def series(texts: list[str], step: float = 2.0):
    out, prev = [], None
    for k, text in enumerate(texts):
        prev = snap(step * k, 0, text=text, previous=prev)
        out.append(prev)
    return out


# ---- same-MSN identity: once per episode ----------------------------------------------------------------
def test_uri_changed_at_the_same_msn_is_one_alert_however_long_it_flips():
    texts = []
    for k in range(21):  # the newest segment's URI differs on every other reload: 42 flips
        texts += [media(k, names(k, 3)), media(k, [*names(k, 2), Seg(f"x{k + 2}.ts")])]
    got = problems(Driver().run(series(texts, step=1.0)))
    assert got == ["uri_changed_same_msn"]  # one ERROR (was 42)


def test_each_identity_attribute_of_the_strictest_player():
    base = names(0, 3)
    for changed in (
        replace(base[1], duration=1.5),
        replace(base[1], gap=True),
        replace(base[1], key="AES-128"),
        replace(base[1], byterange="100@0"),
    ):
        alerts = Driver().run(series([media(0, base), media(0, [base[0], changed, base[2]])]))
        (alert,) = [a for a in alerts if a.code == "entry_changed_same_msn"]
        assert alert.msn == 1 and alert.severity == Severity.ERROR and alert.spec
    rounded = [replace(base[1], duration=2.0004)]  # a re-rounded EXTINF is the same segment
    assert Driver().run(series([media(0, base), media(0, [base[0], *rounded, base[2]])])) == []


# ---- discontinuity sequence ---------------------------------------------------------------------------------
def _disc(ms: int, dsn: int, tagged: int | None) -> str:
    """Segments ms..ms+2; ``tagged``: the msn carrying EXT-X-DISCONTINUITY (when still listed)."""
    segs = [Seg(f"s{n}.ts", discontinuity=n == tagged) for n in range(ms, ms + 3)]
    return media(ms, segs, dsn=dsn)


def _dsn_alerts(texts):
    out, prev = [], None
    for k, text in enumerate(texts):
        prev = snap(2.0 * k, 0, text=text, previous=prev)
        out.append(prev)
    return [a for a in Driver().run(out) if a.code == "discontinuity_sequence"]


def test_discontinuity_sequence_increments_when_the_tagged_segment_leaves():
    good = [_disc(0, 0, 2), _disc(1, 0, 2), _disc(2, 0, 2), _disc(3, 1, None), _disc(4, 1, None)]
    assert _dsn_alerts(good) == []
    (stuck,) = _dsn_alerts([_disc(2, 0, 2), _disc(3, 0, None), _disc(4, 0, None)])
    assert stuck.evidence["expected"] == 1 and "stayed" in stuck.message
    (early,) = _dsn_alerts([_disc(1, 0, 2), _disc(2, 1, 2)])
    assert "still listed" in early.message
    (jump,) = _dsn_alerts([_disc(3, 1, None), _disc(4, 5, None)])
    assert "jumped" in jump.message and jump.evidence["after"] == 5


def test_a_server_that_numbers_no_domain_is_not_held_to_the_increment():
    """nginx-rtmp tags the first fragment of each publish and never writes EXT-X-DISCONTINUITY-SEQUENCE."""
    texts = [
        media(k, [Seg(f"s{n}.ts", discontinuity=n == 0) for n in range(k, k + 3)], numbered=False) for k in range(4)
    ]
    assert Driver().run(series(texts)) == []


# ---- shrinking at the end, empty, types --------------------------------------------------------------------
def test_a_live_playlist_that_loses_its_newest_entry_is_suspect():
    full = snap(0.0, 10, 4)
    assert suspicion(full, snap(2.0, 10, 3, previous=full)) is not None  # same sequence, newest gone
    assert suspicion(full, snap(2.0, 11, 2, previous=full)) is not None  # advanced but the end went back
    assert suspicion(full, snap(2.0, 10, 4, previous=full).__class__(**{**vars(full), "segments": ()})) is not None
    assert suspicion(full, snap(2.0, 11, 4, previous=full)) is None
    assert suspicion(full, snap(2.0, 0, 2, previous=full)) is None  # went back: a restart or an old copy
    assert suspicion(None, full) is None


def test_vod_without_endlist_is_complete_not_stale():
    d = Driver()
    vod = media(0, names(0, 3), kind="VOD")
    for k in range(10):
        d.playlist(snap(2.0 * k, 0, text=vod, previous=d.last))
    assert d.state == EndpointState.ENDED and d.alerts == []
    changed = media(0, names(0, 4), kind="VOD")
    assert problems(d.playlist(snap(30.0, 0, text=changed, previous=d.last))) == ["vod_changed"]


def test_event_playlists_only_grow():
    texts = [media(0, names(0, k + 2), kind="EVENT") for k in range(4)]
    assert Driver().run(series(texts)) == []
    slid = media(1, names(1, 5), kind="EVENT")
    assert problems(Driver().run(series([*texts, slid]))) == ["event_not_growing"]


def test_parser_findings_become_alerts_and_clear():
    texts = [media(k, names(k, 3)) for k in range(40)]
    texts[1] = texts[1].replace("#EXTINF:2.000,\ns2.ts", "s2.ts")  # a URI line without EXTINF
    d = Driver()
    d.run(series(texts))
    codes = [a.code for a in d.alerts]
    assert codes[0] == "uri_without_extinf" and "uri_without_extinf_recovered" in codes


def test_empty_live_playlist_is_one_warning_not_a_stale_or_a_jump():
    texts = [media(0, names(0, 3)), *[media(k, []) for k in range(3, 8)]]
    alerts = Driver().run(series(texts))
    assert problems(alerts) == ["empty_live_playlist"]


# ---- GAP ---------------------------------------------------------------------------------------------------
def test_a_gap_segment_answering_404_is_no_error():
    d = Driver()
    d.run(series([media(0, [Seg("s0.ts"), Seg("s1.ts", gap=True), Seg("s2.ts")])]))
    assert d.segment(request(1.0, 404, msn=1), gap=True) == []
    assert problems(d.segment(request(1.5, 404, msn=2))) == ["segment_missing"]


# ---- LL-HLS --------------------------------------------------------------------------------------------------
def test_part_longer_than_part_target():
    ok = media(0, [Seg("s0.mp4", parts=(0.5, 0.5, 0.5, 0.5))], part_target=0.5, open_parts=(0.5,))
    long = media(0, [Seg("s0.mp4", parts=(0.5, 0.5, 0.5, 0.5))], part_target=0.5, open_parts=(0.5, 0.8))
    assert Driver().run(series([ok])) == []
    (alert,) = Driver().run(series([long]))
    assert alert.code == "part_duration" and alert.evidence["duration"] == 0.8


def test_preload_hint_must_be_the_next_part():
    first = media(0, [Seg("s0.mp4", parts=(0.5,) * 4)], part_target=0.5, open_parts=(0.5,), hint="open.1.mp4")
    kept = media(0, [Seg("s0.mp4", parts=(0.5,) * 4)], part_target=0.5, open_parts=(0.5, 0.5), hint="open.2.mp4")
    broken = media(0, [Seg("s0.mp4", parts=(0.5,) * 4)], part_target=0.5, open_parts=(0.5,), hint="x.mp4")
    broken = broken.replace('URI="open.0.mp4"', 'URI="other.mp4"')
    assert Driver().run(series([first, kept], step=0.5)) == []
    assert problems(Driver().run(series([first, broken], step=0.5))) == ["preload_hint_unfulfilled"]
