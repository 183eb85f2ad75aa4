"""Render a message the demo's Slack sink received as a Slack-like PNG (docs/images/).

    python docs/render_slack_message.py demo-out/slack/messages.jsonl docs/images/slack-message.png
    python docs/render_slack_message.py --example buttons docs/images/slack-message-buttons.png
    python docs/render_slack_message.py --example silenced docs/images/slack-message-silenced.png

Takes the first top-level post whose text contains `--match` (default HealthcheckProbeFailed),
applies the updates the receiver made to it (log lines, analysis), writes it as a small HTML page
styled like Slack's Block Kit, and screenshots that with headless Chromium. `--example` renders
the receiver's own message (alert_receiver/message.py) for an example incident instead: with its
buttons, or silenced and acknowledged. Needs Chromium and the colour emoji font, without which
every emoji is an empty box: `bash scripts/install.sh --docs`.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EMOJI = "'Noto Color Emoji'"
CSS = f"""
body {{ margin: 0; background: #fff; font: 15px/1.46 -apple-system, 'Segoe UI', 'NanumGothic',
       Helvetica, Arial, sans-serif, {EMOJI}; color: #1d1c1d; }}
.actions {{ display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0 6px; }}
.button, .select {{ font-size: 13px; font-weight: 700; line-height: 1; border: 1px solid #bbb;
       border-radius: 4px; padding: 8px 12px; color: #1d1c1d;
       background: #fff; }}
.button.danger {{ color: #e01e5a; border-color: #e01e5a; }}
.select {{ font-weight: 400; color: #616061; min-width: 120px; }}
.select::after {{ content: " \\25BE"; float: right; margin-left: 12px; }}
"""
CSS += """
.msg { display: flex; padding: 12px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #e8912d; color: #fff;
          font-weight: 700; display: flex; align-items: center; justify-content: center; }
.body { margin-left: 10px; flex: 1; min-width: 0; }
.name { font-weight: 900; } .time { color: #616061; font-size: 12px; }
.app { font-size: 10px; background: #ddd; padding: 0 3px; border-radius: 2px; margin-left: 4px;
       color: #555; }
.att { display: flex; margin-top: 6px; } .bar { width: 4px; border-radius: 4px; }
.blocks { padding-left: 12px; flex: 1; min-width: 0; }
.header { font-weight: 900; font-size: 18px; margin: 4px 0; }
.section { margin: 6px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 16px; margin: 6px 0; }
.context { color: #616061; font-size: 12px; margin: 6px 0; white-space: pre-wrap; }
a { color: #1264a3; text-decoration: none; }
code { font: 12px Menlo, Monaco, monospace; background: #f6f6f6; border: 1px solid #ddd;
       border-radius: 3px; padding: 1px 3px; color: #e01e5a; }
pre { font: 12px/1.5 Menlo, Monaco, monospace; background: #f8f8f8; border: 1px solid #ddd;
      border-radius: 4px; padding: 8px; margin: 4px 0; white-space: pre-wrap; }
"""


def mrkdwn(text: str) -> str:
    """Slack mrkdwn (already &-escaped by the sender) to HTML, far enough for our messages."""
    out = []
    for i, part in enumerate(re.split(r"```", text)):
        if i % 2:
            out.append(f"<pre>{part.strip(chr(10))}</pre>")
            continue
        part = re.sub(r"<([^|>]+)\|([^>]+)>", r'<a href="\1">\2</a>', part)
        part = re.sub(r"`([^`]+)`", r"<code>\1</code>", part)
        part = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", part)
        part = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", part)
        out.append(part)
    return "".join(out)


def block_html(b: dict) -> str:
    kind, text = b.get("type"), (b.get("text") or {}).get("text", "")
    if kind == "header":
        return f'<div class="header">{html.escape(text)}</div>'
    if kind == "section":
        fields = "".join(f"<div>{mrkdwn(f.get('text', ''))}</div>" for f in b.get("fields") or [])
        body = f'<div class="section">{mrkdwn(text)}</div>' if text else ""
        return body + (f'<div class="fields">{fields}</div>' if fields else "")
    if kind == "context":
        return (
            '<div class="context">'
            + " ".join(mrkdwn(e.get("text", "")) for e in b.get("elements") or [])
            + "</div>"
        )
    if kind == "divider":
        return "<hr>"
    if kind == "actions":
        return '<div class="actions">' + "".join(map(element_html, b["elements"])) + "</div>"
    return ""


def element_html(e: dict) -> str:
    """A button (its style) or a select menu (its placeholder), as Slack draws them."""
    if e.get("type") == "button":
        style = html.escape(e.get("style", ""))
        return f'<span class="button {style}">{html.escape(e["text"]["text"])}</span>'
    placeholder = (e.get("placeholder") or {}).get("text", "")
    return f'<span class="select">{html.escape(placeholder)}</span>'


def example_message(kind: str) -> dict:
    """The receiver's message for the demo's incident: with its buttons, or silenced by one
    person and taken by another, rendered as the pipeline renders it."""
    from datetime import UTC, datetime, timedelta

    from alert_receiver.enrichment import Ack, Analysis, LogContext, LogLine, SilenceState
    from alert_receiver.message import Links, render_message
    from alert_receiver.model import Incident
    from alert_receiver.payload import parse_webhook

    now = datetime.now(UTC).replace(microsecond=0)
    started = now - timedelta(minutes=12)
    labels = {
        "alertname": "HealthcheckProbeFailed",
        "severity": "critical",
        "kind": "tcp",
        "service": "payments-db",
        "target": "payments-db",
        "namespace": "shop",
    }
    payload = {
        "version": "4",
        "groupKey": '{}:{alertname="HealthcheckProbeFailed"}',
        "status": "firing",
        "receiver": "bravo-receiver",
        "groupLabels": {"alertname": "HealthcheckProbeFailed", "namespace": "shop"},
        "commonLabels": labels,
        "commonAnnotations": {
            "summary": "A healthcheck target is down.",
            "description": "The tcp probe of payments-db has failed for 1m from 100% of the "
            "nodes running the healthcheck exporter.",
            "runbook_url": "https://github.com/example/pack/blob/main/rules/runbooks/x.md",
        },
        "externalURL": "http://alertmanager.bravo-monitoring-ns:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {
                    "runbook_url": "https://github.com/example/pack/blob/main/rules/runbooks/"
                    "HealthcheckProbeFailed.md"
                },
                "startsAt": started.isoformat().replace("+00:00", "Z"),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
                "fingerprint": "5d9f0c1e2a3b4c5d",
            }
        ],
    }
    n = parse_webhook(json.dumps(payload))
    incident = Incident.start(n, started.timestamp())
    incident.alerts = {a.fingerprint: a for a in n.alerts}
    line = "ERROR pool: connection to payments-db:5432 refused"
    logs = LogContext(
        "ok",
        lines=(LogLine(started + timedelta(seconds=20), "shop/api-7f9/api", line, True),),
        window=(started - timedelta(minutes=5), now),
    )
    analysis = Analysis(
        "ai",
        "**Likely cause:** payments-db stopped accepting connections at "
        f"{(started + timedelta(hours=9)):%H:%M} KST; the API's pool errors start with it.\n"
        "**Check:** the database pod's events and its disk (`kubectl describe pod`).",
        "anthropic.claude-3-5-haiku",
    )
    state: dict = {}
    if kind == "silenced":
        state["silence"] = SilenceState(
            "0b5e6c1d-8f2a-4c3b-9d7e-1a2b3c4d5e6f",
            "U0JANE",
            "jane.doe",
            now - timedelta(minutes=2),
            now + timedelta(hours=4, minutes=-2),
        )
        state["ack"] = Ack("U0MINSU", "minsu.kim", now - timedelta(minutes=5))
    return render_message(
        incident,
        analysis,
        logs=logs,
        links=Links(grafana_url="http://grafana:3000"),
        now=now,
        buttons=True,
        **state,
    )


def message_html(msg: dict) -> str:
    atts = ""
    for a in msg.get("attachments") or []:
        color = html.escape(a.get("color", "#ddd"))
        inner = "".join(block_html(b) for b in a.get("blocks") or [])
        atts += f'<div class="att"><div class="bar" style="background:{color}"></div>'
        atts += f'<div class="blocks">{inner}</div></div>'
    blocks = "".join(block_html(b) for b in msg.get("blocks") or [])
    return (
        f"<!doctype html><meta charset='utf-8'><style>{CSS}</style><div class='msg'>"
        "<div class='avatar'>AR</div><div class='body'><span class='name'>alert-receiver</span>"
        "<span class='app'>APP</span> <span class='time'>now</span>"
        f"{blocks}{atts}</div></div>"
    )


def final_message(sink: Path, match: str) -> dict:
    records = [json.loads(line) for line in sink.read_text().splitlines() if line.strip()]
    post = next(
        r for r in records if r["op"] == "post" and not r.get("thread_ts") and match in r["text"]
    )
    msg = dict(post)
    for r in records:
        if r["op"] == "update" and r["ts"] == post["ts"]:
            msg.update(text=r["text"], blocks=r["blocks"], attachments=r["attachments"])
    return msg


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "sink", type=Path, nargs="?", help="the Slack sink's JSON lines (demo-out/slack/...)"
    )
    p.add_argument("png", type=Path)
    p.add_argument("--example", choices=["buttons", "silenced"], help="an example incident")
    p.add_argument("--match", default="HealthcheckProbeFailed")
    p.add_argument("--size", default="820,900", help="window WIDTH,HEIGHT")
    args = p.parse_args()
    if args.example:
        message = example_message(args.example)
    elif args.sink:
        message = final_message(args.sink, args.match)
    else:
        p.error("give the Slack sink's file, or --example")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y --no-install-recommends chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "message.html"
        page.write_text(message_html(message), encoding="utf-8")
        subprocess.run(
            [
                chromium,
                *("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic"),
                *("--no-first-run", "--disable-background-networking"),
                *("--disable-component-update", "--disable-sync", "--hide-scrollbars"),
                f"--user-data-dir={Path(tmp) / 'profile'}",
                f"--screenshot={args.png.resolve()}",
                f"--window-size={args.size}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
    shrink(args.png)
    print(args.png)
    return 0


def shrink(png: Path) -> None:
    """256 colours (Pillow, a dependency of the reporter): a third of the bytes, same look."""
    from PIL import Image

    with Image.open(png) as image:
        small = image.convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)


if __name__ == "__main__":
    sys.exit(main())
