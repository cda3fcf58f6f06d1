"""The centre's side of distribution (see ``cloud_sync/distribution/README.md``).

- :mod:`.schema`: its tables in the monitor's database (migration set ``distribution``).
- :mod:`.store`: streams (the value and version of each), publications (the audit).
- :mod:`.inputs`: the files people publish from (CSV, JSON, PEM, EU trust list, value sets).
- :mod:`.publisher`: a new value -> signed items, recorded.
- :mod:`.sender`: what is recorded -> the broker (in ``central-monitor run``).
- :mod:`.heard`: who has heard: versions held per gateway, acknowledgements per publication.
- :mod:`.cli`: ``central-monitor publish ...`` and ``central-monitor heard``.
- :mod:`.api`: the dashboard's routes.
"""
