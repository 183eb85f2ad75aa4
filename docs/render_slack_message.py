"""Render a message the demo's Slack sink received as a Slack-like PNG (docs/images/).

    python docs/render_slack_message.py demo-out/slack/messages.jsonl docs/images/slack-message.png

Takes the first top-level post whose text contains `--match` (default HealthcheckProbeFailed),
applies the updates the receiver made to it (log lines, analysis), writes it as a small HTML page
styled like Slack's Block Kit, and screenshots that with headless Chromium
(`apt-get install -y --no-install-recommends chromium`).
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

CSS = """
body { margin: 0; background: #fff; font: 15px/1.46 -apple-system, 'Segoe UI', 'NanumGothic',
       Helvetica, Arial, sans-serif; color: #1d1c1d; }
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
.context { color: #616061; font-size: 12px; margin: 6px 0; }
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
    return ""


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
    p.add_argument("sink", type=Path, help="the Slack sink's JSON lines (demo-out/slack/...)")
    p.add_argument("png", type=Path)
    p.add_argument("--match", default="HealthcheckProbeFailed")
    p.add_argument("--size", default="820,900", help="window WIDTH,HEIGHT")
    args = p.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium not found: apt-get install -y --no-install-recommends chromium")
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "message.html"
        page.write_text(message_html(final_message(args.sink, args.match)), encoding="utf-8")
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
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
