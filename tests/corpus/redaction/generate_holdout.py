"""Write holdout-secrets.jsonl and holdout-harmless.jsonl: the held-out set.

    python3 -m tests.corpus.redaction.generate_holdout   # from the repository root

Do not read this file or the holdout files while building the redactor: they measure whether it
generalises. The templates here use other programs, phrasings, values and some secret classes
that the main set does not have at all. Deterministic (fixed seed), like generate.py.
"""

# ruff: noqa: E501

from __future__ import annotations

import base64
import sys
from pathlib import Path

from ._fake import ALNUM, B64, LOWER_ALNUM, UPPER, UPPER_ALNUM, Fake
from .generate import build_harmless, build_secrets, check, counts, dump

HERE = Path(__file__).resolve().parent
SEED = 8675309


class HoldoutFake(Fake):
    """Generators only the held-out set uses."""

    def jupyter(self) -> str:
        return self.hexs(48)

    def gocspx(self) -> str:
        return "GOCSPX-" + self.s(ALNUM + "-_", 28)

    def jenkins_api(self) -> str:
        return "11" + self.hexs(32)

    def gitea(self) -> str:
        return self.hexs(40)

    def xoxe(self) -> str:
        return "xoxe.xoxp-1-" + self.s(ALNUM, 163)

    def alibaba_secret(self) -> str:
        return self.s(ALNUM, 30)

    def apple_app_pw(self) -> str:
        return "-".join(self.s("abcdefghijklmnopqrstuvwxyz", 4) for _ in range(4))

    def hasura(self) -> str:
        return self.s(ALNUM, 32)

    def proxmox(self) -> str:
        return self.uuid()

    def argon2(self) -> str:
        return (
            f"$argon2id$v=19$m=65536,t=3,p=4${self.b64(16).rstrip('=')}${self.b64(32).rstrip('=')}"
        )

    def ssha(self) -> str:
        return "{SSHA}" + self.b64(24)

    def pg_md5(self) -> str:
        return "md5" + self.hexs(32)

    def tls_master(self) -> str:
        return self.s("0123456789ABCDEF", 96)

    def supabase_jwt(self) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = (
            base64.urlsafe_b64encode(
                (
                    '{"iss":"supabase","ref":"'
                    + self.s(LOWER_ALNUM, 20)
                    + '","role":"service_role","iat":'
                    + self.epoch()
                    + ',"exp":2032000000}'
                ).encode()
            )
            .decode()
            .rstrip("=")
        )
        return f"{header}.{body}.{self.b64url(32)}"

    def putty(self) -> tuple[str, list[str]]:
        pub = "AAAAC3NzaC1lZDI1NTE5AAAAI" + self.s(B64, 43)
        priv = "AAAAI" + self.s(B64, 43)
        text = f"PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@jump\nPublic-Lines: 2\n{pub[:64]}\n{pub[64:]}\nPrivate-Lines: 1\n{priv}\nPrivate-MAC: {self.hexs(64)}"
        return text, [priv]

    def openvpn_key(self) -> tuple[str, list[str]]:
        lines = [self.hexs(32) for _ in range(16)]
        text = (
            "#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----\n"
            + "\n".join(lines)
            + "\n-----END OpenVPN Static key V1-----"
        )
        return text, lines

    def sigstore(self) -> tuple[str, list[str]]:
        body = base64.b64encode(
            (
                '{"kdf":{"name":"scrypt","params":{"N":65536,"r":8,"p":1},"salt":"'
                + self.b64(32)
                + '"},"cipher":{"name":"nacl/secretbox","nonce":"'
                + self.b64(24)
                + '"},"ciphertext":"'
                + self.b64(180)
                + '"}'
            ).encode()
        ).decode()
        lines = self._wrap(body)
        text = (
            "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"
            + "\n".join(lines)
            + "\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----"
        )
        return text, [x for x in lines if len(x) >= 16]

    def pem_indented(self) -> tuple[str, list[str]]:
        text, parts = self.pem("rsa")
        return "\n".join("    " + line for line in text.split("\n")), parts

    def pem_escaped_ec(self) -> tuple[str, list[str]]:
        text, parts = self.pem("ec")
        return text.replace("\n", "\\n"), parts

    def tls_secret_yaml(self) -> tuple[str, list[str]]:
        key_pem, _ = self.pem("ec")
        key = base64.b64encode((key_pem + "\n").encode()).decode()
        crt = self.cert_b64()
        text = f"apiVersion: v1\ndata:\n  tls.crt: {crt}\n  tls.key: {key}\nkind: Secret\nmetadata:\n  name: shop-tls\n  namespace: {self.ns()}\ntype: kubernetes.io/tls"
        return text, [key]

    def helm_release_pw(self) -> str:
        return self.s(ALNUM, 10)

    def atlassian_basic(self) -> str:
        return base64.b64encode(f"{self.email()}:{self.atlassian()}".encode()).decode()

    def rand_upper(self) -> str:
        return self.s(UPPER, 4) + self.s(UPPER_ALNUM, 12)


