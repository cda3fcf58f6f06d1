"""What the gateway's parts do with what the centre distributes (:mod:`cloud_sync.distribution`).

One applier per kind, each putting the content in force in its part:

- :mod:`.status_list`: the community pass verifier's status list;
- :mod:`.trust`: the EU DCC verifier's signer certificates and value sets;
- :mod:`.policy`: the checkpoint's admission policy.

Notices have their own part, :mod:`edge.notices`. :func:`appliers` builds them for a gateway.
"""
