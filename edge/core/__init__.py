"""The neutral core every part of the system stands on, and which stands on none of them.

- :mod:`edge.core.events`: what the gateway's parts tell each other has happened.
- :mod:`edge.core.bus`: the in-process publish/subscribe bus those events travel on.
- :mod:`edge.core.store`: the gateway's SQLite file with one writer and an off-loop read side.
- :mod:`edge.core.migrations`: the one migration runner (gateway and both monitor databases).
- :mod:`edge.core.sqlite`: how every SQLite file of the system is opened.

Nothing here imports from ``edge.*`` outside ``edge.core``, nor from ``cloud_sync`` or
``firmware_interfaces``; ``tests/test_architecture.py`` fails if that changes.
"""
