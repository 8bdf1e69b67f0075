"""Named failure scenarios of the lab, for tests, demos and benchmarks.

Each scenario adjusts the ``LabConfig`` it needs (printing every change), starts the lab, provokes the
failure on loopback with real traffic, prints what it shows and returns a ``ScenarioResult``
(``reproduced`` plus the measured facts). ``hlsmon lab --scenario NAME`` runs one; ``run_scenario()`` is
the API used by the tests.

``stale-playlist``      origin without Cache-Control behind CachingOptimized: the edge keeps the first
                        playlist it fetched for the 24 h DefaultTTL while the origin moves on.
``tutorial-fix``        the tutorial's fix (playlists CachingDisabled, segments Elemental-MediaPackage):
                        the edge playlist follows the origin, segments are still cached.
``restart-name-reuse``  the publisher restarts, NMS/ffmpeg start again at ``index0.ts``; the edge still
                        holds the previous session's ``index0.ts`` and serves its old bytes.
``s3-race``             the tutorial's uploader: the playlist in the bucket lists a segment whose upload has
                        not finished (403/404), or (nginx-rtmp) a truncated copy read while it grew.
``keyframe-mismatch``   GOP longer than the fragment: segments last a GOP, not ``hls_fragment``.
"""

from __future__ import annotations

import hashlib
import math
import re
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from lab.nms_origin import nms_available
from lab.stack import Lab, LabConfig

Say = Callable[[str], None]

_MEDIA_SEQ = re.compile(r"#EXT-X-MEDIA-SEQUENCE:\s*(\d+)")
_TARGET = re.compile(r"#EXT-X-TARGETDURATION:\s*(\d+)")
_EXTINF = re.compile(r"#EXTINF:\s*([0-9.]+)")


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    reproduced: bool
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    shows: str
    configure: Callable[[LabConfig, Say], LabConfig]
    run: Callable[[Lab, Say], ScenarioResult]


# ---- playlist and HTTP helpers --------------------------------------------------------------------
def media_sequence(text: str) -> int | None:
    match = _MEDIA_SEQ.search(text)
    return int(match.group(1)) if match else None


def target_duration(text: str) -> int | None:
    match = _TARGET.search(text)
    return int(match.group(1)) if match else None


def extinfs(text: str) -> list[float]:
    return [float(v) for v in _EXTINF.findall(text)]


