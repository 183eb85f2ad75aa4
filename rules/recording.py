"""Recording rules: the expensive expressions that alerts, dashboards and the reporter share.

A 30-day dashboard or report then reads one recorded series per node, container or service instead
of scanning raw cAdvisor, node_exporter and Istio series. Names follow `level:metric:operations`;
where kubernetes-mixin or node-mixin record the same thing, their name and expression are used
(`upstream=`), so their dashboards work here and `omit_upstream_recording_rules` can drop ours
when kube-prometheus already records them.
"""

from __future__ import annotations

from rules.config import RulesConfig
from rules.model import Recording, RuleGroup, by, dedent, num, on, sel

# Labels that name a service in Istio's standard metrics.
ISTIO_SERVICE = ("destination_service_namespace", "destination_service_name", "destination_service")


def _sum_rate(clause: str, selector: str) -> str:
    return f"sum {clause} (\n  rate({selector}[5m])\n)"


def node_recording(cfg: RulesConfig) -> RuleGroup:
    node = cfg.selectors.node_exporter
    fs = cfg.selectors.node_filesystem
    return RuleGroup(
        name="node-usage.rules",
        file="node",
        rules=(
            Recording(
                record="instance:node_cpu_utilisation:rate5m",
                upstream="node-mixin",
                expr=dedent(f"""
                    1 - avg without (cpu) (
                      sum without (mode) (
                        rate({sel("node_cpu_seconds_total", node, 'mode=~"idle|iowait|steal"')}[5m])
                      )
                    )
                """),
            ),
            Recording(
                record="instance:node_memory_utilisation:ratio",
                upstream="node-mixin",
                expr=dedent(f"""
                    1 - (
                      {sel("node_memory_MemAvailable_bytes", node)}
                      /
                      {sel("node_memory_MemTotal_bytes", node)}
                    )
                """),
            ),
            Recording(
                # Space used as users see it (avail excludes root-reserved blocks); read-only
                # filesystems are always "full" and never fill up, so they are left out.
                record="instance_mountpoint:node_filesystem_used:ratio",
                expr=dedent(f"""
                    (
                      1 - (
                        {sel("node_filesystem_avail_bytes", node, fs)}
                        /
                        {sel("node_filesystem_size_bytes", node, fs)}
                      )
                    )
                    unless
                    {sel("node_filesystem_readonly", node, fs)} == 1
                """),
            ),
        ),
    )


def container_recording(cfg: RulesConfig) -> RuleGroup:
    """kubernetes-mixin's container series, then usage against limits (what the alerts compare)."""
    cadvisor = cfg.selectors.cadvisor
    ksm = cfg.selectors.kube_state_metrics
    c = cfg.cluster_label
    pod_node = dedent(f"""
        topk by ({c}, namespace, pod) (
          1, max by ({c}, namespace, pod, node) ({sel("kube_pod_info", ksm, 'node!=""')})
        )
    """)
    phase = sel("kube_pod_status_phase", ksm, 'phase=~"Pending|Running"')

    def limits(resource: str) -> str:
        return dedent(f"""
            {sel("kube_pod_container_resource_limits", f'resource="{resource}"', ksm)}
            * on (namespace, pod, {c}) group_left ()
            max by (namespace, pod, {c}) (
              {phase} == 1
            )
        """)

    def per_limit(aggregation: str, usage: str, limit: str) -> str:
        keys = ("namespace", "pod", "container")
        return dedent(f"""
            {aggregation} {by(cfg, "node", *keys)} (
              {usage}
            )
            / {on(cfg, *keys)} group_left ()
            sum {by(cfg, *keys)} (
              {limit}
            )
        """)

    cpu_usage = "node_namespace_pod_container:container_cpu_usage_seconds_total:sum_rate5m"
    memory_usage = "node_namespace_pod_container:container_memory_working_set_bytes"
    cpu_limits = "cluster:namespace:pod_cpu:active:kube_pod_container_resource_limits"
    memory_limits = "cluster:namespace:pod_memory:active:kube_pod_container_resource_limits"
    container = (cadvisor, 'container!=""', 'image!=""')
    return RuleGroup(
        name="container-limits.rules",
        file="containers",
        rules=(
            Recording(
                record=cpu_usage,
                upstream="kubernetes-mixin",
                expr=dedent(f"""
                    sum by ({c}, namespace, pod, container) (
                      rate({sel("container_cpu_usage_seconds_total", *container)}[5m])
                    ) * on ({c}, namespace, pod) group_left (node)
                """)
                + "\n"
                + pod_node,
            ),
            Recording(
                record=memory_usage,
                upstream="kubernetes-mixin",
                expr=f"{sel('container_memory_working_set_bytes', *container)}\n"
                f"* on ({c}, namespace, pod) group_left (node)\n{pod_node}",
            ),
            Recording(record=cpu_limits, upstream="kubernetes-mixin", expr=limits("cpu")),
            Recording(record=memory_limits, upstream="kubernetes-mixin", expr=limits("memory")),
            Recording(
                record="node_namespace_pod_container:container_cpu_usage_per_limit:ratio_rate5m",
                expr=per_limit("sum", cpu_usage, cpu_limits),
            ),
            Recording(
                # max, not sum: while a container restarts cAdvisor can briefly report the old
                # and the new cgroup, and their working sets must not add up.
                record="node_namespace_pod_container:container_memory_working_set_per_limit:ratio",
                expr=per_limit("max", memory_usage, memory_limits),
            ),
        ),
    )


