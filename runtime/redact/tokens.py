"""Provider token formats: secrets recognisable by their shape alone, wherever they appear.

A table we maintain. The facts (prefixes, lengths, alphabets) are the providers' published
formats, as collected by public rule sets such as gitleaks' and trufflehog's detectors; the
patterns are ours. Each entry keeps the part that tells a reader what leaked (`ghp_[REDACTED]`
says a GitHub token was in the line) and masks the rest. Lengths are lower bounds where
providers have changed them, so a newer, longer token is still caught.

Speed: a line is first searched for the formats' literal hints (one case-sensitive alternation
of plain strings, a few microseconds), and only the formats whose hint is present run.

To add a provider: one `Format` line with a literal every match contains, and a line of its
shape in the corpus (tests/corpus/redaction/).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from runtime.redact.values import MASK, looks_random

B = r"(?<![\w])"  # a token starts here: not in the middle of a word
E = r"(?![\w])"  # and ends here


@dataclass(frozen=True)
class Format:
    name: str
    hints: str  # space-separated literals, one of which every match contains
    keep: str  # regex of the leading part shown as is ("" for none)
    secret: str  # regex of the rest
    check_random: bool = False  # a shape common enough that the match must also look random
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        compiled = re.compile(f"(?P<keep>{self.keep}){self.secret}")
        object.__setattr__(self, "pattern", compiled)


F = Format
FORMATS: tuple[Format, ...] = (
    # cloud providers
    F("aws-access-key-id", "A3T AKIA ASIA ABIA ACCA AGPA AIDA AROA AIPA ANPA ANVA APKA",
      B + r"(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)",
      r"[A-Z0-9]{16}" + E),
    F("aws-session-token", "IQoJb3JpZ2luX2Vj FwoGZXIvYXdz FQoGZXIvYXdz",
      B + r"(?:IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz)", r"[A-Za-z0-9+/=]{20,}"),
    F("aws-bedrock-api-key", "ABSK", B + r"ABSK", r"[A-Za-z0-9+/]{100,}={0,2}"),
    F("gcp-api-key", "AIza", B + r"AIza", r"[0-9A-Za-z_-]{35}" + E),
    F("gcp-oauth-access-token", "ya29.", B + r"ya29\.", r"[0-9A-Za-z_-]{20,}"),
    F("gcp-oauth-refresh-token", "1//0", B + r"1//0", r"[0-9A-Za-z_-]{30,}"),
    F("azure-ad-client-secret", "Q~", r"(?<![\w~.-])[A-Za-z0-9_~.]{3}\dQ~",
      r"[A-Za-z0-9_~.-]{31,34}" + E),
    F("alibaba-access-key-id", "LTAI", B + r"LTAI", r"[A-Za-z0-9]{20}" + E),
    F("digitalocean-token", "_v1_", B + r"do[opr]_v1_", r"[a-f0-9]{64}" + E),
    F("heroku-api-key", "HRKU-", B + r"HRKU-AA", r"[0-9A-Za-z_-]{58}" + E),
    F("fly-io-token", "fo1_ fm1a_ fm1r_ fm2_", B + r"(?:fo1_|fm1[ar]_|fm2_)",
      r"[A-Za-z0-9_+/-]{40,}={0,3}"),
    F("cloudflare-origin-ca-key", "v1.0-", B + r"v1\.0-", r"[a-f0-9]{24}-[a-f0-9]{146}" + E),
    # source control and CI
    F("github-token", "ghp_ gho_ ghu_ ghs_ ghr_", B + r"gh[pousr]_", r"[A-Za-z0-9]{30,}" + E),
    F("github-fine-grained-pat", "github_pat_", B + r"github_pat_", r"[A-Za-z0-9_]{40,}" + E),
    F("gitlab-token", "glpat- glrt- gldt- glptt- glcbt- glft- glimt- glagent- gloas- glsoat- "
      "glffct- glwt- gltst-",
      B + r"(?:glpat|glrt|gldt|glptt|glcbt|glft|glimt|glagent|gloas|glsoat|glffct|glwt|gltst)-",
      r"[0-9A-Za-z_.-]{20,}"),
    F("gitlab-runner-registration-token", "GR1348941", B + r"GR1348941", r"[0-9A-Za-z_-]{20,}"),
    F("bitbucket-app-password", "ATBB", B + r"ATBB", r"[A-Za-z0-9_=.-]{28,}" + E),
    F("atlassian-api-token", "ATATT3 ATCTT3", B + r"AT[AC]TT3", r"[A-Za-z0-9_=-]{60,}" + E),
    F("buildkite-token", "bkua_", B + r"bkua_", r"[a-f0-9]{40}" + E),
    F("circleci-token", "CCIPAT_ CCIPRJ_", B + r"CCIP(?:AT|RJ)_", r"[A-Za-z0-9_]{20,}" + E),
    F("sonar-token", "sqp_ sqa_ squ_", B + r"sq[pau]_", r"[a-f0-9]{40}" + E),
    F("sourcegraph-token", "sgp_", B + r"sgp_", r"(?:[a-f0-9]{16}_)?[a-f0-9]{40}" + E),
    # package registries
    F("npm-token", "npm_", B + r"npm_", r"[A-Za-z0-9]{36}" + E),
    F("pypi-token", "pypi-Ag", B + r"pypi-Ag", r"[A-Za-z0-9_-]{50,}"),
    F("rubygems-token", "rubygems_", B + r"rubygems_", r"[a-f0-9]{48}" + E),
    F("docker-hub-token", "dckr_pat_ dckr_oat_", B + r"dckr_(?:pat|oat)_", r"[A-Za-z0-9_-]{20,}"),
    F("nuget-api-key", "oy2", B + r"oy2", r"[a-z0-9]{43}" + E),
    F("clojars-token", "CLOJARS_", B + r"CLOJARS_", r"[a-z0-9]{60}" + E),
    F("artifactory-token", "AKCp cmVmd", B + r"(?:AKCp|cmVmd)", r"[A-Za-z0-9]{59,}" + E),
    F("hugging-face-token", "hf_ api_org_", B + r"(?:hf_|api_org_)", r"[A-Za-z0-9]{30,}" + E),
    # chat and collaboration
    F("slack-token", "xox", B + r"xox[abposre]-", r"[0-9A-Za-z-]{10,}"),
    F("slack-config-token", "xoxe.", B + r"xoxe\.xox[bp]-", r"[0-9A-Za-z-]{20,}"),
    F("slack-app-token", "xapp-", B + r"xapp-", r"\d-[A-Za-z0-9]+-\d+-[A-Za-z0-9]+"),
    F("slack-webhook", "hooks.slack.com", r"hooks\.slack\.com/(?:services|workflows|triggers)/",
      r"[A-Za-z0-9/_+-]{8,}"),
    F("discord-webhook", "/api/webhooks/", r"discord(?:app)?\.com/api/webhooks/\d+/",
      r"[A-Za-z0-9_-]{20,}"),
    F("telegram-bot-token", ":AA :AB :AC :AD :AE :AF :AG :AH", r"(?<!\d)\d{5,16}:(?=A)",
      r"[A-Za-z0-9_-]{34,35}" + E),
    F("teams-webhook", "webhook.office.com", r"webhook\.office\.com/webhookb2/",
      r"[A-Za-z0-9@/_-]{40,}"),
    F("mattermost-webhook", "/hooks/", r"/hooks/", r"[a-z0-9]{26}" + E),
    F("linear-api-key", "lin_api_ lin_oauth_", B + r"lin_(?:api|oauth)_", r"[A-Za-z0-9]{40}" + E),
    F("notion-token", "ntn_ secret_", B + r"(?:ntn_|secret_(?=[A-Za-z0-9]{43}\b))",
      r"[A-Za-z0-9]{40,46}" + E),
    F("postman-api-key", "PMAK-", B + r"PMAK-", r"[a-f0-9]{24}-[a-f0-9]{34}" + E),
    # observability
    F("grafana-service-account-token", "glsa_", B + r"glsa_",
      r"[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}" + E),
    F("grafana-cloud-token", "glc_", B + r"glc_", r"[A-Za-z0-9+/]{32,}={0,3}"),
    F("grafana-api-key", "eyJrIjoi", B + r"eyJrIjoi", r"[A-Za-z0-9+/]{50,}={0,3}"),
    F("new-relic-key", "NRAK- NRII- NRJS- NRRA- NRAA-", B + r"NR(?:AK|II|JS|RA|AA)-",
      r"[A-Za-z0-9-]{19,40}" + E),
    F("sentry-token", "sntrys_ sntryu_", B + r"sntry[su]_", r"[A-Za-z0-9+/=_]{40,}"),
    F("dynatrace-token", "dt0c01. dt0s01.", B + r"dt0[cs]01\.", r"[A-Z0-9]{24}\.[A-Z0-9]{64}" + E),
    F("honeycomb-key", "hcaik_ hcxik_", B + r"hc[ax]ik_", r"[a-z0-9]{50,}" + E),
    # payments and commerce
    F("stripe-key", "sk_live_ sk_test_ sk_prod_ rk_live_ rk_test_ rk_prod_",
      B + r"[sr]k_(?:live|test|prod)_", r"[0-9A-Za-z]{10,}"),
    F("stripe-webhook-secret", "whsec_", B + r"whsec_", r"[0-9A-Za-z+/=]{20,}"),
    F("square-token", "sq0atp- sq0csp- EAAA", B + r"(?:sq0atp-|sq0csp-|EAAA)",
      r"[0-9A-Za-z_-]{22,}" + E),
    F("shopify-token", "shpat_ shpca_ shppa_ shpss_", B + r"shp(?:at|ca|pa|ss)_",
      r"[a-fA-F0-9]{32}" + E),
    F("braintree-token", "access_token$production$", B + r"access_token\$production\$",
      r"[0-9a-z]{16}\$[0-9a-f]{32}"),
    F("facebook-access-token", "EAA", B + r"EAA[A-Z]", r"[A-Za-z0-9]{90,}" + E),
    F("flutterwave-key", "FLWSECK", B + r"FLWSECK(?:_TEST)?-", r"[a-h0-9]{12,32}(?:-X)?" + E),
    # messaging and e-mail
    F("sendgrid-api-key", "SG.", B + r"SG\.", r"[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64}" + E),
    F("sendinblue-api-key", "xkeysib-", B + r"xkeysib-", r"[a-f0-9]{64}-[A-Za-z0-9]{16}" + E),
    F("mailgun-api-key", "key-", B + r"key-", r"[a-f0-9]{32}" + E),
    F("mailchimp-api-key", "-us", B, r"[a-f0-9]{32}-us\d{1,2}" + E),
    F("twilio-api-key", "SK", B + r"SK", r"[0-9a-f]{32}" + E),
    # AI providers
    F("anthropic-api-key", "sk-ant-", B + r"sk-ant-(?:api|admin|sid)\d\d-", r"[A-Za-z0-9_-]{20,}"),
    F("openai-api-key", "sk-", B + r"sk-(?:proj-|svcacct-|admin-|None-)?", r"[A-Za-z0-9_-]{20,}"),
    F("perplexity-api-key", "pplx-", B + r"pplx-", r"[A-Za-z0-9]{40,}" + E),
    F("groq-api-key", "gsk_", B + r"gsk_", r"[A-Za-z0-9]{48,}" + E),
    F("replicate-token", "r8_", B + r"r8_", r"[A-Za-z0-9]{37}" + E),
    # secrets managers and infrastructure
    F("vault-token", "hvs. hvb. hvr.", B + r"hv[sbr]\.", r"[A-Za-z0-9_-]{24,}"),
    F("terraform-cloud-token", ".atlasv1.", B + r"[A-Za-z0-9]{14}\.atlasv1\.",
      r"[A-Za-z0-9_=-]{60,}"),
    F("doppler-token", "dp.", B + r"dp\.(?:pt|st|sa|ct|scim|audit)\.", r"[A-Za-z0-9]{40,}" + E),
    F("pulumi-token", "pul-", B + r"pul-", r"[a-f0-9]{40}" + E),
    F("onepassword-token", "ops_eyJ", B + r"ops_eyJ", r"[A-Za-z0-9+/]{100,}={0,3}"),
    F("onepassword-secret-key", "A3-", B + r"A3-",
      r"[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}"),
    F("age-secret-key", "AGE-SECRET-KEY-1", B + r"AGE-SECRET-KEY-1",
      r"[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}" + E),
    F("databricks-token", "dapi", B + r"dapi", r"[a-f0-9]{32}(?:-\d)?" + E),
    F("planetscale-token", "pscale_", B + r"pscale_(?:tkn|oauth|pw)_", r"[A-Za-z0-9_=.-]{32,64}"),
    F("supabase-token", "sbp_", B + r"sbp_", r"[a-f0-9]{40}" + E),
    F("openshift-token", "sha256~", B + r"sha256~", r"[A-Za-z0-9_-]{43}" + E),
    F("prefect-token", "pnu_", B + r"pnu_", r"[A-Za-z0-9]{36}" + E),
    F("readme-token", "rdme_", B + r"rdme_", r"[a-z0-9]{70}" + E),
    F("scalingo-token", "tk-us-", B + r"tk-us-", r"[A-Za-z0-9_-]{48}" + E),
    F("infracost-token", "ico-", B + r"ico-", r"[A-Za-z0-9]{32}" + E),
    F("frameio-token", "fio-u-", B + r"fio-u-", r"[A-Za-z0-9_=-]{64}" + E),
    F("easypost-token", "EZAK EZTK", B + r"EZ[AT]K", r"[A-Za-z0-9]{54}" + E),
    F("duffel-token", "duffel_", B + r"duffel_(?:test|live)_", r"[A-Za-z0-9_=-]{43}" + E),
    F("mapbox-secret-token", "sk.eyJ", B + r"sk\.eyJ", r"[A-Za-z0-9_-]{50,}\.[A-Za-z0-9_-]{20,}"),
    F("adobe-client-secret", "p8e-", B + r"p8e-", r"[A-Za-z0-9]{32}" + E),
    F("maxmind-license-key", "_mmk", B, r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk" + E),
    F("harness-token", "pat. sat.", B + r"(?:pat|sat)\.",
      r"[A-Za-z0-9_-]{22}\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{20}" + E),
    F("tailscale-key", "tskey-", B + r"tskey-(?:auth|api|client|scim|webhook)-",
      r"[A-Za-z0-9-]{20,}"),
    F("discord-bot-token", "MT Nz OD OT", B + r"(?=(?:MT|Nz|OD|OT)[A-Za-z0-9_-]{22})",
      r"[A-Za-z0-9_-]{24,28}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}" + E),
    # password hashes: crackable offline, so as secret as the password
    F("crypt-hash", "$2a$ $2b$ $2x$ $2y$ $1$ $5$ $6$ $y$ $apr1$ $md5$",
      r"(?<![\w$])\$(?:2[abxy]\$\d\d|1|5|6|y|apr1|md5)\$", r"[./A-Za-z0-9$=,]{16,}"),
    F("argon2-hash", "$argon2", r"\$argon2(?:id|i|d)\$v=\d+\$[^$\s]+\$", r"[A-Za-z0-9+/=$.]{16,}"),
    F("scram-hash", "SCRAM-SHA-", r"SCRAM-SHA-(?:1|256|512)\$\d+:", r"[A-Za-z0-9+/=$:]{20,}"),
    F("postgres-md5-hash", "md5", B + r"md5", r"[0-9a-f]{32}" + E),
    F("nats-nkey-seed", "SU SA SO SN SC SX", B + r"S[UAONCX]", r"[A-Z2-7]{54,56}" + E),
    F("twilio-auth-token", "AC", r"[\"']AC[0-9a-f]{32}[\"']\s*,\s*[\"']", r"[0-9a-f]{32}(?=[\"'])"),
    F("mysql-native-hash", "*", r"(?<![\w*])\*(?=[0-9A-F]{40}\b)", r"[0-9A-F]{40}" + E),
    F("ldap-hash", "{SSHA} {SHA} {SSHA512} {SMD5} {PBKDF2", r"\{(?:S?SHA\d*|SMD5|PBKDF2[\w-]*)\}",
      r"[A-Za-z0-9+/=$.]{16,}"),
    # generic shapes
    F("jwt", "eyJ", B + r"eyJ", r"[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*"),
    F("jwe", "eyJ", B + r"eyJ", r"[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{16,}"
      r"\.[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{16,}"),
)  # fmt: skip


def trie(words: list[str]) -> str:
    """One regex for many literals, factored by prefix: a few microseconds a line, where a
    plain alternation of the same literals takes twenty."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, dict]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        group = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return (group if len(alts) == 1 and len(alts[0]) == 1 else f"(?:{group})") + "?"
        return group

    return build(root)


_BY_HINT: dict[str, list[Format]] = defaultdict(list)
for _f in FORMATS:
    for _hint in _f.hints.split():
        _BY_HINT[_hint].append(_f)
# A hint found also runs the formats of the hints it starts with ("sk-ant-" also runs "sk-").
_RUN_FOR = {h: [f for p, fs in _BY_HINT.items() if h.startswith(p) for f in fs] for h in _BY_HINT}
_HINTS = re.compile(trie(list(_BY_HINT)))


def _masker(fmt: Format) -> Callable[[re.Match[str]], str]:
    def mask(m: re.Match[str]) -> str:
        if fmt.check_random and not looks_random(m[0]):
            return m[0]
        return m["keep"] + MASK

    return mask


_MASKERS = {f.name: _masker(f) for f in FORMATS}


def mask_tokens(text: str) -> str:
    """Every provider token in `text` masked, its telling prefix kept."""
    hinted = set(_HINTS.findall(text))
    if not hinted:
        return text
    seen: set[str] = set()
    for hint in hinted:
        for fmt in _RUN_FOR[hint]:
            if fmt.name not in seen:
                seen.add(fmt.name)
                text = fmt.pattern.sub(_MASKERS[fmt.name], text)
    return text
