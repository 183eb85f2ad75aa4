"""Secrets in command lines, where the flag is too short to mean anything alone.

`-p` is a port to one program and a password to another, so these rules apply only when the
program is on the line: `mysql -pSECRET`, `redis-cli -a SECRET`, `sshpass -p SECRET`,
`docker login -p SECRET`, `echo SECRET | docker login --password-stdin`, `curl -u user:SECRET`,
`ssh-keygen -N SECRET`, `htpasswd -b file user SECRET`, `sqlplus scott/SECRET@orcl`, ... Long
options (`--password SECRET`) and environment assignments (`PGPASSWORD=SECRET psql`) are the key
scanner's (context.py). Shell references (`$PASS`, `${PASS}`, `$(cat f)`) are not secrets.
"""

from __future__ import annotations

import re

from runtime.redact.tokens import trie
from runtime.redact.values import is_placeholder, mask_spans

# A value: single-quoted, double-quoted (spaces allowed inside) or bare.
_V = r"(?:'(?P<vs>[^'\n]+)'|\"(?P<vd>[^\"\n]+)\"|(?P<v>[^\s'\"|;&<>]+))"
_S = r"(?<![\w-])"  # an option starts after a space or the line's start

# (literals one of which the lowercased line holds, |-separated; the program's pattern; the
# value's pattern)
_RULES: tuple[tuple[str, str, str], ...] = (
    ("mysql|mariadb", r"\b(?:mysql\w*|mariadb[\w-]*)\b", _S + r"-p(?=[^\s-])" + _V),
    ("mysql|mariadb", r"\b(?:mysql\w*|mariadb[\w-]*)\b", _S + r"--password\s+" + _V),
    (
        "redis-cli|valkey-cli|keydb-cli",
        r"\b(?:redis|valkey|keydb)-cli\b",
        _S + r"(?:-a|--pass|--user\s+\S+\s+--pass)\s+" + _V,
    ),
    ("sshpass", r"\bsshpass\b", _S + r"-p\s*" + _V),
    (
        "login",
        r"\b(?:docker|podman|nerdctl|buildah|skopeo|helm|oras|crane|regctl|cosign|notation"
        r"|argocd|cf|oc|acr|jfrog|heroku|gcloud|npm)\b.*\blogin\b",
        _S + r"(?:-p|--password)(?:\s+|=)" + _V,
    ),
    (
        "password-stdin|--stdin",
        r"--password-stdin|--stdin\b",
        r"\b(?:echo|printf)\s+(?:-[neE]+\s+)?(?:(['\"])%s(?:\\n)?\1\s+)?" + _V + r"\s*\|",
    ),
    # echo 'user:PASSWORD' | chpasswd
    (
        "chpasswd",
        r"\bchpasswd\b",
        r"\b(?:echo|printf)\s+(?:-[neE]+\s+)?['\"]?[\w.@-]+:(?P<v>[^\s'\"|]+)['\"]?\s*\|",
    ),
    ("ssh-keygen", r"\bssh-keygen\b", _S + r"-[NP]\s*" + _V),
    # htpasswd -b[...] [options] [file] user PASSWORD: the last word before a redirection
    (
        "htpasswd",
        r"\bhtpasswd\b(?=.*\s-\w*b)",
        r"\bhtpasswd\b[^|>;&\"\n]*\s(?:'(?P<vs>[^'\n]+)'|(?P<v>[^\s'\"|;&<>\\-][^\s'\"|;&<>\\]*))"
        r"(?:\\[nrt])*\s*(?:$|[|>;&\"])",
    ),
    (
        "kubeadm|bootstrap|join",
        r"\b(?:kubeadm|bootstrap|join)\b",
        r"(?<![\w.])(?P<v>[a-z0-9]{6}\.[a-z0-9]{16})(?![\w.])",
    ),
    (
        "curl|wget|http |xh ",
        r"\b(?:curl|wget|http|https|httpie|xh)\b",
        _S + r"(?:-u|--user|-U|--proxy-user|-a|--auth)(?:\s+|=)['\"]?[^\s:'\"]+:(?P<v>[^\s'\"]+)",
    ),
    ("sqlcmd|bcp|osql|isql", r"\b(?:sqlcmd|bcp|osql|isql)\b", _S + r"-P\s*" + _V),
    # -u USER -p PASSWORD, the pair most database and queue clients take (cqlsh, mongo, ...)
    # mysql's `-p NAME` asks for the password and opens database NAME: not this rule's
    (
        "-u ",
        r"^(?!.*\b(?:mysql\w*|mariadb[\w-]*)\b).*(?<![\w-])-u\s",
        _S + r"-u\s+\S+\s+-p\s*" + _V,
    ),
    ("zip |7z |7za |rar ", r"\b(?:zip|unzip|7za?|rar|unrar)\b", _S + r"-(?:P\s*|p(?=\S))" + _V),
    ("lftp", r"\blftp\b", _S + r"-u\s+[^,\s]+," + _V),
    ("openssl", r"\bopenssl\s+passwd\b", r"\bpasswd\s+(?:-\w+\s+)*" + _V),
    ("snyk", r"\bsnyk\s+auth\b", r"\bauth\s+" + _V),
    (
        "auth plain|auth login|auth xoauth2",
        r"\bAUTH\s+(?:PLAIN|LOGIN|XOAUTH2)\b",
        r"\bAUTH\s+(?:PLAIN|LOGIN|XOAUTH2)\s+(?P<v>[A-Za-z0-9+/=]{4,})",
    ),
    ("mongo", r"\bmongo\w*\b", _S + r"-p\s+" + _V),
    (
        "smbclient|rpcclient|smbmap|winexe",
        r"\b(?:smbclient|rpcclient|smbmap|winexe)\b",
        _S + r"-U\s*\S+?%" + _V,
    ),
    ("ldap", r"\bldap\w+\b", _S + r"-w\s+" + _V),
    ("openssl", r"\bopenssl\b", _S + r"-(?:pass(?:in|out)?|k)\s+(?:pass:)?" + _V),
    ("keytool|jarsigner", r"\b(?:keytool|jarsigner)\b", _S + r"-\w*pass(?::\w+)?\s+" + _V),
    (
        "sqlplus|expdp|impdp|exp |imp |rman|sqlldr|dgmgrl|sql |userid|connect ",
        r"(?i)\b(?:sqlplus|expdp|impdp|exp|imp|rman|sqlldr|dgmgrl|sql|userid|connect)\b",
        r"(?:^|[\s=])(?!https?:)[\w$#]+/['\"]?(?P<v>[^\s/@'\"]+)['\"]?@",
    ),
    ("rabbitmqctl", r"\brabbitmqctl\b", r"\b(?:add_user|change_password)\s+\S+\s+" + _V),
    ("useradd|usermod", r"\b(?:useradd|usermod)\b", _S + r"-p\s+" + _V),
    (
        "mc ",
        r"\bmc\s+(?:alias\s+set|config\s+host\s+add)\b",
        r"\b(?:set|add)\s+\S+\s+\S+\s+(?P<v>\S+)",
    ),
    (
        "mc ",
        r"\bmc\s+(?:alias\s+set|config\s+host\s+add)\b",
        r"\b(?:set|add)\s+\S+\s+\S+\s+\S+\s+" + _V,
    ),
    ("mc ", r"\bmc\s+admin\s+user\s+add\b", r"\badd\s+\S+\s+\S+\s+" + _V),
    ("vault", r"\bvault\s+login\b", r"\blogin\s+(?:-\S+\s+)*(?P<v>[^\s=-]\S{7,})\s*$"),
    # Redis MONITOR: 1700000000.1 [0 10.0.0.1:5000] "AUTH" "user" "secret"
    ('"auth', r"(?i)\"auth2?\"", r"(?i)\"auth2?\"\s+(?:\"[^\"]*\"\s+)?\"(?P<vd>[^\"]+)\""),
    ("auth ", r"\bAUTH\b", r"(?:^|>\s*|\bredis-cli\b.*?\s)AUTH\s+(?:\S+\s+)?" + _V + r"\s*$"),
    (
        "identified",
        r"(?i)\bidentified\b",
        r"(?i)\bIDENTIFIED(?:\s+WITH\s+\w+)?\s+BY\s+(?:PASSWORD\s+)?" + _V,
    ),
    ("password(", r"(?i)\bpassword\s*\(", r"(?i)=\s*PASSWORD\s*\(\s*" + _V),
    # The password as a positional argument: PDO('dsn', 'user', 'password'),
    # DriverManager.getConnection("url", "user", "password") (stack traces print them)
    (
        "pdo|getconnection",
        r"(?i)\bpdo\b|getConnection\(",
        r"(?:PDO(?:->__construct)?|getConnection)\(\s*(['\"])[^'\"]*\1\s*,\s*(['\"])[^'\"]*\2\s*,\s*"
        + _V,
    ),
)
_COMPILED = tuple((re.compile(prog), re.compile(value)) for _, prog, value in _RULES)
_BY_GATE: dict[str, list[int]] = {}
for _i, (_gates, _, _) in enumerate(_RULES):
    for _gate in _gates.split("|"):
        _BY_GATE.setdefault(_gate, []).append(_i)
_GATES = re.compile(trie(list(_BY_GATE)))


# ~/.pgpass: host:port:database:user:password (a whole line, no spaces).
_PGPASS = re.compile(r"(?:^|\s)[^\s:]+:(?:\d{1,5}|\*):[^\s:]+:[^\s:]+:(?P<v>(?:[^\s:\\]|\\.)+)\s*$")


def find_spans(line: str) -> list[tuple[int, int]]:
    spans = []
    pgpass = _PGPASS.search(line) if line.count(":") >= 4 else None
    if pgpass and not is_placeholder(pgpass["v"]):
        spans.append(pgpass.span("v"))
    found = _GATES.findall(line.lower())
    if not found:
        return spans
    for i in sorted({i for gate in found for i in _BY_GATE[gate]}):
        program, value = _COMPILED[i]
        if not program.search(line):
            continue
        for m in value.finditer(line):
            group = next(g for g in ("v", "vs", "vd") if g in m.re.groupindex and m.group(g))
            v = m.group(group)
            if not is_placeholder(v) and not v.startswith(("$", "[REDACTED]")):
                spans.append(m.span(group))
    return spans


def mask_commands(line: str) -> str:
    return mask_spans(line, set(find_spans(line)))
