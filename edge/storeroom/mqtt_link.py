"""Placeholder until the MQTT transport exists."""
