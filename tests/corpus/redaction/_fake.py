"""Fake, format-valid values for the redaction corpus, and a small template language.

Every value comes from a seeded ``random.Random``: the same seed gives the same corpus. Nothing
here is a real credential; values only have the right prefix, length and alphabet.

Templates: ``<<name>>`` is replaced by a fresh harmless value of generator ``name``;
``<<!name>>`` by a fresh secret value (recorded in the entry's ``secrets``); ``<<name:arg>>``
passes an argument; ``<<!name@tag>>`` remembers the value under ``tag`` and ``<<@tag>>`` repeats
it (a repeat of a secret is not listed twice).
"""

# ruff: noqa: E501

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import string
import uuid

LOWER = string.ascii_lowercase
UPPER = string.ascii_uppercase
DIGITS = string.digits
ALNUM = LOWER + UPPER + DIGITS
LOWER_ALNUM = LOWER + DIGITS
UPPER_ALNUM = UPPER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
AWS_ID = UPPER + "234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
# Kubernetes name suffixes avoid vowels and confusable characters.
K8S_SAFE = "bcdfghjklmnpqrstvwxz2456789"

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tav",
    "qui",
    "dor",
    "zen",
    "pha",
    "bru",
    "xel",
    "vin",
    "sor",
    "gal",
    "tum",
    "wex",
    "yor",
    "nix",
    "pel",
    "rud",
    "fio",
    "jas",
    "hov",
    "cil",
    "mek",
    "zar",
]
FIRST_NAMES = [
    "jane",
    "minsu",
    "jiwoo",
    "carlos",
    "aiko",
    "priya",
    "tomas",
    "olga",
    "seojun",
    "lena",
    "omar",
    "hana",
    "noah",
    "yuna",
    "dmitri",
    "farah",
]
LAST_NAMES = [
    "kim",
    "park",
    "lee",
    "garcia",
    "tanaka",
    "sharma",
    "novak",
    "ivanova",
    "choi",
    "schmidt",
    "haddad",
    "jung",
    "miller",
    "yoon",
    "petrov",
    "khan",
]
MAIL_DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "corp.example",
    "mail.example.kr",
    "shop.example.co.kr",
    "staff.example.io",
    "users.test",
]
SERVICES = [
    "checkout",
    "payments",
    "cart",
    "catalog",
    "orders",
    "auth",
    "gateway",
    "billing",
    "search",
    "notifier",
    "inventory",
    "ledger",
    "profile",
    "shipping",
    "recommender",
]
NAMESPACES = [
    "shop",
    "payments",
    "platform",
    "monitoring",
    "data",
    "default",
    "ingress-nginx",
    "argocd",
    "vault",
    "kube-system",
    "ci",
    "batch",
]
DB_USERS = [
    "app",
    "shop_rw",
    "orders_svc",
    "reporting",
    "etl_loader",
    "keycloak",
    "grafana",
    "payments",
    "ledger_app",
    "analytics_ro",
]
DB_NAMES = [
    "shop",
    "orders",
    "payments",
    "ledger",
    "keycloak",
    "grafana",
    "inventory",
    "analytics",
    "auth",
    "billing",
]
HOSTS = [
    "postgres.shop.svc.cluster.local",
    "orders-db.data.svc",
    "mysql-primary.data.svc.cluster.local",
    "10.42.3.17",
    "db-prod-01.internal",
    "pg-ledger-rw.payments.svc",
    "redis-master.cache.svc.cluster.local",
    "rabbitmq.messaging.svc",
    "mongo-0.mongo.data.svc.cluster.local",
    "kafka-0.kafka-headless.data.svc",
    "aurora-prod.cluster-c1a2b3c4d5e6.ap-northeast-2.rds.amazonaws.com",
]


