"""Nodes by their Kubernetes names, wherever one can be found, with the address beside it.

node_exporter's `instance` is whatever the scrape config made it: kube-prometheus relabels it to
the node's name, a plain PodMonitor leaves `10.0.0.11:9100`. A reader on call knows the nodes by
name (`kubectl get nodes`), so a name is looked up, in this order:

1. kube_node_info's `internal_ip` equal to the instance's host: the Kubernetes name itself;
2. node_uname_info's `nodename` for that instance: the host name, which kubelet registers as the
   node's name unless told otherwise;
3. the instance itself when its host is not an IP address (already a name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from integrations.prometheus import Sample
from reporter.period import Period
from reporter.series import SeriesReader, union
from runtime.net import is_ip


def query(reader: SeriesReader, p: Period) -> str:
    """Every node name the period's series know, by instance and by address."""
    r, sel = p.range(), reader.rules.selectors
    uname = reader.s("node_uname_info", sel.node_exporter)
    info = reader.s("kube_node_info", sel.kube_state_metrics)
    return union(
        {
            "uname": f"max by (instance, nodename) (last_over_time({uname}{r}))",
            "kube": f"max by (node, internal_ip) (last_over_time({info}{r}))",
        }
    )


def namer(samples: Iterable[Sample]) -> Callable[[str], str]:
    """instance -> the node's name ("" where none is found)."""
    by_ip: dict[str, str] = {}
    by_instance: dict[str, str] = {}
    for s in samples:
        if s.labels.get("internal_ip") and s.labels.get("node"):
            by_ip[s.labels["internal_ip"]] = s.labels["node"]
        if s.labels.get("instance") and s.labels.get("nodename"):
            by_instance[s.labels["instance"]] = s.labels["nodename"]

    def name(instance: str) -> str:
        host = _host(instance)
        if host in by_ip:
            return by_ip[host]
        if instance in by_instance:
            return by_instance[instance]
        return host if host and not is_ip(host) else ""

    return name


def _host(instance: str) -> str:
    """`10.0.0.1:9100` -> 10.0.0.1, `[fd00::1]:9100` -> fd00::1, `node-1` -> node-1."""
    if instance.startswith("["):
        return instance[1:].partition("]")[0]
    host, sep, port = instance.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host
    return instance
