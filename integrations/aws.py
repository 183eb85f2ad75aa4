"""AWS, shared by the boto3 clients (`bedrock`, `ses`): settings, credentials, errors.

    session = aws_session(settings)   # settings: an AwsSettings (both apps' Settings are)

boto3's default chain (IRSA or EKS Pod Identity in the cluster, then environment, ~/.aws, an
instance role) unless a key pair is given. The pair comes from the settings, which read
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` or, as the manifests give
them, files named by `<NAME>_FILE` mounted from the Secret: boto3 itself reads no such files.
botocore's exceptions become ours, by kind, in one place (`aws_errors`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import boto3
import botocore.exceptions

from integrations.errors import RateLimited, Rejected, Timeout, Unavailable
from runtime.settings import secret, setting

_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "ServiceQuotaExceededException",
    }
)


@dataclass(frozen=True)
class AwsSettings:
    """The AWS settings both apps read, the same way."""

    aws_region: str = setting("AWS_REGION", "", aliases=("AWS_DEFAULT_REGION",))
    # empty: boto3's default chain (IRSA, EKS Pod Identity, ...); else this key pair
    aws_access_key_id: str = secret("AWS_ACCESS_KEY_ID")
    aws_secret_access_key: str = secret("AWS_SECRET_ACCESS_KEY")
    aws_session_token: str = secret("AWS_SESSION_TOKEN")

    def aws_problems(self) -> list[str]:
        if bool(self.aws_access_key_id) != bool(self.aws_secret_access_key):
            return ["AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together"]
        return []


def aws_session(settings: AwsSettings) -> boto3.Session:
    if settings.aws_access_key_id and settings.aws_secret_access_key:
        return boto3.Session(
            aws_access_key_id=settings.aws_access_key_id,
            aws_secret_access_key=settings.aws_secret_access_key,
            aws_session_token=settings.aws_session_token or None,
        )
    return boto3.Session()


@contextmanager
def aws_errors(system: str, transient: Collection[str] = ()) -> Iterator[None]:
    """botocore's exceptions as ours: throttling is `RateLimited`, 5xx and the service's own
    `transient` codes `Unavailable`, other client errors `Rejected` (a bad request, an
    unverified sender, access denied: retrying would not help)."""
    try:
        yield
    except botocore.exceptions.ClientError as err:  # includes EventStreamError
        code = err.response.get("Error", {}).get("Code", "")
        msg = err.response.get("Error", {}).get("Message", "") or code
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in _THROTTLED or status == 429:
            raise RateLimited(system, f"throttled ({code}): {msg}") from err
        if code in transient or status >= 500:
            raise Unavailable(system, f"{code or status}: {msg}") from err
        raise Rejected(system, f"{code or status}: {msg}") from err
    except (botocore.exceptions.ReadTimeoutError, botocore.exceptions.ConnectTimeoutError) as err:
        raise Timeout(system, f"no answer in time: {err}") from err
    except botocore.exceptions.NoCredentialsError as err:
        raise Rejected(system, "no AWS credentials found") from err
    except botocore.exceptions.BotoCoreError as err:
        raise Unavailable(system, str(err)) from err