def istio_recording(cfg: RulesConfig) -> RuleGroup:
    """Per-service request rate, 5xx ratio and latency quantiles, from one reporter's view."""
    reporter = f'reporter="{cfg.istio.reporter}"'
    requests = sel("istio_requests_total", cfg.selectors.istio, reporter)
    errors = sel("istio_requests_total", cfg.selectors.istio, reporter, 'response_code=~"5.."')
    buckets = sel("istio_request_duration_milliseconds_bucket", cfg.selectors.istio, reporter)
    bucket_record = "destination_service_le:istio_request_duration_milliseconds_bucket:rate5m"
    quantiles = tuple(
        Recording(
            record="destination_service_quantile:istio_request_duration_milliseconds:histogram_quantile",
            labels={"quantile": num(q)},
            expr=f"histogram_quantile({num(q)}, {bucket_record})",
        )
        for q in cfg.istio.recorded_quantiles
    )
    return RuleGroup(
        name="istio-services.rules",
        file="istio",
        rules=(
            Recording(
                record="destination_service:istio_requests:rate5m",
                expr=_sum_rate(by(cfg, *ISTIO_SERVICE), requests),
            ),
            Recording(
                record="destination_service:istio_requests_5xx:rate5m",
                expr=_sum_rate(by(cfg, *ISTIO_SERVICE), errors),
            ),
            Recording(
                record="destination_service:istio_requests_5xx:ratio_rate5m",
                expr=dedent("""
                    destination_service:istio_requests_5xx:rate5m
                    /
                    destination_service:istio_requests:rate5m
                """),
            ),
            Recording(
                record=bucket_record,
                expr=_sum_rate(by(cfg, *ISTIO_SERVICE, "le"), buckets),
            ),
            *quantiles,
        ),
    )


def stage_recording(cfg: RulesConfig) -> RuleGroup:
    """5xx responses by the stage where they arose, the old service's "5xx by stage" view.

    haproxy: 5xx the edge made itself (frontend 5xx minus the 5xx its servers returned).
    istio: 5xx an Envoy made, in a gateway or a sidecar: response_flags other than "-" (UF, UH,
    URX, NR, UT, ...); only the proxy that made the response flags it, so no request counts twice.
    application: 5xx the application returned, as its own sidecar saw them (reporter="destination",
    flags "-"); the source side would count the same response again.
    Each DaemonSet pod reads the same HAProxy counters: `max` over nodes counts them once.
    """
    hc = cfg.selectors.healthcheck_exporter
    istio = cfg.selectors.istio
    c = cfg.cluster_label
    five = 'code="5xx"'
    frontend = sel("healthcheck_haproxy_frontend_http_responses_total", hc, five)
    server = sel("healthcheck_haproxy_server_http_responses_total", hc, five)
    proxy_made = sel("istio_requests_total", istio, 'response_code=~"5.."', 'response_flags!="-"')
    app_made = sel(
        "istio_requests_total",
        istio,
        'reporter="destination"',
        'response_code=~"5.."',
        'response_flags="-"',
    )
    record = "stage:http_5xx_responses:rate5m"
    return RuleGroup(
        name="http-5xx-by-stage.rules",
        file="errors-by-stage",
        rules=(
            Recording(
                record=record,
                labels={"stage": "haproxy"},
                expr=dedent(f"""
                    clamp_min(
                        sum by ({c}) (
                          max by ({c}, target, proxy) (
                            rate({frontend}[5m])
                          )
                        )
                      - sum by ({c}) (
                          max by ({c}, target, proxy, server) (
                            rate({server}[5m])
                          )
                        ),
                      0
                    )
                """),
            ),
            Recording(
                record=record,
                labels={"stage": "istio"},
                expr=_sum_rate(f"by ({c})", proxy_made),
            ),
            Recording(
                record=record,
                labels={"stage": "application"},
                expr=_sum_rate(f"by ({c})", app_made),
            ),
        ),
    )


def healthcheck_recording(cfg: RulesConfig) -> RuleGroup:
    probe = sel("healthcheck_probe_success", cfg.selectors.healthcheck_exporter)
    return RuleGroup(
        name="healthcheck.rules",
        file="healthcheck",
        rules=(
            Recording(
                # The fraction of nodes that reach the target; a report's availability is its
                # avg_over_time, without reading one series per node.
                record="kind_target:healthcheck_probe_success:avg",
                expr=f"avg {by(cfg, 'kind', 'target')} ({probe})",
            ),
        ),
    )
