"""The community checkpoint gateway: runtime, rules, store and local web."""
