"""Notices from the district to the gate staff, and the staff's word back.

A notice arrives through distribution (kind ``notice``, see ``cloud_sync/distribution``); it
shows on the staff page as a banner until a staff member marks it read. Who read it and when
(no resident data), and a line of text in answer, go back to the centre through the uplink,
read from these tables (so nothing committed here can miss the centre).

- :mod:`.schema`: the tables (migration set ``notices``).
- :mod:`.applier`: the distributed notices -> the ``notices`` table.
- :mod:`.board`: what the page shows and what staff do (mark read, answer).
- :mod:`.feeds`: reads and replies, for the uplink.
- :mod:`.web`: the routes.
"""
