"""Translate the SAM template to plain CloudFormation offline, as the AWS::Serverless transform would.

cfn-lint checks SAM resources against SAM's own schema only; the translation is what CloudFormation really
receives (the functions, their versions, Function URL, event source mappings), so it is linted and tested too.
Local ``CodeUri`` paths, and the customers' nested stacks' local ``TemplateURL`` paths, are replaced by S3
locations, as ``sam deploy`` does after uploading them.
"""

from __future__ import annotations

import copy
import warnings
from pathlib import PurePosixPath
from typing import Any

import boto3

ARTIFACT_BUCKET = "ccm-deployment-artifacts"


def _with_uploaded_code(template: dict[str, Any]) -> dict[str, Any]:
    sam = copy.deepcopy(template)
    for resource in sam.get("Resources", {}).values():
        properties = resource.get("Properties", {})
        code_uri = properties.get("CodeUri")
        is_function = resource.get("Type") == "AWS::Serverless::Function"
        if is_function and isinstance(code_uri, str) and not code_uri.startswith("s3://"):
            properties["CodeUri"] = f"s3://{ARTIFACT_BUCKET}/{PurePosixPath(code_uri).name}"
        url = properties.get("TemplateURL")
        if resource.get("Type") == "AWS::CloudFormation::Stack" and isinstance(url, str) and "://" not in url:
            properties["TemplateURL"] = f"https://{ARTIFACT_BUCKET}.s3.amazonaws.com/{PurePosixPath(url).name}"
    return sam


def translate(template: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """The CloudFormation template the SAM transform produces from ``template``."""
    with warnings.catch_warnings():
        # The translator's own dependencies warn about their deprecations on import; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.translator import Translator

        translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=region))
        translated: dict[str, Any] = translator.translate(
            _with_uploaded_code(template), parameter_values={}, get_managed_policy_map=dict
        )
    return translated
