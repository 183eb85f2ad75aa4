"""Every fixed string of the report, in Korean (the default) and English, and date formats.

One table, each key with its Korean and English text side by side, so a string cannot exist in
one language only (a test checks every key the templates and code use exists). `{name}`
placeholders are filled with `str.format`. Text uses ASCII '-' rather than U+2212, which
NanumGothic lacks.
"""

from __future__ import annotations

from datetime import date, datetime

from reporter.period import Period

# key: (Korean, English)
STRINGS: dict[str, tuple[str, str]] = {
    "title.daily": ("일간 운영 리포트", "Daily operations report"),
    "title.weekly": ("주간 운영 리포트", "Weekly operations report"),
    "title.monthly": ("월간 운영 리포트", "Monthly operations report"),
    "cover.cluster": ("클러스터", "Cluster"),
    "cover.period": ("기간", "Period"),
    "cover.generated": ("작성 시각", "Generated"),
    "cover.timezone": ("시간대", "Time zone"),
    "cover.to_date": (
        "{end}까지 집계 (기간 진행 중)",
        "to date, up to {end} (period not over yet)",
    ),
    "cover.sources": ("데이터 출처", "Data sources"),
    "cover.missing_warning": (
        "일부 데이터를 가져오지 못했습니다: {sources}. 해당 섹션에 표시했습니다.",
        "Some data could not be fetched: {sources}. The sections say which.",
    ),
    "page": ("페이지 {page} / {total}", "Page {page} of {total}"),
    "footer": ("{cluster} · {title} · {period}", "{cluster} · {title} · {period}"),
    "section.summary": ("요약", "Summary"),
    "section.figures": ("핵심 지표", "Key figures"),
    "section.narrative": ("분석", "Analysis"),
    "section.usage": ("클러스터 자원 사용량", "Cluster resource usage"),
    "section.nodes": ("노드별 사용량", "Usage per node"),
    "section.workloads": ("워크로드", "Workloads"),
    "section.restarts": ("재시작과 OOM 종료", "Restarts and OOM kills"),
    "section.traffic": ("HTTP 오류와 응답 시간", "HTTP errors and latency"),
    "section.probes": ("헬스체크 가용성", "Healthcheck availability"),
    "section.alerts": ("발생한 알림", "Alerts fired"),
    "section.inventory": ("Kubernetes 현황", "Kubernetes inventory"),
    "section.logs": ("오류 로그", "Error logs"),
    "section.sources": ("데이터 출처와 링크", "Data sources and links"),
    "section.comparison": ("이전 기간 비교", "Comparison with the previous period"),
    "figure.cpu_avg": ("평균 CPU 사용률", "Average CPU usage"),
    "figure.memory_avg": ("평균 메모리 사용률", "Average memory usage"),
    "figure.disk_peak": ("최대 디스크 사용률", "Peak disk usage"),
    "figure.error_ratio": ("5xx 오류율", "5xx error ratio"),
    "figure.latency": ("p95 응답 시간", "p95 latency"),
    "figure.http_5xx": ("5xx 응답 수", "5xx responses"),
    "figure.availability": ("최저 가용성", "Lowest availability"),
    "figure.alerts_fired": ("발생한 알림", "Alerts fired"),
    "figure.restarts": ("컨테이너 재시작", "Container restarts"),
    "figure.oom_kills": ("OOM 종료", "OOM kills"),
    "figure.log_errors": ("오류 로그 수", "Error log lines"),
    "change.daily": ("전일 대비", "vs. previous day"),
    "change.weekly": ("지난주 대비", "vs. last week"),
    "change.monthly": ("지난달 대비", "vs. last month"),
    "change.insufficient": (
        "이전 기간의 데이터가 절반도 되지 않아 비교하지 않았습니다.",
        "The previous period has data for less than half of it: no comparison.",
    ),
    "change.none": ("비교 없음", "no comparison"),
    "change.flat": ("변화 없음", "no change"),
    "level.warning": ("주의", "warning"),
    "level.critical": ("위험", "critical"),
    "narrative.bedrock": (
        "AI 분석 (AWS Bedrock, {model}). 수치는 위 표를 기준으로 확인하세요.",
        "AI analysis (AWS Bedrock, {model}). Check figures against the tables.",
    ),
    "narrative.rules": (
        "규칙 기반 자동 요약입니다 (AI 분석 없음: {why}).",
        "Rule-based summary (no AI analysis: {why}).",
    ),
    "narrative.not_configured": ("Bedrock이 설정되지 않음", "Bedrock is not configured"),
    "missing": (
        "데이터 없음: {source}에서 데이터를 가져오지 못했습니다 ({reason}).",
        "Data missing: could not get data from {source} ({reason}).",
    ),
    "no_data": ("이 기간에 해당하는 데이터가 없습니다.", "No data for this period."),
    "missing.not_configured": (
        "{source}이(가) 설정되지 않아 이 섹션은 비어 있습니다.",
        "{source} is not configured, so this section is empty.",
    ),
    "truncated": (
        "상위 {shown}개 행만 표시합니다. 전체 {total}개 행은 CSV 파일에 있습니다.",
        "Showing the top {shown} rows; all {total} rows are in the CSV file.",
    ),
    "chart.usage": (
        "CPU와 메모리 사용률 (노드 평균과 최대, %)",
        "CPU and memory usage (node average and busiest node, %)",
    ),
    "chart.errors": ("단계별 5xx 응답 (분당 건수)", "5xx responses by stage (per minute)"),
    "chart.logs": ("오류 로그 (구간별 건수)", "Error log lines (per interval)"),
    "chart.top_pods": ("CPU 사용량 상위 파드 (평균 코어)", "Top pods by CPU (average cores)"),
    "legend.cpu_avg": ("CPU 평균", "CPU average"),
    "legend.cpu_max": ("CPU 최대 노드", "CPU busiest node"),
    "legend.memory_avg": ("메모리 평균", "Memory average"),
    "legend.memory_max": ("메모리 최대 노드", "Memory busiest node"),
    "legend.warning": ("주의 임계값", "warning threshold"),
    "stage.haproxy": ("HAProxy", "HAProxy"),
    "stage.istio": ("Istio 프록시", "Istio proxy"),
    "stage.application": ("애플리케이션", "Application"),
    "table.thresholds": (
        "알림 임계값: 보고서가 비교하는 값",
        "Alert thresholds: what this report compares with",
    ),
    "table.crossings": (
        "임계값을 넘은 시간 (5분 단위, 알림과 같은 비교)",
        "Time beyond a threshold (5-minute steps, the alert's own comparison)",
    ),
    "crossings.none": (
        "이 기간에 임계값을 넘은 노드나 서비스가 없습니다.",
        "No node or service went beyond a threshold in this period.",
    ),
    "table.node_hours": ("노드별 가장 바빴던 1시간", "Each node's worst hour"),
    "table.service_hours": ("서비스별 가장 나빴던 1시간", "Each service's worst hour"),
    "raw.raw": (
        "이 섹션의 수치는 기록 규칙의 시계열이 없어 원시 시계열에서 같은 식으로 계산했습니다.",
        "The figures of this section were computed from raw series, with the recording rules' "
        "own expressions: the rules have not recorded this period.",
    ),
    "raw.mixed": (
        "이 섹션의 수치 일부는 기록 규칙이 기록하기 전 구간을 원시 시계열에서 계산했습니다.",
        "Part of this section's figures were computed from raw series, for the part of the "
        "period before the recording rules recorded it.",
    ),
    "table.cluster_usage": ("클러스터 사용률 (%)", "Cluster usage (%)"),
    "table.nodes": (
        "노드별 CPU, 메모리, 디스크 사용률 (%)",
        "CPU, memory and disk usage per node (%)",
    ),
    "table.top_pods_cpu": ("CPU 사용량 상위 파드", "Top pods by CPU"),
    "table.top_pods_memory": ("메모리 사용량 상위 파드", "Top pods by memory"),
    "table.containers": (
        "한도에 가까운 컨테이너 (기간 중 최대, 한도 대비 %)",
        "Containers closest to their limits (peak, % of limit)",
    ),
    "table.restarts": ("재시작한 컨테이너", "Containers that restarted"),
    "table.stages": ("단계별 5xx 응답", "5xx responses by stage"),
    "table.services": (
        "서비스별 요청, 오류율, 응답 시간",
        "Requests, error ratio and latency per service",
    ),
    "table.probes": ("헬스체크 대상별 가용성", "Availability per healthcheck target"),
    "table.alerts": ("알림별 발생 횟수", "Alerts by number of times fired"),
    "table.k8s_nodes": ("노드 (Kubernetes API)", "Nodes (Kubernetes API)"),
    "table.pods_by_phase": ("네임스페이스별 파드 상태", "Pods by phase per namespace"),
    "table.log_services": ("서비스별 오류 로그", "Error log lines per service"),
    "table.log_messages": (
        "자주 나온 오류 메시지 (최근 {sampled}줄 기준)",
        "Most frequent error messages (from the latest {sampled} lines)",
    ),
    "col.area": ("항목", "Measure"),
    "col.address": ("주소", "Address"),
    "col.subject": ("대상", "Node or service"),
    "col.level": ("수준", "Level"),
    "col.minutes_beyond": ("넘은 시간 (분)", "Beyond (min)"),
    "col.from": ("처음", "From"),
    "col.to": ("마지막", "To"),
    "col.cpu_worst": ("CPU 최악 1시간 (%)", "CPU worst hour (%)"),
    "col.cpu_worst_at": ("CPU 최악 시작", "CPU worst from"),
    "col.memory_worst": ("메모리 최악 1시간 (%)", "Memory worst hour (%)"),
    "col.memory_worst_at": ("메모리 최악 시작", "Memory worst from"),
    "col.error_worst": ("5xx 최악 1시간 (%)", "5xx worst hour (%)"),
    "col.error_worst_at": ("5xx 최악 시작", "5xx worst from"),
    "col.latency_worst": ("p95 최악 1시간 (ms)", "p95 worst hour (ms)"),
    "col.latency_worst_at": ("p95 최악 시작", "p95 worst from"),
    "col.warning": ("주의", "Warning"),
    "col.critical": ("위험", "Critical"),
    "col.for": ("지속", "For"),
    "area.cpu": ("노드 CPU 사용률 (%)", "Node CPU usage (%)"),
    "area.memory": ("노드 메모리 사용률 (%)", "Node memory usage (%)"),
    "area.disk": ("파일시스템 사용률 (%)", "Filesystem usage (%)"),
    "area.error_rate": ("서비스 5xx 비율 (%)", "Service 5xx ratio (%)"),
    "area.latency": ("서비스 p95 응답 시간 (ms)", "Service p95 latency (ms)"),
    "threshold.prometheus": ("Prometheus가 평가 중인 규칙", "the rule Prometheus evaluates"),
    "threshold.config": (
        "규칙 설정 파일 (Prometheus에 규칙 없음)",
        "rules config (alert not loaded in Prometheus)",
    ),
    "col.resource": ("자원", "Resource"),
    "resource.cpu": ("CPU", "CPU"),
    "resource.memory": ("메모리", "Memory"),
    "resource.disk": ("디스크 (가장 찬 파일시스템)", "Disk (fullest filesystem)"),
    "col.avg": ("평균", "Average"),
    "col.p95": ("p95", "p95"),
    "col.peak": ("최대", "Peak"),
    "col.node": ("노드", "Node"),
    "col.cpu_avg": ("CPU 평균", "CPU avg"),
    "col.cpu_p95": ("CPU p95", "CPU p95"),
    "col.cpu_peak": ("CPU 최대", "CPU peak"),
    "col.memory_avg": ("메모리 평균", "Memory avg"),
    "col.memory_p95": ("메모리 p95", "Memory p95"),
    "col.memory_peak": ("메모리 최대", "Memory peak"),
    "col.disk_peak": ("디스크 최대", "Disk peak"),
    "col.mountpoint": ("마운트 지점", "Mount point"),
    "col.namespace": ("네임스페이스", "Namespace"),
    "col.pod": ("파드", "Pod"),
    "col.container": ("컨테이너", "Container"),
    "col.cpu_cores_avg": ("CPU 평균 (코어)", "CPU avg (cores)"),
    "col.cpu_cores_peak": ("CPU 최대 (코어)", "CPU peak (cores)"),
    "col.memory_mib_avg": ("메모리 평균 (MiB)", "Memory avg (MiB)"),
    "col.memory_mib_peak": ("메모리 최대 (MiB)", "Memory peak (MiB)"),
    "col.cpu_limit_peak": ("CPU 한도 대비 (%)", "CPU of limit (%)"),
    "col.memory_limit_peak": ("메모리 한도 대비 (%)", "Memory of limit (%)"),
    "col.restarts": ("재시작", "Restarts"),
    "col.oom_kills": ("OOM 종료", "OOM kills"),
    "col.stage": ("단계", "Stage"),
    "col.rate_avg": ("평균 (건/분)", "Average (per min)"),
    "col.rate_peak": ("최대 (건/분)", "Peak (per min)"),
    "col.total": ("합계 (건)", "Total"),
    "col.service": ("서비스", "Service"),
    "col.requests": ("요청 수", "Requests"),
    "col.error_ratio": ("5xx 비율 (%)", "5xx ratio (%)"),
    "col.latency_avg": ("p95 평균 (ms)", "p95 avg (ms)"),
    "col.latency_peak": ("p95 최대 (ms)", "p95 peak (ms)"),
    "col.kind": ("종류", "Kind"),
    "col.target": ("대상", "Target"),
    "col.availability": ("가용성 (%)", "Availability (%)"),
    "col.failures": ("장애 횟수", "Failures"),
    "col.degraded": ("일부 실패 (분)", "Partly failing (min)"),
    "col.down": ("전체 실패 (분)", "Down everywhere (min)"),
    "col.alertname": ("알림", "Alert"),
    "col.severity": ("심각도", "Severity"),
    "col.fired": ("발생 횟수", "Times fired"),
    "col.firing_minutes": ("지속 시간 (분)", "Firing (min)"),
    "col.status": ("상태", "Status"),
    "col.roles": ("역할", "Roles"),
    "col.version": ("kubelet 버전", "kubelet version"),
    "col.cpu_capacity": ("CPU (코어)", "CPU (cores)"),
    "col.memory_capacity": ("메모리 (GiB)", "Memory (GiB)"),
    "col.pods_capacity": ("최대 파드", "Max pods"),
    "col.phase_running": ("Running", "Running"),
    "col.phase_pending": ("Pending", "Pending"),
    "col.phase_succeeded": ("Succeeded", "Succeeded"),
    "col.phase_failed": ("Failed", "Failed"),
    "col.phase_unknown": ("Unknown", "Unknown"),
    "col.total_pods": ("합계", "Total"),
    "col.errors": ("오류 수", "Errors"),
    "col.message": ("메시지", "Message"),
    "col.count": ("건수", "Count"),
    "col.services": ("서비스", "Services"),
    "col.source": ("출처", "Source"),
    "col.state": ("상태", "State"),
    "status.ready": ("Ready", "Ready"),
    "status.not_ready": ("NotReady", "NotReady"),
    "status.unknown": ("알 수 없음", "unknown"),
    "status.cordoned": ("스케줄 중지", "cordoned"),
    "source.prometheus": ("Prometheus", "Prometheus"),
    "source.kubernetes": ("Kubernetes API", "Kubernetes API"),
    "source.loki": ("Loki", "Loki"),
    "source.ok": ("정상", "ok"),
    "source.failed": ("실패: {reason}", "failed: {reason}"),
    "source.not_configured": ("설정되지 않음", "not configured"),
    "links.grafana": ("Grafana 대시보드", "Grafana dashboards"),
    "links.kiali": ("Kiali 서비스 그래프", "Kiali service graph"),
    "links.prometheus": ("Prometheus", "Prometheus"),
    "queries": ("Prometheus 쿼리 {count}개로 작성", "Made with {count} Prometheus queries"),
    "severity.critical": ("critical", "critical"),
    "severity.warning": ("warning", "warning"),
    "severity.info": ("info", "info"),
    "email.subject": ("[{cluster}] {title} {period}", "[{cluster}] {title} {period}"),
    "email.body": (
        (
            "{title}를 보내드립니다.\n\n기간: {period}\n클러스터: {cluster}\n\n"
            "{summary}\n\nPDF 파일을 첨부했습니다. 이 메일은 자동으로 발송되었습니다."
        ),
        (
            "Here is the {title_lower}.\n\nPeriod: {period}\nCluster: {cluster}\n\n"
            "{summary}\n\nThe PDF is attached. This e-mail was sent automatically."
        ),
    ),
    "email.body_missing": (
        "※ 일부 데이터를 가져오지 못했습니다: {sources}",
        "Note: some data could not be fetched: {sources}",
    ),
    "slack.comment": (
        "*{title}* {period} ({cluster})\n{summary}",
        "*{title}* {period} ({cluster})\n{summary}",
    ),
    "rules.usage": (
        "클러스터 평균 CPU 사용률은 {cpu}, 메모리 사용률은 {memory}입니다{change}.",
        "Average cluster CPU usage was {cpu} and memory usage {memory}{change}.",
    ),
    "rules.usage_change": (" (CPU {cpu_change}, {compare})", " (CPU {cpu_change} {compare})"),
    "rules.crossing": (
        "{subject}의 {what}이(가) {start}부터 {end}까지 {duration} 동안 {level} 임계값"
        "({threshold})을 넘었습니다.",
        "{subject}: {what} was beyond the {level} threshold ({threshold}) from {start} to "
        "{end}, {duration} in all.",
    ),
    "rules.more_crossings": (
        "이 밖에 위험 임계값을 넘은 경우가 {count}건 더 있습니다.",
        "{count} more went beyond a critical threshold.",
    ),
    "rules.busiest_node": (
        "가장 바쁜 노드는 {node}로 CPU 최대 {peak}였습니다.",
        "The busiest node was {node}, peaking at {peak} CPU.",
    ),
    "rules.threshold": (
        "{what}이(가) {level} 임계값({threshold}%)을 넘었습니다: {value}.",
        "{what} crossed the {level} threshold ({threshold}%): {value}.",
    ),
    "rules.disk": (
        "가장 찬 파일시스템은 {node}의 {mount}로 최대 {value}였습니다.",
        "The fullest filesystem was {mount} on {node}, peaking at {value}.",
    ),
    "rules.traffic": (
        "5xx 응답 비율은 {ratio}, 전체 p95 응답 시간은 {latency}입니다.",
        "{ratio} of requests were answered with a 5xx; overall p95 latency was {latency}.",
    ),
    "rules.worst_service": (
        "오류율이 가장 높은 서비스는 {service}({ratio})입니다.",
        "The service with the highest error ratio was {service} ({ratio}).",
    ),
    "rules.probes_ok": (
        "모든 헬스체크 대상의 가용성이 100%였습니다.",
        "Every healthcheck target was available 100% of the time.",
    ),
    "rules.probes_bad": (
        "가용성이 가장 낮은 대상은 {target}({availability}, 전체 실패 {down}분)입니다.",
        (
            "The least available target was {target} ({availability}, down "
            "everywhere for {down} min)."
        ),
    ),
    "rules.alerts": (
        "알림이 {count}번 발생했고 가장 잦은 알림은 {name}({times}번)입니다.",
        "Alerts fired {count} times; the most frequent was {name} ({times} times).",
    ),
    "rules.no_alerts": ("이 기간에 발생한 알림이 없습니다.", "No alert fired in this period."),
    "rules.restarts": (
        (
            "컨테이너가 {restarts}번 재시작했고 그중 OOM 종료가 {oom}번입니다. "
            "가장 많이 재시작한 컨테이너는 {container}({count}번)입니다."
        ),
        (
            "Containers restarted {restarts} times, {oom} of them OOM kills. The "
            "container that restarted most was {container} ({count} times)."
        ),
    ),
    "rules.no_restarts": ("재시작한 컨테이너가 없습니다.", "No container restarted."),
    "rules.logs": (
        "오류 로그는 {count}건이며 가장 많은 서비스는 {service}({service_count}건)입니다.",
        "There were {count} error log lines; the most came from {service} ({service_count}).",
    ),
    "rules.missing": (
        "다음 데이터는 가져오지 못해 요약에서 빠졌습니다: {sections}.",
        "These could not be fetched and are left out of the summary: {sections}.",
    ),
    "weekday": ("월화수목금토일", "MonTueWedThuFriSatSun"),
}

