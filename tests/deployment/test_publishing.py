"""make deploy, make deploy-web and make deploy-image: their settings, their checks and what they send to AWS."""

from __future__ import annotations

import base64
import json
import stat
from collections.abc import Sequence
from pathlib import Path

import boto3
import pytest

from infra import deploy, image, web
from infra.interpreters import IMAGE
from infra.lint import LintResult
from infra.stack import DeploymentError, DeployTarget, parameter_overrides, read_samconfig, stack_outputs

SAMCONFIG = """
version = 0.1
[default.deploy.parameters]
stack_name = "ccm-test"
region = "us-east-1"
resolve_s3 = true
capabilities = "CAPABILITY_IAM"
parameter_overrides = ["BucketName=ccm-test-data", "ImportCpuArchitecture=ARM64", "ImportSubnetIds=subnet-a,subnet-b"]
"""

OUTPUTS_TEMPLATE = {
    "Parameters": {name: {"Type": "String"} for name in ("Web", "Distribution", "Repository")},
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
    "Outputs": {
        "WebBucketName": {"Value": {"Ref": "Web"}},
        "DistributionId": {"Value": {"Ref": "Distribution"}},
        "ImportRepositoryUri": {"Value": {"Ref": "Repository"}},
    },
}


@pytest.fixture
def samconfig(tmp_path: Path) -> Path:
    path = tmp_path / "samconfig.toml"
    path.write_text(SAMCONFIG, encoding="utf-8")
    return path


def site(root: Path) -> Path:
    files = {
        "index.html": "<!doctype html><title>Portal</title>",
        "js/shared.js": "export const portal = {};",
        "css/portal.css": "body { margin: 0 }",
        "img/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        "fonts/inter.woff2": "font",
        ".DS_Store": "finder",
        "node_modules/left-pad/index.js": "module.exports = 1",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def distribution_id() -> str:
    config = {
        "CallerReference": "ccm-test",
        "Origins": {
            "Quantity": 1,
            "Items": [
                {"Id": "web", "DomainName": "web.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "web", "ViewerProtocolPolicy": "redirect-to-https"},
        "Comment": "",
        "Enabled": True,
    }
    created = boto3.client("cloudfront").create_distribution(DistributionConfig=config)  # type: ignore[arg-type]
    return created["Distribution"]["Id"]


# -- samconfig.toml and stack outputs --------------------------------------------------------------------


def test_samconfig_names_the_stack_and_its_parameters(samconfig: Path) -> None:
    target = read_samconfig(samconfig)

    assert (target.stack_name, target.region) == ("ccm-test", "us-east-1")
    assert parameter_overrides(target) == {
        "BucketName": "ccm-test-data",
        "ImportCpuArchitecture": "ARM64",
        "ImportSubnetIds": "subnet-a,subnet-b",
    }


def test_parameter_overrides_may_be_one_string() -> None:
    target = DeployTarget("s", "us-east-1", {"parameter_overrides": 'BucketName=b DomainName="portal.example.com"'})

    assert parameter_overrides(target) == {"BucketName": "b", "DomainName": "portal.example.com"}


def test_the_example_samconfig_is_a_valid_starting_point() -> None:
    example = Path(__file__).resolve().parents[2] / "samconfig.toml.example"

    target = read_samconfig(example)

    assert target.region == "us-east-1"
    assert {"BucketName", "ImportVpcId", "ImportSubnetIds"} <= parameter_overrides(target).keys()
    assert target.parameters["capabilities"] == "CAPABILITY_NAMED_IAM"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (None, "copy samconfig.toml.example to samconfig.toml"),
        ("[default.deploy.parameters]\nregion = 'us-east-1'\n", "needs stack_name"),
        ("[default.deploy.parameters]\nstack_name = 's'\nregion = 'eu-west-1'\n", "CloudFront only takes"),
        ("[default.deploy", "not valid TOML"),
    ],
)
def test_a_samconfig_that_cannot_deploy_says_why(tmp_path: Path, text: str | None, problem: str) -> None:
    path = tmp_path / "samconfig.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")

    with pytest.raises(DeploymentError, match=problem):
        read_samconfig(path)


def test_stack_outputs_are_read_by_name(aws: None) -> None:
    boto3.client("cloudformation").create_stack(
        StackName="ccm-test",
        TemplateBody=json.dumps(OUTPUTS_TEMPLATE),
        Parameters=[
            {"ParameterKey": "Web", "ParameterValue": "web-bucket"},
            {"ParameterKey": "Distribution", "ParameterValue": "E123"},
            {"ParameterKey": "Repository", "ParameterValue": "1.dkr.ecr.us-east-1.amazonaws.com/ccm"},
        ],
    )

    outputs = stack_outputs("ccm-test")

    assert outputs["WebBucketName"] == "web-bucket" and outputs["DistributionId"] == "E123"
    with pytest.raises(DeploymentError, match="stack absent in us-east-1 cannot be read"):
        stack_outputs("absent")


# -- make deploy-web -------------------------------------------------------------------------------------


def test_publishing_sets_content_types_and_cache_headers_and_skips_hidden_files(aws: None, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="web-bucket")

    result = web.publish(site(tmp_path), "web-bucket")

    assert sorted(result.uploaded) == [
        "css/portal.css",
        "fonts/inter.woff2",
        "img/logo.svg",
        "index.html",
        "js/shared.js",
    ]
    page = s3.head_object(Bucket="web-bucket", Key="index.html")
    assert page["ContentType"] == "text/html; charset=utf-8" and page["CacheControl"] == "no-cache"
    script = s3.head_object(Bucket="web-bucket", Key="js/shared.js")
    assert script["ContentType"] == "text/javascript; charset=utf-8" and script["CacheControl"] == "no-cache"
    logo = s3.head_object(Bucket="web-bucket", Key="img/logo.svg")
    assert logo["ContentType"] == "image/svg+xml" and logo["CacheControl"] == "public, max-age=86400"
    assert s3.head_object(Bucket="web-bucket", Key="fonts/inter.woff2")["ContentType"] == "font/woff2"


def test_publishing_removes_files_gone_from_web_and_invalidates_the_distribution(aws: None, tmp_path: Path) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="web-bucket")
    s3.put_object(Bucket="web-bucket", Key="old-page.html", Body=b"old")
    distribution = distribution_id()

    result = web.publish(site(tmp_path), "web-bucket", distribution)

    assert result.deleted == ["old-page.html"]
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="web-bucket")["Contents"]]
    assert "old-page.html" not in keys
    invalidation = boto3.client("cloudfront").get_invalidation(
        DistributionId=distribution, Id=str(result.invalidation_id)
    )
    assert invalidation["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/*"]


