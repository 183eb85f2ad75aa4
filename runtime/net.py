"""Network addresses as the pack's components read them (exporter targets, Prometheus instances)."""

from __future__ import annotations

import ipaddress


def is_ip(host: str) -> bool:
    """An IPv4 or IPv6 address (no brackets, no port), not a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
