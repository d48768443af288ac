"""The portal's HTTP API (a Lambda Function URL behind CloudFront)."""

from ccm.api.app import API_PREFIX, OPENAPI_PATH, create_app

__all__ = ["API_PREFIX", "OPENAPI_PATH", "create_app"]
