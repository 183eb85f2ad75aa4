"""The analyst: Bedrock's analysis, or a rule-based summary that says it is not AI.

One `Analyst` decides between the two for everything the receiver analyses: an incident's alerts
(`analyze`, shown under the alert) and the cluster's current state on demand (`analyze_state`,
`POST /api/v1/analyze`, see ondemand.py). Bedrock is asked when it is configured; when it is not,
or fails, the rule-based summary says why in its first line.

For an incident, the prompt carries the alerts (labels, annotations), the log context and a few
related metrics, every piece redacted and bounded (`BEDROCK_MAX_PROMPT_CHARS`): no secret or
address leaves for the model, and no log storm makes a prompt that costs a fortune. The related
metrics come from the alert itself: its rule's expression (in `generatorURL`) is split at its
comparison, and the left-hand side is queried over the alert's window, so the summary can say
"is 91.2, threshold > 85, peak 95.1" without knowing any rule.

Without Bedrock (or when it fails), the rule-based summary lists what crossed which threshold
and the most frequent error lines, and its first line says it is not an AI analysis.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from alert_receiver.enrichment import Analysis, LogContext
from alert_receiver.payload import Alert, iso
from integrations.bedrock import BedrockClient
from integrations.errors import IntegrationError
from integrations.prometheus import PrometheusClient
from runtime import logtext
from runtime.redact import Redactor

_COMPARISONS = (">=", "<=", "==", "!=", ">", "<")
SYSTEM_PROMPT = (
    "You are a site reliability engineer on call for a Kubernetes cluster monitored with "
    "Prometheus, Loki and Istio. From the alerts, metrics and log lines below, write: "
    "1) the most likely cause, 2) the impact, 3) the next two or three checks (concrete kubectl "
    "commands or PromQL), 4) whether it looks transient. Be brief: at most 180 words, short "
    "lines, no headings. Say plainly when the data is not enough; never invent values. "
    "Secrets in the data were replaced with [REDACTED]."
)
STATE_SYSTEM_PROMPT = (
    "You are a site reliability engineer. Summarise the current state of a Kubernetes cluster "
    "from the firing alerts, key metrics and error log counts below: what needs attention first, "
    "likely causes, and next checks. At most 200 words; never invent values."
)
LANGUAGE = {"ko": "Answer in Korean.", "en": "Answer in English."}
MAX_ANSWER_CHARS = 6000


def expr_from_generator_url(url: str) -> str | None:
    """The rule expression Prometheus puts in an alert's `generatorURL` (`/graph?g0.expr=...`)."""
    try:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    except ValueError:
        return None
    values = query.get("g0.expr")
    return values[0] if values else None


