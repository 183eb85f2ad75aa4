"""Alertmanager webhook receiver: Loki log context, Bedrock analysis, Slack.

`create_app()` is the Flask app (intake), `delivery.Delivery` the engine that turns stored
notifications into Slack messages, `cli.main` the `alert-receiver` command.
"""

__version__ = "0.1.0"
