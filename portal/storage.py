"""S3 object storage (SeaweedFS embedded, AWS S3 or MinIO in production)."""
from __future__ import annotations

import boto3
from botocore.config import Config
from flask import current_app


def s3_client(config: Config | None = None):
    cfg = current_app.config
    # Give up on an unreachable store within seconds (three tries, five-second connects): the
    # person is told to try again (a 503, see portal/http/outages.py) rather than left waiting.
    base = Config(s3={"addressing_style": "path"}, signature_version="s3v4", connect_timeout=5, read_timeout=60,
                  retries={"max_attempts": 3, "mode": "standard"})
    return boto3.client(
        "s3",
        endpoint_url=cfg["S3_ENDPOINT_URL"],
        aws_access_key_id=cfg["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=cfg["S3_SECRET_ACCESS_KEY"],
        region_name=cfg["S3_REGION"],
        config=base.merge(config) if config else base,
    )