def split_comparison(expr: str) -> tuple[str, str, str] | None:
    """`a * 100 > 85` -> ("a * 100", ">", "85"): the last comparison outside parentheses,
    braces, brackets and strings. None if there is none."""
    depth, quote, found = 0, "", None
    i = 0
    while i < len(expr):
        c = expr[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'`":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            for op in _COMPARISONS:
                if (
                    expr.startswith(op, i)
                    and not expr.startswith("=~", i)
                    and expr[i - 1 : i] != "="
                ):
                    found = (i, op)
                    i += len(op) - 1
                    break
        i += 1
    if not found:
        return None
    at, op = found
    lhs, rhs = expr[:at].strip(), expr[at + len(op) :].strip()
    rhs = re.sub(r"^bool\s+", "", rhs)
    return (lhs, op, rhs) if lhs and rhs else None


def _matches(series: Mapping[str, str], alert: Mapping[str, str]) -> bool:
    return all(alert.get(k, v) == v for k, v in series.items() if k != "__name__")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class RelatedMetrics:
    """The alert expression's left-hand side around the alert, from Prometheus."""

    def __init__(
        self,
        prometheus: PrometheusClient | None,
        *,
        timeout: float = 5.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        observe: Callable[[str, float], None] = lambda outcome, seconds: None,
    ) -> None:
        self.prometheus, self.timeout, self._clock, self._observe = (
            prometheus,
            timeout,
            clock,
            observe,
        )

    def for_alerts(self, alerts: Iterable[Alert], limit: int = 3) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for alert in alerts:
            if len(out) >= limit:
                break
            expr = expr_from_generator_url(alert.generator_url)
            if not expr:
                continue
            parts = split_comparison(expr)
            item: dict[str, Any] = {"alert": alert.name, "expr": expr}
            if parts:
                lhs, op, rhs = parts
                item.update(lhs=lhs, op=op, threshold=_number(rhs), rhs=rhs)
                if self.prometheus is not None:
                    item.update(self._values(lhs, alert))
            out.append(item)
        return out

    def _values(self, lhs: str, alert: Alert) -> dict[str, Any]:
        now = self._clock()
        start = min(alert.starts_at - timedelta(minutes=15), now - timedelta(minutes=1))
        step = max(15.0, (now - start).total_seconds() / 60)
        t0 = time.monotonic()
        if self.prometheus is None:
            return {"error": "Prometheus is not configured"}
        try:
            series = self.prometheus.query_range(lhs, start, now, step, timeout=self.timeout)
        except IntegrationError as e:
            self._observe("error", time.monotonic() - t0)
            return {"error": e.reason}
        self._observe("ok", time.monotonic() - t0)
        mine = [s for s in series if _matches(s.labels, alert.labels)] or series[:1]
        if not mine or not mine[0].values:
            return {"error": "no samples"}
        values = [v for _, v in mine[0].values]
        return {"current": values[-1], "peak": max(values), "low": min(values)}


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def top_log_messages(logs: LogContext | None, n: int = 3) -> list[tuple[int, str]]:
    lines = logs.error_lines if logs else []
    counts = Counter(logtext.normalise(x.line) for x in lines)
    return [(c, m) for m, c in counts.most_common(n)]


def rule_based(
    alerts: list[Alert], logs: LogContext | None, metrics: list[dict[str, Any]], why: str
) -> str:
    lines = [f"Rule-based summary, not an AI analysis ({why})."]
    by_alert = {m["alert"]: m for m in metrics}
    for a in alerts[:10]:
        where = ", ".join(
            f"{k}={a.labels[k]}"
            for k in ("namespace", "pod", "container", "node", "instance", "service", "target")
            if k in a.labels
        )
        text = f"• {a.name} ({a.severity})" + (f" on {where}" if where else "")
        m = by_alert.get(a.name)
        if m and m.get("lhs"):
            text += f": {m['lhs']} {m['op']} {m['rhs']}"
            if m.get("current") is not None:
                text += (
                    f"; now {_fmt(m['current'])}, peak {_fmt(m.get('peak'))}"
                    f" (threshold {m['op']} {m['rhs']})"
                )
        elif a.annotations.get("description"):
            text += f": {a.annotations['description'][:300]}"
        lines.append(text)
    if len(alerts) > 10:
        lines.append(f"• … and {len(alerts) - 10} more alerts")
    top = top_log_messages(logs)
    if top:
        lines.append("Most frequent error lines:")
        lines += [f"• {c}x {m}" for c, m in top]
    elif logs and logs.status != "ok":
        lines.append(f"Logs: {logs.reason or logs.status}.")
    return "\n".join(lines)


def build_prompt(
    alerts: list[Alert],
    logs: LogContext | None,
    metrics: list[dict[str, Any]],
    redact: Redactor,
    max_chars: int,
) -> str:
    """The user message: alerts, metrics, logs; each section bounded, all redacted."""
    alert_part = []
    for a in alerts[:15]:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(redact.mapping(a.labels).items()))
        notes = redact.mapping(a.annotations)
        alert_part.append(
            f"- {a.name} [{a.status}, {a.severity}] since {iso(a.starts_at)}\n"
            f"  labels: {labels}\n"
            + "".join(
                f"  {k}: {notes[k][:600]}\n" for k in ("summary", "description") if notes.get(k)
            )
        )
    metric_part = []
    for m in metrics:
        line = f"- {m['alert']}: {redact(m.get('lhs') or m['expr'])}"
        if m.get("op"):
            line += f" {m['op']} {m['rhs']}"
        if m.get("current") is not None:
            line += f" | now {_fmt(m['current'])}, peak {_fmt(m['peak'])}, low {_fmt(m['low'])}"
        elif m.get("error"):
            line += f" | not available: {m['error']}"
        metric_part.append(line + "\n")
    log_part = [
        f"{iso(x.time)} {x.source} {redact(x.line)}\n" for x in (logs.lines if logs else ())
    ]
    if not log_part:
        reason = (logs.reason if logs else "") or "none"
        log_part = [f"(no log lines: {reason})\n"]
    budget = max_chars - 200
    sections = []
    for title, items, share in (
        (f"Alerts ({min(len(alerts), 15)} of {len(alerts)} shown)", alert_part, 0.45),
        ("Metrics (the alert expression's left-hand side)", metric_part or ["(none)\n"], 0.15),
        ("Logs, error lines first", log_part, 0.40),
    ):
        text = "".join(items)
        cap = int(budget * share)
        if len(text) > cap:
            text = text[:cap] + "\n[... cut to fit]\n"
        sections.append(f"## {title}\n{text}")
    return "\n".join(sections)[:max_chars]