def uris(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def resolve(playlist_url: str, uri: str) -> str:
    return urllib.parse.urljoin(playlist_url, uri)


@dataclass(frozen=True)
class Fetch:
    url: str
    status: int
    headers: dict[str, str]
    body: bytes
    t_mono: float

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    @property
    def x_cache(self) -> str:
        return self.headers.get("X-Cache", "-")

    @property
    def age(self) -> str:
        return self.headers.get("Age", "-")

    @property
    def md5(self) -> str:
        return hashlib.md5(self.body).hexdigest()[:12]


def fetch(session: requests.Session, url: str, timeout: float = 3.0) -> Fetch:
    resp = session.get(url, timeout=timeout)
    return Fetch(url, resp.status_code, dict(resp.headers), resp.content, time.monotonic())


def _sleep(seconds: float) -> None:
    time.sleep(max(0.0, seconds))


def _change(config: LabConfig, say: Say, why: str, **changes: Any) -> LabConfig:
    real = {k: v for k, v in changes.items() if getattr(config, k) != v}
    if real:
        say("scenario sets " + ", ".join(f"{k}={v}" for k, v in real.items()) + f" ({why})")
    return config.with_(**real) if real else config


def _source_url(lab: Lab) -> str:
    """What the edge fetches from: the S3 object if the S3 path is on, else the origin."""
    assert lab.delivery is not None
    return lab.delivery.s3_playlist_url or lab.origin_playlist_url


def _edge_url(lab: Lab) -> str:
    assert lab.delivery is not None and lab.delivery.edge_playlist_url is not None
    return lab.delivery.edge_playlist_url


def _no_cache_control(config: LabConfig, say: Say) -> LabConfig:
    """An origin path without Cache-Control: S3 objects for NMS (Express always sends max-age=0)."""
    if config.origin == "nms":
        if config.s3 == "off":
            why = (
                "NMS always sends 'public, max-age=0'; S3 objects carry no Cache-Control, as in the "
                "tutorial's NMS -> S3 -> CloudFront path"
            )
            return _change(config, say, why, s3="ordered")
        return config
    return _change(config, say, "origin without Cache-Control", cache_control=False)


# ---- stale-playlist -------------------------------------------------------------------------------
def configure_stale(config: LabConfig, say: Say) -> LabConfig:
    config = _change(config, say, "the policy under test", cdn_policy="caching-optimized")
    return _no_cache_control(config, say)


def run_stale(lab: Lab, say: Say) -> ScenarioResult:
    wait = max(4.0, 3 * lab.config.fragment_s + 1)
    with requests.Session() as s:
        first = fetch(s, _edge_url(lab))
        say(f"viewer GET {first.url}: {first.status} {first.x_cache}, MEDIA-SEQUENCE {media_sequence(first.text)}")
        say(f"waiting {wait:g} s while the origin cuts new segments ...")
        _sleep(wait)
        edge = fetch(s, _edge_url(lab))
        source = fetch(s, _source_url(lab))
        first_uri = resolve(edge.url, uris(edge.text)[0]) if uris(edge.text) else None
        seg = fetch(s, first_uri) if first_uri else None
    edge_seq, src_seq = media_sequence(edge.text), media_sequence(source.text)
    behind = (src_seq - edge_seq) if edge_seq is not None and src_seq is not None else None
    reproduced = edge.x_cache.startswith("Hit") and edge.body == first.body and bool(behind and behind > 0)
    say(f"edge   : MEDIA-SEQUENCE {edge_seq}, X-Cache '{edge.x_cache}', Age {edge.age} s (same bytes as the "
        f"first fetch: {edge.body == first.body})")  # fmt: skip
    say(f"source : MEDIA-SEQUENCE {src_seq} ({source.url}, Cache-Control "
        f"{source.headers.get('Cache-Control', 'none')})")  # fmt: skip
    if seg is not None:
        say(f"oldest segment the edge still lists: {seg.status} {seg.x_cache}")
    summary = (f"edge playlist frozen {behind} segment(s) behind the origin; CachingOptimized keeps it for the "
               f"86400 s DefaultTTL because the origin sends no Cache-Control" if reproduced else
               "the edge playlist followed the origin (not reproduced)")  # fmt: skip
    facts = {"edge_media_sequence": edge_seq, "origin_media_sequence": src_seq, "edge_x_cache": edge.x_cache,
             "edge_age": edge.age, "segment_status": seg.status if seg else None}  # fmt: skip
    return ScenarioResult("stale-playlist", reproduced, summary, facts)


# ---- tutorial-fix ---------------------------------------------------------------------------------
def configure_fix(config: LabConfig, say: Say) -> LabConfig:
    config = _change(config, say, "the tutorial's two behaviours", cdn_policy="tutorial-fix")
    return _no_cache_control(config, say)


def run_fix(lab: Lab, say: Say) -> ScenarioResult:
    rounds = 3
    lags: list[int] = []
    caches: list[str] = []
    with requests.Session() as s:
        for _ in range(rounds):
            edge = fetch(s, _edge_url(lab))
            source = fetch(s, _source_url(lab))
            lag = (media_sequence(source.text) or 0) - (media_sequence(edge.text) or 0)
            lags.append(lag)
            caches.append(edge.x_cache)
            say(f"playlist: edge MEDIA-SEQUENCE {media_sequence(edge.text)} ({edge.x_cache}), origin "
                f"{media_sequence(source.text)}")  # fmt: skip
            _sleep(max(1.0, lab.config.fragment_s))
        seg_url = resolve(edge.url, uris(edge.text)[-1])
        seg1, seg2 = fetch(s, seg_url), fetch(s, seg_url)
    say(f"segment {seg_url.rsplit('/', 1)[-1]}: first {seg1.x_cache}, then {seg2.x_cache} (Age {seg2.age} s)")
    playlist_fresh = all(c.startswith("Miss") for c in caches) and max(lags) <= 1
    reproduced = playlist_fresh and seg2.x_cache.startswith("Hit")
    summary = ("playlists go to the origin on every request (Miss, at most one segment behind because of "
               "request timing) and segments are cached (Hit); note that segments keep the 24 h DefaultTTL, "
               "so a restart that reuses names is still served stale (see restart-name-reuse)"
               if reproduced else "the fix did not behave as expected")  # fmt: skip
    facts = {"playlist_x_cache": caches, "lags": lags, "segment_x_cache": [seg1.x_cache, seg2.x_cache]}
    return ScenarioResult("tutorial-fix", reproduced, summary, facts)


# ---- restart-name-reuse ---------------------------------------------------------------------------
def configure_reuse(config: LabConfig, say: Say) -> LabConfig:
    if config.origin == "nginx":
        origin = "nms" if nms_available() is None else "ffmpeg"
        config = _change(config, say, "nginx-rtmp continues numbering after a quick restart; NMS and ffmpeg "
                         "restart at index0.ts", origin=origin)  # fmt: skip
    if config.cdn_policy == "none":
        config = _change(config, say, "an edge is needed", cdn_policy="caching-optimized")
    config = _no_cache_control(config, say)
    return _change(config, say, "a short window keeps the scenario short", playlist_length_s=3 * config.fragment_s)


def run_reuse(lab: Lab, say: Say) -> ScenarioResult:
    from lab.delivery import republish

    seg_name = "index0.ts"
    edge_seg = resolve(_edge_url(lab), seg_name)
    origin_file = lab.stream_dir / seg_name
    with requests.Session() as s:
        old = fetch(s, edge_seg)
        say(f"session 1: edge GET {seg_name}: {old.status} {old.x_cache}, md5 {old.md5}")
        restart_at = time.time()
        say("restarting the publisher (same stream key) ...")
        republish(lab, gap_s=1.5)
        new_bytes = _wait_new_file(origin_file, restart_at, timeout=20 + 4 * lab.config.keyint_s)
        if lab.delivery is not None and lab.delivery.s3 is not None and new_bytes is not None:
            _wait_until_served(s, resolve(_source_url(lab), seg_name), new_bytes, timeout=15)
        edge = fetch(s, edge_seg)
    new_md5 = hashlib.md5(new_bytes).hexdigest()[:12] if new_bytes is not None else None
    say(f"session 2: origin wrote a new {seg_name} (md5 {new_md5}); edge serves md5 {edge.md5} "
        f"({edge.x_cache}, Age {edge.age} s)")  # fmt: skip
    reproduced = new_bytes is not None and edge.body == old.body and edge.body != new_bytes
    summary = (
        f"the edge serves the previous session's {seg_name} after the restart: old and new video mixed "
        f"until the segment TTL ends"
        if reproduced
        else "the edge served the new bytes (not reproduced)"
    )
    facts = {"old_md5": old.md5, "new_md5": new_md5, "edge_md5": edge.md5, "edge_x_cache": edge.x_cache,
             "edge_age": edge.age}  # fmt: skip
    return ScenarioResult("restart-name-reuse", reproduced, summary, facts)


def _wait_new_file(path: Any, after: float, timeout: float) -> bytes | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if path.stat().st_mtime > after:
                time.sleep(0.05)
                return path.read_bytes()
        except OSError:
            pass
        time.sleep(0.05)
    return None


def _wait_until_served(session: requests.Session, url: str, body: bytes, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if session.get(url, timeout=2).content == body:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


# ---- s3-race --------------------------------------------------------------------------------------
def configure_race(config: LabConfig, say: Say) -> LabConfig:
    config = _change(config, say, "the tutorial's watcher", s3="tutorial")
    if config.s3_uplink_kbps == 0:
        config = _change(config, say, "a modelled uplink; on loopback uploads take no time",
                         s3_uplink_kbps=float(max(300, config.bitrate_kbps)))  # fmt: skip
    return config


@dataclass
class RaceObservation:
    uri: str
    status: int
    size: int
    origin_size: int | None
    downloadable_after_ms: float | None = None


def observe_race(lab: Lab, seconds: float, say: Say | None = None) -> list[RaceObservation]:
    """Poll the bucket's playlist; fetch each newly listed segment at once and compare with the origin."""
    assert lab.delivery is not None and lab.delivery.s3_playlist_url is not None
    playlist_url = lab.delivery.s3_playlist_url
    seen: set[str] = set()
    out: list[RaceObservation] = []
    deadline = time.monotonic() + seconds
    with requests.Session() as s:
        while time.monotonic() < deadline:
            try:
                pl = fetch(s, playlist_url)
            except requests.RequestException:
                continue
            for uri in uris(pl.text) if pl.status == 200 else []:
                if uri in seen:
                    continue
                seen.add(uri)
                listed_at = time.monotonic()
                seg = fetch(s, resolve(playlist_url, uri))
                origin_size = _size(lab.stream_dir / uri)
                obs = RaceObservation(uri, seg.status, len(seg.body), origin_size)
                if seg.status != 200:
                    obs.downloadable_after_ms = _until_ok(s, seg.url, listed_at, deadline + 5)
                out.append(obs)
                if say and (seg.status != 200 or (origin_size and len(seg.body) < origin_size)):
                    after = (f", downloadable {obs.downloadable_after_ms:.0f} ms after it was listed"
                             if obs.downloadable_after_ms is not None else "")  # fmt: skip
                    say(f"listed {uri}: GET {seg.status}, {len(seg.body)} bytes (origin file "
                        f"{origin_size if origin_size is not None else 'gone'} bytes){after}")  # fmt: skip
            time.sleep(0.1)
    return out


def _size(path: Any) -> int | None:
    try:
        return int(path.stat().st_size)
    except OSError:
        return None


def _until_ok(session: requests.Session, url: str, since: float, deadline: float) -> float | None:
    while time.monotonic() < deadline:
        try:
            if session.get(url, timeout=2).status_code == 200:
                return (time.monotonic() - since) * 1000
        except requests.RequestException:
            pass
        time.sleep(0.02)
    return None


def run_race(lab: Lab, say: Say) -> ScenarioResult:
    seconds = max(8.0, 6 * lab.config.fragment_s)
    say(f"polling the bucket's playlist every 100 ms for {seconds:g} s; every newly listed segment is "
        f"fetched at once ...")  # fmt: skip
    obs = observe_race(lab, seconds, say)
    missing = [o for o in obs if o.status != 200]
    truncated = [o for o in obs if o.status == 200 and o.origin_size and o.size < o.origin_size]
    statuses = sorted({o.status for o in missing})
    reproduced = bool(missing or truncated)
    summary = (f"{len(missing)} of {len(obs)} listed segments were not downloadable when listed "
               f"(status {statuses}), {len(truncated)} were truncated copies; with --s3 ordered both are 0"
               if reproduced else f"all {len(obs)} listed segments were downloadable (not reproduced)")  # fmt: skip
    facts = {"listed": len(obs), "missing": len(missing), "truncated": len(truncated), "statuses": statuses,
             "delays_ms": [round(o.downloadable_after_ms) for o in missing if o.downloadable_after_ms]}  # fmt: skip
    return ScenarioResult("s3-race", reproduced, summary, facts)


# ---- keyframe-mismatch ----------------------------------------------------------------------------
def configure_keyframes(config: LabConfig, say: Say) -> LabConfig:
    if config.keyint_s <= config.fragment_s:
        config = _change(config, say, "GOP three times the fragment (OBS keyframe interval too long)",
                         keyint_s=3 * config.fragment_s)  # fmt: skip
    return config


def predicted_duration(origin: str, fragment_s: float, keyint_s: float) -> float:
    """D for keyframes every G: nginx-rtmp ceil(F/G)·G; ffmpeg/NMS G when G >= T (servers.md §7.1, §7.2)."""
    if origin == "nginx":
        return math.ceil(fragment_s / keyint_s - 1e-9) * keyint_s
    return keyint_s if keyint_s >= fragment_s else fragment_s


def run_keyframes(lab: Lab, say: Say) -> ScenarioResult:
    c = lab.config
    expected = predicted_duration(c.origin, c.fragment_s, c.keyint_s)
    _sleep(2 * c.keyint_s)
    with requests.Session() as s:
        pl = fetch(s, lab.origin_playlist_url)
    durations = extinfs(pl.text)
    td = target_duration(pl.text)
    window = sum(durations)
    say(f"configured fragment {c.fragment_s:g} s, keyframe interval {c.keyint_s:g} s -> predicted segment "
        f"{expected:g} s")  # fmt: skip
    say(f"origin playlist: EXTINF {durations}, TARGETDURATION {td}, window {window:.1f} s (configured "
        f"playlist length {c.playlist_length_s:g} s)")  # fmt: skip
    full = durations[:-1] or durations
    reproduced = bool(full) and min(full) > c.fragment_s * 1.4
    summary = (f"segments last about {sum(full) / len(full):.1f} s, not {c.fragment_s:g} s: the cut waits for a "
               f"keyframe, so latency and the playlist window grow with the GOP" if reproduced else
               "segment durations match the fragment (not reproduced)")  # fmt: skip
    facts = {"durations": durations, "target_duration": td, "predicted": expected, "window_s": window}
    return ScenarioResult("keyframe-mismatch", reproduced, summary, facts)


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("stale-playlist", "origin without Cache-Control behind CachingOptimized: frozen playlist",
                 configure_stale, run_stale),
        Scenario("tutorial-fix", "playlists CachingDisabled + segments Elemental-MediaPackage: fresh playlist",
                 configure_fix, run_fix),
        Scenario("restart-name-reuse", "publisher restart reuses index0.ts; the edge serves the old bytes",
                 configure_reuse, run_reuse),
        Scenario("s3-race", "tutorial uploader: a listed segment is not yet downloadable from S3",
                 configure_race, run_race),
        Scenario("keyframe-mismatch", "GOP longer than the fragment: segments last a GOP",
                 configure_keyframes, run_keyframes),
    )
}  # fmt: skip


def scenario_config(name: str, base: LabConfig, say: Say) -> LabConfig:
    return SCENARIOS[name].configure(base, say)


def run_scenario(name: str, base: LabConfig, say: Say | None = None) -> ScenarioResult:
    """Configure, start the lab, run the scenario, stop the lab; prints through ``say``."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}; choose from {', '.join(SCENARIOS)}")
    emit: Say = say or (lambda line: sys.stdout.write(line + "\n"))
    scenario = SCENARIOS[name]
    emit(f"scenario {name}: {scenario.shows}")
    config = scenario.configure(base, emit)
    with Lab(config) as lab:
        emit(lab.describe())
        result = scenario.run(lab, emit)
    emit(f"{'REPRODUCED' if result.reproduced else 'NOT REPRODUCED'}: {result.summary}")
    return result


def describe_scenarios() -> str:
    width = max(len(n) for n in SCENARIOS)
    return "\n".join(f"{name:<{width}}  {s.shows}" for name, s in SCENARIOS.items())
