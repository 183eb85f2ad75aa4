"""The report's prose: written by Bedrock from the collected figures, or by rules without it.

Bedrock gets the figures only (`facts()`: numbers, names of nodes, pods, services and alerts,
and the top log messages already normalised), serialised as JSON and passed through `redact()`
once more, never raw log lines. It is told to use no number it was not given. Without Bedrock,
or when it fails, `rule_summary()` writes the same kind of summary from fixed sentences and the
report says which of the two the reader is looking at.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Protocol

from integrations.errors import IntegrationError
from reporter.format import count, duration, num, pct, short_time
from reporter.i18n import format_period, t
from reporter.model import Narrative, ReportData
from runtime.redact import Redactor

log = logging.getLogger("reporter")
MAX_CHARS = 3000

SYSTEM_PROMPT = {
    "ko": (
        "당신은 Kubernetes 클러스터의 운영 리포트를 쓰는 SRE입니다. 주어진 JSON의 수치만 "
        "사용하고 없는 수치나 사실을 지어내지 마세요. 한국어로 3~5개 문단, 각 문단 2~4문장, "
        "모두 1,200자 이내로 쓰세요. 제목, 목록 기호, 마크다운 없이 평문으로 쓰고 문단은 빈 "
        "줄로 나누세요. 첫 문단은 전체 상태, 다음 문단들은 주의할 점과 가능한 원인, 마지막 "
        "문단은 권장 조치입니다. 비율은 %로, 이전 기간과의 변화가 있으면 함께 말하세요. "
        "threshold_crossings에 critical이 있으면 첫 문단을 그것으로 시작하세요: 무엇이, "
        "언제부터 언제까지, 얼마나 오래."
    ),
    "en": (
        "You are an SRE writing a Kubernetes cluster's operations report. Use only the figures "
        "in the JSON you are given and invent no number or fact. Write 3 to 5 paragraphs of 2 to "
        "4 sentences each, under 1,200 characters in all, in plain text without headings, "
        "bullets or markdown, paragraphs separated by a blank line. First the overall state, "
        "then what needs attention and likely causes, last the recommended actions. Give ratios "
        "in %, and mention the change from the previous period where there is one. If "
        "threshold_crossings has critical ones, open with them: what, from when to when, and "
        "for how long."
    ),
}


class Completer(Protocol):
    @property
    def label(self) -> str: ...

    def complete(self, system: str, prompt: str, session_id: str = ...) -> Any: ...


def facts(data: ReportData) -> dict[str, Any]:
    """What the model may see: figures and names, rounded, no raw log lines."""

    def r(v: float | None, digits: int = 2) -> float | None:
        return None if v is None else round(v, digits)

    return {
        "cluster": data.cluster,
        "period": {
            "kind": data.period.kind,
            "start": data.period.start.isoformat(),
            "end": data.period.end.isoformat(),
            "complete": data.period.complete,
        },
        # first: what crossed a threshold, when and for how long (the report leads with it)
        "threshold_crossings": [
            {
                "subject": c.where,
                "measure": c.area,
                "level": c.severity,
                "minutes": r(c.minutes, 0),
                "from": c.first.isoformat(),
                "to": c.last.isoformat(),
            }
            for c in data.crossings[:12]
        ],
        "key_figures": {
            f.key: {
                "value": r(f.value),
                "previous": r(f.previous),
                "unit": f.unit,
                "level": f.level,
            }
            for f in data.figures
        },
        "thresholds_percent_or_ms": {
            k: {
                "warning": v.warning,
                "critical": v.critical,
                "alert_fires_when": f"{v.op} for {v.for_}",
            }
            for k, v in data.thresholds.items()
        },
        "nodes": [
            {
                "node": n.label,
                "cpu_avg_pct": r(_p(n.cpu.avg)),
                "cpu_peak_pct": r(_p(n.cpu.peak)),
                "cpu_worst_hour_pct": r(_p(n.cpu_worst_hour.value)) if n.cpu_worst_hour else None,
                "memory_avg_pct": r(_p(n.memory.avg)),
                "disk_peak_pct": r(_p(n.disk.peak)),
            }
            for n in sorted(data.nodes, key=lambda n: -(n.cpu.peak or 0))[:8]
        ],
        "top_pods_cpu_cores": [
            {"pod": f"{p.namespace}/{p.pod}", "avg": r(p.cpu_avg, 3), "peak": r(p.cpu_peak, 3)}
            for p in data.top_pods_cpu[:5]
        ],
        "containers_near_limits_pct": [
            {
                "container": f"{c.namespace}/{c.pod}/{c.container}",
                "cpu_of_limit_peak": r(_p(c.cpu_limit_peak)),
                "memory_of_limit_peak": r(_p(c.memory_limit_peak)),
            }
            for c in data.containers[:5]
        ],
        "restarts": [
            {
                "container": f"{x.namespace}/{x.pod}/{x.container}",
                "restarts": x.restarts,
                "oom_kills": x.oom_kills,
            }
            for x in data.restarts[:5]
        ],
        "services": [
            {
                "service": f"{s.namespace}/{s.service}",
                "requests": r(s.requests, 0),
                "error_pct": r(_p(s.error_ratio), 3),
                "p95_ms_avg": r(s.latency_avg, 0),
                "p95_ms_peak": r(s.latency_peak, 0),
                "error_pct_worst_hour": r(_p(s.error_worst_hour.value), 3)
                if s.error_worst_hour
                else None,
            }
            for s in sorted(data.services, key=lambda s: -(s.error_ratio or 0))[:6]
        ],
        "probes": [
            {
                "target": f"{p.kind}/{p.target}",
                "availability_pct": r(_p(p.availability), 3),
                "failures": p.failures,
                "down_minutes": r(p.down_minutes, 0),
            }
            for p in data.probes
            if (p.availability or 0) < 1
        ][:8],
        "alerts": [
            {
                "alert": a.alertname,
                "severity": a.severity,
                "fired": a.fired,
                "firing_minutes": r(a.firing_minutes, 0),
            }
            for a in data.alerts[:8]
        ],
        "log_errors": None
        if data.logs is None
        else {
            "total": r(data.logs.total, 0),
            "by_service": [[s, r(n, 0)] for s, n in data.logs.by_service[:5]],
            "top_messages": [[m.message, m.count] for m in data.logs.messages[:5]],
        },
        "missing_data": dict(data.missing),
    }


def _p(ratio: float | None) -> float | None:
    return None if ratio is None else ratio * 100


def prompt(data: ReportData, lang: str, redact: Redactor) -> tuple[str, str]:
    body = redact(json.dumps(facts(data), ensure_ascii=False, separators=(",", ":")))
    title = t(lang, f"title.{data.period.kind}")
    intro = f"{title}, {format_period(lang, data.period)}. " + (
        "다음 수치로 분석을 써 주세요:\n" if lang == "ko" else "Write the analysis from:\n"
    )
    return SYSTEM_PROMPT[lang], intro + body


def write_narrative(
    data: ReportData, lang: str, bedrock: Completer | None, redact: Redactor
) -> Narrative:
    """Bedrock's analysis, or the rule-based summary saying why there is none."""
    if bedrock is None:
        return Narrative(
            rule_summary(data, lang), "rules", note=t(lang, "narrative.not_configured")
        )
    system, user = prompt(data, lang, redact)
    try:
        answer = bedrock.complete(system, user, f"report-{data.period.kind}-{data.period.label}")
    except IntegrationError as e:
        log.warning("bedrock failed, using the rule-based summary: %s", e)
        return Narrative(rule_summary(data, lang), "rules", note=str(e), model=bedrock.label)
    return Narrative(clean(answer.text, redact), "bedrock", model=answer.model)