class Analyst:
    """Decides AI or rules, for an incident and for the cluster state; never raises for
    Bedrock's failures (the rule-based summary says what failed)."""

    def __init__(
        self,
        bedrock: BedrockClient | None,
        metrics: RelatedMetrics,
        redactor: Redactor,
        *,
        language: str = "ko",
        max_prompt_chars: int = 12000,
        observe: Callable[[str, float], None] = lambda outcome, seconds: None,
    ) -> None:
        self.bedrock, self.metrics, self.redact = bedrock, metrics, redactor
        self.language, self.max_prompt_chars, self._observe = language, max_prompt_chars, observe

    @property
    def label(self) -> str:
        return self.bedrock.label if self.bedrock else "rules"

    @property
    def ai_configured(self) -> bool:
        """Whether Bedrock is asked at all (a rule-based answer then means it failed)."""
        return self.bedrock is not None

    def analyze(
        self,
        alerts: list[Alert],
        logs: LogContext | None,
        *,
        session_id: str = "alert",
        ai: bool = True,
        why: str = "",
    ) -> Analysis:
        """An incident's alerts with their log context and related metrics. `ai=False` (with
        `why`) writes the rule-based summary without asking Bedrock."""
        t0 = time.monotonic()
        metrics = self.metrics.for_alerts(alerts)
        return self._decide(
            SYSTEM_PROMPT,
            lambda: build_prompt(alerts, logs, metrics, self.redact, self.max_prompt_chars),
            lambda reason: rule_based(alerts, logs, metrics, reason),
            session_id=session_id,
            ai=ai,
            why=why,
            t0=t0,
        )

    def analyze_state(self, summary: str, failed_sources: Iterable[str]) -> Analysis:
        """The cluster's current state, as ondemand.py summarised it (firing alerts, key metrics,
        error log counts), and which of those sources failed."""
        failed = "; ".join(failed_sources) or "none"
        return self._decide(
            STATE_SYSTEM_PROMPT,
            lambda: self.redact(f"{summary}\n\nSources that failed: {failed}")[
                : self.max_prompt_chars
            ],
            lambda reason: f"Rule-based summary, not an AI analysis ({reason}).\n{summary}",
            session_id="cluster-state",
        )

    def _decide(
        self,
        system: str,
        prompt: Callable[[], str],
        rules: Callable[[str], str],
        *,
        session_id: str,
        ai: bool = True,
        why: str = "",
        t0: float | None = None,
    ) -> Analysis:
        """Bedrock when configured and wanted, else (or when it fails) the rule-based text
        `rules(reason)`; both redacted."""
        t0 = time.monotonic() if t0 is None else t0
        if self.bedrock is None or not ai:
            return self._rules(rules, why or "Bedrock is not configured", t0)
        try:
            answer = self.bedrock.complete(
                f"{system} {LANGUAGE.get(self.language, '')}", prompt(), session_id=session_id
            )
        except IntegrationError as e:
            self._observe("error", time.monotonic() - t0)
            return self._rules(rules, f"AI analysis failed: {e.reason}", t0)
        self._observe("ok", time.monotonic() - t0)
        return Analysis(
            kind="ai",
            text=self.redact(answer.text)[:MAX_ANSWER_CHARS],
            model=answer.model,
            note="",
            seconds=round(time.monotonic() - t0, 3),
        )

    def _rules(self, rules: Callable[[str], str], why: str, t0: float) -> Analysis:
        return Analysis(
            kind="rules",
            text=self.redact(rules(why)),
            model=None,
            note=why,
            seconds=round(time.monotonic() - t0, 3),
        )