HOLDOUT_SECRETS: dict[str, list[str]] = {
    "secret-word-then-space": [
        "<<ts>> DEBUG signer: hmac secret <<!b64_32>> selected for key id k3",
        "cron[<<n:100-999>>]: (deploy) CMD (backup.sh --s3 --passphrase <<!pw>>)",
    ],
    "password-logfmt": [
        "ts=<<ts>> level=info component=ftp-sync host=ftp.example.net user=mirror pwd=<<!pw_alnum>> mode=passive",
        'time=<<ts>> lvl=dbug msg="Connecting to database" logger=sqlstore type=mysql user_password=<<!pw>>',
    ],
    "password-json": [
        '{"ts":"<<ts>>","svc":"<<svc>>","conn":{"driver":"pgx","pwd":"<<!pw>>","host":"<<host>>"}}',
        '{\n  "database": {\n    "user": "<<dbuser>>",\n    "user_password": "<<!pw>>"\n  }\n}',
    ],
    "camelcase-secret-keys-json": [
        '{"dbPassword":"<<!pw>>","dbHost":"<<host>>","poolSize":10}',
        '{"wallet":{"privateKey":"0x<<!hex64>>","chainId":1}}',
        '{"apiSecret":"<<!opaque>>","apiKeyId":"kid-<<n:100-999>>"}',
    ],
    "pascalcase-secret-keys": [
        '"Jwt": { "Issuer": "https://auth.shop.example", "SigningKey": "<<!b64_32>>" }',
        '{"Smtp":{"UserName":"noreply","Password":"<<!pw>>"},"Logging":{"LogLevel":{"Default":"Information"}}}',
    ],
    "kebab-case-secret-keys": [
        "x-hasura-admin-secret: <<!hasura>>",
        "api-secret=<<!opaque>> api-id=shop-web",
    ],
    "env-var-secret-names": [
        "ADMIN_PASS=<<!pw>>",
        "ENCRYPTION_SECRET=<<!hex64>>",
        "+ PRIVATE_TOKEN=<<!glpat>> ./scripts/release.sh",
        "SUPABASE_SERVICE_ROLE_KEY=<<!supabase_jwt>>",
    ],
    "k8s-env-name-value": [
        '{\n  "name": "DB_PASSWORD",\n  "value": "<<!pw>>"\n}',
        "secretGenerator:\n- name: app-secrets\n  literals:\n  - API_TOKEN=<<!opaque>>\n  - LOG_LEVEL=info",
        "kubectl set env deployment/<<svc>> -n <<ns>> PAYMENT_API_SECRET=<<!opaque>>",
    ],
    "mysql-cli-password": [
        'mariadb -h <<host>> -uroot -p"<<!pw>>" -e "FLUSH PRIVILEGES"',
        "mysqlsh --uri <<dbuser>>@<<host>>:3306 --password=<<!pw_alnum>> --sql -e 'select 1'",
    ],
    "redis-cli-auth": [
        "valkey-cli -h <<host>> -a <<!pw_alnum>> --no-auth-warning PING",
        '<<epoch_f>> [0 <<ip>>:<<port>>] "MIGRATE" "<<ip>>" "6379" "" "0" "5000" "KEYS" "a" "b" "AUTH2" "migrator" "<<!pw>>"',
    ],
    "sshpass-password": [
        "ansible-playbook site.yml -i inventory -e 'ansible_password=<<!pw_alnum>> ansible_become_password=<<!pw_alnum>>'",
    ],
    "docker-login-password": [
        "nerdctl login --username ci --password <<!pw_alnum>> registry.example.io",
        "buildah login -u builder -p '<<!pw>>' quay.example.io",
    ],
    "curl-user-password": [
        "curl --silent --user 'ops:<<!pw>>' --data-binary @rules.yml http://<<ip>>:9090/-/reload",
        "wget --http-user=mirror --http-password=<<!pw_alnum>> -q https://mirror.example.io/debs/Packages",
        "java -jar jenkins-cli.jar -s https://jenkins.example.io/ -auth ops:<<!jenkins_api>> build deploy-prod",
    ],
    "password-env-prefix": [
        "export PGPASSWORD=<<!pw_alnum>>; pg_restore -h <<host>> -U postgres -d <<dbname>> /backup/<<dbname>>.dump",
        "ARGOCD_AUTH_TOKEN=<<!jwt>> argocd app sync shop-api",
    ],
    "cli-passphrase-flags": [
        "openssl enc -aes-256-cbc -pbkdf2 -salt -in db.sql -out db.sql.enc -k <<!pw_alnum>>",
        "restic -r s3:s3.amazonaws.com/shop-restic backup /data --password-command 'echo <<!pw_alnum>>'",
    ],
    "htpasswd-command": [
        "htpasswd -B -b -C 10 /etc/registry/htpasswd pusher <<!pw_alnum>>",
    ],
    "password-long-flag": [
        "influx setup --username admin --password <<!pw_alnum>> --org shop --bucket metrics --force",
        "vault write auth/userpass/users/ops password='<<!pw>>' policies=ops",
        "keycloak: /opt/keycloak/bin/kc.sh bootstrap-admin user --username tmpadm --password:env KC_PW # KC_PW=<<!pw>>",
    ],
    "token-long-flag": [
        "argocd app list --auth-token <<!jwt>> --server argocd.example.io",
        "circleci setup --no-prompt --host https://circleci.com --token <<!hex40>>",
    ],
    "password-free-text-en": [
        "Here is the password you requested: <<!pw_human>>",
        "login with admin / <<!pw>> (please rotate)",
        "app-specific password for the release bot: <<!apple_app_pw>>",
    ],
    "password-free-text-ko": [
        "접속 비밀번호 <<!pw_human>> 로 로그인하세요",
        "관리자 비밀번호를 <<!pw>> (으)로 초기화했습니다",
        "임시 비번: <<!pw_human>>",
        "토큰 값: <<!opaque_url>>",
    ],
    "initial-admin-password": [
        "$ kubectl exec -n jenkins jenkins-0 -c jenkins -- cat /var/jenkins_home/secrets/initialAdminPassword\n<<!pw_hex32>>",
        "[I 2024-06-11 10:42:13.123 ServerApp] Jupyter Server 2.14.1 is running at:\n[I 2024-06-11 10:42:13.123 ServerApp] http://jupyter-0:8888/lab?token=<<!jupyter>>\n[I 2024-06-11 10:42:13.123 ServerApp]     http://127.0.0.1:8888/lab?token=<<!jupyter>>",
        "Harbor admin account: admin\nharborAdminPassword:\n  <<!pw_alnum>>",
    ],
    "slack-bot-token": [
        "WebClient(token='<<!slack_bot>>', timeout=30)",
        "Authorization: Bearer <<!slack_bot>>",
    ],
    "slack-user-token": [
        "SLACK_CONFIG_TOKEN=<<!xoxe>>",
    ],
    "slack-app-token": [
        'socket_mode_handler: SocketModeHandler(app, "<<!slack_app>>")',
    ],
    "slack-webhook-url": [
        "  - name: slack\n    slack_configs:\n      - api_url: \"https://hooks.slack.com/services/<<slack_t>>/<<slack_b>>/<<!slack_hook>>\"\n        channel: '#alerts'",
    ],
    "npm-token": [
        'npmRegistries:\n  "https://registry.npmjs.org":\n    npmAuthToken: <<!npm>>',
    ],
    "stripe-secret-key": [
        "Stripe::AuthenticationError: Invalid API Key provided: <<!stripe:sk_live>>",
        '{"stripe":{"rk":"<<!stripe:rk_live>>","whsec":"<<!whsec>>"}}',
    ],
    "grafana-service-account-token": [
        "GF_TOKEN=<<!glsa>> grafanactl dashboards pull",
    ],
    "grafana-cloud-token": [
        '  password: <<!glc>>\n  username: "<<n:100000-999999>>"\n  url: https://logs-prod-030.grafana.net/loki/api/v1/push',
    ],
    "vault-token": [
        '$ vault token lookup -format=json\n{\n  "data": {\n    "accessor": "<<!vault_accessor>>",\n    "display_name": "token",\n    "id": "<<!hvs>>",\n    "policies": ["default"]\n  }\n}',
    ],
    "vault-login-output": [
        'Key                    Value\n---                    -----\ntoken                  <<!hvs>>\ntoken_accessor         <<!vault_accessor>>\ntoken_duration         8h\ntoken_renewable        true\ntoken_policies         ["default" "ops"]\ntoken_meta_username    ops',
    ],
    "telegram-bot-token": [
        '<<ts_py>> - httpx - INFO - HTTP Request: POST https://api.telegram.org/bot<<!telegram>>/getMe "HTTP/1.1 200 OK"',
    ],
    "discord-webhook-url": [
        "curl -H 'Content-Type: application/json' -d '{\"content\":\"deploy done\"}' https://discord.com/api/webhooks/<<snowflake>>/<<!discord_hook>>",
    ],
    "discord-bot-token": [
        'DISCORD_BOT_TOKEN="<<!discord_bot>>"',
    ],
    "okta-ssws-header": [
        "<<ts_py>> DEBUG okta.http: headers={'Accept': 'application/json', 'Authorization': 'SSWS <<!okta>>', 'User-Agent': 'okta-sdk-python/2.9'}",
    ],
    "openai-api-key": [
        "AxiosError: Request failed with status code 401\n    config: { headers: { Authorization: 'Bearer <<!openai_proj>>', 'Content-Type': 'application/json' } }",
    ],
    "anthropic-api-key": [
        "export ANTHROPIC_API_KEY='<<!anthropic>>'",
    ],
    "github-pat-classic": [
        "$ cat ~/.git-credentials\nhttps://shop-bot:<<!gh:ghp>>@github.com",
        "GH_ENTERPRISE_TOKEN=<<!github_pat>>",
    ],
    "github-app-and-oauth-tokens": [
        "::debug::Got token <<!gh:ghs>> for installation <<n:10000000-99999999>>",
    ],
    "gitlab-pat": [
        "GITLAB_API_TOKEN: <<!glpat>>",
    ],
    "gitlab-runner-token": [
        '[[runners]]\n  name = "k8s-runner"\n  url = "https://gitlab.example.com"\n  id = <<n:100-999>>\n  token = "<<!glrt_routable>>"\n  executor = "kubernetes"',
    ],
    "gitlab-other-tokens": [
        "helm repo add --username deploy-token-7 --password <<!gl:gldt>> shop https://gitlab.example.com/api/v4/projects/42/packages/helm/stable",
    ],
    "aws-access-key-pair": [
        '$ aws iam create-access-key --user-name ci-deployer\n{\n    "AccessKey": {\n        "UserName": "ci-deployer",\n        "AccessKeyId": "<<!aws_akid>>",\n        "Status": "Active",\n        "SecretAccessKey": "<<!aws_secret>>",\n        "CreateDate": "<<ts>>"\n    }\n}',
        "s3 = boto3.client('s3', aws_access_key_id='<<!aws_akid>>', aws_secret_access_key='<<!aws_secret>>')",
    ],
    "aws-session-token": [
        '$ aws sts get-session-token --duration-seconds 3600\n{\n    "Credentials": {\n        "AccessKeyId": "<<!aws_asia>>",\n        "SecretAccessKey": "<<!aws_secret>>",\n        "SessionToken": "<<!aws_session>>",\n        "Expiration": "<<ts>>"\n    }\n}',
    ],
    "aws-bedrock-api-key": [
        'export AWS_BEARER_TOKEN_BEDROCK="<<!bedrock_key>>"',
    ],
    "presigned-url-signature": [
        '<<ip>> - - [<<ts_nginx>>] "GET /media/v.mp4?Expires=<<epoch>>&Signature=<<!b64_24>>&Key-Pair-Id=K<<upper_alnumn:13>> HTTP/1.1" 200 1048576',
    ],
    "gcp-api-key": [
        'const firebaseConfig = { apiKey: "<<!gcp_key>>", authDomain: "shop-prod.firebaseapp.com" };',
    ],
    "gcp-service-account-key": [
        '$ cat sa.json\n{\n  "type": "service_account",\n  "project_id": "data-prod-<<n:100000-999999>>",\n  "private_key": "<<!pem_json>>",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}',
    ],
    "google-oauth-client-secret": [
        "GOOGLE_CLIENT_SECRET=<<!gocspx>>",
        '{"web":{"client_id":"<<n:100000000000-999999999999>>-<<lowern:32>>.apps.googleusercontent.com","client_secret":"<<!gocspx>>"}}',
    ],
    "azure-storage-connection-string": [
        "Microsoft.Azure.Storage.StorageException: Server failed to authenticate the request. ConnectionString='DefaultEndpointsProtocol=https;AccountName=shoparchive;AccountKey=<<!azure_account_key>>'",
    ],
    "azure-sas-signature": [
        '"sasToken": "?sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2024-09-01T00:00:00Z&spr=https&sig=<<!azure_sig>>"',
    ],
    "azure-shared-access-key": [
        'IOTHUB_DEVICE_CONNECTION_STRING="HostName=plant-hub.azure-devices.net;DeviceId=press-07;SharedAccessKey=<<!azure_sas_key>>"',
    ],
    "azure-ad-client-secret": [
        "ARM_CLIENT_SECRET=<<!azure_ad>>",
    ],
    "twilio-credentials": [
        'client = Client("<<twilio_sid>>", "<<!twilio_token>>")',
    ],
    "sendgrid-api-key": [
        "sg = sendgrid.SendGridAPIClient(api_key='<<!sendgrid>>')",
    ],
    "mailgun-api-key": [
        "MAILGUN_SIGNING_KEY=<<!mailgun_new>>",
    ],
    "shopify-token": [
        "shopify app env pull: SHOPIFY_API_SECRET=<<!shopify:shpss>>",
    ],
    "digitalocean-token": [
        'provider "digitalocean" {\n  token = "<<!dop>>"\n}',
    ],
    "dockerhub-pat": [
        "echo <<!dckr>> | docker login --username shopbuild --password-stdin docker.io",
    ],
    "pypi-token": [
        "poetry config pypi-token.pypi <<!pypi>>",
    ],
    "huggingface-token": [
        "git clone https://user:<<!hf>>@huggingface.co/shop-kr/reranker",
    ],
    "databricks-token": [
        "databricks configure --token <<!dapi>>",
    ],
    "newrelic-key": [
        "newrelic:\n  licenseKey: <<!nral>>\n  cluster: prod-kr",
    ],
    "datadog-keys": [
        "helm install datadog-agent datadog/datadog --set datadog.apiKey=<<!dd_api>> --set datadog.appKey=<<!dd_app>>",
    ],
    "sentry-dsn": [
        'sentry_sdk.init(dsn="https://<<!sentry_key>>@o<<digitsn:6>>.ingest.de.sentry.io/<<digitsn:7>>", traces_sample_rate=0.1)',
    ],
    "atlassian-api-token": [
        "Authorization: Basic <<!atlassian_basic>>\nX-Atlassian-Token: no-check",
    ],
    "linear-api-key": [
        "curl https://api.linear.app/graphql -H 'Authorization: <<!linear>>' -d '{\"query\":\"{ viewer { id } }\"}'",
    ],
    "doppler-token": [
        'DOPPLER_TOKEN: "<<!doppler_st>>"',
    ],
    "postman-api-key": [
        "postman login --with-api-key <<!pmak>>",
    ],
    "pulumi-token": [
        "      - name: PULUMI_ACCESS_TOKEN\n        value: <<!pulumi>>",
    ],
    "terraform-cloud-token": [
        '$ cat ~/.terraform.d/credentials.tfrc.json\n{\n  "credentials": {\n    "app.terraform.io": {\n      "token": "<<!tfc>>"\n    }\n  }\n}',
    ],
    "age-secret-key": [
        "age --decrypt -i <(echo <<!age>>) secrets.enc.yaml",
    ],
    "jwt": [
        "Authorization: JWT <<!jwt:RS256>>",
        "x-access-token: <<!jwt>>",
    ],
    "kubernetes-sa-token": [
        "I0611 10:42:13.000000 1 request.go:1212] Request Header: Authorization: Bearer <<!k8s_sa_jwt>>",
    ],
    "basic-auth-header": [
        "requests.get(url, auth=('reporter', '<<!pw>>'), timeout=5)",
        '<<ts>> DEBUG proxy: forwarding with header authorization="Basic <<!basic:svc>>"',
    ],
    "bearer-header": [
        "grpc metadata: {'authorization': 'Bearer <<!opaque_url>>', 'x-tenant': 'kr'}",
        '-H "authorization: Bearer <<!opaque>>"',
    ],
    "session-cookie": [
        "Cookie: __Secure-next-auth.session-token=<<!jwt>>; __Host-next-auth.csrf-token=<<!hexn:64>>",
        "Set-Cookie: _oauth2_proxy=<<!b64n:96>>; Path=/; Domain=.example.io; Expires=Tue, 18 Jun 2024 10:42:13 GMT; HttpOnly; Secure",
    ],
    "oauth-token-response": [
        "<<ts_py>> DEBUG authlib: fetched token {'token_type': 'Bearer', 'access_token': '<<!opaque_url>>', 'expires_at': <<epoch>>}",
    ],
    "oauth-authorization-code": [
        '<<ip>> - - [<<ts_nginx>>] "GET /oauth2/callback?state=<<b64n:12>>&code=<<!oauth_code>>&scope=email+openid HTTP/1.1" 302 0',
        "redirect_uri=https://shop.example/callback&code=<<!opaque_url>>&code_verifier=<<!opaque_url>>",
    ],
    "spring-generated-password": [
        "Using generated security password: <<!uuid>>\n\nThis generated password is for development use only.",
    ],
    "postgres-url": [
        'psql: error: connection to server at "<<host>>" failed: FATAL: password authentication failed (dsn postgresql://<<dbuser>>:<<!pw_url>>@<<host>>/<<dbname>>)',
        "pgbouncer.ini: <<dbname>> = host=<<host>> port=5432 user=<<dbuser>> password=<<!pw_alnum>>",
    ],
    "mysql-url": [
        "DB_URL=mysql+aiomysql://<<dbuser>>:<<!pw_url>>@<<host>>:3306/<<dbname>>",
    ],
    "mongodb-url": [
        "Current Mongosh Log ID:\t<<objectid>>\nConnecting to:\t\tmongodb://admin:<<!pw_url>>@<<host>>:27017/?directConnection=true",
    ],
    "redis-url": [
        "broker_url = 'rediss://:<<!pw_url>>@<<host>>:6380/0?ssl_cert_reqs=required'",
    ],
    "amqp-url": [
        "amqps://orders:<<!pw_url>>@b-<<uuid>>.mq.<<region>>.amazonaws.com:5671",
    ],
    "other-connection-urls": [
        "sqlserver://sa:<<!pw_url>>@<<host>>:1433?database=<<dbname>>&encrypt=true",
        "clickhouse://default:<<!pw_url>>@<<host>>:9000/analytics",
        "SMTP_URL=smtp://noreply:<<!pw_url>>@smtp.example.net:587",
        "ldaps://ldap.corp.example:636 bindDN=cn=sync,dc=corp,dc=example bindCredential=<<!pw>>",
    ],
    "kafka-sasl-jaas": [
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="<<!pw>>";',
    ],
    "jdbc-adonet-connection-string": [
        "jdbc:db2://<<host>>:50000/SHOPDB:user=db2inst1;password=<<!pw_alnum>>;",
        "Server=<<host>>;Database=<<dbname>>;Uid=<<dbuser>>;Password='<<!pw>>';SslMode=Required;",
    ],
    "oracle-credentials": [
        "impdp system/<<!pw_alnum>>@ORCLPDB1 directory=DP_DIR dumpfile=shop.dmp logfile=imp.log",
        'sqlplus -L -S app_ro/<<!pw_alnum>>@"(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=<<host>>)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=SHOP)))"',
    ],
    "database-cli-password": [
        'mongosh "mongodb+srv://cluster0.<<lowern:5>>.mongodb.net/" --apiVersion 1 --username ops --password <<!pw_alnum>>',
        "postgres=# CREATE ROLE reporting LOGIN PASSWORD '<<!pw>>';",
    ],
    "redis-monitor-auth": [
        '<<epoch_f>> [3 unix:/run/redis.sock] "auth" "<<!pw_alnum>>"',
    ],
    "kubernetes-secret-data": [
        "<<!tls_secret_yaml>>",
        "$ kubectl get secret app-env -o go-template='{{.data.API_TOKEN}}'\n<<!b64pw>>",
    ],
    "kubernetes-secret-stringdata": [
        '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"webhook"},"stringData":{"url":"https://hooks.partner.example/in","secret":"<<!hex40>>"}}',
    ],
    "kubectl-create-secret-literal": [
        "kubectl -n <<ns>> create secret generic oauth --from-literal=client-secret=<<!opaque>> --from-literal=client-id=shop-web",
    ],
    "helm-set-secret": [
        "helm upgrade --install shop ./chart --set-string global.postgresql.auth.postgresPassword=<<!pw_alnum>> --set secrets.slackToken=<<!slack_bot>>",
    ],
    "java-system-property-password": [
        'JAVA_OPTS="-Xms256m -Djdbc.password=<<!pw_alnum>> -Duser.timezone=Asia/Seoul"',
    ],
    "spring-property-password": [
        "spring:\n  mail:\n    host: smtp.example.net\n    username: noreply\n    password: <<!pw>>",
        "spring.datasource.hikari.password=<<!pw>>",
    ],
    "netrc-credentials": [
        "machine nexus.example.io login deployer password <<!pw_alnum>> port 443",
    ],
    "pgpass-line": [
        "*:6432:pgbouncer:stats_reader:<<!pw>>",
    ],
    "password-hash": [
        "app:<<!argon2>>",
        "userPassword: <<!ssha>>",
        " usename | passwd\n---------+-------------------------------------\n legacy  | <<!pg_md5>>",
    ],
    "url-query-token": [
        'GET /api/v2/login?user=ops&password=<<!pw_url>> HTTP/1.1" 200',
        "https://api.partner.example/oauth/token?grant_type=client_credentials&client_id=shop&client_secret=<<!opaque>>",
    ],
    "git-url-credentials": [
        '[remote "origin"]\n\turl = https://deploy:<<!pw_url>>@git.example.io/platform/infra.git',
    ],
    "docker-config-auth": [
        '{\n  "auths": {\n    "registry.example.io": {\n      "username": "robot$ci",\n      "password": "<<!pw_alnum>>",\n      "auth": "<<!basic:robot>>"\n    }\n  }\n}',
    ],
    "kubeconfig-credentials": [
        "    client-key-data: <<!key_data>>\n    client-certificate-data: <<cert_b64>>",
    ],
    "kubeadm-join-token": [
        "kubeadm token create <<!kubeadm_token>> --ttl 2h --print-join-command",
    ],
    "consul-nomad-token": [
        "Accessor ID  = <<uuid>>\nSecret ID    = <<!consul>>\nName         = ci\nType         = client",
    ],
    "app-framework-secret-key": [
        'DJANGO_SECRET_KEY="<<!django_key>>"',
        "config.secret_key_base = '<<!rails_key>>'",
    ],
    "encryption-key": [
        "<<ts>> INFO  kms: data key plaintext=<<!b64_32>> ciphertext_len=184",
    ],
    "wireguard-private-key": [
        "wg set wg0 private-key <(echo <<!wg_key>>) listen-port 51820",
    ],
    "minio-credentials": [
        "MINIO_ACCESS_KEY=<<!rand_upper>>\nMINIO_SECRET_KEY=<<!alnumn:40>>",
    ],
    "api-key-header": [
        "x-hasura-admin-secret: <<!hasura>>",
        "Authorization: PVEAPIToken=root@pam!ci=<<!proxmox>>",
        "X-Gitea-Token: <<!gitea>>",
    ],
    "pem-rsa-private-key": [
        "tls:\n  key: |\n<<!pem_indented>>",
    ],
    "pem-ec-private-key": [
        '{"tls_key":"<<!pem_escaped_ec>>"}',
    ],
    "pem-encrypted-private-key": [
        "$ cat cosign.key\n<<!sigstore>>",
    ],
    "pem-openssh-private-key": [
        '+ echo "$DEPLOY_KEY" > ~/.ssh/id_ed25519 # contents:\n<<!pem:openssh>>',
    ],
    "pgp-private-key": [
        "gpg: key 0x<<hexn:16>>: secret key imported\n<<!pgp>>",
    ],
    "pem-dsa-private-key": [
        "<<!pem:dsa>>",
    ],
    "putty-private-key": [
        "<<!putty>>",
    ],
    "openvpn-static-key": [
        "<<!openvpn_key>>",
    ],
    "tls-session-master-key": [
        "SSL-Session:\n    Protocol  : TLSv1.2\n    Cipher    : ECDHE-RSA-AES128-GCM-SHA256\n    Session-ID: <<hexn:64>>\n    Session-ID-ctx: \n    Master-Key: <<!tls_master>>",
    ],
    "email-address": [
        "mailto:<<!email>>?subject=Incident",
        "<<ts_java>>  INFO 1 --- [main] c.e.s.n.Mailer : sent invoice #<<n:1000-9999>> to <<!email>> (bcc <<!email>>)",
        "고객 이메일: <<!email>>",
        '{"user":{"id":<<n:1000-99999>>,"email":"<<!email>>","locale":"ko-KR"}}',
    ],
    "notion-token": [
        "NOTION_TOKEN=<<!notion>>",
    ],
    "perplexity-api-key": [
        "PERPLEXITY_API_KEY=<<!pplx>>",
    ],
    "rubygems-api-key": [
        "GEM_HOST_API_KEY=<<!rubygems>>",
    ],
    "sourcegraph-token": [
        "SRC_ACCESS_TOKEN=<<!sgp>>",
    ],
    "prefect-api-key": [
        "PREFECT_API_KEY=<<!prefect>>",
    ],
    "flyio-token": [
        "FLY_API_TOKEN=<<!flyio>>",
    ],
    "airtable-token": [
        "AIRTABLE_TOKEN=<<!airtable>>",
    ],
    "brevo-sendinblue-key": [
        "BREVO_API_KEY=<<!sendinblue>>",
    ],
    "infracost-api-key": [
        "INFRACOST_API_KEY=<<!infracost>>",
    ],
    "onepassword-service-account-token": [
        "OP_SERVICE_ACCOUNT_TOKEN=<<!onepassword>>",
    ],
    "planetscale-password": [
        "DATABASE_URL=mysql://<<lowern:12>>:<<!planetscale>>@aws.connect.psdb.cloud/shop?sslaccept=strict",
    ],
    "mapbox-secret-token": [
        "MAPBOX_SECRET_TOKEN=<<!mapbox_sk>>",
    ],
    "firebase-fcm-server-key": [
        "FCM_SERVER_KEY=<<!fcm>>",
    ],
    "alibaba-access-key": [
        "ALIBABA_CLOUD_ACCESS_KEY_ID=<<!alibaba>>\nALIBABA_CLOUD_ACCESS_KEY_SECRET=<<!alibaba_secret>>",
    ],
    "square-access-token": [
        "SQUARE_ACCESS_TOKEN=<<!square>>",
    ],
    "braintree-access-token": [
        "BRAINTREE_ACCESS_TOKEN=<<!braintree>>",
    ],
    "nats-nkey-seed": [
        "nats: seed <<!nats_seed>>",
    ],
    "tailscale-oauth-client-secret": [
        "TAILSCALE_OAUTH_CLIENT_SECRET=tskey-client-k<<alnumn:10>>CNTRL-<<!alnumn:32>>",
    ],
}

