"""The rules of one endpoint, split by topic, with the catalogue of what they say apart from them.

``endpoint``   :class:`EndpointRules`: every rule of one endpoint behind one alerter (the poller's handle)

``catalogue``  every alert as data (code → severity, title, message, advice, spec); docs/alerts.md
``latch``      one alert per episode, a recovery when the condition clears
``facts``      what the poller (the owner of the endpoint's state) passes to the rules
``transport``  failures, the failure rate, HTTP/MIME/CORS/cache headers, the monitor's own lateness
``playlist``   RFC 8216 / rfc8216bis rules across reloads
``cdn``        cache signs, stale copies, a CDN behind its origin, old or truncated copies
``segments``   404 while listed, deleted too early, URL reuse
``stream``     what state changes mean: stalled, gone, back, ended, restarted
``content``    what segment analysis found (monitor.content): picture, sound, timestamps, keyframes
"""
