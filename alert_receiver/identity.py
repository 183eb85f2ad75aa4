"""Who holds a lease: a name no other live delivery process has, which also tells a process
which leases its own earlier lives left behind.

    <host>/<boot>/<instance>/<pid>.<life>      e.g. node-3/4f1c2a9e/8b0e51d3a7c4/412.9f3a

- `host`, the host name, says where, but is not enough: with host networking every pod on a node
  has the node's name, and a restarted replica would take its live neighbour's leases for its
  own (the owner used to be `<host>:<random>`, and a restart released every `<host>:` lease).
- `boot`, the kernel's boot id, tells two boots of one host apart (pids start over).
- `instance` is random, drawn once by the supervisor (cli.py) and handed to each delivery
  process it starts. The supervisor starts a delivery process only after the previous one
  exited, so leases held under its instance by another pid are an earlier, dead life: those are
  released at start (`lives_of`). A process outside that line (a new pod, a replica scaled away,
  a second container on the host) never matches; its leases come back when they expire.
- `pid.life`: this process, and a random part so a reused pid is still a new name.
"""

from __future__ import annotations

import os
import secrets
import socket
from pathlib import Path

BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str:
    """The first 8 hex digits of the kernel's boot id; `-` where there is none (not Linux)."""
    try:
        return BOOT_ID.read_text().strip().replace("-", "")[:8] or "-"
    except OSError:
        return "-"


def new_instance(host: str | None = None) -> str:
    """`<host>/<boot>/<random>`: drawn once per supervisor (or per lone delivery process)."""
    name = (host or socket.gethostname() or "-").replace("/", "_")
    return f"{name}/{boot_id()}/{secrets.token_hex(6)}"


def owner_of(instance: str) -> str:
    """The lease owner of this process, one life of `instance`."""
    return f"{instance}/{os.getpid()}.{secrets.token_hex(2)}"


def lives_of(instance: str) -> str:
    """The prefix every life of `instance` shares: what `Store.recover` may release at start."""
    return f"{instance}/"


def instance_of(owner: str) -> str:
    """The instance an owner belongs to (`owner_of`'s inverse)."""
    return owner.rsplit("/", 1)[0]
