"""AWS credentials for the boto3 clients (`bedrock`, `ses`).

    session = aws_session(settings.aws_access_key_id, settings.aws_secret_access_key)

boto3's default chain (IRSA or EKS Pod Identity in the cluster, then environment, ~/.aws, an
instance role) unless a key pair is given. The pair comes from the settings, which read
`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` or, as the manifests give
them, files named by `<NAME>_FILE` mounted from the Secret: boto3 itself reads no such files.
"""

from __future__ import annotations

import boto3


def aws_session(
    access_key_id: str = "", secret_access_key: str = "", session_token: str = ""
) -> boto3.Session:
    if access_key_id and secret_access_key:
        return boto3.Session(
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            aws_session_token=session_token or None,
        )
    return boto3.Session()
