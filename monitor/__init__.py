"""hlsmon monitoring core (no Qt): see monitor/records.py for the records and the Monitor API."""

from monitor.records import EndpointConfig, MonitorConfig, Severity

__all__ = ["EndpointConfig", "Monitor", "MonitorConfig", "Severity"]


def __getattr__(name: str):  # lazy: `import monitor` stays light (no requests/m3u8 until needed)
    if name == "Monitor":
        from monitor.monitor import Monitor

        return Monitor
    raise AttributeError(name)
