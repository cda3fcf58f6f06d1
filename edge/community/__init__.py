"""The people at the gate: households and members, passes, visitors, manual registrations,
who is on duty, and the daily report.

- :mod:`~edge.community.schema`: the tables (migration set ``community``).
- :mod:`~edge.community.importer`: a CSV or XLSX registry file into checked rows (sans-IO).
- :mod:`~edge.community.registry`: households and members, read and written.
- :mod:`~edge.community.index`: what the lanes ask, from memory (exits across lanes).
- :mod:`~edge.community.passes`, :mod:`~edge.community.printing`: pass batches, card sheets.
- :mod:`~edge.community.visitor_pass`, :mod:`~edge.community.visits`: visitors.
- :mod:`~edge.community.audit`: manual registrations and the audit trail.
- :mod:`~edge.community.duty`: shifts, handover notes, unstaffed lanes.
- :mod:`~edge.community.report`: the daily report (figures for the centre; CSV and PDF).
- :mod:`~edge.community.service`: all of it for the lanes, the REST API and the CLI.
"""
