"""Publish the portal (``web/``) to the stack's web bucket, with the right content types and cache headers.

Pages, scripts and styles carry ``Cache-Control: no-cache``: they are not fingerprinted, so browsers revalidate
them (a cheap 304 through the ETag) and see a new release at once; images and fonts are kept a day. Files that
are no longer in ``web/`` are removed, and the distribution is invalidated so its edge caches refresh too.

Usage: ``python -m infra.web [--web web] [--samconfig samconfig.toml]`` (after ``make deploy``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from ccm.aws.clients import RETRY_CONFIG
from ccm.web_assets import cache_control, content_type, site_files
from infra.stack import SAMCONFIG, DeploymentError, read_samconfig, stack_outputs

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client


@dataclass
class Publication:
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    invalidation_id: str | None = None


def _existing_keys(s3: S3Client, bucket: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.update(item["Key"] for item in page.get("Contents", []))
    return keys


def publish(
    root: Path,
    bucket: str,
    distribution_id: str | None = None,
    *,
    s3: S3Client | None = None,
    cloudfront: CloudFrontClient | None = None,
) -> Publication:
    if not root.is_dir():
        raise DeploymentError(f"{root} not found: there is no portal to publish")
    s3 = s3 or boto3.client("s3", config=RETRY_CONFIG)
    result = Publication()
    local = dict(site_files(root))
    if not local:
        raise DeploymentError(f"{root} holds no files to publish")
    for key, path in local.items():
        body = path.read_bytes()
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, ContentType=content_type(path), CacheControl=cache_control(path)
        )
        result.uploaded.append(key)
    stale = sorted(_existing_keys(s3, bucket) - local.keys())
    for start in range(0, len(stale), 1000):
        batch = stale[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
        result.deleted.extend(batch)
    if distribution_id:
        cloudfront = cloudfront or boto3.client("cloudfront", config=RETRY_CONFIG)
        invalidation = cloudfront.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": str(time.time_ns())},
        )
        result.invalidation_id = invalidation["Invalidation"]["Id"]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.web", description=__doc__.splitlines()[0])
    parser.add_argument("--web", type=Path, default=Path("web"), help="the portal's files")
    parser.add_argument("--samconfig", type=Path, default=SAMCONFIG)
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment")
    args = parser.parse_args(argv)
    try:
        if not any(True for _ in site_files(args.web)):
            raise DeploymentError(f"{args.web} holds no portal files to publish")
        target = read_samconfig(args.samconfig, args.config_env)
        outputs = stack_outputs(target.stack_name, target.region)
        missing = [name for name in ("WebBucketName", "DistributionId") if name not in outputs]
        if missing:
            names = ", ".join(missing)
            raise DeploymentError(f"stack {target.stack_name} has no output {names}: run make deploy first")
        result = publish(args.web, outputs["WebBucketName"], outputs["DistributionId"])
    except DeploymentError as error:
        print(f"cannot publish the portal: {error}", file=sys.stderr)
        return 2
    print(
        f"published {len(result.uploaded)} files to s3://{outputs['WebBucketName']}, removed {len(result.deleted)}, "
        f"invalidation {result.invalidation_id} on {outputs['DistributionId']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
