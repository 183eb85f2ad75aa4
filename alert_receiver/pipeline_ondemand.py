"""The steps a person asks for from Slack or the API, run by the pipeline like every other step.

    reanalyse (per group) "Analyse again" (slack_buttons.py): a new revision, so fresh logs and
             a new analysis, past the cache, follow as for alerts that joined.
    ondemand (one at a time) analyse the cluster's current state (ondemand.py), store the result
             for the web to answer `GET /api/v1/analyze/<id>`, queue `message` if asked to post.
    message  post that answer, at top level or in a thread, where it was asked.

`/bravo analyze` may be run where the bot cannot post (a channel it is not in, a DM with someone
else: a member of `SLACK_ALLOWED_USERGROUP` may act anywhere). Slack then refuses the post, and
the same request would be refused forever, holding every later answer behind it (they share one
serial key). So a refusal other than the token's own is final: the result records it, the person
gets the answer through the command's `response_url` (only they see it, and it works where the
bot may not post), and the task is done. A refused token (`invalid_auth`, ...) keeps the task:
every post fails so until it is fixed, and AlertReceiverSlackRejected pages for it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from alert_receiver import ondemand
from alert_receiver.model import NewTask, Task
from alert_receiver.slack_dispatch import origin
from integrations.errors import IntegrationError, Rejected
from integrations.slack_common import AUTH_ERRORS, escape_mrkdwn

if TYPE_CHECKING:
    from alert_receiver.pipeline import Pipeline

log = logging.getLogger(__name__)


def reanalyse(p: Pipeline, task: Task) -> None:
    """A new revision with every firing alert, as if they had all joined again: `logs` asks Loki
    afresh, `analyze` skips the cache, and the message shows both as pending."""
    incident = p.store.incident_by_id(task.payload["incident"])
    if incident is None or incident.resolved:
        p.store.commit(done=task)  # gone or over since the press: nothing to analyse
        return
    incident.revision += 1
    alerts = [a.fingerprint for a in incident.firing]
    logs = {"incident": incident.id, "revision": incident.revision, "alerts": alerts}
    follow = [
        NewTask("logs", {**logs, "fresh": True}),
        NewTask("refresh", {"incident": incident.id}, serial_key=incident.group_id),
    ]
    p.store.commit(done=task, incident=incident, enqueue=follow)


def analyse(p: Pipeline, task: Task) -> None:
    """The `ondemand` step: collect, analyse, store the answer, queue its post if asked."""
    request = ondemand.OnDemandRequest.from_payload(task.payload)
    state = p.state.collect(request.namespace)
    analysis = p.analyst.analyze_state(state.summary(), state.errors)
    result, message = ondemand.answer(
        request,
        state,
        analysis,
        ai_configured=p.analyst.ai_configured,
        redactor=p.redactor,
        tz=p.tz,
    )
    follow = []
    if request.post:  # where it was asked (the Slack command's channel), or SLACK_CHANNEL
        payload = {
            "message": message,
            "thread_ts": request.thread_ts,
            "channel": request.channel,
            "request": request.id,
            "response_url": request.response_url,
        }
        follow.append(NewTask("message", payload, serial_key=ondemand.POST_SERIAL_KEY))
        result["posted"] = "queued for Slack"
    p.store.commit(done=task, result=(request.id, result, ondemand.RESULT_TTL), enqueue=follow)
    log.info(
        "on-demand analysis %s done (%s, %d firing)",
        request.id,
        analysis.kind,
        len(state.alerts),
    )


def post(p: Pipeline, task: Task) -> None:
    """The `message` step: post the answer; a refusal of this post is final (module docstring)."""
    thread_ts, channel = task.payload.get("thread_ts"), task.payload.get("channel")
    try:
        p.post_once(task, "post", task.payload["message"], thread_ts, channel)
    except Rejected as e:
        if e.code in AUTH_ERRORS:
            raise  # nothing gets through until the token is fixed: it waits with the alerts
        _refused(p, task, e)
        return
    p.store.commit(done=task)


def _refused(p: Pipeline, task: Task, err: Rejected) -> None:
    """Slack will never take this post: say so in the result, answer the person, finish."""
    request_id = str(task.payload.get("request") or "")  # "": queued before it was kept
    where = task.payload.get("channel") or "SLACK_CHANNEL"
    log.error(
        "on-demand analysis %s: Slack refused its post in %s (%s); not retrying",
        request_id,
        where,
        err,
    )
    told = _tell_privately(p, task, err)
    result = p.store.result(request_id) if request_id else None
    stored = None
    if result is not None:
        result["posted"] = f"refused by Slack ({err.code or 'error'})"
        result["errors"] = [*result.get("errors", []), str(err)]
        if told:
            result["posted"] += "; sent to the person who asked instead"
        stored = (request_id, result, ondemand.RESULT_TTL)
    p.store.commit(done=task, result=stored)


def _tell_privately(p: Pipeline, task: Task, err: Rejected) -> bool:
    """The answer, and why it is not in the channel, through the command's `response_url`."""
    url = task.payload.get("response_url") or ""
    if not url or p.respond is None:
        return False
    where = origin(url)
    if where not in p.reply_origins:
        log.warning("on-demand answer: response_url on %r not followed", where)
        return False
    message: dict[str, Any] = p.redactor.walk(task.payload["message"])
    code = escape_mrkdwn(err.code or "refused")
    note = (
        f":warning: Slack would not let me post this in the channel (`{code}`): "
        "invite me there (`/invite @<bot>`) or ask in the alert channel. Only you see this copy."
    )
    blocks = message.get("blocks") or []
    if blocks:  # then `text` is only the notification's: the note goes first among the blocks
        blocks = [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}, *blocks]
    reply = {
        "text": f"{note}\n{message.get('text', '')}"[:3000],
        "blocks": blocks[:50],
        "attachments": message.get("attachments"),
    }
    try:
        p.respond(url, reply)
    except IntegrationError as e:  # expired (30 minutes, 5 uses), or Slack is down: logged only
        log.warning("on-demand answer not sent to the person either: %s", e)
        return False
    return True
