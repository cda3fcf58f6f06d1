"""The entrance checkpoint: lanes that pair scans and temperatures, decide, record and announce.

- :mod:`~edge.checkpoint.lanes`: device events in, decisions out (pairing, verify, policy).
- :mod:`~edge.checkpoint.records`: decisions committed, read back off the loop, overridden.
- :mod:`~edge.checkpoint.counters`: decisions in force per lane, kept as they are made.
- :mod:`~edge.checkpoint.devices`: device states and rejected input.
- :mod:`~edge.checkpoint.policy_store`: the admission policy in force and its changes.
- :mod:`~edge.checkpoint.checkpoint`: the parts put together for the web app.
"""