HOLDOUT_HARMLESS: dict[str, list[str]] = {
    "uuid-identifiers": [
        "X-Correlation-ID: <<uuid>>",
        "consumer group billing-<<uuid>> rebalanced (generation 12)",
        "Applied migration <<uuid>> in 41 ms",
    ],
    "w3c-trace-context": [
        "uber-trace-id: <<span>>:<<span>>:0:1",
        "x-datadog-trace-id: <<n:1000000000000000000-9223372036854775807>>\nx-datadog-parent-id: <<n:1000000000000000000-9223372036854775807>>",
        '{"traceId":"<<trace>>","id":"<<span>>","kind":"SERVER","name":"get /orders","timestamp":<<epoch_ms>>000,"duration":1820}',
    ],
    "git-commit-shas": [
        "$ git log --oneline -3\n<<short_sha>> fix(auth): refresh token race\n<<short_sha>> chore: bump chart\n<<short_sha>> feat: korean invoices",
        "Updating <<short_sha>>..<<short_sha>>",
        "revision: <<sha>>\nbranch: release/2024.06",
    ],
    "image-digests": [
        "IMAGE                                   TAG       DIGEST              IMAGE ID       SIZE\nregistry.example.io/shop/api            1.4.2     <<hexn:13>>       <<hexn:13>>  81.2MB",
        'Normal  Pulled  12s  kubelet  Container image "registry.example.io/shop/api@<<digest>>" already present on machine',
    ],
    "pod-and-replicaset-names": [
        "NAME                           CPU(cores)   MEMORY(bytes)\n<<pod:checkout>>   12m          182Mi\n<<pod:orders>>     40m          301Mi",
        "evicting pod <<ns>>/<<pod:search>>",
    ],
    "base64-non-secret": [
        'kubectl.kubernetes.io/restartedAt: "2024-06-11T10:42:13+09:00"\nchecksum/values: <<b64json>>',
        "echo " + base64.b64encode(b"deploy finished").decode() + " | base64 --decode",
        "X-Goog-Upload-Header-Content-Type: image/png\nX-Request-Params: <<b64json>>",
    ],
    "checksums-and-hashes": [
        "sha1sum: <<hexn:40>>  charts/shop-1.4.2.tgz",
        "Downloading helm-v3.15.2-linux-amd64.tar.gz (sha256 <<hexn:64>>)",
        '"resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",\n"integrity": "sha512-<<b64n:64>>"',
    ],
    "etags-and-cache-headers": [
        'If-Match: "<<hexn:32>>"',
        "x-amz-version-id: <<ksuid>>",
    ],
    "go-stack-trace": [
        "goroutine 33 [IO wait]:\ninternal/poll.runtime_pollWait(0x7f<<hexn:10>>, 0x72)\n\t/usr/local/go/src/runtime/netpoll.go:345 +0x85\ngithub.com/shop-kr/api/internal/secrets.(*Loader).watch(0xc000<<hexn:6>>)\n\t/src/internal/secrets/loader.go:91 +0x1f3",
    ],
    "java-stack-trace": [
        "Caused by: java.sql.SQLInvalidAuthorizationSpecException: (conn=412) Access denied for user 'app'@'<<ip>>' (using password: YES)\n\tat org.mariadb.jdbc.export.ExceptionFactory.createException(ExceptionFactory.java:306)",
        "org.springframework.security.authentication.BadCredentialsException: Bad credentials\n\tat org.springframework.security.authentication.dao.DaoAuthenticationProvider.additionalAuthenticationChecks(DaoAuthenticationProvider.java:89)",
    ],
    "python-traceback": [
        'Traceback (most recent call last):\n  File "/app/cli.py", line 14, in <module>\n    token = os.environ["API_TOKEN"]\n  File "<frozen os>", line 714, in __getitem__\nKeyError: \'API_TOKEN\'',
        "hvac.exceptions.Forbidden: permission denied, on post https://vault.vault.svc:8200/v1/auth/kubernetes/login",
    ],
    "node-stack-trace": [
        "Error: secretOrPrivateKey must have a value\n    at module.exports [as sign] (/app/node_modules/jsonwebtoken/sign.js:107:20)",
    ],
    "envoy-istio-access-log": [
        '[<<ts>>] "GET /api/v1/cart HTTP/2" 200 - via_upstream - "-" 0 1320 8 7 "<<pubip>>,<<ip>>" "shop-ios/5.2.0" "<<uuid>>" "api.shop.example" "<<ip>>:8080" outbound|8080||cart.shop.svc.cluster.local <<ip>>:50112 <<ip>>:8443 <<ip>>:40322 api.shop.example default',
    ],
    "nginx-access-and-error-log": [
        "<<ts_nginx_err>> [error] 24#24: *<<n:1000-99999>> FastCGI sent in stderr: \"PHP message: login failed for user 'ops': invalid password\" while reading response header from upstream",
        '<<ip>> - ops [<<ts_nginx>>] "GET /prometheus/api/v1/targets HTTP/1.1" 200 9120 "-" "Grafana/11.1.0"',
        '<<ip>> - - [<<ts_nginx>>] "GET /oauth2/start?rd=%2Fdashboards&state=<<b64n:12>> HTTP/1.1" 302 0 "-" "Mozilla/5.0"',
    ],
    "apiserver-audit": [
        '{"kind":"Event","level":"Metadata","verb":"watch","requestURI":"/api/v1/namespaces/<<ns>>/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dapi-keys","user":{"username":"system:serviceaccount:external-secrets:external-secrets"},"responseStatus":{"code":200}}',
    ],
    "mysql-postgres-auth-errors": [
        'psql: error: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: fe_sendauth: no password supplied',
        "ERROR 1698 (28000): Access denied for user 'root'@'localhost'",
        "AUTH failed: ERR AUTH <password> called without any password configured for the default user.",
    ],
    "logfmt-counters-and-pass-words": [
        'level=info msg="second pass complete" pass=2 matched=1412',
        "lint: 0 errors, 3 warnings; checks passed=57",
    ],
    "env-dump-harmless": [
        "PWD=/home/runner/work/shop/shop\nRUNNER_TEMP=/home/runner/work/_temp\nGITHUB_ACTIONS=true",
        "AUTH_TYPE=none\nTOKEN_AUDIENCE=https://api.shop.example\nSECRET_PROVIDER=vault",
    ],
    "ci-config-keywords": [
        "  - name: Configure AWS credentials\n    uses: aws-actions/configure-aws-credentials@v4\n    with:\n      role-to-assume: arn:aws:iam::<<acct>>:role/gha-deploy\n      aws-region: <<region>>",
        "credentialsId: 'gitlab-token' // Jenkins credential id, not the token",
    ],
    "kubectl-describe-secret": [
        "Type:  bootstrap.kubernetes.io/token\n\nData\n====\nauth-extra-groups:  47 bytes\nexpiration:         20 bytes\ntoken-id:           6 bytes\ntoken-secret:       16 bytes\nusage-bootstrap-authentication:  4 bytes",
    ],
    "secret-referenced-by-name": [
        "  ssh:\n    secretRef:\n      name: git-ssh-key",
        "Vault path kv/data/payments/stripe (version 3) injected into /vault/secrets/stripe",
        'Warning  FailedMount  kubelet  MountVolume.SetUp failed for volume "creds" : references non-existent secret key: password',
    ],
    "auth-failure-messages": [
        "login failed: bad username or password",
        "Token is expired or invalid; re-authenticate with `argocd login`",
        'error: the server doesn\'t have a resource type "secrets"',
        "SASL authentication failed for user orders-consumer",
    ],
    "url-without-password": [
        "mysql://reporting@<<host>>:3306/<<dbname>>",
        "Connecting to: mongodb://<<host>>:27017/?directConnection=true&serverSelectionTimeoutMS=2000&appName=mongosh+2.2.10",
        "https://vault.example.io/ui/vault/secrets/kv/show/shop/db",
        "postgres://app@pg-ledger-rw.payments.svc:5432/ledger",
    ],
    "secret-lifecycle-events": [
        'secret "api-keys" deleted',
        "key rotation completed: key version 5 is now primary",
        "Rotated 3 secrets in 1.2s",
    ],
    "llm-token-usage": [
        "anthropic usage: input_tokens=3120 output_tokens=512",
        'max_new_tokens: 256\nstop_sequences: ["\\n\\nHuman:"]',
    ],
    "rate-limiter-token-bucket": [
        "leaky bucket: tokens=0.0 burst=20 rate=5/s (throttling /api/v1/search)",
    ],
    "password-reset-events": [
        "passwordless login via magic link enabled for tenant kr",
        "password history check: new password reused (user 4411)",
    ],
    "database-key-words": [
        "Cassandra: CREATE TABLE sessions (user_id uuid, token_hash text, PRIMARY KEY (user_id, token_hash))",
        "idx_api_keys_prefix | btree | key_prefix",
    ],
    "ssh-host-key-fingerprints": [
        "# <<ip>>:22 SSH-2.0-OpenSSH_9.6\n<<ip>> <<sshpub>>",
        "RSA key fingerprint is MD5:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>:<<hexn:2>>.",
    ],
    "auth-config-flags": [
        "Passkey support enabled (WebAuthn rp_id=shop.example)",
        "auth_enabled: false\nserver:\n  http_listen_port: 3100",
        "--authentication-token-webhook=true --authorization-mode=Webhook",
    ],
    "already-masked-values": [
        "password=******",
        "token: '[FILTERED]'",
        "Authorization: Basic ***",
        "DATABASE_URL=postgres://app:****@<<host>>:5432/<<dbname>>",
        "secret: <hidden>",
        'client_secret: ""  # set via env',
    ],
    "words-containing-key-substrings": [
        "keychain unlocked for build agent",
        "secretariat module: 12 filings processed",
        "pass-through authentication not supported for this backend",
        "retokenize: 1412 documents",
        "bypassing proxy for 10.0.0.0/8",
    ],
    "korean-harmless": [
        "비밀번호 찾기 요청이 접수되었습니다",
        "인증 토큰 갱신 성공",
        "시크릿 로테이션 완료 (3건)",
        "API 키 발급 한도를 초과했습니다",
        "비밀번호 변경 주기가 도래했습니다 (90일)",
    ],
    "yaml-empty-secret-value": [
        "password: ~\nport: 5432",
        "token: ''\nserver: https://<<ip>>:6443",
        "apiKey:\n  valueFrom:\n    secretKeyRef:\n      name: partner\n      key: api-key",
    ],
    "file-paths-with-secret-words": [
        "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "Identity file /home/app/.ssh/id_ed25519 not accessible: No such file or directory",
        "WARNING! Your credentials are stored unencrypted in '/root/.docker/config.json'.",
        "loading credentials from ~/.aws/credentials profile=default",
    ],
    "hex-colours-and-styles": [
        ".alert-critical { background: <<hexcolor>>; border-left: 4px solid #b71c1c; }",
    ],
    "version-strings": [
        "Client Version: v1.30.2\nKustomize Version: v5.0.4-0.20230601165947-6ce0bf390ce3",
        "node v20.15.0 / npm 10.7.0",
    ],
    "timestamps-ips-ports": [
        'tcp   LISTEN 0  4096  0.0.0.0:6443  0.0.0.0:*  users:(("kube-apiserver",pid=1123,fd=7))',
        "<<epoch_f>> <<ip>> -> <<ip>>:53 A api.shop.example",
    ],
    "kubectl-get-secrets-table": [
        "NAME                     TYPE                            DATA   AGE\nbootstrap-token-<<lowern:6>>   bootstrap.kubernetes.io/token   5      23h",
    ],
    "prometheus-metrics-secret-labels": [
        'vault_secret_kv_count{mount_point="secret/",namespace="root"} 42',
        'oauth2_proxy_requests_total{code="403",path="/oauth2/auth"} 14',
    ],
    "jwt-lookalikes": [
        "alg=RS256 typ=JWT kid=<<kid>> (header only)",
        "token format: eyJ... (JWT) expected, got opaque string",
    ],
    "public-certificates-and-keys": [
        '-----BEGIN SSH2 PUBLIC KEY-----\nComment: "deploy"\n<<b64n:48>>\n-----END SSH2 PUBLIC KEY-----',
        "tls.crt: <<cert_b64>>",
        'Signed user key ci-cert.pub: id "ci" serial 12 for deploy valid from 2024-06-11T10:00:00 to 2024-06-11T11:00:00',
    ],
    "cert-info-output": [
        "depth=0 CN = api.shop.example\nverify return:1\n---\nCertificate chain\n 0 s:CN = api.shop.example\n   i:C = US, O = Let's Encrypt, CN = R11",
    ],
    "kubectl-get-output": [
        "NAME                      ENDPOINTS                                   AGE\n<<svc>>                   <<ip>>:8080,<<ip>>:8080                     12d",
        "configmap/<<svc>>-config-<<k8sn:10>> created",
    ],
    "helm-and-argocd-output": [
        'To get the password for "rabbitmq" run:\n\n    echo "Password      : $(kubectl get secret --namespace messaging rabbitmq -o jsonpath="{.data.rabbitmq-password}" | base64 -d)"',
    ],
    "ci-job-logs": [
        "<<ts_gh>> ##[warning]Unexpected input(s) 'token', valid inputs are ['repository', 'ref']",
        '<<ts_gh>> Run echo "::add-mask::$DB_PASSWORD"',
        "Job succeeded\nCleaning up project directory and file based variables",
    ],
    "cloud-resource-identifiers": [
        "arn:aws:secretsmanager:<<region>>:<<acct>>:secret:shop/stripe-live-Pq3Rm9",
        "gcloud secrets versions access latest --secret=stripe-key --project=shop-prod-<<n:100000-999999>>",
        "/subscriptions/<<uuid>>/resourceGroups/rg-shop/providers/Microsoft.KeyVault/vaults/kv-shop-prod/secrets/db-password",
    ],
    "sql-and-schema-secret-words": [
        "ALTER TABLE users ALTER COLUMN password_hash SET NOT NULL;",
        "DELETE FROM password_reset_tokens WHERE expires_at < now() -- 41 rows",
    ],
    "http-headers-harmless": [
        "Authorization-Required: false\nX-Frame-Options: DENY",
        "Location: https://shop.example/login?next=%2Faccount%2Fsecurity",
    ],
    "random-looking-ids": [
        "dd_trace_id=<<n:1000000000000000000-9223372036854775807>> cf_ray=<<cfray>>",
        "x-amz-cf-pop: ICN57-P2\nx-amz-cf-id: <<b64n:42>>",
        "ObjectId('<<objectid>>')",
    ],
    "go-runtime-addresses": [
        "goroutine 7 gp=0xc000<<hexn:6>> m=nil [GC worker (idle)]:",
    ],
    "cache-and-lookup-keys": [
        "cache key: tenant:kr:catalog:v12 (hit ratio 0.94)",
        "dedupe key=order-<<n:100000-999999>>-created",
    ],
    "openid-discovery-document": [
        '{"issuer":"https://keycloak.example/realms/shop","authorization_endpoint":"https://keycloak.example/realms/shop/protocol/openid-connect/auth","token_endpoint":"https://keycloak.example/realms/shop/protocol/openid-connect/token","jwks_uri":"https://keycloak.example/realms/shop/protocol/openid-connect/certs","token_endpoint_auth_methods_supported":["client_secret_basic","client_secret_post","private_key_jwt"]}',
        "introspection_endpoint: https://auth.shop.example/oauth/introspect\nrevocation_endpoint: https://auth.shop.example/oauth/revoke",
        "code_challenge_method=S256 response_type=code scope=openid",
    ],
    "terraform-output": [
        '  ~ resource "kubernetes_secret" "db" {\n      ~ data = (sensitive value)\n        id   = "shop/db-creds"\n    }',
    ],
    "redaction-and-field-lists": [
        "vector: remap .message = redact(.message, filters: [\"us_social_security_number\", r'password=\\S+'])",
    ],
    "systemd-and-auth-log": [
        "<<ts_syslog>> bastion sshd[<<n:1000-99999>>]: Accepted password for deploy from <<ip>> port <<port>> ssh2",
        "<<ts_syslog>> node-1 passwd[<<n:1000-99999>>]: pam_unix(passwd:chauthtok): password changed for ops",
    ],
    "grpc-and-api-errors": [
        '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":[{"Type":"registry","Name":"shop/api","Action":"pull"}]}]}',
    ],
    "docker-build-output": [
        "#7 [3/5] COPY --chmod=0400 secrets.dist.yaml /app/config/",
    ],
}


