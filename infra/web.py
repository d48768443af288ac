"""Publish the portal (``web/``) to the stack's web bucket, with the right content types and cache headers.

Pages, scripts and styles carry ``Cache-Control: no-cache``: they are not fingerprinted, so browsers revalidate
them (a cheap 304 through the ETag) and see a new release at once; images and fonts are kept a day. Files that
are no longer in ``web/`` are removed, and the distribution is invalidated so its edge caches refresh too.

Usage: ``python -m infra.web [--web web] [--samconfig samconfig.toml]`` (after ``make deploy``).
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import boto3

from ccm.aws.clients import RETRY_CONFIG
from infra.stack import SAMCONFIG, DeploymentError, read_samconfig, stack_outputs

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient
    from mypy_boto3_s3 import S3Client

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}
REVALIDATE = "no-cache"
"""Code and pages: always revalidated, so a release is visible at once."""
KEEP_A_DAY = "public, max-age=86400"
REVALIDATED_SUFFIXES = frozenset({".html", ".js", ".mjs", ".css", ".json", ".map", ".txt", ".xml", ".webmanifest"})
SKIPPED_DIRECTORIES = frozenset({"node_modules"})


def content_type(path: Path) -> str:
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def cache_control(path: Path) -> str:
    return REVALIDATE if path.suffix.lower() in REVALIDATED_SUFFIXES else KEEP_A_DAY


def site_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(object key, file) for every file to publish; hidden files and node_modules stay home."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if not path.is_file() or any(part.startswith(".") or part in SKIPPED_DIRECTORIES for part in relative.parts):
            continue
        yield relative.as_posix(), path


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
