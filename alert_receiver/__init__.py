"""Alertmanager webhook receiver: Loki log context, Bedrock analysis, Slack."""
