"""Scripted origins on 127.0.0.1 that reproduce each class of behaviour of issue 11 (the independent judge).

``live``     a clock-driven live publisher (durations, media sequence, discontinuities, PDT, deletion after
             leave, publisher restart, EXT-X-SKIP delta updates) with pluggable view and reply faults;
``faults``   the faults: flaky replies, RFC rule violations, hostile playlists;
``cdn``      a CDN edge in front of a live origin that can serve an old copy (Age, X-Cache: Hit);
``hostile``  servers that misbehave below HTTP (a body dripped one byte at a time) and helpers;
``clocks``   clocks for runs that cover hours in seconds, or whose own loop runs late;
``judge``    what an operator must see, read from the public records only (alerts, states, lifecycles).

The LL-HLS origin lives in ``lab/ll_origin.py`` (the arrival benchmark starts it too).
"""
