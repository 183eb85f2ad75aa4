"""The slash command: `/bravo analyze [namespace]` and `/bravo help`.

`analyze` is the old dashboard's "analyse now" button: it queues the same on-demand analysis as
`POST /api/v1/analyze` (ondemand.py: firing alerts, key metrics, the noisiest error logs, and the
model's or the rule-based reading of them), to be posted in the channel it was asked in. Queuing
is all that happens here: the task is durable before the person is told it is on its way, and
the delivery process does the slow part, so a restart between the two loses nothing.
"""

from __future__ import annotations

import logging
import uuid

from alert_receiver import ondemand
from alert_receiver.interactions import Interaction, Reply
from alert_receiver.store.base import Store, StoreError
from integrations.slack_common import escape_mrkdwn

log = logging.getLogger(__name__)


def help_text(command: str = "/bravo") -> str:
    return "\n".join(
        [
            f"*{command}* — act on the cluster from Slack:",
            f"• `{command} analyze` — analyse the cluster's state now (firing alerts, key "
            "metrics, the noisiest error logs); the answer is posted in this channel",
            f"• `{command} analyze <namespace>` — the same for one namespace, e.g. "
            f"`{command} analyze shop`",
            f"• `{command} help` — this list",
            "On every alert message: *Silence* (1 h, 4 h or 24 h in Alertmanager), "
            "*Acknowledge* (shows who took it), *Analyse again* (fresh logs and metrics).",
        ]
    )


class Commands:
    """The `command` handler (slack_dispatch.py): parses the words after `/bravo`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def handle(self, i: Interaction) -> Reply:
        command = i.command or "/bravo"
        words = i.text.split()
        verb = words[0].lower() if words else "help"
        if verb in ("analyze", "analyse"):
            return self._analyze(i, words[1:])
        if verb == "help":
            return Reply(help_text(command))
        return Reply(
            f"Unknown command `{escape_mrkdwn(' '.join(words)[:100])}`.\n" + help_text(command)
        )

    def _analyze(self, i: Interaction, args: list[str]) -> Reply:
        if len(args) > 1:
            return Reply(
                f"Expected at most one namespace, e.g. `{i.command or '/bravo'} analyze shop`."
            )
        namespace = args[0].lower() if args else None
        if namespace is not None and not ondemand.NAMESPACE.fullmatch(namespace):
            return Reply(
                f"`{escape_mrkdwn(args[0][:100])}` is not a Kubernetes namespace name "
                "(lower-case letters, digits and `-`, at most 63)."
            )
        request = ondemand.OnDemandRequest(
            id=uuid.uuid4().hex,
            namespace=namespace,
            post=True,
            channel=i.channel_id,
            requested_by=i.user_id or None,
            response_url=i.response_url or None,  # if Slack refuses the post there (pipeline)
        )
        try:
            self.store.enqueue([request.task()])
        except StoreError as e:
            log.error("/bravo analyze by %s not queued: %s", i.user_id, e)
            return Reply(
                ":warning: The receiver's queue is unavailable; nothing was queued. Try again."
            )
        what = f"namespace *{namespace}*" if namespace else "the whole cluster"
        return Reply(
            f":mag: Analysing {what} now; the answer will be posted in this channel "
            f"(request {request.id[:8]})."
        )