def update_readme_counts(secret_entries: list[dict], harmless_entries: list[dict]) -> None:
    """Only the sizes go into the README: the held-out categories stay out of sight."""
    readme = HERE / "README.md"
    if not readme.exists():
        return
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- holdout-counts:start -->", "<!-- holdout-counts:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        body = (
            f"`holdout-secrets.jsonl`: {len(secret_entries)} entries in {len(counts(secret_entries))} categories; "
            f"`holdout-harmless.jsonl`: {len(harmless_entries)} entries in {len(counts(harmless_entries))} categories."
        )
        readme.write_text(f"{head}{start}\n{body}\n{end}{tail}", encoding="utf-8")


def main() -> int:
    fake = HoldoutFake(SEED)
    secret_entries = build_secrets(fake, HOLDOUT_SECRETS)
    harmless_entries = build_harmless(fake, HOLDOUT_HARMLESS)
    problems = check(secret_entries, harmless_entries)
    for p in problems:
        print(p, file=sys.stderr)
    if problems:
        return 1
    dump(HERE / "holdout-secrets.jsonl", secret_entries)
    dump(HERE / "holdout-harmless.jsonl", harmless_entries)
    update_readme_counts(secret_entries, harmless_entries)
    print(
        f"holdout secrets: {len(secret_entries)} entries, {len(counts(secret_entries))} categories"
    )
    print(
        f"holdout harmless: {len(harmless_entries)} entries, {len(counts(harmless_entries))} categories"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
