"""A CloudFront-like CDN edge: Varnish in front of any lab origin, with a CloudFront managed cache policy.

``CdnEdge(workdir, origin_port, policy="caching-optimized").start()`` writes a VCL from ``lab/cdn.vcl``
and runs ``varnishd -F -n <workdir>/varnish-<n> -a 127.0.0.1:<port> -s malloc,64m -j none`` (its own
working directory, so several edges never share a VSM). The edge adds ``X-Cache: Hit|Miss|RefreshHit|
Error from cloudfront``, ``Age``, ``Via: 1.1 <id>.cloudfront.net (CloudFront)``, ``X-Amz-Cf-Pop`` and
``X-Amz-Cf-Id``; TTLs follow ``lab/cdn_policy.py``. Also ``X-Hlsmon-Cdn-Policy`` (lab only) names the
managed policy that applied.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import re
import shutil
from pathlib import Path

import requests

from lab.cdn_policy import behaviours
from lab.netutil import LOOPBACK, http_ok, pick_port
from lab.process import ManagedProcess, ProcessFailed, ProcessService, wait_until

log = logging.getLogger(__name__)

VCL_TEMPLATE = Path(__file__).resolve().parent / "cdn.vcl"
_instances = itertools.count(1)


def _vcl_string(value: str) -> str:
    if '"' in value or "\n" in value:
        raise ValueError(f"not a simple VCL string: {value!r}")
    return value


def behaviour_vcl(distribution: str) -> str:
    """The ``if/elsif`` chain that picks the policy (name, min, default, max) by path."""
    lines: list[str] = []
    for index, (pattern, policy) in enumerate(behaviours(distribution)):
        keyword = "if" if index == 0 else "} elsif"
        lines.append(f'    {keyword} (req.url ~ "{_vcl_string(pattern)}") {{')
        lines.append(f'        set req.http.X-Cf-Policy = "{policy.name}";')
        lines.append(f'        set req.http.X-Cf-Min = "{int(policy.min_ttl)}";')
        lines.append(f'        set req.http.X-Cf-Default = "{int(policy.default_ttl)}";')
        lines.append(f'        set req.http.X-Cf-Max = "{int(policy.max_ttl)}";')
    lines.append("    }")
    return "\n".join(lines)


def render_vcl(distribution: str, origin_port: int, pop: str = "LAB1-P1", via_id: str | None = None) -> str:
    via = via_id or hashlib.sha1(f"{pop}-{origin_port}".encode()).hexdigest()[:16]
    text = VCL_TEMPLATE.read_text()
    replacements = {
        "@@ORIGIN_PORT@@": str(int(origin_port)),
        "@@BEHAVIOURS@@": behaviour_vcl(distribution),
        "@@POP@@": _vcl_string(pop),
        "@@VIA_ID@@": _vcl_string(via),
    }
    for placeholder, value in replacements.items():
        text = text.replace(placeholder, value)
    return text


def invalidation_regex(path: str) -> str:
    """A CloudFront invalidation path as an anchored URL regex (``*`` allowed only at the end)."""
    if not path.startswith("/"):
        raise ValueError(f"invalidation paths start with '/': {path!r}")
    if "*" in path[:-1]:
        raise ValueError(f"'*' is allowed only as the last character: {path!r}")
    if path.endswith("*"):
        return "^" + re.escape(path[:-1])
    return "^" + re.escape(path) + "$"


def varnish_available() -> str | None:
    if shutil.which("varnishd") is None and not Path("/usr/sbin/varnishd").exists():
        return "varnishd is not installed (apt-get install varnish)"
    return None


def _varnishd() -> str:
    return shutil.which("varnishd") or "/usr/sbin/varnishd"


class CdnEdge(ProcessService):
    """One Varnish edge ("POP") in front of ``http://127.0.0.1:<origin_port>``."""

    def __init__(
        self,
        workdir: Path,
        origin_port: int,
        policy: str = "caching-optimized",
        port: int = 0,
        pop: str = "LAB1-P1",
    ) -> None:
        behaviours(policy)  # validate early
        self.workdir = Path(workdir)
        self.origin_port = origin_port
        self.policy = policy
        self.pop = pop
        self.port = pick_port(port)
        self.instance = next(_instances)
        self.varnish_dir = self.workdir / f"varnish-{self.instance}-{self.port}"
        self.process: ManagedProcess | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def url_for(self, origin_url: str) -> str:
        """The edge URL of an origin URL (same path, the edge's host and port)."""
        path = origin_url.split("://", 1)[-1]
        path = "/" + path.split("/", 1)[1] if "/" in path else "/"
        return self.base_url + path

    def invalidate(self, *paths: str) -> None:
        """Like CloudFront ``CreateInvalidation``: exact paths, or a ``*`` as the last character."""
        for path in paths:
            resp = requests.request(
                "BAN", self.base_url + "/", headers={"X-Invalidate-Regex": invalidation_regex(path)}, timeout=5
            )
            resp.raise_for_status()

    def argv(self, vcl_path: Path) -> list[str]:
        return [
            _varnishd(), "-F", "-j", "none",
            "-n", str(self.varnish_dir),
            "-a", f"{LOOPBACK}:{self.port}",
            "-T", "none",
            "-f", str(vcl_path),
            "-s", "malloc,64m",
            "-p", "default_grace=0",
            "-p", "default_keep=0",
            "-p", "http_gzip_support=off",
            "-p", "thread_pools=1",
            "-p", "thread_pool_min=5",
            "-p", "thread_pool_max=100",
        ]  # fmt: skip

    def start(self, timeout: float = 30.0) -> CdnEdge:
        reason = varnish_available()
        if reason:
            raise ProcessFailed(f"CDN edge unavailable: {reason}")
        self.varnish_dir.mkdir(parents=True, exist_ok=True)
        vcl_path = self.workdir / f"cdn-{self.instance}-{self.policy}.vcl"
        vcl_path.write_text(render_vcl(self.policy, self.origin_port, self.pop))
        self.process = ManagedProcess(
            f"varnish-{self.policy}", self.argv(vcl_path), self.workdir / "logs" / f"varnish-{self.instance}.log"
        )
        self.process.start()
        if not wait_until(lambda: http_ok(self.base_url + "/"), timeout, interval=0.2, processes=[self.process]):
            self.stop()
            raise ProcessFailed(f"varnishd did not answer in {timeout:.0f} s; see {self.process.log_path}")
        log.info("CDN edge (%s) on %s -> origin port %d", self.policy, self.base_url, self.origin_port)
        return self
