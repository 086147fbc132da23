"""Evaluate: the protocol (splits, hidden tags) and the one metrics module."""
