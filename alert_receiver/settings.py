"""Every setting of the receiver, read from the environment once (`Settings.from_env`).

The names of the system this replaces are kept (`PROMETHEUS_URL`, `SLACK_WEBHOOK_URL`, ...) so its
ConfigMap and Secret keep working. Secrets come from the environment or from a mounted file
(`<NAME>_FILE`, which wins); they are never logged. All problems are reported at once.
Durations take Prometheus' units (`500ms`, `1.5s`, `5m`, `14d`) or plain seconds.
The table in alert_receiver/README.md lists every variable and its default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from integrations.bedrock import BedrockSettings
from integrations.slack import SlackSettings
from rules import ConfigError, RulesConfig, config_at
from runtime.redact import parse_patterns
from runtime.settings import (
    parse_bool,
    parse_duration,
    parse_positive_int,
    parse_timezone,
    parse_url,
    secret,
    setting,
    settings_from_env,
)


def _size(text: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?\s*", text)
    if not m:
        raise ValueError(f"expected a size such as 4MiB or 4194304, got {text!r}")
    scale = {"KiB": 1024, "MiB": 1024**2, "GiB": 1024**3, "KB": 1000, "MB": 10**6, "GB": 10**9}
    return int(m.group(1)) * scale.get(m.group(2) or "B", 1)


@dataclass(frozen=True)
class Settings(SlackSettings, BedrockSettings):
    """The receiver's settings; Slack's Web API and Bedrock's (with AWS's) are the groups
    both apps share (integrations.slack.SlackSettings, integrations.bedrock.BedrockSettings)."""

    # intake
    token: str = secret("ALERT_RECEIVER_TOKEN")
    token_file: str = setting("ALERT_RECEIVER_TOKEN_FILE", "")
    insecure_no_auth: bool = setting("ALERT_RECEIVER_INSECURE_NO_AUTH", False, parse_bool)
    max_body_bytes: int = setting("ALERT_RECEIVER_MAX_BODY", 4 * 1024 * 1024, _size)
    # queue
    db_path: str = setting("ALERT_RECEIVER_DB", "./alert_receiver.db")
    sqlite_synchronous: str = setting("ALERT_RECEIVER_DB_SYNC", "FULL", str.upper)
    redis_url: str = secret("REDIS_URL")
    redis_prefix: str = setting("REDIS_KEY_PREFIX", "alert-receiver")
    retention: float = setting("ALERT_RECEIVER_RETENTION", 14 * 86400, parse_duration)
    # delivery
    first_post_wait: float = setting("ALERT_RECEIVER_FIRST_POST_WAIT", 1.5, parse_duration)
    # A page goes out at once; its log lines follow by chat.update (time to page, rules/README.md).
    first_post_wait_critical: float = setting(
        "ALERT_RECEIVER_FIRST_POST_WAIT_CRITICAL", 0.0, parse_duration
    )
    slack_concurrency: int = setting("ALERT_RECEIVER_SLACK_CONCURRENCY", 4, parse_positive_int)
    loki_concurrency: int = setting("LOKI_CONCURRENCY", 8, parse_positive_int)
    analysis_concurrency: int = setting("BEDROCK_CONCURRENCY", 4, parse_positive_int)
    retry_max_delay: float = setting("ALERT_RECEIVER_RETRY_MAX_DELAY", 300.0, parse_duration)
    lease: float = setting("ALERT_RECEIVER_LEASE", 30.0, parse_duration)
    web_workers: int = setting("ALERT_RECEIVER_WEB_WORKERS", 2, parse_positive_int)
    web_threads: int = setting("ALERT_RECEIVER_WEB_THREADS", 4, parse_positive_int)
    delivery_nice: int = setting("ALERT_RECEIVER_DELIVERY_NICE", 10, int)
    # links and display
    timezone: str = setting("REPORT_TIMEZONE", "Asia/Seoul", parse_timezone)
    grafana_url: str = setting("GRAFANA_URL", "", parse_url)
    kiali_url: str = setting("KIALI_URL", "", parse_url)
    alertmanager_url: str = setting("ALERTMANAGER_URL", "", parse_url)
    prometheus_url: str = setting("PROMETHEUS_URL", "", parse_url)
    prometheus_timeout: float = setting("PROMETHEUS_TIMEOUT", 5.0, parse_duration)
    # Loki
    loki_url: str = setting("LOKI_URL", "", parse_url)
    loki_tenant: str = setting("LOKI_TENANT_ID", "")
    loki_timeout: float = setting("LOKI_TIMEOUT", 5.0, parse_duration)
    loki_window_before: float = setting("LOKI_WINDOW_BEFORE", 300.0, parse_duration)
    loki_window_after: float = setting("LOKI_WINDOW_AFTER", 300.0, parse_duration)
    loki_max_lines: int = setting("LOKI_MAX_LINES", 12, parse_positive_int)
    loki_max_streams: int = setting("LOKI_MAX_STREAMS", 3, parse_positive_int)
    # what an error line is and which stream label names a service: its logs: section
    rules_config: str = setting("RULES_CONFIG", "")
    # Bedrock
    bedrock_agent_id: str = setting("BEDROCK_ANALYSIS_AGENT_ID", "")
    bedrock_agent_alias_id: str = setting("BEDROCK_ANALYSIS_AGENT_ALIAS_ID", "")
    bedrock_max_prompt_chars: int = setting("BEDROCK_MAX_PROMPT_CHARS", 12000, parse_positive_int)
    analysis_cache_ttl: float = setting("ANALYSIS_CACHE_TTL", 86400.0, parse_duration)
    analysis_language: str = setting("REPORT_LANGUAGE", "ko")
    # Slack
    slack_webhook_url: str = secret("SLACK_WEBHOOK_URL")
    slack_sink: str = setting("SLACK_SINK", "-")
    slack_mention: str = setting("SLACK_CRITICAL_MENTION", "")
    # Acting from Slack: either transport makes the messages' buttons work
    slack_app_token: str = secret("SLACK_APP_TOKEN")
    slack_signing_secret: str = secret("SLACK_SIGNING_SECRET")
    redact_patterns: tuple[str, ...] = setting("REDACT_EXTRA_PATTERNS", (), parse_patterns)
    log_level: str = setting("ALERT_RECEIVER_LOG_LEVEL", "info", str.lower)
    # who may act from Slack, and how many actions at once (slack_dispatch.py)
    slack_allowed_usergroup: str = setting("SLACK_ALLOWED_USERGROUP", "")
    slack_action_threads: int = setting("SLACK_ACTION_THREADS", 4, parse_positive_int)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return settings_from_env(cls, environ)

    def problems(self) -> list[str]:
        out = self.slack_problems() + self.aws_problems() + self.action_problems()
        if self.sqlite_synchronous not in ("FULL", "NORMAL", "EXTRA"):
            out.append("ALERT_RECEIVER_DB_SYNC: expected FULL, NORMAL or EXTRA")
        if self.lease < 1:
            out.append(f"ALERT_RECEIVER_LEASE: at least 1s, got {self.lease:g}s")
        if bool(self.bedrock_agent_id) != bool(self.bedrock_agent_alias_id):
            out.append("BEDROCK_ANALYSIS_AGENT_ID and BEDROCK_ANALYSIS_AGENT_ALIAS_ID go together")
        if self.analysis_language not in ("ko", "en"):
            out.append(f"REPORT_LANGUAGE: expected ko or en, got {self.analysis_language!r}")
        try:
            self.rules  # noqa: B018 - loaded now, so a bad file stops the start, not an alert
        except ConfigError as e:
            out.append(f"RULES_CONFIG: {e}")
        return out

    def action_problems(self) -> list[str]:
        out = []
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            out.append(
                "SLACK_APP_TOKEN: expected an app-level token starting with xapp- (Basic "
                "Information > App-Level Tokens, scope connections:write), not a bot or user token"
            )
        group = self.slack_allowed_usergroup
        if group and not re.fullmatch(r"S[A-Z0-9]{2,}", group):
            out.append(
                "SLACK_ALLOWED_USERGROUP: expected a user group ID such as S0123ABCD, "
                f"got {group!r}"
            )
        return out

    @property
    def slack_actions(self) -> str:
        """How Slack reaches us: "socket" (SLACK_APP_TOKEN), "http" (SLACK_SIGNING_SECRET),
        "socket+http", or "off". Off without a bot token (webhook-only or sink): the answers,
        the channel and user group look-ups need the Web API, and a webhook's messages carry no
        buttons. cli.py says so at start when a token is set in vain."""
        if self.slack_mode != "api":
            return "off"
        on = (("socket", self.slack_app_token), ("http", self.slack_signing_secret))
        return "+".join(mode for mode, value in on if value) or "off"

    @property
    def rules(self) -> RulesConfig:
        """rules/config.yaml (or RULES_CONFIG), read once a process; problems() checks it."""
        return config_at(self.rules_config)

    @property
    def slack_mode(self) -> str:
        """ "api" (bot token), "webhook" or "sink": the first that is configured."""
        if self.slack_bot_token:
            return "api"
        if self.slack_webhook_url:
            return "webhook"
        return "sink"

    @property
    def slack_buttons(self) -> bool:
        """Messages carry buttons only when presses can come back (Socket Mode or the signed
        endpoint) and the message can be updated to show what they did (a bot token): exactly
        when acting from Slack is on."""
        return self.slack_actions != "off"

    @property
    def bedrock_enabled(self) -> bool:
        return bool(self.bedrock_model_id or self.bedrock_agent_id)

    @property
    def queue_description(self) -> str:
        return "redis" if self.redis_url else f"sqlite:{self.db_path}"