class Fake:
    """Value generators, all drawing from one seeded RNG."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.inserted: dict[str, int] = {}

    # ---- primitives ----
    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hexs(self, n: int) -> str:
        return self.s(HEX, n)

    def bytes_(self, n: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.bytes_(nbytes)).decode()

    def b64url(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self.bytes_(nbytes)).decode().rstrip("=")

    def word(self, k: int = 3) -> str:
        return "".join(self.r.choice(SYLLABLES) for _ in range(k))

    def pick(self, seq):
        return self.r.choice(seq)

    def int_(self, lo: int, hi: int) -> int:
        return self.r.randint(lo, hi)

    # ---- harmless values ----
    def uuid(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def ts(self) -> str:
        return f"2024-{self.int_(1, 12):02d}-{self.int_(1, 28):02d}T{self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}.{self.int_(0, 999):03d}Z"

    def ts_ns(self) -> str:
        return f"2024-{self.int_(1, 12):02d}-{self.int_(1, 28):02d}T{self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}.{self.int_(0, 999999999):09d}Z"

    def ts_gh(self) -> str:
        return f"2024-{self.int_(1, 12):02d}-{self.int_(1, 28):02d}T{self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}.{self.int_(0, 9999999):07d}Z"

    def ts_space(self) -> str:
        return f"2024-{self.int_(1, 12):02d}-{self.int_(1, 28):02d} {self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}"

    def ts_py(self) -> str:
        return f"{self.ts_space()},{self.int_(0, 999):03d}"

    def ts_java(self) -> str:
        return f"{self.ts_space()}.{self.int_(0, 999):03d}"

    def ts_nginx(self) -> str:
        mon = self.pick(
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        )
        return f"{self.int_(1, 28):02d}/{mon}/2024:{self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d} +0000"

    def ts_syslog(self) -> str:
        mon = self.pick(
            ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        )
        return f"{mon} {self.int_(1, 28):2d} {self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}"

    def klog(self, level: str = "I") -> str:
        src = self.pick(
            [
                "controller.go",
                "reflector.go",
                "main.go",
                "server.go",
                "reconciler.go",
                "client.go",
                "handler.go",
            ]
        )
        return f"{level}{self.int_(1, 12):02d}{self.int_(1, 28):02d} {self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}.{self.int_(0, 999999):06d}       1 {src}:{self.int_(20, 900)}]"

    def epoch(self) -> str:
        return str(self.int_(1704067200, 1735689599))

    def epoch_ms(self) -> str:
        return str(self.int_(1704067200000, 1735689599999))

    def epoch_f(self) -> str:
        return f"{self.int_(1704067200, 1735689599)}.{self.int_(0, 999999):06d}"

    def ip(self) -> str:
        return self.pick(
            [
                f"10.{self.int_(0, 255)}.{self.int_(0, 255)}.{self.int_(1, 254)}",
                f"172.{self.int_(16, 31)}.{self.int_(0, 255)}.{self.int_(1, 254)}",
                f"192.168.{self.int_(0, 255)}.{self.int_(1, 254)}",
            ]
        )

    def pubip(self) -> str:
        return f"{self.pick([3, 13, 34, 52, 54, 203, 211, 121])}.{self.int_(0, 255)}.{self.int_(0, 255)}.{self.int_(1, 254)}"

    def port(self) -> str:
        return str(self.int_(30000, 65000))

    def rs(self) -> str:
        return self.s(K8S_SAFE, self.pick([9, 10]))

    def pod(self, name: str | None = None) -> str:
        name = name or self.pick(SERVICES)
        return f"{name}-{self.rs()}-{self.s(K8S_SAFE, 5)}"

    def svc(self) -> str:
        return self.pick(SERVICES)

    def ns(self) -> str:
        return self.pick(NAMESPACES)

    def host(self) -> str:
        return self.pick(HOSTS)

    def dbuser(self) -> str:
        return self.pick(DB_USERS)

    def dbname(self) -> str:
        return self.pick(DB_NAMES)

    def trace(self) -> str:
        return self.hexs(32)

    def span(self) -> str:
        return self.hexs(16)

    def sha(self) -> str:
        return self.hexs(40)

    def short_sha(self) -> str:
        return self.hexs(self.pick([7, 8, 12]))

    def digest(self) -> str:
        return "sha256:" + self.hexs(64)

    def cid(self) -> str:
        return self.hexs(64)

    def n(self, arg: str = "1-9999") -> str:
        lo, hi = arg.split("-")
        return str(self.int_(int(lo), int(hi)))

    def ms(self) -> str:
        return str(self.int_(1, 4000))

    def first(self) -> str:
        return self.pick(FIRST_NAMES)

    def name(self) -> str:
        return f"{self.pick(FIRST_NAMES)}.{self.pick(LAST_NAMES)}"

    def acct(self) -> str:
        return self.s(DIGITS, 12)

    def region(self) -> str:
        return self.pick(
            [
                "ap-northeast-2",
                "us-east-1",
                "eu-west-1",
                "us-west-2",
                "eu-central-1",
                "ap-southeast-1",
            ]
        )

    def hexn(self, arg: str) -> str:
        return self.hexs(int(arg))

    def alnumn(self, arg: str) -> str:
        return self.s(ALNUM, int(arg))

    def upper_alnumn(self, arg: str) -> str:
        return self.s(UPPER_ALNUM, int(arg))

    def digitsn(self, arg: str) -> str:
        return self.s(DIGITS, int(arg))

    def b64n(self, arg: str) -> str:
        return self.b64(int(arg))

    def objectid(self) -> str:
        return self.hexs(24)

    def ulid(self) -> str:
        return self.s("0123456789ABCDEFGHJKMNPQRSTVWXYZ", 26)

    def semver(self) -> str:
        return f"{self.int_(0, 4)}.{self.int_(0, 30)}.{self.int_(0, 20)}"

    def slack_t(self) -> str:
        return "T" + self.s(UPPER_ALNUM, self.pick([8, 10]))

    def slack_b(self) -> str:
        return "B" + self.s(UPPER_ALNUM, self.pick([8, 10, 11]))

    def slack_ch(self) -> str:
        return "C" + self.s(UPPER_ALNUM, 10)

    def snowflake(self) -> str:
        return str(self.int_(10**17, 2 * 10**18))

    def kid(self) -> str:
        return self.b64url(32)

    # ---- secret values ----
    def pw(self) -> str:
        """A password as people and generators make them; no quote, backslash, space or $."""
        kind = self.int_(0, 5)
        if kind == 0:
            return (
                self.word(3).capitalize() + self.s(DIGITS, self.int_(2, 4)) + self.pick("!#%*.?-_")
            )
        if kind == 1:
            return self.s(ALNUM + "!#%*-_.+", self.int_(14, 22))
        if kind == 2:
            return self.s(ALNUM, 10)  # Bitnami charts' generated passwords
        if kind == 3:
            return "-".join(self.word(2) for _ in range(3)) + str(self.int_(1, 99))
        if kind == 4:
            return self.s(ALNUM, self.int_(24, 32))
        return self.word(2).capitalize() + self.pick("@!#") + self.word(2) + self.s(DIGITS, 3)

    def pw_url(self) -> str:
        """A password safe inside a URL's userinfo without percent-encoding."""
        kind = self.int_(0, 2)
        if kind == 0:
            return self.word(3).capitalize() + self.s(DIGITS, 4) + self.pick("-_.~")
        if kind == 1:
            return self.s(ALNUM, self.int_(12, 24))
        return self.s(ALNUM + "-_.~", self.int_(16, 28))

    def pw_alnum(self) -> str:
        return self.s(ALNUM, self.int_(10, 20))

    def pw_human(self) -> str:
        return (
            self.word(self.pick([2, 3])).capitalize()
            + self.s(DIGITS, self.int_(2, 4))
            + self.pick("!#*?")
        )

    def pw_hex32(self) -> str:
        return self.hexs(32)

    def email(self) -> str:
        local = self.pick(
            [
                f"{self.pick(FIRST_NAMES)}.{self.pick(LAST_NAMES)}",
                f"{self.pick(FIRST_NAMES)}{self.int_(1, 99)}",
                f"{self.pick(FIRST_NAMES)}_{self.pick(LAST_NAMES)}",
                f"{self.pick(FIRST_NAMES)[0]}{self.pick(LAST_NAMES)}",
                f"{self.pick(FIRST_NAMES)}+{self.pick(['billing', 'alerts', 'test', 'k8s'])}",
            ]
        )
        return f"{local}@{self.pick(MAIL_DOMAINS)}"

    def aws_akid(self, prefix: str = "AKIA") -> str:
        return prefix + self.s(AWS_ID, 16)

    def aws_asia(self) -> str:
        return self.aws_akid("ASIA")

    def aws_secret(self) -> str:
        return self.s(ALNUM + "+/", 40)

    def aws_session(self) -> str:
        return "IQoJb3JpZ2luX2Vj" + self.s(B64, self.int_(300, 420)) + "=="

    def aws_session_old(self) -> str:
        return "FwoGZXIvYXdzE" + self.s(B64, self.int_(250, 330))

    def bedrock_key(self) -> str:
        raw = f"BedrockAPIKey-{self.s(LOWER_ALNUM, 4)}-at-{self.s(DIGITS, 12)}:{self.s(B64, 60)}"
        return "ABSK" + base64.b64encode(raw.encode()).decode()

    def gh(self, prefix: str = "ghp") -> str:
        return f"{prefix}_" + self.s(ALNUM, 36)

    def github_pat(self) -> str:
        return "github_pat_11" + self.s(UPPER_ALNUM, 20) + "_" + self.s(ALNUM, 59)

    def glpat(self) -> str:
        return "glpat-" + self.s(ALNUM + "-_", 20)

    def gl(self, prefix: str) -> str:
        if prefix == "glptt":
            return "glptt-" + self.hexs(40)
        if prefix == "glagent":
            return "glagent-" + self.s(ALNUM + "-_", 50)
        if prefix == "glcbt":
            return "glcbt-" + self.s(ALNUM, 2) + "_" + self.s(ALNUM + "-_", 20)
        return f"{prefix}-" + self.s(ALNUM + "-_", 20)

    def glrt_routable(self) -> str:
        return "glrt-t1_" + self.s(ALNUM + "-_", 27) + "." + self.s(LOWER_ALNUM, 9)

    def gl_runner_reg(self) -> str:
        return "GR1348941" + self.s(ALNUM + "-_", 20)

    def slack_bot(self) -> str:
        return f"xoxb-{self.s(DIGITS, 12)}-{self.s(DIGITS, 13)}-{self.s(ALNUM, 24)}"

    def slack_user(self) -> str:
        return (
            f"xoxp-{self.s(DIGITS, 12)}-{self.s(DIGITS, 12)}-{self.s(DIGITS, 13)}-{self.hexs(32)}"
        )

    def slack_app(self) -> str:
        return f"xapp-1-A{self.s(UPPER_ALNUM, 10)}-{self.s(DIGITS, 13)}-{self.hexs(64)}"

    def slack_hook(self) -> str:
        return self.s(ALNUM, 24)

    def slack_signing(self) -> str:
        return self.hexs(32)

    def npm(self) -> str:
        return "npm_" + self.s(ALNUM, 36)

    def stripe(self, kind: str = "sk_live") -> str:
        n = self.pick([24, 99])
        body = ("51" + self.s(ALNUM, n - 2)) if n == 99 else self.s(ALNUM, n)
        return f"{kind}_{body}"

    def whsec(self) -> str:
        return "whsec_" + self.s(ALNUM, 32)

    def glsa(self) -> str:
        return "glsa_" + self.s(ALNUM, 32) + "_" + self.hexs(8)

    def glc(self) -> str:
        stack = self.s(DIGITS, 6)
        doc = {
            "o": self.s(DIGITS, 6),
            "n": f"stack-{stack}-hm-{self.pick(['write', 'read', 'alloy', 'metrics'])}-{self.word(2)}",
            "k": self.s(ALNUM, 24),
            "m": {"r": self.pick(["prod-eu-west-2", "prod-us-central-0", "prod-ap-northeast-0"])},
        }
        return "glc_" + base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()

    def hvs(self) -> str:
        return "hvs.CAESI" + self.s(B64URL, 86)

    def hvs_short(self) -> str:
        return "hvs." + self.s(ALNUM, 24)

    def hvb(self) -> str:
        return "hvb.AAAAAQ" + self.s(B64URL, 150)

    def vault_legacy(self) -> str:
        return "s." + self.s(ALNUM, 24)

    def vault_accessor(self) -> str:
        return self.s(ALNUM, 24)

    def telegram(self) -> str:
        return f"{self.int_(100000000, 7999999999)}:AA{self.s(ALNUM + '-_', 33)}"

    def discord_hook(self) -> str:
        return self.s(ALNUM + "-_", 68)

    def discord_bot(self) -> str:
        ident = str(self.int_(10**17, 2 * 10**18)).encode()
        return (
            base64.b64encode(ident).decode().rstrip("=")
            + "."
            + self.s(ALNUM + "-_", 6)
            + "."
            + self.s(ALNUM + "-_", 38)
        )

    def okta(self) -> str:
        return "00" + self.s(ALNUM + "-_", 40)

    def openai(self) -> str:
        return "sk-" + self.s(ALNUM, 20) + "T3BlbkFJ" + self.s(ALNUM, 20)

    def openai_proj(self) -> str:
        return "sk-proj-" + self.s(ALNUM + "-_", 74) + "T3BlbkFJ" + self.s(ALNUM + "-_", 74)

    def openai_svc(self) -> str:
        return "sk-svcacct-" + self.s(ALNUM + "-_", 74) + "T3BlbkFJ" + self.s(ALNUM + "-_", 74)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.s(ALNUM + "-_", 93) + "AA"

    def anthropic_admin(self) -> str:
        return "sk-ant-admin01-" + self.s(ALNUM + "-_", 93) + "AA"

    def gcp_key(self) -> str:
        return "AIza" + self.s(ALNUM + "-_", 35)

    def azure_account_key(self) -> str:
        return self.b64(64)

    def azure_sas_key(self) -> str:
        return self.b64(32)

    def azure_sig(self) -> str:
        return self.b64(32).replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")

    def azure_ad(self) -> str:
        return self.s(ALNUM, 3) + self.s(DIGITS, 1) + "Q~" + self.s(ALNUM + "_~.-", 34)

    def twilio_sid(self) -> str:
        return "AC" + self.hexs(32)

    def twilio_token(self) -> str:
        return self.hexs(32)

    def twilio_sk(self) -> str:
        return "SK" + self.hexs(32)

    def twilio_api_secret(self) -> str:
        return self.s(ALNUM, 32)

    def sendgrid(self) -> str:
        return "SG." + self.s(ALNUM + "-_", 22) + "." + self.s(ALNUM + "-_", 43)

    def mailgun(self) -> str:
        return "key-" + self.hexs(32)

    def mailgun_new(self) -> str:
        return f"{self.hexs(32)}-{self.hexs(8)}-{self.hexs(8)}"

    def shopify(self, prefix: str = "shpat") -> str:
        return f"{prefix}_" + self.hexs(32)

    def dop(self) -> str:
        return "dop_v1_" + self.hexs(64)

    def dckr(self) -> str:
        return "dckr_pat_" + self.s(ALNUM + "-_", 27)

    def pypi(self) -> str:
        raw = b"\x02\x01\x08pypi.org\x02" + self.bytes_(self.int_(120, 160))
        return "pypi-" + base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def hf(self) -> str:
        return "hf_" + self.s(LOWER + UPPER, 34)

    def dapi(self) -> str:
        return "dapi" + self.hexs(32) + self.pick(["", "", "-2", "-3"])

    def nrak(self) -> str:
        return "NRAK-" + self.s(UPPER_ALNUM, 27)

    def nral(self) -> str:
        return self.hexs(36) + "NRAL"

    def nrii(self) -> str:
        return "NRII-" + self.s(ALNUM + "-_", 32)

    def dd_api(self) -> str:
        return self.hexs(32)

    def dd_app(self) -> str:
        return self.hexs(40)

    def sentry_key(self) -> str:
        return self.hexs(32)

    def sntryu(self) -> str:
        return "sntryu_" + self.hexs(64)

    def atlassian(self) -> str:
        return "ATATT3xFfGF0" + self.s(ALNUM + "-_", 171) + "=" + self.s("0123456789ABCDEF", 8)

    def linear(self) -> str:
        return "lin_api_" + self.s(ALNUM, 40)

    def doppler(self) -> str:
        return "dp.pt." + self.s(ALNUM, 43)

    def doppler_st(self) -> str:
        return "dp.st.prd." + self.s(ALNUM, 43)

    def pmak(self) -> str:
        return f"PMAK-{self.hexs(24)}-{self.hexs(34)}"

    def pulumi(self) -> str:
        return "pul-" + self.hexs(40)

    def tfc(self) -> str:
        return self.s(ALNUM, 14) + ".atlasv1." + self.s(ALNUM + "-_", 67)

    def age(self) -> str:
        return "AGE-SECRET-KEY-1" + self.s(BECH32, 58)

    def sonar(self) -> str:
        return self.pick(["squ_", "sqp_", "sqa_"]) + self.hexs(40)

    def snyk(self) -> str:
        return self.uuid()

    def heroku(self) -> str:
        return "HRKU-AA" + self.s(ALNUM + "-_", 58)

    def cloudflare(self) -> str:
        return self.s(ALNUM + "-_", 40)

    def dynatrace(self) -> str:
        return "dt0c01." + self.s(UPPER_ALNUM, 24) + "." + self.s(UPPER_ALNUM, 64)

    def artifactory(self) -> str:
        return "AKCp" + self.s(ALNUM, 69)

    def jfrog_ref(self) -> str:
        return "cmVmdGtuOjAxOjE3" + self.s(ALNUM, 48)

    def openshift(self) -> str:
        return "sha256~" + self.s(ALNUM + "-_", 43)

    def square(self) -> str:
        return "EAAA" + self.s(ALNUM + "-_", 60)

    def braintree(self) -> str:
        return f"access_token$production${self.s(LOWER_ALNUM, 16)}${self.hexs(32)}"

    def alibaba(self) -> str:
        return "LTAI" + self.s(ALNUM, 20)

    def tailscale(self) -> str:
        return f"tskey-auth-k{self.s(ALNUM, 10)}CNTRL-{self.s(ALNUM, 32)}"

    def fcm(self) -> str:
        return "AAAA" + self.s(ALNUM + "-_", 7) + ":APA91b" + self.s(ALNUM + "-_", 134)

    def mapbox_sk(self) -> str:
        payload = (
            base64.urlsafe_b64encode(
                json.dumps(
                    {"u": self.word(2), "a": self.s(LOWER_ALNUM, 25)}, separators=(",", ":")
                ).encode()
            )
            .decode()
            .rstrip("=")
        )
        return "sk." + payload + "." + self.s(ALNUM + "-_", 22)

    def consul(self) -> str:
        return self.uuid()

    def kubeadm_token(self) -> str:
        return self.s(LOWER_ALNUM, 6) + "." + self.s(LOWER_ALNUM, 16)

    def kubeadm_cert_key(self) -> str:
        return self.hexs(64)

    def k3s_token(self) -> str:
        return f"K10{self.hexs(64)}::server:{self.hexs(32)}"

    def influx(self) -> str:
        return self.s(ALNUM + "-_", 86) + "=="

    def wg_key(self) -> str:
        return self.b64(32)

    def erlang_cookie(self) -> str:
        return self.s(UPPER, 20)

    def laravel_key(self) -> str:
        return "base64:" + self.b64(32)

    def django_key(self) -> str:
        return (
            "django-insecure-" + self.s(LOWER_ALNUM + "!@#%^&*(-_=+)", 50)
            if self.int_(0, 1)
            else self.s(LOWER_ALNUM + "!@#%^*(-_=+)", 50)
        )

    def rails_key(self) -> str:
        return self.hexs(128)

    def hex64(self) -> str:
        return self.hexs(64)

    def hex40(self) -> str:
        return self.hexs(40)

    def hex32(self) -> str:
        return self.hexs(32)

    def b64_32(self) -> str:
        return self.b64(32)

    def b64_24(self) -> str:
        return self.b64(24)

    def b64pw(self) -> str:
        return base64.b64encode(self.pw().encode()).decode()

    def b64user(self) -> str:
        return base64.b64encode((self.dbuser() + "_" + self.s(LOWER, 4)).encode()).decode()

    def opaque(self) -> str:
        return self.s(ALNUM, self.int_(32, 48))

    def opaque_url(self) -> str:
        return self.s(ALNUM + "-_", self.int_(32, 64))

    def pagerduty(self) -> str:
        return self.s("0123456789abcdef", 32)

    def pd_api(self) -> str:
        return "u+" + self.s(ALNUM + "-_", 18)

    def opsgenie(self) -> str:
        return self.uuid()

    def splunk_hec(self) -> str:
        return self.uuid()

    def elastic_apikey(self) -> str:
        return base64.b64encode(
            f"{self.s(ALNUM + '-_', 20)}:{self.s(ALNUM + '-_', 22)}".encode()
        ).decode()

    def teams_hook(self) -> str:
        return f"{self.uuid()}@{self.uuid()}/IncomingWebhook/{self.hexs(32)}/{self.uuid()}"

    def honeycomb(self) -> str:
        return "hcaik_" + self.s(LOWER_ALNUM, 58)

    def jsessionid(self) -> str:
        return self.s("0123456789ABCDEF", 32)

    def connect_sid(self) -> str:
        return (
            "s%3A"
            + self.s(ALNUM + "-_", 32)
            + "."
            + self.b64(32).rstrip("=").replace("+", "%2B").replace("/", "%2F")
        )

    def session_cookie(self) -> str:
        return self.s(LOWER_ALNUM, 32)

    def oauth_code(self) -> str:
        return "4/0A" + self.s(ALNUM + "-_", 69)

    def amz_sig(self) -> str:
        return self.hexs(64)

    def bcrypt(self) -> str:
        return f"$2y$05${self.s(ALNUM + './', 53)}"

    def bcrypt_b(self) -> str:
        return f"$2b$12${self.s(ALNUM + './', 53)}"

    def sha512crypt(self) -> str:
        return f"$6${self.s(ALNUM + './', 16)}${self.s(ALNUM + './', 86)}"

    def mysql_hash(self) -> str:
        return "*" + self.s("0123456789ABCDEF", 40)

    def scram(self) -> str:
        return f"SCRAM-SHA-256$4096:{self.b64(16)}${self.b64(32)}:{self.b64(32)}"

    def apr1(self) -> str:
        return f"$apr1${self.s(ALNUM, 8)}${self.s(ALNUM + './', 22)}"

    def nats_seed(self) -> str:
        return "SUA" + self.s(UPPER + "234567", 55)

    def onepassword(self) -> str:
        return "ops_eyJ" + self.s(B64, 300)

    def planetscale(self) -> str:
        return "pscale_pw_" + self.s(ALNUM + "_", 43)

    def rubygems(self) -> str:
        return "rubygems_" + self.hexs(48)

    def sgp(self) -> str:
        return "sgp_" + self.hexs(16) + "_" + self.hexs(40)

    def prefect(self) -> str:
        return "pnu_" + self.s(ALNUM, 36)

    def pplx(self) -> str:
        return "pplx-" + self.s(ALNUM, 48)

    def notion(self) -> str:
        return "ntn_" + self.s(DIGITS, 11) + self.s(ALNUM, 35)

    def flyio(self) -> str:
        return "fo1_" + self.s(ALNUM + "-_", 43)

    def infracost(self) -> str:
        return "ico-" + self.s(ALNUM, 32)

    def sendinblue(self) -> str:
        return f"xkeysib-{self.hexs(64)}-{self.s(ALNUM, 16)}"

    def airtable(self) -> str:
        return "pat" + self.s(ALNUM, 14) + "." + self.hexs(64)

    def cf_tunnel(self) -> str:
        doc = {"a": self.hexs(32), "t": self.uuid(), "s": self.b64(32)}
        return (
            base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode().rstrip("=")
        )

    def cookie_gitlab(self) -> str:
        return self.hexs(32)

    def basic(self, arg: str = "") -> str:
        user = arg or self.pick(
            ["admin", "deploy", "ci-bot", "prometheus", "svc-report", "grafana", "api"]
        )
        return base64.b64encode(f"{user}:{self.pw_url()}".encode()).decode()

    def jwt(self, arg: str = "HS256") -> str:
        alg = arg
        header = {"alg": alg, "typ": "JWT"}
        if alg != "HS256":
            header = {"alg": alg, "kid": self.s(ALNUM + "-_", 22), "typ": "JWT"}
        iat = self.int_(1704067200, 1735689599)
        payload = self.pick(
            [
                {
                    "sub": str(self.int_(1000, 99999)),
                    "name": self.name(),
                    "iat": iat,
                    "exp": iat + 3600,
                },
                {
                    "iss": "https://auth.shop.example",
                    "sub": self.uuid(),
                    "aud": "api",
                    "iat": iat,
                    "exp": iat + 900,
                    "scope": "orders:read orders:write",
                },
                {
                    "user_id": self.int_(1, 99999),
                    "role": self.pick(["admin", "user", "support"]),
                    "iat": iat,
                    "exp": iat + 86400,
                    "jti": self.uuid(),
                },
                {
                    "iss": f"https://keycloak.example/realms/{self.pick(['shop', 'internal'])}",
                    "azp": self.svc(),
                    "typ": "Bearer",
                    "sub": self.uuid(),
                    "iat": iat,
                    "exp": iat + 300,
                    "session_state": self.uuid(),
                },
            ]
        )
        sig_len = {"HS256": 32, "RS256": 256, "ES256": 64}.get(alg, 32)

        def enc(d: dict) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        return f"{enc(header)}.{enc(payload)}.{self.b64url(sig_len)}"

    def k8s_sa_jwt(self) -> str:
        ns = self.ns()
        sa = self.svc()
        iat = self.int_(1704067200, 1735689599)

        def enc(d: dict) -> str:
            return (
                base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode())
                .decode()
                .rstrip("=")
            )

        header = {"alg": "RS256", "kid": self.s(ALNUM + "-_", 43)}
        payload = {
            "aud": ["https://kubernetes.default.svc.cluster.local"],
            "exp": iat + 3607,
            "iat": iat,
            "iss": "https://kubernetes.default.svc.cluster.local",
            "kubernetes.io": {
                "namespace": ns,
                "pod": {"name": self.pod(sa), "uid": self.uuid()},
                "serviceaccount": {"name": sa, "uid": self.uuid()},
            },
            "nbf": iat,
            "sub": f"system:serviceaccount:{ns}:{sa}",
        }
        return f"{enc(header)}.{enc(payload)}.{self.b64url(256)}"

    # ---- multi-part secrets: return (text, [secret parts]) ----
    def _wrap(self, body: str, width: int = 64) -> list[str]:
        return [body[i : i + width] for i in range(0, len(body), width)]

    def pem(self, kind: str = "rsa") -> tuple[str, list[str]]:
        if kind == "rsa":
            der = bytes.fromhex("308204a40201000282010100") + self.bytes_(1180)
            label, head = "RSA PRIVATE KEY", ""
        elif kind == "rsa-enc":
            der = self.bytes_(1200)
            label = "RSA PRIVATE KEY"
            head = f"Proc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,{self.s('0123456789ABCDEF', 32)}\n\n"
        elif kind == "ec":
            der = (
                bytes.fromhex("30770201010420")
                + self.bytes_(32)
                + bytes.fromhex("a00a06082a8648ce3d030107a144034200")
                + b"\x04"
                + self.bytes_(64)
            )
            label, head = "EC PRIVATE KEY", ""
        elif kind == "pkcs8":
            der = bytes.fromhex(
                "308204be020100300d06092a864886f70d0101010500048204a8"
            ) + self.bytes_(1192)
            label, head = "PRIVATE KEY", ""
        elif kind == "ed25519":
            der = bytes.fromhex("302e020100300506032b657004220420") + self.bytes_(32)
            label, head = "PRIVATE KEY", ""
        elif kind == "encrypted":
            der = bytes.fromhex("3082051c304e06092a864886f70d01050d3041") + self.bytes_(1290)
            label, head = "ENCRYPTED PRIVATE KEY", ""
        elif kind == "openssh":
            der = (
                b"openssh-key-v1\x00\x00\x00\x00\x04none\x00\x00\x00\x04none\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x003\x00\x00\x00\x0bssh-ed25519"
                + self.bytes_(340)
            )
            label, head = "OPENSSH PRIVATE KEY", ""
            lines = self._wrap(base64.b64encode(der).decode(), 70)
            return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----", [
                x for x in lines if len(x) >= 16
            ]
        elif kind == "dsa":
            der = bytes.fromhex("308201bb02010002818100") + self.bytes_(430)
            label, head = "DSA PRIVATE KEY", ""
        else:
            raise ValueError(kind)
        lines = self._wrap(base64.b64encode(der).decode())
        text = f"-----BEGIN {label}-----\n{head}" + "\n".join(lines) + f"\n-----END {label}-----"
        return text, [x for x in lines if len(x) >= 16]

    def pgp(self) -> tuple[str, list[str]]:
        body = base64.b64encode(b"\x95\x05\x86\x04" + self.bytes_(900)).decode()
        lines = self._wrap(body)
        crc = "=" + self.s(ALNUM + "+/", 4)
        text = (
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n"
            + "\n".join(lines)
            + f"\n{crc}\n-----END PGP PRIVATE KEY BLOCK-----"
        )
        return text, [x for x in lines if len(x) >= 16]

    def pem_json(self) -> tuple[str, list[str]]:
        """A PKCS8 key as a JSON string value: lines joined by a literal backslash-n."""
        der = bytes.fromhex("308204be020100300d06092a864886f70d0101010500048204a8") + self.bytes_(
            1192
        )
        lines = self._wrap(base64.b64encode(der).decode())
        text = (
            "-----BEGIN PRIVATE KEY-----\\n" + "\\n".join(lines) + "\\n-----END PRIVATE KEY-----\\n"
        )
        return text, [x for x in lines if len(x) >= 16]

    def gcp_sa(self) -> tuple[str, list[str]]:
        project = f"{self.pick(['shop', 'data', 'ml', 'infra'])}-{self.pick(['prod', 'stg'])}-{self.s(DIGITS, 6)}"
        key, parts = self.pem_json()
        sa = self.svc()
        text = (
            '{"type": "service_account", "project_id": "'
            + project
            + '", "private_key_id": "'
            + self.hexs(40)
            + '", '
            '"private_key": "'
            + key
            + '", "client_email": "'
            + sa
            + "@"
            + project
            + '.iam.gserviceaccount.com", '
            '"client_id": "'
            + self.s(DIGITS, 21)
            + '", "auth_uri": "https://accounts.google.com/o/oauth2/auth", '
            '"token_uri": "https://oauth2.googleapis.com/token"}'
        )
        return text, parts

    def secret_yaml(self, arg: str = "db") -> tuple[str, list[str]]:
        name = {"db": "db-creds", "api": "api-keys", "reg": "regcred", "tls": "app-tls"}.get(
            arg, arg
        )
        if arg == "db":
            data = {"password": self.pw(), "username": self.dbuser() + "_" + self.s(LOWER, 3)}
        elif arg == "api":
            data = {"STRIPE_SECRET_KEY": self.stripe(), "SENDGRID_API_KEY": self.sendgrid()}
        elif arg == "reg":
            auth = base64.b64encode(f"robot$ci:{self.pw_alnum()}".encode()).decode()
            data = {
                ".dockerconfigjson": json.dumps(
                    {"auths": {"registry.example.io": {"auth": auth}}}, separators=(",", ":")
                )
            }
        else:
            data = {"token": self.hexs(48), "admin-password": self.pw()}
        vals = {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}
        lines = (
            ["apiVersion: v1", "data:"]
            + [f"  {k}: {v}" for k, v in vals.items()]
            + [
                "kind: Secret",
                "metadata:",
                f'  creationTimestamp: "{self.ts()[:19]}Z"',
                f"  name: {name}",
                f"  namespace: {self.ns()}",
                f'  resourceVersion: "{self.int_(100000, 9999999)}"',
                f"  uid: {self.uuid()}",
                "type: " + ("kubernetes.io/dockerconfigjson" if arg == "reg" else "Opaque"),
            ]
        )
        return "\n".join(lines), list(vals.values())

    # ---- more generators (added for specific line shapes) ----
    def key_data(self) -> str:
        """kubeconfig client-key-data: base64 of a PEM EC private key."""
        pem, _ = self.pem("ec")
        return base64.b64encode((pem + "\n").encode()).decode()

    def htpasswd_b64(self) -> str:
        return base64.b64encode(f"admin:{self.apr1()}\n".encode()).decode()

    def ecr_token(self) -> str:
        doc = {
            "payload": self.b64(300),
            "datakey": self.b64(200),
            "version": "2",
            "type": "DATA_KEY",
            "expiration": self.int_(1704067200, 1735689599),
        }
        return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()

    def smtp_plain(self) -> str:
        return base64.b64encode(f"\0noreply\0{self.pw()}".encode()).decode()

    def google_access(self) -> str:
        return "ya29.a0" + self.s(ALNUM + "-_", 150)

    def google_refresh(self) -> str:
        return "1//0" + self.s(ALNUM + "-_", 99)

    def es_enroll(self) -> str:
        doc = {
            "ver": "8.14.1",
            "adr": [f"{self.ip()}:9200"],
            "fgr": self.hexs(64),
            "key": f"{self.s(ALNUM + '-_', 20)}:{self.s(ALNUM + '-_', 22)}",
        }
        return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()

    def ts_nginx_err(self) -> str:
        return f"2024/{self.int_(1, 12):02d}/{self.int_(1, 28):02d} {self.int_(0, 23):02d}:{self.int_(0, 59):02d}:{self.int_(0, 59):02d}"

    def b64json(self) -> str:
        doc = self.pick(
            [
                {
                    "logLevel": self.pick(["info", "debug", "warn"]),
                    "features": self.r.sample(
                        ["search", "checkout", "reviews", "coupons", "wishlist"], 2
                    ),
                },
                {
                    "replicas": self.int_(1, 6),
                    "region": self.region(),
                    "canary": self.pick([True, False]),
                },
                {
                    "theme": "dark",
                    "locale": self.pick(["ko-KR", "en-US", "ja-JP"]),
                    "pageSize": self.pick([20, 50, 100]),
                },
                {"name": self.svc(), "version": self.semver(), "build": self.short_sha()},
            ]
        )
        return base64.b64encode(json.dumps(doc, separators=(",", ":")).encode()).decode()

    def cert(self) -> str:
        der = bytes.fromhex("308203") + self.bytes_(2) + bytes.fromhex("308202") + self.bytes_(800)
        lines = self._wrap(base64.b64encode(der).decode())
        return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----"

    def pubkey(self) -> str:
        der = (
            bytes.fromhex("30820122300d06092a864886f70d01010105000382010f003082010a0282010100")
            + self.bytes_(256)
            + bytes.fromhex("0203010001")
        )
        lines = self._wrap(base64.b64encode(der).decode())
        return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----"

    def cert_b64(self) -> str:
        return base64.b64encode((self.cert() + "\n").encode()).decode()

    def sshpub(self) -> str:
        return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + self.s(B64, 43)

    def sshpub_rsa(self) -> str:
        return "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + self.s(B64, 510)

    def jwks_n(self) -> str:
        return self.b64url(256)

    def k8sn(self, arg: str) -> str:
        return self.s(K8S_SAFE, int(arg))

    def lowern(self, arg: str) -> str:
        return self.s(LOWER_ALNUM, int(arg))

    def age_pub(self) -> str:
        return "age1" + self.s(BECH32.lower(), 58)

    def hexcolor(self) -> str:
        return "#" + self.hexs(6)

    def sshfp(self) -> str:
        return "SHA256:" + self.b64(32).rstrip("=")

    def rid(self) -> str:
        return self.s(UPPER_ALNUM, 16)

    def amz_id2(self) -> str:
        return self.b64(57)

    def ksuid(self) -> str:
        return self.s(ALNUM, 27)

    def cfray(self) -> str:
        return self.hexs(16) + "-" + self.pick(["ICN", "NRT", "FRA", "IAD", "SIN"])

    def nonce(self) -> str:
        return self.b64(16)

    def etag(self) -> str:
        return self.pick(
            [
                self.hexs(32),
                f"{self.hexs(8)}-{self.hexs(12)}",
                f"W/{chr(34)}{self.hexs(4)}-{self.s(ALNUM + '+/', 27)}{chr(34)}",
            ]
        )

    def yyyymmdd(self) -> str:
        return f"2024{self.int_(1, 12):02d}{self.int_(1, 28):02d}"

    def gen(self, name: str, arg: str | None):
        fn = getattr(self, name)
        return fn(arg) if arg is not None else fn()


