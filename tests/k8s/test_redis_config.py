"""The queue's Redis as the manifests run it: the shipped k8s/receiver/redis.conf, the password
in a file mounted from the Secret, and the receiver reaching it through REDIS_URL_FILE. A real
redis-server (Debian's) runs the very file, with only the pod's mount paths moved to a temporary
folder; the password must appear in no process's command line."""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

import pytest
import redis

from alert_receiver.model import NewTask
from alert_receiver.settings import Settings
from alert_receiver.store.redis import RedisStore
from tests.helpers import free_port, require_binary, stop, wait_redis
from tests.k8s.conftest import K8S

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def statefulset(rendered) -> dict:
    (sts,) = [
        d
        for d in rendered
        if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "alert-receiver-redis"
    ]
    return sts


def _paths(sts: dict) -> dict[str, str]:
    """Where the pod finds its config, its password file and its data."""
    pod = sts["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    mounts = {m["name"]: m for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    (item,) = volumes["secret"]["secret"]["items"]
    assert item["key"] == "redis-auth.conf"
    assert c["command"] + c["args"] == ["redis-server", mounts["config"]["mountPath"]]
    return {
        "config": mounts["config"]["mountPath"],
        "auth": f"{mounts['secret']['mountPath']}/{item['path']}",
        "data": mounts["data"]["mountPath"],
    }


@pytest.fixture
def redis_as_deployed(statefulset, tmp_path):
    """(redis-server process, port, password), started from the shipped redis.conf."""
    binary = require_binary("redis-server")
    paths = _paths(statefulset)
    password = secrets.token_hex(24)
    auth = tmp_path / "auth.conf"
    auth.write_text(f"requirepass {password}\n")  # the Secret's redis-auth.conf
    data = tmp_path / "data"
    data.mkdir()
    shipped = (K8S / "receiver" / "redis.conf").read_text()
    assert f"include {paths['auth']}\n" in shipped
    assert f"dir {paths['data']}\n" in shipped
    conf = tmp_path / "redis.conf"
    conf.write_text(
        shipped.replace(f"include {paths['auth']}\n", f"include {auth}\n").replace(
            f"dir {paths['data']}\n", f"dir {data}\n"
        )
    )
    port = free_port()
    proc = subprocess.Popen(
        [binary, str(conf), "--port", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
    )
    wait_redis(port, password, proc)
    yield proc, port, password
    stop(proc)


def test_redis_runs_the_shipped_config_with_the_password_from_a_file(redis_as_deployed):
    proc, port, password = redis_as_deployed
    anonymous = redis.Redis(port=port)
    with pytest.raises(redis.AuthenticationError):
        anonymous.ping()
    anonymous.close()
    client = redis.Redis(port=port, password=password, decode_responses=True)
    assert client.config_get("appendonly") == {"appendonly": "yes"}
    assert client.config_get("appendfsync") == {"appendfsync": "always"}
    assert client.config_get("save") == {"save": ""}
    client.close()
    cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes()
    assert password.encode() not in cmdline


def test_receiver_reaches_it_through_the_url_file(redis_as_deployed, tmp_path):
    _, port, password = redis_as_deployed
    url_file = tmp_path / "REDIS_URL"  # the Secret's REDIS_URL key, mounted as the Deployment does
    url_file.write_text(f"redis://:{password}@127.0.0.1:{port}/0\n")
    settings = Settings.from_env(
        {"REDIS_URL_FILE": str(url_file), "ALERT_RECEIVER_TOKEN": "t" * 32}
    )
    assert settings.queue_description == "redis"
    store = RedisStore.from_url(settings.redis_url, prefix="deployed")
    try:
        store.enqueue([NewTask("notify", {"n": 1}, serial_key="g")])
        task = store.claim("slack", "w", 30)
        assert task is not None
        assert task.payload == {"n": 1}
        store.commit(done=task)
    finally:
        store.close()