KO = {k: v[0] for k, v in STRINGS.items()}
EN = {k: v[1] for k, v in STRINGS.items()}
MESSAGES = {"ko": KO, "en": EN}


def t(lang: str, key: str, **values: object) -> str:
    """The string for `key` in `lang`, with `{placeholders}` filled."""
    text = MESSAGES[lang][key]
    return text.format(**values) if values else text


def weekday(lang: str, d: date) -> str:
    if lang == "ko":
        return KO["weekday"][d.weekday()]
    return EN["weekday"][d.weekday() * 3 : d.weekday() * 3 + 3]


def format_date(lang: str, d: date) -> str:
    if lang == "ko":
        return f"{d.year}년 {d.month}월 {d.day}일 ({weekday(lang, d)})"
    return f"{weekday(lang, d)} {d.day} {d.strftime('%b')} {d.year}"


def format_datetime(lang: str, t_: datetime) -> str:
    return f"{format_date(lang, t_.date())} {t_:%H:%M}"


def format_period(lang: str, p: Period) -> str:
    """`2025년 10월`, `2025년 44주차 (10월 27일 - 11월 2일)`, `2025년 10월 31일 (금)`."""
    first, last = p.start.date(), p.last_day
    if p.kind == "daily":
        return format_date(lang, first)
    if p.kind == "weekly":
        year, week, _ = first.isocalendar()
        if lang == "ko":
            span = f"{first.month}월 {first.day}일 - {last.month}월 {last.day}일"
            return f"{year}년 {week}주차 ({span})"
        return f"week {week} of {year} ({first.day} {first:%b} - {last.day} {last:%b})"
    if lang == "ko":
        return f"{first.year}년 {first.month}월"
    return first.strftime("%B %Y")
