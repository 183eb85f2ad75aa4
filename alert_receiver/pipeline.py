"""What each queued task does. The delivery engine (delivery.py) runs these; they raise to retry.

    notify   (per group, in order)  drop alert states already delivered; post the incident's
             message (waiting for Loki only until the first-post deadline, none for a critical
             alert) or update it and reply in its thread; queue `logs` when alerts joined.
    logs     finish the Loki query (same in-flight query, no second one), store it, queue
             `refresh` and `analyze`.
    analyze  cache by alert identity, else Bedrock (or the rule-based summary); store; `refresh`.
    refresh  (per group) re-render the message from the stored state and `chat.update` it.
    reanalyse (per group) "Analyse again" (slack_buttons.py): a new revision, so fresh logs and
             a new analysis, past the cache, follow as for alerts that joined.
    ondemand (one at a time) analyse the cluster's current state (ondemand.py), store the result
             for `GET /api/v1/analyze/<id>`, queue `message` to post it where it was asked.
    message  post that answer, at top level or in a thread; a refusal is final, bar the token's.
    (The steps a person asks for, `reanalyse`, `ondemand` and `message`, are pipeline_ondemand.py.)

Exactly once, as far as Slack allows: every post carries a nonce (task ID + creation time +
step) as message metadata. A task that runs again after a crash (`attempts > 1`) first asks Slack
for a message with its nonce and adopts it instead of posting twice. Updates are idempotent.
Everything a step changes is committed with the task's deletion in one transaction, so a crash
leaves either the task (to run again) or its full effect, never half.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver import message as render
from alert_receiver import ondemand, pipeline_ondemand
from alert_receiver.analysis import Analyst
from alert_receiver.enrichment import Ack, Analysis, LogContext, SilenceState
from alert_receiver.logs import LogFetcher, PendingLogs
from alert_receiver.metrics import Metrics
from alert_receiver.model import Incident, NewTask, Task
from alert_receiver.payload import Alert, iso, webhook
from alert_receiver.store.base import Store
from integrations.errors import IntegrationError, Rejected
from integrations.slack import CONTENT_ERRORS, Slack
from integrations.slack_common import MESSAGE_ERRORS
from runtime.redact import Redactor

log = logging.getLogger(__name__)


class Pipeline:
    def __init__(
        self,
        store: Store,
        slack: Slack,
        fetcher: LogFetcher,
        analyst: Analyst,
        metrics: Metrics,
        *,
        state: ondemand.StateCollector | None = None,
        first_post_wait: float = 1.5,
        first_post_wait_critical: float = 0.0,
        tz: str = "Asia/Seoul",
        links: render.Links = render.Links(),  # noqa: B008 - frozen
        mention: str = "",
        cache_ttl: float = 86400.0,
        redactor: Redactor | None = None,
        clock: Callable[[], float] = time.time,
        buttons: bool = False,
        respond: Callable[[str, dict[str, Any]], None] | None = None,
        reply_origins: frozenset[str] = frozenset(),
    ) -> None:
        self.store, self.slack, self.fetcher, self.analyst = store, slack, fetcher, analyst
        self.buttons = buttons  # Slack sends presses back (Socket Mode or the signed endpoint)
        self.state = state or ondemand.StateCollector(None, None, None, fetcher.logs)
        self.redactor = redactor or Redactor()
        self.metrics = metrics
        self.first_post_wait, self.tz, self.links = first_post_wait, ZoneInfo(tz), links
        self.first_post_wait_critical = first_post_wait_critical
        self.mention, self.cache_ttl, self._clock = mention, cache_ttl, clock
        # An on-demand answer Slack refused to post goes to the person who asked, through their
        # command's response_url (only on these hosts): pipeline_ondemand.py.
        self.respond, self.reply_origins = respond, reply_origins

    def close(self) -> None:
        self.fetcher.close()

    def handle(self, task: Task) -> None:
        handler = getattr(self, f"_{task.kind}", None)
        if handler is None:
            log.error("task %s: unknown kind %r, dropping it", task.id, task.kind)
            self.store.commit(done=task)
            return
        handler(task)

    # -- notify --------------------------------------------------------------------------------

    def _notify(self, task: Task) -> None:
        n = webhook(task.payload)
        latest = self.store.incident(n.group_id)
        current = latest if latest is not None and not latest.resolved else None
        fresh = self._fresh(n.alerts, current)
        if len(fresh) < len(n.alerts):
            self.metrics.duplicates.inc(len(n.alerts) - len(fresh))
        if not fresh:
            log.debug("group %s: nothing new in notification %s", n.group_id, task.id)
            self.store.commit(done=task)
            return
        is_new = current is None
        incident = current or Incident.start(n, task.created)
        joined, resolved = [], []
        for a in fresh:
            before = incident.alerts.get(a.fingerprint)
            if a.firing and (
                before is None or not before.firing or before.starts_at != a.starts_at
            ):
                joined.append(a)
            elif not a.firing and before is not None and before.firing:
                resolved.append(a)
            incident.alerts[a.fingerprint] = a
        incident.truncated_alerts = n.truncated_alerts
        follow: list[NewTask] = []
        enrichment = None
        logs: LogContext | None = None
        if joined:
            incident.revision += 1
            pending = self.fetcher.start(f"{incident.id}:{incident.revision}", joined)
            if isinstance(pending, PendingLogs):
                wait = self._first_post_wait(joined)
                logs = pending.wait(task.created + wait - self._clock())
            else:
                logs = pending
            if logs is not None:
                enrichment = (incident.id, "logs", incident.revision, logs.to_dict())
            follow.append(
                NewTask(
                    "logs",
                    {
                        "incident": incident.id,
                        "revision": incident.revision,
                        "alerts": [a.fingerprint for a in joined],
                    },
                )
            )
        message = self._render(incident, fresh_logs=logs)
        if is_new or not self.slack.supports_updates:
            posted_ts = self.post_once(task, "post", message)
            if is_new:
                incident.ts = posted_ts
                self.metrics.first_post.observe(max(0.0, self._clock() - task.created))
        else:
            if incident.ts and not self._update(incident.ts, message):
                # The message was deleted: the incident goes on in a new one, or its group's
                # later notifications would wait behind this task for ever.
                incident.ts = self.post_once(task, "repost", message)
            reply = render.render_reply(
                self.redactor.walk(resolved), self.redactor.walk(joined), self.tz
            )
            if reply and incident.ts:
                self.post_once(task, "reply", {"text": reply}, thread_ts=incident.ts)
        self.store.commit(
            done=task,
            incident=incident,
            seen=[a.event_key() for a in fresh],
            enrichment=enrichment,
            enqueue=follow,
        )
        for a in fresh:
            self.metrics.delivered.labels(a.status).inc()
        log.info(
            "group %s: %s incident %s (%d firing, %d joined, %d resolved)",
            n.group_id,
            "posted" if is_new else "updated",
            incident.id[:8],
            len(incident.firing),
            len(joined),
            len(resolved),
        )

    def _first_post_wait(self, joined: list[Alert]) -> float:
        """How long after the webhook arrived a message waits for Loki: a page none (it must not
        wait for log lines, they follow by update), other alerts a moment, so that their one
        post usually carries the lines."""
        if any(a.severity == "critical" for a in joined):
            return self.first_post_wait_critical
        return self.first_post_wait

    def _fresh(self, alerts: tuple[Alert, ...], current: Incident | None) -> list[Alert]:
        keys = [a.event_key() for a in alerts] + [
            a.event_key("resolved") for a in alerts if a.firing
        ]
        seen = self.store.seen(keys)
        fresh, batch = [], set()
        for a in alerts:
            key = a.event_key()
            if key in seen or key in batch:
                continue  # delivered before (re-send, HA twin) or twice in one payload
            if a.firing and a.event_key("resolved") in seen:
                continue  # a late firing after its resolution was delivered
            known = current.alerts.get(a.fingerprint) if current else None
            if known and known.status == a.status and known.starts_at == a.starts_at:
                continue  # same state as shown, its key pruned after the retention
            batch.add(key)
            fresh.append(a)
        return fresh

    # -- logs, analyze, refresh, message -------------------------------------------------------

    def _logs(self, task: Task) -> None:
        incident = self.store.incident_by_id(task.payload["incident"])
        revision = task.payload["revision"]
        stored = self._logs_of(task.payload["incident"])
        if incident is None:
            self.store.commit(done=task)
            return
        fresh = bool(task.payload.get("fresh"))  # "Analyse again": past the analysis cache
        analyze = NewTask(
            "analyze", {"incident": incident.id, "revision": revision, "fresh": fresh}
        )
        if stored is not None and stored[0] >= revision:
            self.store.commit(done=task, enqueue=[analyze])  # the first post already had them
            return
        key = f"{incident.id}:{revision}"
        alerts = [incident.alerts[f] for f in task.payload["alerts"] if f in incident.alerts]
        pending = self.fetcher.start(
            key, alerts or incident.firing or list(incident.alerts.values())
        )
        if isinstance(pending, PendingLogs):
            waited = time.monotonic() - pending.started
            logs = pending.wait(self.fetcher.timeout + 1.0 - waited)
            if logs is None:
                logs = self.fetcher.unanswered(pending)
        else:
            logs = pending
        self.fetcher.forget(key)
        refresh = NewTask("refresh", {"incident": incident.id}, serial_key=incident.group_id)
        self.store.commit(
            done=task,
            enrichment=(incident.id, "logs", revision, logs.to_dict()),
            enqueue=[refresh, analyze],
        )

    def _analyze(self, task: Task) -> None:
        incident = self.store.incident_by_id(task.payload["incident"])
        revision = task.payload["revision"]
        if incident is None or incident.revision > revision:
            self.store.commit(done=task)  # gone, or a newer revision has its own analyze task
            return
        alerts = incident.firing or list(incident.alerts.values())
        identity = "|".join(sorted(f"{a.fingerprint}@{iso(a.starts_at)}" for a in alerts))
        key = hashlib.sha256(f"{self.analyst.label}|{identity}".encode()).hexdigest()
        stored_logs = self._logs_of(incident.id)
        logs = stored_logs[1] if stored_logs else None
        cache = None
        cached = None if task.payload.get("fresh") else self.store.cached(key)
        if cached is not None:
            analysis = Analysis.from_dict(cached)
            self.metrics.cache_hits.inc()
        elif incident.resolved:
            analysis = self.analyst.analyze(alerts, logs, ai=False, why="resolved before analysis")
        else:
            analysis = self.analyst.analyze(alerts, logs, session_id=key[:32])
            if analysis.ai:
                cache = (key, analysis.to_dict(), self.cache_ttl)
        refresh = NewTask(
            "refresh",
            {"incident": incident.id, "reason": "analysis", "revision": revision},
            serial_key=incident.group_id,
        )
        self.store.commit(
            done=task,
            enrichment=(incident.id, "analysis", revision, analysis.to_dict()),
            cache=cache,
            enqueue=[refresh],
        )

    def _refresh(self, task: Task) -> None:
        incident = self.store.incident_by_id(task.payload["incident"])
        if incident is None:
            self.store.commit(done=task)
            return
        if self.slack.supports_updates:
            if incident.ts:
                self._update(incident.ts, self._render(incident))
        elif task.payload.get("reason") == "analysis":
            analysis = self._analysis_of(incident.id)
            logs = self._logs_of(incident.id)
            if analysis is not None:
                message = render.render_followup(
                    self.redactor.walk(incident), analysis[1], logs[1] if logs else None, self.tz
                )
                self.post_once(task, "followup", message)
        self.store.commit(done=task)
        if task.payload.get("reason") == "analysis" and task.payload.get("revision") == 1:
            self.metrics.analysis_delay.observe(max(0.0, self._clock() - incident.created))

    def _reanalyse(self, task: Task) -> None:
        pipeline_ondemand.reanalyse(self, task)

    def _logs_of(self, incident_id: str) -> tuple[int, LogContext] | None:
        """The newest stored log context and its revision."""
        stored = self.store.enrichment(incident_id, "logs")
        return (stored[0], LogContext.from_dict(stored[1])) if stored else None

    def _analysis_of(self, incident_id: str) -> tuple[int, Analysis] | None:
        """The newest stored analysis and its revision."""
        stored = self.store.enrichment(incident_id, "analysis")
        return (stored[0], Analysis.from_dict(stored[1])) if stored else None

    def _render(self, incident: Incident, fresh_logs: LogContext | None = None) -> dict[str, Any]:
        logs_rev, logs = self._logs_of(incident.id) or (0, None)
        if fresh_logs is not None:
            logs_rev, logs = incident.revision, fresh_logs
        analysis_rev, analysis = self._analysis_of(incident.id) or (0, None)
        silence = self.store.enrichment(incident.id, "silence")
        ack = self.store.enrichment(incident.id, "ack")
        busy = bool(incident.firing)
        return render.render_message(
            self.redactor.walk(incident),  # before the renderer cuts texts to Slack's limits
            analysis,
            logs=logs,
            links=self.links,
            tz=self.tz,
            now=datetime.now(UTC),
            mention=self.mention,
            pending_logs=busy and logs_rev < incident.revision,
            pending_analysis=busy and analysis_rev < incident.revision,
            silence=SilenceState.from_dict(silence[1]) if silence else None,
            ack=Ack.from_dict(ack[1]) if ack else None,
            buttons=self.buttons and self.slack.supports_updates,
        )

    def _ondemand(self, task: Task) -> None:
        pipeline_ondemand.analyse(self, task)

    def _message(self, task: Task) -> None:
        pipeline_ondemand.post(self, task)

    # -- Slack calls ---------------------------------------------------------------------------

    def post_once(
        self,
        task: Task,
        step: str,
        message: dict[str, Any],
        thread_ts: str | None = None,
        channel: str | None = None,  # None: SLACK_CHANNEL
    ) -> str:
        nonce = f"{task.id}.{int(task.created * 1000)}.{step}"
        message = self.redactor.walk(message)  # whatever a message holds, nothing leaves raw
        if task.attempts > 1:
            try:
                found = self.slack.find(
                    nonce, since=task.created - 60, thread_ts=thread_ts, channel=channel
                )
            except IntegrationError as e:
                log.warning(
                    "task %s: cannot look for an earlier attempt's message (%s); posting, which "
                    "may show it twice (grant channels:history to prevent this)",
                    task.id,
                    e,
                )
                found = None
            self.metrics.slack_calls.labels("find").inc()
            if found:
                log.info(
                    "task %s: %s already posted by an earlier attempt (ts %s)", task.id, step, found
                )
                return found
        # An answer where it was asked (another channel) is counted apart from the alerts' posts.
        op = "answer" if channel else "reply" if thread_ts else "post"
        try:
            posted = self.slack.post(**message, thread_ts=thread_ts, nonce=nonce, channel=channel)
        except Rejected as e:
            if not any(code in e.reason for code in CONTENT_ERRORS):
                raise
            log.error(
                "task %s: Slack rejected the message (%s); sending it as plain text", task.id, e
            )
            text = (
                message.get("text", "") + f"\n(the full message was rejected by Slack: {e.reason})"
            )
            posted = self.slack.post(
                text=text[:3000], thread_ts=thread_ts, nonce=nonce, channel=channel
            )
        self.metrics.slack_calls.labels(op).inc()
        return posted.ts

    def _update(self, ts: str, message: dict[str, Any]) -> bool:
        """False when the message is gone (deleted, no longer editable): retrying cannot help,
        and the caller decides whether the incident needs a new message."""
        message = self.redactor.walk(message)
        try:
            self.slack.update(ts, **message)
        except Rejected as e:
            if e.code in MESSAGE_ERRORS:
                log.warning("Slack message %s is gone (%s): not updated", ts, e.code)
                return False
            if not any(code in e.reason for code in CONTENT_ERRORS):
                raise
            log.error("Slack rejected the update of %s (%s); updating the text only", ts, e)
            self.slack.update(ts, text=message.get("text", "")[:3000])
        self.metrics.slack_calls.labels("update").inc()
        return True
