"""Healthcheck exporter: probes TCP ports, HTTP endpoints, HAProxy stats pages and disk mounts
when Prometheus scrapes it, and exposes the results as metrics.

It replaces a shell-script DaemonSet that curled targets every 2 s and posted to Slack itself:
here Prometheus decides when to probe (the scrape) and Alertmanager decides whom to tell.
"""

__version__ = "0.1.0"
