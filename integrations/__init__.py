"""One module per outside system (Prometheus, Loki, Kubernetes, Bedrock, Slack, SES), shared by
the receiver and the reporter."""
