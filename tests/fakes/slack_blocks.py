"""The Block Kit limits real Slack enforces, checked the way it checks them: FakeSlack answers
`invalid_blocks` when `block_problems` finds any, and the message tests call it directly.
"""

from __future__ import annotations


def block_problems(blocks: list[dict]) -> list[str]:
    problems = []
    if len(blocks) > 50:
        problems.append(f"{len(blocks)} blocks > 50")
    for i, b in enumerate(blocks):
        kind = b.get("type")
        text = (b.get("text") or {}).get("text", "")
        if kind == "header" and len(text) > 150:
            problems.append(f"blocks[{i}] header text {len(text)} > 150")
        if kind == "section":
            if len(text) > 3000:
                problems.append(f"blocks[{i}] section text {len(text)} > 3000")
            fields = b.get("fields") or []
            if len(fields) > 10:
                problems.append(f"blocks[{i}] {len(fields)} fields > 10")
            problems += [
                f"blocks[{i}].fields[{j}] {len(f.get('text', ''))} > 2000"
                for j, f in enumerate(fields)
                if len(f.get("text", "")) > 2000
            ]
            if not text and not fields:
                problems.append(f"blocks[{i}] section without text or fields")
        if kind == "context" and len(b.get("elements") or []) > 10:
            problems.append(f"blocks[{i}] context with more than 10 elements")
        if kind == "actions":
            problems += _action_problems(i, b.get("elements") or [])
        if kind not in ("header", "section", "context", "divider", "actions", "rich_text", "image"):
            problems.append(f"blocks[{i}] unknown type {kind!r}")
    return problems


def _action_problems(i: int, elements: list[dict]) -> list[str]:
    """An actions block: 25 elements at most, action IDs unique within it and at most 255
    characters, button labels 75 and values 2,000, select options 100 (labels 75, values 150)."""
    problems = [f"blocks[{i}] actions with {len(elements)} elements > 25"] * (len(elements) > 25)
    action_ids = [e.get("action_id", "") for e in elements]
    if len(set(action_ids)) != len(action_ids):
        problems.append(f"blocks[{i}] actions with duplicate action_id")
    for j, e in enumerate(elements):
        where = f"blocks[{i}].elements[{j}]"
        if len(e.get("action_id", "")) > 255:
            problems.append(f"{where} action_id > 255")
        if e.get("type") == "button":
            if len(e["text"]["text"]) > 75:
                problems.append(f"{where} button text > 75")
            if len(e.get("value", "")) > 2000:
                problems.append(f"{where} value > 2000")
        elif e.get("type") == "static_select":
            options = e.get("options") or []
            if not 1 <= len(options) <= 100:
                problems.append(f"{where} {len(options)} options")
            for o in options:
                if len(o["text"]["text"]) > 75 or len(o.get("value", "")) > 150:
                    problems.append(f"{where} option too long")
        else:
            problems.append(f"{where} unexpected element type {e.get('type')!r}")
    return problems