def clean(text: str, redact: Redactor) -> str:
    """Plain paragraphs: markdown marks dropped, secrets redacted, length capped."""
    text = re.sub(r"^[ \t]{0,3}(#{1,6}[ \t]+|[-*•][ \t]+|\d+\.[ \t]+)", "", text, flags=re.M)
    text = text.replace("**", "").replace("`", "")
    text = re.sub(r"\n{3,}", "\n\n", redact(text)).strip()
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 3].rstrip() + "..."


def _critical_crossings(data: ReportData, lang: str, most: int = 5) -> list[str]:
    """What crossed a critical threshold, when and for how long: the summary leads with it."""
    critical = [c for c in data.crossings if c.severity == "critical"]
    out = []
    for c in critical[:most]:
        th = data.thresholds.get(c.area)
        unit = " ms" if c.area == "latency" else "%"
        out.append(
            t(
                lang,
                "rules.crossing",
                subject=c.where,
                what=re.sub(r"\s*\([^)]*\)$", "", t(lang, f"area.{c.area}")),
                level=t(lang, "level.critical"),
                threshold=f"{th.op} {th.critical:g}{unit}" if th else "-",
                start=short_time(c.first, lang),
                end=short_time(c.last, lang),
                duration=duration(c.minutes, lang),
            )
        )
    if len(critical) > most:
        out.append(t(lang, "rules.more_crossings", count=len(critical) - most))
    return out


