"""Every setting of the reporter, read from the environment once (`Settings.from_env`).

The names of the system this replaces are kept (`PROMETHEUS_URL`, `TEAM_EMAILS`,
`BEDROCK_REPORT_AGENT_ID`, ...) so its ConfigMap and Secret keep working. Secrets come from the
environment or from a mounted file (`<NAME>_FILE`, which wins) and are never printed. Every
problem is reported at once. reporter/README.md lists every variable and its default; a test
checks the two agree (`runtime.settings.describe_env`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from integrations.bedrock import BedrockSettings
from integrations.slack import SlackSettings
from runtime.redact import parse_patterns
from runtime.settings import (
    parse_duration,
    parse_positive_int,
    parse_timezone,
    parse_url,
    setting,
    settings_from_env,
)

LANGUAGES = ("ko", "en")


def _emails(text: str) -> tuple[str, ...]:
    out = tuple(a.strip() for a in re.split(r"[,;\s]+", text) if a.strip())
    for a in out:
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", a):
            raise ValueError(f"not an e-mail address: {a!r}")
    return out


def _record(text: str) -> str:
    text = text.strip()
    if text and not re.fullmatch(
        r"(configmap:[a-z0-9][-a-z0-9]*/[a-z0-9][-a-z0-9.]*|file:.+)", text
    ):
        raise ValueError(f"expected configmap:NAMESPACE/NAME or file:PATH, got {text!r}")
    return text


@dataclass(frozen=True)
class Settings(SlackSettings, BedrockSettings):
    """The reporter's settings; Slack's Web API and Bedrock's (with AWS's) are the groups
    both apps share (integrations.slack.SlackSettings, integrations.bedrock.BedrockSettings)."""

    # the report
    language: str = setting("REPORT_LANGUAGE", "ko", lambda t: t.strip().lower())
    timezone: str = setting("REPORT_TIMEZONE", "Asia/Seoul", parse_timezone)
    cluster_name: str = setting("REPORT_CLUSTER_NAME", "")
    top_n: int = setting("REPORT_TOP_N", 10, parse_positive_int)
    rules_config: str = setting("RULES_CONFIG", "", aliases=("REPORT_RULES_CONFIG",))
    out_dir: str = setting("REPORT_OUT_DIR", "./reports")
    delivery_record: str = setting("REPORT_DELIVERY_RECORD", "", _record)
    # Prometheus
    prometheus_url: str = setting("PROMETHEUS_URL", "", parse_url)
    prometheus_timeout: float = setting("PROMETHEUS_TIMEOUT", 60.0, parse_duration)
    prometheus_selector: str = setting("REPORT_PROMETHEUS_SELECTOR", "")
    # Kubernetes API
    kubernetes: str = setting("REPORT_KUBERNETES", "auto", lambda t: t.strip().lower())
    kubeconfig: str = setting("KUBECONFIG", "")
    kubernetes_context: str = setting("KUBERNETES_CONTEXT", "")
    kubernetes_timeout: float = setting("KUBERNETES_TIMEOUT", 15.0, parse_duration)
    # Loki
    loki_url: str = setting("LOKI_URL", "", parse_url)
    loki_tenant: str = setting("LOKI_TENANT_ID", "")
    loki_timeout: float = setting("LOKI_TIMEOUT", 30.0, parse_duration)
    loki_selector: str = setting("REPORT_LOKI_SELECTOR", '{namespace=~".+"}')
    loki_sample_lines: int = setting("REPORT_LOKI_SAMPLE_LINES", 2000, parse_positive_int)
    # links shown in the report
    grafana_url: str = setting("GRAFANA_URL", "", parse_url)
    kiali_url: str = setting("KIALI_URL", "", parse_url)
    # Bedrock and SES; no key pair: boto3's default chain (IRSA, EKS Pod Identity, ...)
    bedrock_agent_id: str = setting("BEDROCK_REPORT_AGENT_ID", "")
    bedrock_agent_alias_id: str = setting("BEDROCK_REPORT_AGENT_ALIAS_ID", "")
    # Slack
    # e-mail
    team_emails: tuple[str, ...] = setting("TEAM_EMAILS", (), _emails)
    ses_region: str = setting("AWS_SES_REGION", "")
    ses_from_email: str = setting("AWS_SES_FROM_EMAIL", "")
    ses_endpoint_url: str = setting("AWS_SES_ENDPOINT_URL", "", parse_url)

    redact_patterns: tuple[str, ...] = setting("REDACT_EXTRA_PATTERNS", (), parse_patterns)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return settings_from_env(cls, environ)

    def problems(self) -> list[str]:
        out = self.slack_problems() + self.aws_problems()
        if not self.prometheus_url:
            out.append("PROMETHEUS_URL: required (e.g. http://prometheus.bravo-monitoring-ns:9090)")
        if self.language not in LANGUAGES:
            out.append(f"REPORT_LANGUAGE: expected ko or en, got {self.language!r}")
        if self.kubernetes not in ("auto", "off"):
            out.append(f"REPORT_KUBERNETES: expected auto or off, got {self.kubernetes!r}")
        if self.slack_channel and not re.fullmatch(r"[CGD][A-Z0-9]{2,}", self.slack_channel):
            out.append(
                f"SLACK_CHANNEL: files.upload v2 needs a channel ID such as C0123ABCD, "
                f"not a name: {self.slack_channel!r}"
            )
        if bool(self.bedrock_agent_id) != bool(self.bedrock_agent_alias_id):
            out.append("BEDROCK_REPORT_AGENT_ID and BEDROCK_REPORT_AGENT_ALIAS_ID go together")
        if self.team_emails and not (self.ses_region and self.ses_from_email):
            out.append("TEAM_EMAILS: needs AWS_SES_REGION and AWS_SES_FROM_EMAIL")
        return out

    @property
    def bedrock_enabled(self) -> bool:
        return bool(self.bedrock_model_id or self.bedrock_agent_id)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_channel)

    @property
    def email_enabled(self) -> bool:
        return bool(self.team_emails and self.ses_region and self.ses_from_email)
