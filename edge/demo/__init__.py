"""``edge-gateway demo``: everything simulated, nothing to configure."""
