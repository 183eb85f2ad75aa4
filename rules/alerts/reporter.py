"""Alerts on the scheduled reports, from kube-state-metrics' Job and CronJob series.

The reporter is a CronJob that runs for a minute and exits, so it pushes nothing: what it did is
in its Job's status, which kube-state-metrics exports. Its exit codes (reporter/cli.py) and the
CronJobs' `podFailurePolicy` make the Job's status say which way it ended:

- no report delivered after its retries (exit 1), or over its deadline: the Job fails with
  reason `BackoffLimitExceeded` / `DeadlineExceeded`, which kube-state-metrics names in
  `kube_job_status_failed{reason}`: `ReporterJobFailed`.
- delivered with a source missing (exit 3), or bad settings (exit 2): the pod failure policy
  fails the Job at once, without a retry that would send the report twice. kube-state-metrics
  exports that reason as `reason=""`: `ReporterRunIncomplete`.
- not run at all (the CronJob suspended, the controller down, every run failed): the CronJob's
  last successful time is too old: `ReporterOverdue`.
"""

from __future__ import annotations

from rules.config import RulesConfig
from rules.model import Alert, RuleGroup, dedent, label, on, sel
from runtime.durations import parse_duration

DASHBOARD = "pack-health"


def reporter_alerts(cfg: RulesConfig) -> RuleGroup:
    ksm, pack, f = cfg.selectors.kube_state_metrics, cfg.pack, cfg.alert_for
    names = "|".join(pack.reporter_cronjobs)
    ns = f'namespace="{pack.namespace}"'
    jobs = (ksm, ns, f'job_name=~"({names})-[0-9]+"')
    keys = ("namespace", "job_name")
    failed = sel("kube_job_failed", *jobs, 'condition="true"')
    by_policy = sel("kube_job_status_failed", *jobs, 'reason=""')
    window = int(parse_duration(pack.reporter_failure_window))
    recent = f"time() - {sel('kube_job_created', *jobs)} < {window}"
    rules: list[Alert] = [
        Alert(
            name="ReporterJobFailed",
            severity="warning",
            expr=dedent(f"""
                {failed} == 1
                unless {on(cfg, *keys)} ({by_policy} > 0)
                and {on(cfg, *keys)} ({recent})
            """),
            for_=f["ReporterJobFailed"],
            summary="A scheduled report failed: nothing was delivered.",
            dashboard=DASHBOARD,
            description=f"Report Job {label('namespace')}/{label('job_name')} failed after its "
            "retries or ran past its deadline: no report was delivered for its period.",
        ),
        Alert(
            name="ReporterRunIncomplete",
            severity="warning",
            expr=dedent(f"""
                {failed} == 1
                and {on(cfg, *keys)} ({by_policy} > 0)
                and {on(cfg, *keys)} ({recent})
            """),
            for_=f["ReporterRunIncomplete"],
            summary="A scheduled report was delivered with a source missing, or not at all.",
            dashboard=DASHBOARD,
            description=f"Report Job {label('namespace')}/{label('job_name')} exited 3 (the "
            "report was delivered, but a source such as Loki, Prometheus or Bedrock failed: it "
            "says which) or 2 (its settings are invalid: nothing was delivered); "
            f"`kubectl logs job/{label('job_name')} -n {label('namespace')}` tells which.",
        ),
    ]
    for cronjob, gap in pack.reporter_cronjobs.items():
        cj = (ksm, ns, f'cronjob="{cronjob}"')
        rules.append(
            Alert(
                name="ReporterOverdue",
                severity="warning",
                expr=dedent(f"""
                    time() - (
                      {sel("kube_cronjob_status_last_successful_time", *cj)}
                      or
                      {sel("kube_cronjob_created", *cj)}
                    ) > {int(parse_duration(gap))}
                """),
                for_=f["ReporterOverdue"],
                summary="A scheduled report has not succeeded for longer than its period.",
                dashboard=DASHBOARD,
                description=f"CronJob {label('namespace')}/{label('cronjob')} has not completed "
                "a report for {{ $value | humanizeDuration }} (expected at least every "
                f"{gap}): its runs fail, or it does not run.",
            )
        )
    return RuleGroup(name="reporter.alerts", file="pack", rules=tuple(rules))
