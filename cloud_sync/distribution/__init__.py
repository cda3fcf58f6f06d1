"""From the centre to the gates: signed, versioned items of four kinds (see ``README.md``).

Neutral: depends only on :mod:`edge.crypto` and :mod:`cloud_sync.protocol`. The centre's side
is :mod:`cloud_sync.monitor.distribution`, the gateway's :mod:`cloud_sync.uplink.distribution`.

- :mod:`.kinds`: the four kinds, scopes, snapshot or delta.
- :mod:`.items`: the signed item (compact JWS), signing and opening it.
- :mod:`.content`: each kind's content, checked, and how a delta changes a snapshot.
- :mod:`.frames`: MQTT topics and frames; snapshots in parts.
- :mod:`.apply`: the contract with the parts of the gateway that put content in force.
- :mod:`.keys`: the centre's keys a gateway trusts.
"""
