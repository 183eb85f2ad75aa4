"""Config loading: every field parsed, and each bad file refused with its file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from exporter.config import ConfigError, load_config, parse_config, parse_duration

TESTDATA = Path(__file__).parent / "testdata"

# file -> (key named in the error, words of what was expected)
INVALID = {
    "invalid-unknown-key.yml": ("tcp[0].adress", "expected one of address"),
    "invalid-address-no-port.yml": ("tcp[0].address", '"host:port"'),
    "invalid-address-port-range.yml": ("tcp[0].address", "port from 1 to 65535"),
    "invalid-timeout.yml": ("timeout", "a duration"),
    "invalid-timeout-zero.yml": ("timeout", "above 0"),
    "invalid-duplicate-name.yml": ("tcp[1].name", "unique among tcp targets"),
    "invalid-url-scheme.yml": ("http[0].url", "http:// or https://"),
    "invalid-status.yml": ("http[0].expected_status", "from 100 to 599"),
    "invalid-regex.yml": ("tcp[0].expect", "valid regular expression"),
    "invalid-disk-relative.yml": ("disk[0].path", "absolute path"),
    "invalid-missing-name.yml": ("disk[0].name", "required key is missing"),
    "invalid-name-chars.yml": ("tcp[0].name", "matching"),
    "invalid-not-a-list.yml": ("tcp", "a list of targets"),
    "invalid-yaml-syntax.yml": ("line 2, column 3", "valid YAML"),
    "invalid-inline-password.yml": ("http[0].basic_auth.password", "one of password_file"),
    "invalid-unknown-kind.yml": ("udp", "one of disk, haproxy, http, tcp, timeout"),
    "invalid-header-crlf.yml": ("http[0].headers.X-Bad", "single-line string"),
}


def test_every_invalid_file_has_a_case():
    assert {p.name for p in TESTDATA.glob("invalid-*.yml")} == set(INVALID)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_file_names_file_key_and_expectation(name):
    key, expected = INVALID[name]
    with pytest.raises(ConfigError) as err:
        load_config(TESTDATA / name)
    message = str(err.value)
    assert str(TESTDATA / name) in message
    assert key in message
    assert expected in message


def test_valid_file_parses_every_field():
    cfg = load_config(TESTDATA / "valid.yml")
    assert cfg.timeout == 3.0
    dns, redis = cfg.tcp
    assert (dns.host, dns.port, dns.ip, dns.timeout) == ("127.0.0.1", 53, "127.0.0.1", 3.0)
    assert (redis.host, redis.ip, redis.timeout) == ("::1", "::1", 0.5)
    assert redis.send == b"PING\r\n"
    assert redis.expect.search(b"+PONG\r\n")
    (grafana,) = cfg.http
    assert grafana.expected_status == (200, 204)
    assert grafana.headers == (("X-Probe", "healthcheck"),)
    assert grafana.basic_auth.password_file == "/etc/healthcheck/password"
    assert grafana.body_regex.search(b'{"database": "ok"}')
    assert not grafana.follow_redirects
    assert grafana.insecure_skip_verify
    (edge,) = cfg.haproxy
    assert (edge.url, edge.timeout) == ("http://127.0.0.1:8404/stats;csv", 2.0)
    (root,) = cfg.disk
    assert (root.path, root.mountpoint) == ("/host/root", "/")
    assert [t.kind for t in cfg.targets()] == ["tcp", "tcp", "http", "haproxy", "disk"]


def test_all_problems_reported_at_once():
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "timeout": "forever",
                "tcp": [{"name": "a", "address": "nope"}, {"address": "127.0.0.1:1"}],
                "disk": [{"name": "d", "path": "x"}],
            },
            "cfg.yml",
        )
    assert len(err.value.problems) == 4


def test_empty_file_is_a_valid_config_without_targets(tmp_path):
    path = tmp_path / "empty.yml"
    path.write_text("")
    cfg = load_config(path)
    assert list(cfg.targets()) == []


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read file"):
        load_config(tmp_path / "absent.yml")


def test_per_target_timeout_overrides_default():
    cfg = parse_config(
        {
            "timeout": "2s",
            "disk": [{"name": "a", "path": "/"}, {"name": "b", "path": "/", "timeout": "250ms"}],
        }
    )
    assert [d.timeout for d in cfg.disk] == [2.0, 0.25]
    assert cfg.disk[0].mountpoint == "/"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("500ms", 0.5), ("5s", 5.0), ("1m", 60.0), (3, 3.0), (0.25, 0.25), ("5", 5.0), ("1h", 3600)],
)
def test_parse_duration(text, seconds):
    """The pack's one duration parser (runtime.durations), as settings read them too."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["5 s", "-1s", True, "s", "1x"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):  # noqa: PT011 - the message is built by the caller
        parse_duration(text)


def test_shipped_example_config_is_valid():
    cfg = load_config(Path(__file__).parents[2] / "k8s" / "exporter" / "exporter.yml")
    assert {t.kind for t in cfg.targets()} == {"tcp", "http", "haproxy", "disk"}