def test_deploy_web_finds_the_bucket_in_the_stack_outputs(
    aws: None, tmp_path: Path, samconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    boto3.client("s3").create_bucket(Bucket="web-bucket")
    distribution = distribution_id()
    boto3.client("cloudformation").create_stack(
        StackName="ccm-test",
        TemplateBody=json.dumps(OUTPUTS_TEMPLATE),
        Parameters=[
            {"ParameterKey": "Web", "ParameterValue": "web-bucket"},
            {"ParameterKey": "Distribution", "ParameterValue": distribution},
            {"ParameterKey": "Repository", "ParameterValue": "r"},
        ],
    )

    code = web.main(["--web", str(site(tmp_path / "web")), "--samconfig", str(samconfig)])

    assert code == 0
    assert "published 5 files to s3://web-bucket" in capsys.readouterr().out


def test_deploy_web_without_a_portal_explains_before_asking_aws(
    tmp_path: Path, samconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DeploymentError, match="no portal to publish"):
        web.publish(tmp_path / "web", "web-bucket")

    assert web.main(["--web", str(tmp_path / "web"), "--samconfig", str(samconfig)]) == 2
    assert "holds no portal files to publish" in capsys.readouterr().err


# -- make deploy -----------------------------------------------------------------------------------------


def fake_sam(directory: Path) -> Path:
    """A stand-in ``sam`` that records its arguments."""
    script = directory / "sam"
    script.write_text('#!/bin/sh\necho "$@" > "$(dirname "$0")/sam-arguments"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_deploy_without_sam_says_how_to_install_it(
    tmp_path: Path, samconfig: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = deploy.main(["--sam", str(tmp_path / "no-such-sam"), "--samconfig", str(samconfig)])

    assert code == 3
    message = capsys.readouterr().err
    assert "AWS SAM CLI (sam) is not installed" in message and "pip install aws-sam-cli" in message


def test_deploy_renders_packages_and_runs_sam_with_samconfig(
    tmp_path: Path, samconfig: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sam = fake_sam(tmp_path)
    prepared: list[tuple[str, Path, Path | None]] = []

    def prepare(stack_name: str, config: Path, edge_config: Path | None, output: Path) -> Path:
        prepared.append((stack_name, config, edge_config))
        return output / "template.yaml"

    monkeypatch.setattr(deploy, "prepare", prepare)
    edge_config = tmp_path / "edge.json"
    edge_config.write_text("{}", encoding="utf-8")

    options = [
        "--sam",
        str(sam),
        "--samconfig",
        str(samconfig),
        "--edge-config",
        str(edge_config),
        "--output",
        str(tmp_path),
    ]
    code = deploy.main([*options, "--", "--no-confirm-changeset"])

    assert code == 0
    assert prepared == [("ccm-test", Path("config.json"), edge_config)]
    arguments = (tmp_path / "sam-arguments").read_text().split()
    assert arguments[:3] == ["deploy", "--template-file", str(tmp_path / "template.yaml")]
    assert arguments[arguments.index("--config-file") + 1] == str(samconfig.resolve())
    assert arguments[-1] == "--no-confirm-changeset"


def test_deploy_stops_before_sam_when_the_template_has_lint_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "cfn_lint", lambda paths: LintResult(2, "E3004 Circular Dependencies"))

    with pytest.raises(DeploymentError, match=r"(?s)cfn-lint found problems.*E3004"):
        deploy.prepare("ccm-test", Path(__file__).resolve().parents[2] / "config.json", None, tmp_path)


def test_deploy_without_the_edge_configuration_builds_nothing_and_explains(
    tmp_path: Path, samconfig: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(deploy, "prepare", lambda *args: pytest.fail("nothing is built without the edge configuration"))

    code = deploy.main(["--sam", str(fake_sam(tmp_path)), "--samconfig", str(samconfig)])

    assert code == 2
    assert "EDGE_CONFIG=path/to/edge_config.json" in capsys.readouterr().err
    assert not (tmp_path / "sam-arguments").exists()


def test_deploy_with_a_bad_samconfig_does_not_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(deploy, "prepare", lambda *args: pytest.fail("nothing is built without a valid samconfig"))

    code = deploy.main(["--sam", str(fake_sam(tmp_path)), "--samconfig", str(tmp_path / "absent.toml")])

    assert code == 2
    assert "copy samconfig.toml.example" in capsys.readouterr().err


# -- make deploy-image -----------------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.commands: list[tuple[list[str], str | None]] = []

    def __call__(self, command: Sequence[str], stdin: str | None) -> None:
        self.commands.append((list(command), stdin))


def test_the_image_is_built_for_the_task_architecture_and_pushed_with_an_ecr_token(aws: None, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM python:3.12-slim\n", encoding="utf-8")
    recorder = Recorder()
    uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/ccm-import"
    plan = image.ImagePlan(uri, ("latest", "abc1234"), image.DOCKER_PLATFORMS["ARM64"])
    ecr = boto3.client("ecr")

    image.push(plan, ecr, context=tmp_path, runner=recorder)

    (build, _), (login, password), *pushes = recorder.commands
    assert build[:4] == ["docker", "build", "--platform", "linux/arm64"]
    assert build[4:6] == ["--build-arg", f"PYTHON_VERSION={IMAGE}"]
    assert f"{uri}:latest" in build and f"{uri}:abc1234" in build and build[-1] == str(tmp_path)
    assert login[-1] == "123456789012.dkr.ecr.us-east-1.amazonaws.com" and "--password-stdin" in login
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    assert password == base64.b64decode(token).decode().partition(":")[2]
    assert [command for command, _ in pushes] == [
        ["docker", "push", f"{uri}:latest"],
        ["docker", "push", f"{uri}:abc1234"],
    ]


def test_the_image_needs_the_repository_dockerfile(aws: None, tmp_path: Path) -> None:
    plan = image.ImagePlan("1.dkr.ecr.us-east-1.amazonaws.com/ccm", ("latest",), "linux/amd64")

    with pytest.raises(DeploymentError, match="Dockerfile not found"):
        image.push(plan, boto3.client("ecr"), context=tmp_path, runner=Recorder())