PLACEHOLDER = re.compile(r"<<(!?)(@?)([a-z_0-9]+)(?::([^>@]*))?(?:@([a-z0-9]+))?>>")


def render(fake: Fake, template: str) -> tuple[str, list[str]]:
    """Fill a template; return the text and the secret substrings (in order, no repeats).

    ``fake.inserted`` then maps each secret to how many times the template put it in, so a
    caller can tell a value that also turns up elsewhere in the line (an ambiguous case).
    """
    secrets: list[str] = []
    tags: dict[str, str] = {}
    inserted: dict[str, int] = {}

    def sub(m: re.Match) -> str:
        is_secret, is_ref, name, arg, tag = m.groups()
        if is_ref:
            value = tags[name]
            if value in inserted:
                inserted[value] += 1
            return value
        value = fake.gen(name, arg)
        if isinstance(value, tuple):
            value, parts = value
            if is_secret:
                for p in parts:
                    if p not in secrets:
                        secrets.append(p)
                    inserted[p] = inserted.get(p, 0) + value.count(p)
        elif is_secret:
            if value not in secrets:
                secrets.append(value)
            inserted[value] = inserted.get(value, 0) + 1
        if tag:
            tags[tag] = value
        return value

    text = PLACEHOLDER.sub(sub, template)
    fake.inserted = inserted
    return text, secrets


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
