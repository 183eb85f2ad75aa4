"""What the buttons on an incident's message do (message_actions.py draws them).

    silence, silence_for  an Alertmanager silence for 1h (4h, 24h) matching the group's alerts,
                          authored by the Slack user, its comment linking the message
    expire_silence        that silence ends now
    acknowledge           records who took the incident
    analyse_again         fresh logs and metrics, a new analysis past the cache

The transports (Socket Mode, the signed endpoint) acknowledge Slack, check who may act, and call
`ButtonActions.handle` on a worker thread; its `Reply` goes to the person only.

The message is never edited from here. What a press did is stored as incident state, the
"silence" and "ack" enrichments, and a `refresh` task queued with it in one commit: the pipeline
re-renders every message from stored state, so a notification or refresh running meanwhile
shows the silence too instead of painting over it. Alertmanager is asked first and the store
written after, so when Alertmanager fails nothing is stored; when the store fails after a
silence was made, the next press finds that silence (its comment names the incident) and stores
it instead of making a second.

`self._lock` orders presses within one process only: each web worker (HTTP) and each replica's
delivery process (Socket Mode) has its own. Two presses in two processes can both find no silence
and both make one. So every press settles on one silence per incident, the same in every process:
after making its silence it lists the incident's running silences again, keeps the oldest (every
press sees it: it was made before any other press listed) and expires the others, and stores the
one it kept. Expire silence ends every running silence made for the incident, not only the one
its button names, so a silence a race left behind never outlives the message's "notify again".
(Alertmanager peers in HA share silences by gossip, within a moment: two presses answered by two
peers in that moment may both keep their own; Expire silence still ends both.)
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from alert_receiver import message_actions as ids
from alert_receiver.enrichment import Ack, SilenceState
from alert_receiver.interactions import Interaction, Reply
from alert_receiver.message import title
from alert_receiver.model import Incident, NewTask
from alert_receiver.store.base import Store, StoreError
from integrations.alertmanager import AlertmanagerClient, matcher
from integrations.errors import IntegrationError
from integrations.slack_common import escape_mrkdwn

log = logging.getLogger(__name__)
CREATED_BY = re.compile(r"^(?P<name>.*) \((?P<id>[A-Z0-9]+)\)$")
INCIDENT_ID = re.compile(r"[0-9a-f]{32}")  # uuid4().hex (model.py); anything else is no incident


def silence_labels(incident: Incident) -> dict[str, str]:
    """What the silence matches: a lone alert's full label set, else the group's labels (the
    common labels when Alertmanager groups by nothing). Empty values are left out: a matcher
    `x=""` would match every alert without `x`."""
    alerts = list(incident.alerts.values())
    labels = alerts[0].labels if len(alerts) == 1 else incident.group_labels
    if not labels and len(alerts) > 1:
        labels = incident.common_labels
    return {k: v for k, v in labels.items() if v}


def parse_time(text: str) -> datetime:
    """Alertmanager's RFC 3339 times, with or without fractions."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ButtonActions:
    def __init__(
        self,
        store: Store,
        alertmanager: AlertmanagerClient | None,
        slack: Any = None,  # for `permalink(ts)`, when the transport has one (the Web API)
        *,
        tz: str = "Asia/Seoul",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store, self.am, self.slack = store, alertmanager, slack
        self.tz, self.clock = ZoneInfo(tz), clock
        self._lock = threading.Lock()  # one silence change at a time in this process

    def handle(self, i: Interaction) -> Reply | None:
        if i.kind != "button":
            return None
        actions = {
            ids.SILENCE: self._silence,
            ids.SILENCE_FOR: self._silence,
            ids.EXPIRE: self._expire,
            ids.ACKNOWLEDGE: self._acknowledge,
            ids.ANALYSE_AGAIN: self._analyse_again,
        }
        action = actions.get(i.action_id)
        if action is None:
            log.warning("button %r from %s: unknown action, ignored", i.action_id, i.user_id)
            return Reply(f"Unknown action `{escape_mrkdwn(i.action_id)}`: nothing was changed.")
        incident_id, extra = ids.parse_value(i.value)
        try:
            known = INCIDENT_ID.fullmatch(incident_id)
            incident = self.store.incident_by_id(incident_id) if known else None
            if incident is None:
                return Reply(
                    "This message's incident is no longer known to the receiver (resolved and "
                    "forgotten, or from another receiver): nothing was changed."
                )
            reply = action(i, incident, extra)
        except StoreError as e:
            log.error("button %s on %s: store unavailable: %s", i.action_id, incident_id, e)
            return Reply(
                "The receiver's store did not answer, so nothing was changed on the message; "
                "try again in a minute."
            )
        log.info(
            "button %s by %s (%s) on incident %s: %s",
            i.action_id,
            i.user_name,
            i.user_id,
            incident_id[:8],
            reply.text,
        )
        return reply

    # -- silence -------------------------------------------------------------------------------

    def _silence(self, i: Interaction, incident: Incident, duration: str) -> Reply:
        duration = duration or ids.DEFAULT_SILENCE
        if duration not in ids.SILENCE_CHOICES:
            choices = ", ".join(ids.SILENCE_CHOICES)
            return Reply(f"Unknown silence duration `{escape_mrkdwn(duration)}` ({choices}).")
        if incident.resolved:
            return Reply("This incident has resolved: there is nothing to silence.")
        am = self.am
        if am is None:
            return Reply(
                "Silencing from Slack needs `ALERTMANAGER_URL`; use the message's 🔕 Silence "
                "link instead. Nothing was changed."
            )
        labels = silence_labels(incident)
        if not labels:
            return Reply("These alerts have no labels to match a silence on: nothing was changed.")
        with self._lock:
            now = self._now()
            stored = self._silence_of(incident.id)
            try:
                if stored is not None and stored.active(now) and _running(am, stored.id):
                    return Reply(
                        f"Already silenced by {escape_mrkdwn(stored.by_name)} until "
                        f"{self._time(stored.ends_at)}; expire it first to choose another "
                        "duration."
                    )
                # (a stored silence ended in Alertmanager's UI or amtool is replaced)
                state = self._one_silence(am, incident, now)
                if state is None:
                    made = self._new_silence(am, i, incident, labels, duration, now)
                    state = self._settle(am, incident, made, now)
            except IntegrationError as e:
                return Reply(
                    f"Alertmanager did not take the silence ({escape_mrkdwn(e.reason)}): "
                    "nothing was silenced. Try again, or use the message's 🔕 Silence link."
                )
            try:
                self._store("silence", incident, state.to_dict(), now)
            except StoreError:
                return Reply(
                    f"Silenced in Alertmanager until {self._time(state.ends_at)} (silence "
                    f"`{state.id}`), but the message could not show it: the receiver's store "
                    "did not answer. Press Silence again to show it (no second silence is made)."
                )
        shown = ", ".join(escape_mrkdwn(matcher(k, v)) for k, v in sorted(labels.items()))
        return Reply(
            f"🔕 Silenced until {self._time(state.ends_at)}: alerts matching `{{{shown}}}` "
            f"(silence `{state.id}`)."
        )

    def _new_silence(
        self,
        am: AlertmanagerClient,
        i: Interaction,
        incident: Incident,
        labels: dict[str, str],
        duration: str,
        now: datetime,
    ) -> SilenceState:
        ends = now + timedelta(seconds=ids.SILENCE_CHOICES[duration])
        comment = (
            f"Silenced for {duration} from Slack by {i.user_name} ({i.user_id}): "
            f"{self._message_link(i, incident)} | {title(incident)} | incident {incident.id}"
        )
        sid = am.create_silence(
            labels, ends, f"{i.user_name} ({i.user_id})", comment, starts_at=now
        )
        return SilenceState(sid, i.user_id, i.user_name, now, ends)

    def _one_silence(
        self, am: AlertmanagerClient, incident: Incident, now: datetime
    ) -> SilenceState | None:
        """The oldest running silence made for this incident (one an earlier press made but
        could not store, or one a press in another process made meanwhile), the others expired."""
        running = sorted(
            (s for s in am.silences() if _live(s) and _made_for(s, incident)),
            key=lambda s: (parse_time(str(s.get("startsAt") or now.isoformat())), str(s["id"])),
        )
        if not running:
            return None
        kept, *extra = running
        for s in extra:
            try:
                am.expire_silence(str(s["id"]))
                log.info("incident %s: second silence %s expired", incident.id[:8], s["id"])
            except IntegrationError as e:  # Expire silence ends it, whichever it names
                log.warning("incident %s: second silence %s kept: %s", incident.id[:8], s["id"], e)
        who = CREATED_BY.match(str(kept.get("createdBy", "")))
        return SilenceState(
            str(kept["id"]),
            who["id"] if who else "",
            who["name"] if who else str(kept.get("createdBy", "")),
            parse_time(str(kept.get("startsAt") or now.isoformat())),
            parse_time(str(kept["endsAt"])),
        )

    def _settle(
        self, am: AlertmanagerClient, incident: Incident, made: SilenceState, now: datetime
    ) -> SilenceState:
        """After making `made`: the silence every press of this incident keeps (module doc).
        Alertmanager took ours, so a failed listing is no failure: ours is kept and stored."""
        try:
            return self._one_silence(am, incident, now) or made
        except IntegrationError as e:
            log.warning("incident %s: silences not listed after making one: %s", incident.id, e)
            return made

    def _expire(self, i: Interaction, incident: Incident, silence_id: str) -> Reply:
        am = self.am
        if am is None:
            return Reply("Expiring a silence needs `ALERTMANAGER_URL`: nothing was changed.")
        if not silence_id:
            return Reply("This button names no silence: nothing was changed.")
        with self._lock:
            now = self._now()
            stored = self._silence_of(incident.id)
            try:
                found = am.get_silence(silence_id)
                if found is not None and not _made_for(found, incident):
                    return Reply(
                        "That silence was not made from this message's Silence button: it "
                        "stays as it is (Alertmanager's UI can expire it)."
                    )
                ended_now = _expire_all(am, incident, found)
            except IntegrationError as e:
                return Reply(
                    f"Alertmanager did not answer ({escape_mrkdwn(e.reason)}): the silence "
                    "stays as it is. Try again in a minute."
                )
            if not ended_now:
                # Bring the message in line with Alertmanager: the silence is over either way.
                ended = parse_time(found["endsAt"]) if found else now
                if stored is not None and stored.id == silence_id and stored.active(now):
                    self._store("silence", incident, _ended(stored, ended), now)
                if found is None:
                    return Reply(
                        f"Alertmanager does not know silence `{escape_mrkdwn(silence_id)}` "
                        "(deleted, or its data was lost): there is nothing to expire."
                    )
                return Reply(f"That silence already ended at {self._time(ended)}.")
            if stored is not None and (stored.id in ended_now or stored.id == silence_id):
                expired = dataclasses.replace(stored, expired_by_name=i.user_name, expired_at=now)
                try:
                    self._store("silence", incident, expired.to_dict(), now)
                except StoreError:
                    return Reply(
                        "⏰ Silence expired in Alertmanager, but the message could not show it: "
                        "the receiver's store did not answer. Press Expire again to update it."
                    )
        return Reply("⏰ Silence expired: these alerts notify again.")

    # -- acknowledge, analyse again ------------------------------------------------------------

    def _acknowledge(self, i: Interaction, incident: Incident, _: str) -> Reply:
        if incident.resolved:
            return Reply("This incident has resolved: there is nothing to acknowledge.")
        stored = self.store.enrichment(incident.id, "ack")
        before = Ack.from_dict(stored[1]) if stored else None
        if before is not None and before.by_id == i.user_id:
            return Reply(f"You acknowledged it already, at {self._time(before.at)}.")
        now = self._now()
        self._store("ack", incident, Ack(i.user_id, i.user_name, now).to_dict(), now)
        if before is not None:
            return Reply(f"✋ You took it over from {escape_mrkdwn(before.by_name)}.")
        return Reply("✋ Acknowledged: the message shows that you took it.")

    def _analyse_again(self, i: Interaction, incident: Incident, _: str) -> Reply:
        if incident.resolved:
            return Reply("This incident has resolved: its analysis stays as it was.")
        stored = self.store.enrichment(incident.id, "analysis")
        queued = any(
            p.get("incident") == incident.id and "requested_by" in p
            for p in self.store.queued_payloads(incident.group_id)
        )
        if queued or stored is None or stored[0] < incident.revision:
            return Reply("An analysis of this incident is under way: the message updates soon.")
        task = NewTask(
            "reanalyse",
            {"incident": incident.id, "requested_by": i.user_id},
            serial_key=incident.group_id,
        )
        self.store.enqueue([task])
        return Reply("🔄 Analysing again with fresh logs and metrics: the message updates soon.")

    # -- helpers -------------------------------------------------------------------------------

    def _store(self, kind: str, incident: Incident, body: dict[str, Any], now: datetime) -> None:
        """The state and the refresh that shows it, in one commit; the newest action wins."""
        refresh = NewTask("refresh", {"incident": incident.id}, serial_key=incident.group_id)
        revision = int(now.timestamp() * 1000)
        self.store.commit(enrichment=(incident.id, kind, revision, body), enqueue=[refresh])

    def _silence_of(self, incident_id: str) -> SilenceState | None:
        stored = self.store.enrichment(incident_id, "silence")
        return SilenceState.from_dict(stored[1]) if stored else None

    def _message_link(self, i: Interaction, incident: Incident) -> str:
        ts = incident.ts or i.message_ts
        permalink = getattr(self.slack, "permalink", None)
        if ts and permalink is not None:
            try:
                return str(permalink(ts))
            except IntegrationError as e:
                log.warning("no permalink for message %s: %s", ts, e)
        return f"Slack channel {i.channel_id}, message {ts or '?'}"

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def _time(self, t: datetime) -> str:
        return f"{t.astimezone(self.tz):%H:%M %Z}"


def _made_for(silence: dict[str, Any], incident: Incident) -> bool:
    """Made by a button of this incident's message: its comment ends with the incident's ID."""
    return str(silence.get("comment", "")).endswith(f"incident {incident.id}")


def _live(silence: dict[str, Any]) -> bool:
    """Running or about to: Alertmanager's state is "active" or "pending", not "expired"."""
    return (silence.get("status") or {}).get("state") in ("active", "pending")


def _expire_all(
    am: AlertmanagerClient, incident: Incident, named: dict[str, Any] | None
) -> set[str]:
    """Ends every running silence made for this incident, and the one the button names (already
    checked to be one); the IDs it ended. More than one runs only after a race (module doc)."""
    ids = {str(s["id"]) for s in am.silences() if _live(s) and _made_for(s, incident)}
    if named is not None and _live(named):
        ids.add(str(named["id"]))
    for sid in sorted(ids):
        am.expire_silence(sid)
    return ids


def _running(am: AlertmanagerClient, silence_id: str) -> bool:
    """False only when Alertmanager says the silence has ended. One it does not know may be on
    its way from the peer that made it (an HA cluster gossips silences): not a reason to make a
    second; Expire silence clears a silence that is truly gone."""
    found = am.get_silence(silence_id)
    return found is None or (found.get("status") or {}).get("state") != "expired"


def _ended(stored: SilenceState, ended: datetime) -> dict[str, Any]:
    return dataclasses.replace(stored, ends_at=min(ended, stored.ends_at)).to_dict()
