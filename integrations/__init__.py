"""One module per outside system, shared by the receiver and the reporter.

`prometheus`, `loki`, `alertmanager` (plain HTTP via requests), `bedrock` and `ses` (boto3, one
AWS service each, credentials from `aws`), `slack` (the only slack_sdk user), `kubernetes` (the
only kubernetes-client user); all raise `errors.IntegrationError` subclasses. What they are sent
is redacted by the callers first (`runtime.redact`).
"""
