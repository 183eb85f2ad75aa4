"""Daily, weekly and monthly PDF reports from Prometheus, Kubernetes and Loki."""
