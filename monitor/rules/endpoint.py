"""All the rules of one endpoint behind one alerter (see the package docstring)."""

from __future__ import annotations

import math

from monitor.models.base import ServerProfile
from monitor.records import Alert
from monitor.rules.cdn import CdnRules
from monitor.rules.content import ContentRules
from monitor.rules.latch import Alerter
from monitor.rules.playlist import PlaylistRules
from monitor.rules.segments import SegmentRules
from monitor.rules.stream import StreamRules
from monitor.rules.transport import TransportRules


class EndpointRules:
    """Every rule of one endpoint, sharing one alerter. Owned by the endpoint's poller thread."""

    def __init__(self, endpoint: str, *, server: ServerProfile | None = None, arrival_step_s: float = math.inf) -> None:
        self.alerter = Alerter(endpoint)
        self.transport = TransportRules(self.alerter)
        self.playlist = PlaylistRules(self.alerter)
        self.segments = SegmentRules(self.alerter, server, arrival_step_s)
        self.cdn = CdnRules(self.alerter)
        self.stream = StreamRules(self.alerter)
        self.content = ContentRules(self.alerter)

    def set_server(self, server: ServerProfile | None) -> None:
        """The server model changed (the window's profile form): later facts are judged against it."""
        self.segments.server = server

    def drain(self) -> list[Alert]:
        """The alerts raised since the last call, in order."""
        return self.alerter.drain()
