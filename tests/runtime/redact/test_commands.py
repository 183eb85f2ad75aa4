"""Layer: command lines whose short flag means a password only for that program (commands.py)."""

from __future__ import annotations

import pytest

from runtime.redact import commands
from tests.runtime.redact.helpers import masked

M = "[REDACTED]"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("mysql -u root -pS3cretPw orders", f"mysql -u root -p{M} orders"),
        ("mysql -h db -u app -p'S3c ret' orders", f"mysql -h db -u app -p'{M}' orders"),
        ("redis-cli -h cache -a r3dispw PING", f"redis-cli -h cache -a {M} PING"),
        ("valkey-cli -a r3dispw --no-auth-warning", f"valkey-cli -a {M} --no-auth-warning"),
        ("sshpass -p 'sshPw99' ssh deploy@host", f"sshpass -p '{M}' ssh deploy@host"),
        ("docker login -u bob -p regPw123 reg.io", f"docker login -u bob -p {M} reg.io"),
        ("echo 'regpw123' | docker login -u bob --password-stdin", f"echo '{M}' | docker login -u bob --password-stdin"),
        ("echo 'root:Secr3t' | chpasswd", f"echo 'root:{M}' | chpasswd"),
        ("curl -u admin:adm1nPw https://x", f"curl -u admin:{M} https://x"),
        ("ssh-keygen -t ed25519 -N 'kgPw77' -f key", f"ssh-keygen -t ed25519 -N '{M}' -f key"),
        ("htpasswd -Bbn registry fn0jJ5CH > auth/htpasswd", f"htpasswd -Bbn registry {M} > auth/htpasswd"),
        ("htpasswd -B -b -C 10 /etc/htpasswd pusher NlzBxGu4", f"htpasswd -B -b -C 10 /etc/htpasswd pusher {M}"),
        ("cqlsh db 9042 -u cassandra -p J33rBWEA2VY4", f"cqlsh db 9042 -u cassandra -p {M}"),
        ("zip -P NdN3xj7q -r export.zip reports/", f"zip -P {M} -r export.zip reports/"),
        ("lftp -u mirror,6WQmHgMC ftp://ftp.example.net", f"lftp -u mirror,{M} ftp://ftp.example.net"),
        ("sqlplus scott/tiger99@orcl", f"sqlplus scott/{M}@orcl"),
        ("ldapsearch -D cn=admin -w ldapPw1 -b dc=x", f"ldapsearch -D cn=admin -w {M} -b dc=x"),
        ("openssl pkcs12 -in a.p12 -passin pass:p12Pw", f"openssl pkcs12 -in a.p12 -passin pass:{M}"),
        ("smbclient //fs/share -U alice%smbPw42", f"smbclient //fs/share -U alice%{M}"),
        ("sqlcmd -S db -U sa -P 'Mssql#Pw1'", f"sqlcmd -S db -U sa -P '{M}'"),
        ('1700000000.1 [0 10.0.0.1:5000] "AUTH" "redisMon1"', f'1700000000.1 [0 10.0.0.1:5000] "AUTH" "{M}"'),
        ("127.0.0.1:6379> AUTH default s3cr3tpw", f"127.0.0.1:6379> AUTH default {M}"),
        ("C: AUTH PLAIN AG5vcmVwbHkAemFycnVk", f"C: AUTH PLAIN {M}"),
        ("CREATE USER app IDENTIFIED BY 'Sql#Pw1';", f"CREATE USER app IDENTIFIED BY '{M}';"),
        ("mc alias set local http://minio:9000 AKMINIO123 sEcReTkEy99", f"mc alias set local http://minio:9000 {M} {M}"),
        ("kubeadm token create p3gj1y.h2kcydmybcuwaxn5 --ttl 2h", f"kubeadm token create {M} --ttl 2h"),
        ("localhost:5432:*:postgres:FyBiN424HJG6", f"localhost:5432:*:postgres:{M}"),
    ],
)  # fmt: skip
def test_command_line_secrets(line, expected):
    assert masked(commands.find_spans, line) == expected


@pytest.mark.parametrize(
    "line",
    [
        "mysql -u root -p orders",  # -p alone: mysql asks for it
        "ssh -p 2222 deploy@host",
        "docker run -p 8080:80 nginx",
        'echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin reg.io',
        "curl -u $USER:$PASS https://x",
        "htpasswd -c /etc/htpasswd alice",
        "20:27:1a:7c:8c:ed:07:ec",
        "ssh-keygen -t ed25519 -N '' -f key",
    ],
)
def test_flags_of_other_programs_and_shell_references_stay(line):
    assert masked(commands.find_spans, line) == line
