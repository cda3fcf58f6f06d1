"""The central monitor: stores what every gateway reports and shows it (``central-monitor``)."""
