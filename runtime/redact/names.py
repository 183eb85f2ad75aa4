"""Does this key name a secret? Key names in every case style, split into words and judged.

`secretAccessKey`, `SecretAccessKey`, `secret-access-key`, `AWS_SECRET_ACCESS_KEY` and
`spring.datasource.password` all split into words; the words decide how strongly the key names a
secret:

- STRONG: the value is the secret whatever it looks like (`password`, `client_secret`,
  `accessToken`, `PAYMENT_GATEWAY_SECRET`).
- MEDIUM: a key that is a secret unless its value reads as words (`PAYMENT_GATEWAY_KEY`,
  `db_creds`): `feature_key=new-checkout` stays.
- WEAK: a short word that is often something else (`key`, `pass`, `auth`, `sig`, `session`):
  only a random-looking value is masked, so `pass=3` and `auth=true` stay.
- NONE: the secret word is qualified into something that is not a secret (`secretName`,
  `token_type`, `passwordPolicy`, `max_tokens`, `password_file`, `PWD`).
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache

from runtime.redact.values import word_set


class Strength(enum.IntEnum):
    NONE = 0
    WEAK = 1
    MEDIUM = 2
    STRONG = 3


_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# Words (or the start or end of a word run together: "pgpassword", "requirepass") that make
# the key a secret's.
_STRONG_STEMS = ("password", "passwd", "passphrase", "secret", "token", "credential", "apikey")
_STRONG_WORDS = frozenset(
    {
        "pwd",
        "passcode",
        "jwt",
        "signature",
        "credentials",
        "requirepass",
        "masterauth",
        "masterpass",
        "rootpw",
        "privatekey",
        "secretkey",
        "accesskey",
        "accountkey",
        "sharedaccesskey",
        "authtoken",
        "clientsecret",
        "sessiontoken",
        "connectionstring",
        "authkey",
        "appkey",
        "masterkey",
        "encryptionkey",
        "signingkey",
        "psk",
    }
)
_WEAK_WORDS = frozenset(
    {"key", "pass", "pw", "auth", "sig", "sid", "session", "sessionid", "sessid", "jsessionid",
     "phpsessid", "otp", "creds", "cred", "hmac", "dsn", "sas", "bearer", "accessor", "appid",
     "cookie"}
)  # fmt: skip
# "<word> key" pairs that name a secret key, and ones that name something else.
_SECRET_KEY_PREFIXES = frozenset(
    {"api", "access", "secret", "private", "signing", "sign", "encryption", "encrypt", "master",
     "account", "shared", "client", "app", "application", "auth", "admin", "root", "hmac", "jwt",
     "webhook", "license", "service", "session", "subscription", "consumer", "dd",
     "datadog", "crypt", "cipher", "aes", "server", "integration", "ingest", "write",
     "read", "management", "mgmt", "function", "x", "developer", "dev", "personal"}
)  # fmt: skip
# Keys that are never secret ("public key", "PRIMARY KEY", "Sec-WebSocket-Key") ...
_PUBLIC_KEY_PREFIXES = frozenset(
    {"primary", "foreign", "partition", "sort", "unique", "composite", "natural", "surrogate",
     "public", "pub", "ssh", "gpg", "pgp", "host", "socket", "websocket", "ca", "cert", "hash",
     "range", "shard", "index", "row", "column", "join", "shuffle", "map", "dict"}
)  # fmt: skip
# ... and keys that are usually data but sometimes a credential (PagerDuty's routing_key): a
# random value is masked, "routing_key=orders.created" is not.
_DATA_KEY_PREFIXES = frozenset(
    {"routing", "cache", "idempotency", "object", "s3", "dedup", "dedupe", "lookup", "group",
     "message", "kms", "rate", "limit", "sticky", "cluster", "event", "label", "annotation",
     "config", "feature", "flag", "metric", "log", "trace", "redis", "namespace", "resource",
     "i18n", "translation", "registry", "item", "field", "record", "tag", "entry", "bucket",
     "table", "job", "task", "queue", "topic", "request", "cursor", "page", "sequence",
     "version", "lock", "mutex", "lease", "storage", "file", "image", "asset", "upload"}
)  # fmt: skip
# Before "token", these make it a position in a list, not a credential: "nextPageToken".
_LIST_TOKEN_PREFIXES = frozenset({"page", "next", "continuation", "pagination", "sync", "resume"})
# After the secret word, these make the key about the secret rather than the secret itself.
_QUALIFIERS = word_set(
    """
    name names ref refs reference path paths file files filename dir directory type kind url
    uri urls endpoint policy policies length len size count counts limit limits max min ttl
    expiry expires expiration exp expired age lifetime timeout version versions rotation
    rotated provider providers store stores manager mode format algorithm alg algo method
    methods source sources status state error errors valid invalid enabled disabled enable
    disable required present changed updated created reset hint field fields label labels
    prompt strength stdin env var vars bucket buckets scope scopes audience issuer class
    request requests response lookup used usage remaining rate at time date ts timestamp
    since until duration seconds ms mount mounts volume volumes id ids arn template selector
    selectors namespace generation provider backend backends sync synced exists missing
    check checks checked fingerprint prefix suffix location locations mapping mappings rule
    rules list refresher reader loader rotator renewal renew renewer provisioner manager
    controller controllers webhook handler handlers validator validation cache cached
    service services client clients filter filters factory exception exceptions util utils
    helper helpers impl test tests spec module interface repository repo config
    configuration settings variable variables failure failures failed fail refresh ca cert
    certificate digest checksum parser endpoint events event metric metrics counter gauge
    histogram total seconds_total retries retry
    """
)
# Words that begin or end with a secret stem but are something else.
_NOT_SECRET_WORDS = frozenset(
    {"tokenizer", "tokenizers", "tokenize", "tokenized", "tokenization", "secretary",
     "secretariat", "passwordless", "tokens", "secrets", "passwords", "apikeys", "keys",
     "tokenless", "detokenize", "credentialless", "bypass", "compass", "trespass", "overpass",
     "underpass", "surpass", "encompass", "multipass", "singlepass", "highpass", "lowpass",
     "bandpass", "firstpass", "onepass", "secretsmanager", "secretmanager", "tokenreview",
     "tokenreviews", "tokenrequest", "tokenrequests", "secretstore", "secretproviderclass"}
)  # fmt: skip
# Keys whose word after the secret word is an `id` but which name a credential all the same.
# Vault AppRole's secret_id; a service account key's private_key_id.
_SECRET_IDS = frozenset({("secret", "id"), ("key", "id")})


@lru_cache(maxsize=4096)
def _words(key: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORDS.findall(key))


def words(key: str) -> list[str]:
    return list(_words(key))


def _stem_strength(word: str) -> Strength:
    if word in _NOT_SECRET_WORDS:
        return Strength.NONE
    if word in _STRONG_WORDS:
        return Strength.STRONG
    if any(word.startswith(s) or word.endswith(s) for s in _STRONG_STEMS):
        return Strength.STRONG
    if len(word) > 4 and word.endswith("pass"):
        return Strength.STRONG  # keytool's -storepass, redis' requirepass
    if word in _WEAK_WORDS:
        return Strength.WEAK
    return Strength.NONE


# A generated name's segment ("auth-6zdpjfxrl6-2x5pm" is a pod, not a key): a digit followed by
# a letter somewhere in five or more characters ("oauth2", "x509", "sha256" are words).
_SOURCE_FILE = re.compile(
    r"\.(?:java|kt|scala|groovy|go|py|pyx|js|mjs|cjs|ts|tsx|rb|cs|php|rs|c|cc|cpp|h|swift|ex|exs)$"
)
_HASHLIKE = re.compile(r"(?=[a-z0-9]{5,}$)[a-z]*\d+[a-z]")


@lru_cache(maxsize=4096)
def strength(key: str) -> Strength:
    """How strongly `key` names a secret (see the module docstring)."""
    bare = key.strip("\"'`$@-\\")
    if any(_HASHLIKE.match(part) for part in re.split(r"[-_.]", bare.lower())):
        return Strength.NONE
    if _SOURCE_FILE.search(bare):
        return Strength.NONE  # TokenService.java:88 in a stack trace
    ws = words(bare)
    if not ws:
        return Strength.NONE
    found = [(i, _stem_strength(w)) for i, w in enumerate(ws)]
    secret = [(i, s) for i, s in found if s > Strength.NONE]
    if not secret:
        return Strength.NONE
    last = secret[-1][0]
    after = ws[last + 1 :]
    session_id = ws[last] == "session" and after == ["id"]
    if (ws[last], *after) == ("key", "id") and ws[last - 1 : last] != ["private"]:
        return Strength.NONE  # access_key_id, key_id: names a key
    qualified = any(w in _QUALIFIERS for w in after) or (after and after[-1] == "id")
    if qualified and not session_id and (ws[last], *after) not in _SECRET_IDS:
        return Strength.NONE
    strongest = max(s for _, s in secret)
    if ws[last] == "token" and last and ws[last - 1] in _LIST_TOKEN_PREFIXES:
        return Strength.NONE
    if strongest == Strength.STRONG:
        return Strength.STRONG
    word = ws[last]
    before = ws[last - 1] if last else ""
    if word == "key":
        if before in _SECRET_KEY_PREFIXES:
            return Strength.STRONG
        if before in _PUBLIC_KEY_PREFIXES:
            return Strength.NONE
        return Strength.MEDIUM if before and before not in _DATA_KEY_PREFIXES else Strength.WEAK
    if word == "cookie":  # a named cookie (erlang_cookie) is the secret; "Cookie:" holds pairs
        return Strength.STRONG if before and before != "set" else Strength.NONE
    if word in ("pass", "pw") and (bare.isupper() or len(ws) > 1 or key.startswith("-")):
        return Strength.STRONG  # DB_PASS, SMTP_PASS, mysql_pw: env names, not counters
    if word in ("creds", "cred", "dsn"):
        return Strength.MEDIUM
    if word in ("auth", "hmac", "sig", "sas") and before in _SECRET_KEY_PREFIXES:
        return Strength.MEDIUM
    return Strength.WEAK


def is_flag(key: str) -> bool:
    """`--password`, `-storepass`: a command-line option (its value may follow a space)."""
    return key.startswith("-") and len(key.lstrip("-")) >= 2
