"""Nothing the reporter sends out carries a secret: each outbound path, end to end.

Secrets ride in where they really do (error lines Loki returns, the model's answer) and the
site's pattern (REDACT_EXTRA_PATTERNS) must apply too: here it matches the cluster's name, which
comes from the series' `cluster` label, so the Slack comment and the e-mail (which carry only
figures and that name) show the configured redactor ran on them. Each path is read where it
leaves: the PDF's text (pdftotext), the CSVs, the Slack upload's comment, the e-mail SES was
given (moto server), and the prompt the fake Bedrock received.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.reporter.conftest import END, STEM, pdftotext, run

pytestmark = pytest.mark.integration

GITHUB = "ghp_" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0Lm9Nb8"
PASSWORD = "Hunter2-Sup3r"
MODEL_LEAK = "sk-proj-" + "Qm7Rt2Lp9Xc4Vb8Nz1" * 3
SECRETS = (GITHUB, PASSWORD, MODEL_LEAK, "onprem")


def leaked(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_pdf_csv_slack_email_and_prompt_are_redacted(world):
    for i in range(30):
        world["loki"].add(
            {"namespace": "shop", "app": "api"},
            END - timedelta(hours=2 * i + 1),
            f"ERROR login failed password={PASSWORD} token {GITHUB}",
        )
    world["bedrock"].answer = lambda prompt: f"안정적이었습니다. 키 {MODEL_LEAK} 교체 필요."
    code, paths = run(world, REDACT_EXTRA_PATTERNS="onprem")
    assert code == 0
    pdf = world["out"] / f"{STEM}.pdf"
    text = pdftotext(pdf)
    assert leaked(text) == []
    assert "password=[REDACTED]" in text.replace("\n", " ")  # the top error message
    assert "[REDACTED] 교체 필요" in text  # the model's answer
    assert "bravo-[REDACTED]" in text  # the cluster's name, by the site's pattern
    csvs = [p for p in paths if p.suffix == ".csv"]
    assert csvs
    all_csv = "".join(p.read_text(encoding="utf-8-sig") for p in csvs)
    assert leaked(all_csv) == []
    assert "password=[REDACTED]" in all_csv
    [uploaded] = [f for f in world["slack"].files.values() if "content" in f]
    assert leaked(uploaded["initial_comment"]) == []
    assert "bravo-[REDACTED]" in uploaded["initial_comment"]
    [(_to, msg)] = world["moto"].messages()
    body = msg.get_body(("plain",)).get_content()
    assert leaked(msg["Subject"] + body) == []
    assert "bravo-[REDACTED]" in msg["Subject"]
    [prompt] = world["bedrock"].prompts
    assert leaked(str(prompt)) == []
    assert "password=[REDACTED]" in str(prompt)
