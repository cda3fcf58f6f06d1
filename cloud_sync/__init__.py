"""Uplink from the gateway to the centre, and the central monitor."""