def rule_summary(data: ReportData, lang: str) -> str:
    """A few sentences from the figures alone, in the report language."""

    def tr(key: str, **kw: Any) -> str:
        return t(lang, key, **kw)

    paragraphs: list[list[str]] = [[], [], [], []]
    paragraphs[0].extend(_critical_crossings(data, lang))
    cpu, memory = data.figure("cpu_avg"), data.figure("memory_avg")
    if cpu and memory and cpu.value is not None and memory.value is not None:
        change = ""
        if cpu.previous is not None and cpu.direction != "flat":
            diff = cpu.value - cpu.previous
            sign = "+" if diff >= 0 else "-"
            points = f"{sign}{num(abs(diff))}{'%p' if lang == 'ko' else ' pts'}"
            change = tr(
                "rules.usage_change", cpu_change=points, compare=tr(f"change.{data.period.kind}")
            )
        paragraphs[0].append(
            tr(
                "rules.usage",
                cpu=f"{num(cpu.value)}%",
                memory=f"{num(memory.value)}%",
                change=change,
            )
        )
    if data.nodes:
        busiest = max(data.nodes, key=lambda n: n.cpu.peak or 0)
        paragraphs[0].append(
            tr("rules.busiest_node", node=busiest.label, peak=f"{pct(busiest.cpu.peak)}%")
        )
        fullest = max(data.nodes, key=lambda n: n.disk.peak or 0)
        if fullest.disk.peak is not None:
            paragraphs[0].append(
                tr(
                    "rules.disk",
                    node=fullest.label,
                    mount=fullest.disk_mountpoint or "-",
                    value=f"{pct(fullest.disk.peak)}%",
                )
            )
    areas = {
        "cpu_avg": "cpu",
        "memory_avg": "memory",
        "disk_peak": "disk",
        "error_ratio": "error_rate",
    }
    for f in data.figures:
        if f.level in ("warning", "critical") and f.key in areas and f.value is not None:
            th = data.thresholds[areas[f.key]]
            threshold = th.warning if f.level == "warning" else th.critical
            paragraphs[0].append(
                tr(
                    "rules.threshold",
                    what=tr(f"figure.{f.key}"),
                    level=tr(f"level.{f.level}"),
                    threshold=f"{threshold:g}",
                    value=f"{num(f.value, f.digits)}%",
                )
            )
    ratio, latency = data.figure("error_ratio"), data.figure("latency")
    if data.services and ratio and ratio.value is not None:
        paragraphs[1].append(
            tr(
                "rules.traffic",
                ratio=f"{num(ratio.value, 2)}%",
                latency=f"{num(latency.value, 0)} ms"
                if latency and latency.value is not None
                else "-",
            )
        )
        worst = max(data.services, key=lambda s: s.error_ratio or 0)
        if worst.error_ratio:
            paragraphs[1].append(
                tr(
                    "rules.worst_service",
                    service=f"{worst.namespace}/{worst.service}",
                    ratio=f"{pct(worst.error_ratio, 2)}%",
                )
            )
    if data.probes and "probes" not in data.missing:
        worst_probe = min(
            data.probes, key=lambda p: p.availability if p.availability is not None else 1
        )
        if (worst_probe.availability or 0) >= 1:
            paragraphs[1].append(tr("rules.probes_ok"))
        else:
            paragraphs[1].append(
                tr(
                    "rules.probes_bad",
                    target=f"{worst_probe.kind}/{worst_probe.target}",
                    availability=f"{pct(worst_probe.availability, 3)}%",
                    down=count(worst_probe.down_minutes),
                )
            )
    if "alerts" not in data.missing:
        if data.alerts:
            top = max(data.alerts, key=lambda a: a.fired)
            paragraphs[1].append(
                tr(
                    "rules.alerts",
                    count=count(sum(a.fired for a in data.alerts)),
                    name=top.alertname,
                    times=count(top.fired),
                )
            )
        else:
            paragraphs[1].append(tr("rules.no_alerts"))
    if "restarts" not in data.missing:
        if data.restarts:
            top_r = data.restarts[0]
            paragraphs[2].append(
                tr(
                    "rules.restarts",
                    restarts=count(sum(x.restarts for x in data.restarts)),
                    oom=count(sum(x.oom_kills for x in data.restarts)),
                    container=f"{top_r.namespace}/{top_r.pod}/{top_r.container}",
                    count=count(top_r.restarts),
                )
            )
        else:
            paragraphs[2].append(tr("rules.no_restarts"))
    if data.logs is not None and data.logs.by_service:
        name, n = data.logs.by_service[0]
        paragraphs[2].append(
            tr("rules.logs", count=count(data.logs.total), service=name, service_count=count(n))
        )
    if data.missing:
        names = ", ".join(tr(f"section.{s}") for s in data.missing)
        paragraphs[3].append(tr("rules.missing", sections=names))
    return "\n\n".join(" ".join(p) for p in paragraphs if p)
