"""The SAM template, rendered from config.json and translated as CloudFormation will: its wiring and its limits."""

from __future__ import annotations

import copy
import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest

from ccm.clock.schedule_event import schedule_input
from ccm.config import AppConfig
from ccm.contact_import.record import PREFIX as GRANT_RECORD_PREFIX
from ccm.edge.behaviours import FEEDS_CACHE_SECONDS, FEEDS_PATH_PATTERN, LEGACY_API_PATHS
from ccm.edge.replay import replay_key
from ccm.provision import DEAD_LETTER_AFTER
from ccm.ses_admin.subscription_record import PREFIX as SUBSCRIPTION_RECORD_PREFIX
from ccm.storage.table import TTL_ATTRIBUTE, create_table_arguments
from ccm.web_assets import PAGE_CSP, PORTAL_CSP
from infra import cfn_yaml
from infra.lint import cfn_lint
from infra.package import packages
from infra.render import (
    CUSTOMER_SHARDS,
    RenderError,
    check_limits,
    check_stack_name,
    child_file,
    main,
    render,
    render_children,
    shard_of,
)
from infra.translate import translate
from tests.conftest import CONFIG_PATH, ROOT
from tests.deployment.conftest import (
    Template,
    as_list,
    config_with,
    policy_statements,
    resources_of_type,
    statements_allowing,
)

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
WEB = ROOT / "web"
PSEUDO_PARAMETERS = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "ccm-prod",
}
FIXED_HANDLERS = {
    "functions.api.app.handler",
    "functions.backend.app.handler",
    "functions.audit.app.handler",
    "functions.clock.app.handler",
    "functions.ses_events.app.handler",
    "functions.router.app.handler",
    "functions.edge_auth.app.viewer_request",
    "functions.edge_auth.app.saml_handler",
    "functions.live.app.handler",
}
SHARED_PACKAGES = {"functions.edge_auth.app.live_authorizer": "edge-viewer-request.zip"}
"""Functions that run a second handler of another function's package: the live API's authoriser runs the
gatekeeper's package, so that it reads the same edge configuration (same cookie keys and session limits)."""


def lambda_functions(translated: Template) -> dict[str, dict[str, Any]]:
    return resources_of_type(translated, "AWS::Lambda::Function")


def function_of_package(translated: Template, zip_name: str) -> dict[str, Any]:
    matches = [
        f
        for f in lambda_functions(translated).values()
        if f["Properties"]["Code"]["S3Key"] == zip_name and f["Properties"]["Handler"] not in SHARED_PACKAGES
    ]
    assert len(matches) == 1, f"one function should run {zip_name}"
    properties: dict[str, Any] = matches[0]["Properties"]
    return properties


def distribution(template: Template) -> dict[str, Any]:
    config: dict[str, Any] = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    return config


def behaviour(template: Template, pattern: str) -> dict[str, Any]:
    return next(b for b in distribution(template)["CacheBehaviors"] if b["PathPattern"] == pattern)


# -- lint -------------------------------------------------------------------------------------------------


def test_the_rendered_template_its_translation_and_the_customers_stacks_pass_cfn_lint(
    rendered: Template, translated: Template, children: dict[str, Template], tmp_path: Path
) -> None:
    cfn_yaml.write(rendered, tmp_path / "template.yaml")
    cfn_yaml.write(translated, tmp_path / "template.translated.json")
    for name, child in children.items():
        cfn_yaml.write(child, tmp_path / name)

    result = cfn_lint(
        [tmp_path / "template.yaml", tmp_path / "template.translated.json", *(tmp_path / n for n in children)]
    )

    assert result.clean, result.output


def test_linting_the_translation_catches_a_bad_setting_inside_a_sam_event(rendered: Template, tmp_path: Path) -> None:
    broken = copy.deepcopy(rendered)
    broken["Resources"]["RouterFunction"]["Properties"]["Events"]["Triggers"]["Properties"]["BatchSize"] = 20000
    cfn_yaml.write(broken, tmp_path / "sam.yaml")
    cfn_yaml.write(translate(broken), tmp_path / "translated.json")

    result = cfn_lint([tmp_path / "sam.yaml", tmp_path / "translated.json"], parseable=True)

    findings = result.output.splitlines()
    assert not result.clean
    assert any("translated.json" in line and ":E3034:" in line for line in findings), result.output


# -- functions --------------------------------------------------------------------------------------------


def test_every_function_runs_the_handler_its_package_provides(translated: Template) -> None:
    handlers = set()
    for package in packages().values():
        function = function_of_package(translated, package.zip_name)
        assert function["Handler"] == package.handler
        assert function["Architectures"] == [package.architecture.value]
        assert function["Runtime"] == "python3.12"
        handlers.add(function["Handler"])
    assert handlers == FIXED_HANDLERS
    shared = {
        f["Properties"]["Handler"]: f["Properties"]["Code"]["S3Key"]
        for f in lambda_functions(translated).values()
        if f["Properties"]["Handler"] in SHARED_PACKAGES
    }
    assert shared == SHARED_PACKAGES
    assert len(lambda_functions(translated)) == len(FIXED_HANDLERS) + len(SHARED_PACKAGES)


def test_the_regional_functions_run_on_arm64_with_the_application_environment(translated: Template) -> None:
    for zip_name, service in (("api.zip", "api"), ("backend.zip", "backend"), ("audit.zip", "audit")):
        function = function_of_package(translated, zip_name)
        variables = function["Environment"]["Variables"]
        assert function["Architectures"] == ["arm64"]
        assert variables["CCM_BUCKET"] == {"Ref": "DataBucket"}
        assert variables["CCM_TABLE"] == {"Ref": "Table"}
        assert variables["CCM_CONFIG"] == "/var/task/config.json"
        assert variables["CCM_SES_CONFIG"] == "/var/task/SESConfig.json"
        assert variables["POWERTOOLS_METRICS_NAMESPACE"] == "CCM"
        assert variables["POWERTOOLS_SERVICE_NAME"] == service
        assert "POWERTOOLS_TRACE_DISABLED" in variables


def test_the_edge_functions_are_x86_64_versions_in_us_east_1_without_environment(
    source_template: Template, translated: Template
) -> None:
    rule = source_template["Rules"]["EdgeFunctionsLiveInUsEast1"]["Assertions"][0]["Assert"]
    assert rule == {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}
    versions = resources_of_type(translated, "AWS::Lambda::Version")
    for zip_name, events, max_memory, max_timeout in (
        ("edge-viewer-request.zip", {"viewer-request", "origin-response"}, 128, 5),
        ("edge-saml.zip", {"origin-request"}, 10240, 30),
    ):
        name = next(k for k, f in lambda_functions(translated).items() if f["Properties"]["Code"]["S3Key"] == zip_name)
        function = translated["Resources"][name]["Properties"]
        assert "Environment" not in function
        assert function["Architectures"] == ["x86_64"]
        assert function["MemorySize"] <= max_memory and function["Timeout"] <= max_timeout
        role = translated["Resources"][function["Role"]["Fn::GetAtt"][0]]
        trusted = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        assert "edgelambda.amazonaws.com" in trusted
        version = next(v for v, r in versions.items() if r["Properties"]["FunctionName"] == {"Ref": name})
        associations = [
            a
            for b in [distribution(translated)["DefaultCacheBehavior"], *distribution(translated)["CacheBehaviors"]]
            for a in b.get("LambdaFunctionAssociations", [])
        ]
        used = {a["EventType"] for a in associations if a["LambdaFunctionARN"] == {"Ref": version}}
        assert used == events


def test_the_function_url_takes_only_requests_signed_by_the_distribution(translated: Template) -> None:
    url = resources_of_type(translated, "AWS::Lambda::Url")
    assert [u["Properties"]["AuthType"] for u in url.values()] == ["AWS_IAM"]
    api_origin = next(o for o in distribution(translated)["Origins"] if o["Id"] == "api")
    oac = translated["Resources"][api_origin["OriginAccessControlId"]["Fn::GetAtt"][0]]["Properties"]
    assert oac["OriginAccessControlConfig"]["OriginAccessControlOriginType"] == "lambda"
    assert oac["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    permissions = resources_of_type(translated, "AWS::Lambda::Permission")
    api_permissions = [
        p["Properties"] for p in permissions.values() if p["Properties"]["FunctionName"] == {"Ref": "ApiFunction"}
    ]
    assert {p["Action"] for p in api_permissions} == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for permission in api_permissions:
        assert permission["Principal"] == "cloudfront.amazonaws.com"
        assert "distribution/${Distribution}" in permission["SourceArn"]["Fn::Sub"]


# -- customers --------------------------------------------------------------------------------------------


def test_every_customer_has_a_queue_dead_letter_queue_event_source_and_alarm_in_its_nested_stack(
    rendered: Template, translated: Template, children: dict[str, Template], demo_config: AppConfig
) -> None:
    backend_timeout = translated["Resources"]["BackendFunction"]["Properties"]["Timeout"]
    for code in demo_config.customer_codes:
        child = children[child_file(shard_of(code))]
        resources = child["Resources"]
        queue_id, queue = next(
            (k, q)
            for k, q in resources_of_type(child, "AWS::SQS::Queue").items()
            if q["Properties"]["QueueName"] == {"Fn::Sub": "${ParentStackName}-trigger-" + code}
        )
        properties = queue["Properties"]
        assert properties["VisibilityTimeout"] >= 6 * backend_timeout
        redrive = properties["RedrivePolicy"]
        assert redrive["maxReceiveCount"] == DEAD_LETTER_AFTER
        dead_letters_id = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        dead_letters = resources[dead_letters_id]
        assert dead_letters["Properties"]["QueueName"] == {"Fn::Sub": "${ParentStackName}-dead-letters-" + code}
        assert dead_letters["Properties"]["MessageRetentionPeriod"] > properties["MessageRetentionPeriod"]

        queue_arn = {"Fn::GetAtt": [queue_id, "Arn"]}
        mappings = resources_of_type(child, "AWS::Lambda::EventSourceMapping").values()
        [mapping] = [m["Properties"] for m in mappings if m["Properties"]["EventSourceArn"] == queue_arn]
        assert mapping["FunctionName"] == {"Ref": "BackendFunctionArn"}
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert mapping["BatchSize"] == 1
        assert mapping["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "BackendConcurrencyPerCustomer"}}

        alarms = resources_of_type(child, "AWS::CloudWatch::Alarm").values()
        [alarm] = [a for a in alarms if a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0] == dead_letters_id]
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopicArn"}]


def test_each_nested_stack_gets_the_parents_name_backend_alarm_topic_and_concurrency(
    rendered: Template, children: dict[str, Template]
) -> None:
    stacks = resources_of_type(rendered, "AWS::CloudFormation::Stack")
    assert sorted(s["Properties"]["TemplateURL"] for s in stacks.values()) == sorted(children)
    for stack in stacks.values():
        child = children[stack["Properties"]["TemplateURL"]]
        assert set(stack["Properties"]["Parameters"]) == set(child["Parameters"])
        assert stack["Properties"]["Parameters"]["ParentStackName"] == {"Ref": "AWS::StackName"}
        assert stack["Properties"]["Parameters"]["BackendFunctionArn"] == {"Fn::GetAtt": ["BackendFunction", "Arn"]}


def test_the_bucket_sends_every_customers_triggers_to_the_router_queue_in_one_entry(
    translated: Template,
) -> None:
    resources = translated["Resources"]
    notifications = resources["DataBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    [router] = [n for n in notifications if n["Queue"] == {"Fn::GetAtt": ["RouterQueue", "Arn"]}]
    assert router["Event"] == "s3:ObjectCreated:*"
    assert router["Filter"]["S3Key"]["Rules"] == [
        {"Name": "prefix", "Value": "customers/"},
        {"Name": "suffix", "Value": ".json"},
    ]
    assert len(notifications) == 3, "the audit queue's two entries and the router's, whatever the customers"
    assert "RouterQueuePolicy" in resources["DataBucket"]["DependsOn"]
    [statement] = resources["RouterQueuePolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"} and statement["Action"] == "sqs:SendMessage"
    mappings = resources_of_type(translated, "AWS::Lambda::EventSourceMapping").values()
    [mapping] = [m["Properties"] for m in mappings if m["Properties"]["EventSourceArn"] == router["Queue"]]
    assert mapping["FunctionName"] == {"Ref": "RouterFunction"}
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_router_may_send_only_to_the_stacks_trigger_queues_and_its_own_dead_letters(
    translated: Template,
) -> None:
    [forward, aside] = statements_allowing(translated["Resources"]["RouterRole"], "sqs:SendMessage")
    assert resolve(forward["Resource"]["Fn::Sub"]).endswith(":ccm-prod-trigger-*")
    assert aside["Resource"] == {"Fn::GetAtt": ["RouterDeadLetterQueue", "Arn"]}
    variables = function_of_package(translated, "router.zip")["Environment"]["Variables"]
    assert variables["CCM_TRIGGER_QUEUE_PREFIX"] == {"Fn::Sub": "${AWS::StackName}-trigger-"}


def test_the_backend_consumes_every_trigger_queue_and_no_dead_letter_queue(
    translated: Template, demo_config: AppConfig
) -> None:
    [statement] = statements_allowing(translated["Resources"]["BackendRole"], "sqs:ReceiveMessage")
    pattern = resolve(statement["Resource"]["Fn::Sub"])
    for code in demo_config.customer_codes:
        assert fnmatch.fnmatchcase(f"arn:aws:sqs:us-east-1:123456789012:ccm-prod-trigger-{code}", pattern)
        assert not fnmatch.fnmatchcase(f"arn:aws:sqs:us-east-1:123456789012:ccm-prod-dead-letters-{code}", pattern)
        assert not fnmatch.fnmatchcase(f"arn:aws:sqs:us-east-1:123456789012:other-trigger-{code}", pattern)


def resolve(text: str) -> str:
    for name, value in PSEUDO_PARAMETERS.items():
        text = text.replace("${" + name + "}", value)
    return text


# -- least privilege --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["BackendRole", "ApiRole"])
def test_the_backend_and_the_api_can_assume_only_the_configured_customer_ses_roles(
    translated: Template, demo_config: AppConfig, role: str
) -> None:
    statements = statements_allowing(translated["Resources"][role], "sts:AssumeRole")
    resources = [resource for statement in statements for resource in as_list(statement["Resource"])]
    expected = {customer.ses_role_arn for customer in demo_config.customer_mappings.values()}
    assert set(resources) == expected and len(resources) == len(expected)
    assert all("*" not in resource for resource in resources)
    assert all("Condition" not in statement and statement.get("NotResource") is None for statement in statements)


def test_no_edge_function_may_assume_a_role(translated: Template) -> None:
    for role in ("GatekeeperRole", "SamlRole"):
        assert statements_allowing(translated["Resources"][role], "sts:AssumeRole") == []


def test_the_import_task_may_assume_only_the_customers_identity_center_and_ses_roles(
    translated: Template, demo_config: AppConfig
) -> None:
    [statement] = statements_allowing(translated["Resources"]["ImportTaskRole"], "sts:AssumeRole")
    expected = {c.ses_role_arn for c in demo_config.customer_mappings.values()} | {
        c.identity_center_role_arn for c in demo_config.customer_mappings.values() if c.identity_center_role_arn
    }
    assert set(statement["Resource"]) == expected


def _bucket_object_resources(statement: dict[str, Any]) -> set[str]:
    return {r["Fn::Sub"].removeprefix("${DataBucket.Arn}/") for r in as_list(statement["Resource"])}


def test_the_api_writes_only_the_bucket_prefixes_it_uses_and_the_table(translated: Template) -> None:
    role = translated["Resources"]["ApiRole"]
    [put] = statements_allowing(role, "s3:PutObject")
    [delete] = statements_allowing(role, "s3:DeleteObject")
    assert _bucket_object_resources(put) == {"archive/*", "drafts/*", "versions/*", "deleted/*", "customers/*"}
    assert _bucket_object_resources(delete) == {"archive/*", "drafts/*", "customers/*"}
    [table] = statements_allowing(role, "dynamodb:PutItem")
    assert table["Resource"] == [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"}]
    actions = {action for statement in policy_statements(role) for action in as_list(statement["Action"])}
    assert not any(action.endswith("*") for action in actions)
    assert not any(action.startswith(("ses:", "iam:", "ssm:")) for action in actions)
    # Its only queue access is the administrators' dead-letter listing and redrive, on the customers' trigger queues.
    [queues] = [
        statement for statement in policy_statements(role) if statement.get("Sid") == "ReadAndRedriveDeadLetters"
    ]
    assert {action for action in actions if action.startswith("sqs:")} == set(as_list(queues["Action"]))
    for resource in as_list(queues["Resource"]):
        name = resource["Fn::Sub"].removeprefix("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:")
        assert name.startswith(("${AWS::StackName}-trigger-", "${AWS::StackName}-dead-letters-", "ccm-")), name


def test_the_backend_writes_only_the_archive_and_deletes_only_triggers(translated: Template) -> None:
    role = translated["Resources"]["BackendRole"]
    [put] = statements_allowing(role, "s3:PutObject")
    [delete] = statements_allowing(role, "s3:DeleteObject")
    assert _bucket_object_resources(put) == {"archive/*"}
    assert _bucket_object_resources(delete) == {"customers/*"}


def test_the_backend_reads_exactly_the_graph_secrets_config_json_names(
    translated: Template, demo_config: AppConfig
) -> None:
    assert demo_config.graph_config is not None
    allowed = statements_allowing(translated["Resources"]["BackendRole"], "ssm:GetParameter")
    [statement] = [s for s in allowed if s["Sid"] == "ReadGraphSecrets"]
    names = {r["Fn::Sub"].rsplit(":parameter/", 1)[1] for r in statement["Resource"]}
    graph = demo_config.graph_config
    wanted = {graph.tenant_id_parameter, graph.client_id_parameter, graph.client_secret_parameter}
    assert names == {name.lstrip("/") for name in wanted}


def test_without_graph_configuration_the_backend_reads_no_secrets(source_template: Template) -> None:
    template = render(source_template, config_with(graph_config=None))

    allowed = statements_allowing(template["Resources"]["BackendRole"], "ssm:GetParameter")
    assert [s["Sid"] for s in allowed] == ["ReadChannelSecrets"]  # the demo customers' channels still need theirs


def test_the_saml_handler_may_only_record_replay_rows(translated: Template) -> None:
    role = translated["Resources"]["SamlRole"]
    dynamodb = [s for s in policy_statements(role) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    assert len(dynamodb) == 1
    assert dynamodb[0]["Action"] == "dynamodb:PutItem"
    assert dynamodb[0]["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["SAML#*"]}}
    assert fnmatch.fnmatchcase(replay_key("_assertion-or-login-request-id"), "SAML#*")
    assert statements_allowing(role, "s3:GetObject") == []
    assert statements_allowing(translated["Resources"]["GatekeeperRole"], "dynamodb:PutItem") == []


# -- storage ----------------------------------------------------------------------------------------------


def test_the_table_has_the_shape_ccm_creates_locally(translated: Template) -> None:
    table = translated["Resources"]["Table"]["Properties"]
    expected = create_table_arguments("ignored")

    assert table["BillingMode"] == expected["BillingMode"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(expected["AttributeDefinitions"], key=str)
    assert sorted(table["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]) == sorted(
        expected["GlobalSecondaryIndexes"], key=lambda i: i["IndexName"]
    )
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}
    assert table["StreamSpecification"] == {"StreamViewType": expected["StreamSpecification"]["StreamViewType"]}


RELEASED_INDEXES = frozenset({"by_kind", "by_status", "by_creator", "by_customer"})
"""The table's global secondary indexes in the last released version (1.0.0); update it with each release."""


def test_an_update_from_the_last_release_adds_or_removes_at_most_one_index(translated: Template) -> None:
    """CloudFormation refuses a stack update that creates or deletes more than one global secondary index."""
    indexes = {index["IndexName"] for index in translated["Resources"]["Table"]["Properties"]["GlobalSecondaryIndexes"]}
    assert len(indexes ^ RELEASED_INDEXES) <= 1, f"indexes added or removed: {sorted(indexes ^ RELEASED_INDEXES)}"


def test_the_data_bucket_is_private_versioned_encrypted_and_expires_old_data(translated: Template) -> None:
    bucket = translated["Resources"]["DataBucket"]
    properties = bucket["Properties"]
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(properties["PublicAccessBlockConfiguration"].values())
    assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    rules = {rule.get("Prefix"): rule for rule in properties["LifecycleConfiguration"]["Rules"]}
    assert rules["deleted/"]["ExpirationInDays"] == {"Ref": "DeletedObjectRetentionDays"}
    assert rules["deleted/"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert rules["versions/"]["NoncurrentVersionExpiration"]["NoncurrentDays"] > 0
    assert rules["customers/"]["ExpiredObjectDeleteMarker"] is True


def test_cloudfront_reads_the_portal_bucket_only_for_this_distribution(translated: Template) -> None:
    statements = translated["Resources"]["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    # ListBucket only makes S3 answer a missing page with 404 (not 403), for the portal's 404 page.
    assert sorted(allow["Action"] for allow in allows) == ["s3:GetObject", "s3:ListBucket"]
    for allow in allows:
        assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert "distribution/${Distribution}" in allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    data_policy = translated["Resources"]["DataBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert all(s["Effect"] == "Deny" for s in data_policy)


# -- CloudFront -------------------------------------------------------------------------------------------


def test_api_and_sign_in_paths_are_never_cached(translated: Template) -> None:
    for pattern in ("/api/*", "/saml/*", *LEGACY_API_PATHS):
        assert behaviour(translated, pattern)["CachePolicyId"] == CACHING_DISABLED


def test_the_api_receives_the_edge_identity_headers_and_query_strings_but_no_cookies(translated: Template) -> None:
    api = behaviour(translated, "/api/*")
    policy = translated["Resources"][api["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
    assert {"X-User-Email", "X-User-Groups", "X-Authenticated", "x-amz-content-sha256"} <= set(
        policy["HeadersConfig"]["Headers"]
    )
    assert "Host" not in policy["HeadersConfig"]["Headers"]
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert policy["CookiesConfig"]["CookieBehavior"] == "none"
    assert api["TargetOriginId"] == "api"
    assert [a["EventType"] for a in api["LambdaFunctionAssociations"]] == ["viewer-request"]


def test_legacy_api_paths_reach_the_api_like_api_paths(translated: Template) -> None:
    api = behaviour(translated, "/api/*")
    for pattern in LEGACY_API_PATHS:
        assert {**behaviour(translated, pattern), "PathPattern": "/api/*"} == api


def test_sign_in_paths_reach_the_saml_handler_with_body_cookies_and_query(translated: Template) -> None:
    saml = behaviour(translated, "/saml/*")
    [association] = saml["LambdaFunctionAssociations"]
    assert association["EventType"] == "origin-request" and association["IncludeBody"] is True
    policy = translated["Resources"][saml["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
    assert policy["CookiesConfig"]["CookieBehavior"] == "all"
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"
    assert "POST" in saml["AllowedMethods"]


def test_every_other_path_passes_the_gatekeeper_before_the_cache(translated: Template) -> None:
    default = distribution(translated)["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "web"
    assert [a["EventType"] for a in default["LambdaFunctionAssociations"]] == ["viewer-request", "origin-response"]
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"


def test_only_the_web_behaviour_turns_a_404_into_the_portals_page_so_the_api_keeps_its_json_errors(
    translated: Template,
) -> None:
    config = distribution(translated)
    assert "CustomErrorResponses" not in config, "custom error responses would also replace the API's 404s"
    viewer, page = config["DefaultCacheBehavior"]["LambdaFunctionAssociations"]
    assert page["EventType"] == "origin-response"
    assert page["LambdaFunctionARN"] == viewer["LambdaFunctionARN"], "the gatekeeper's own version answers it"
    for behaviour in config["CacheBehaviors"]:
        events = [a["EventType"] for a in behaviour.get("LambdaFunctionAssociations", [])]
        assert "origin-response" not in events, behaviour["PathPattern"]
    assert (WEB / "404.html").is_file()


def test_the_portal_files_carry_the_content_security_policy_the_pages_declare(translated: Template) -> None:
    default = distribution(translated)["DefaultCacheBehavior"]
    policy = translated["Resources"][default["ResponseHeadersPolicyId"]["Ref"]]["Properties"]
    headers = policy["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
    assert headers["ContentSecurityPolicy"] == {"ContentSecurityPolicy": PORTAL_CSP, "Override": True}
    assert PORTAL_CSP.startswith(PAGE_CSP)
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert {"ContentTypeOptions", "ReferrerPolicy", "StrictTransportSecurity"} <= set(headers)


# -- observability and the import task ---------------------------------------------------------------------


def test_alarms_watch_dead_letters_function_errors_and_the_application_metrics(translated: Template) -> None:
    alarms = [a["Properties"] for a in resources_of_type(translated, "AWS::CloudWatch::Alarm").values()]
    queries = " ".join(m["Expression"] for a in alarms for m in a.get("Metrics", []))
    for metric in ("EmailsFailed", "EmailsThrottled", "TriggersFailed", "ApiErrors", "SignInsRejected"):
        assert f'SUM({metric}) FROM "CCM"' in queries
    errors = [a for a in alarms if a.get("Namespace") == "AWS/Lambda" and a["MetricName"] == "Errors"]
    assert {a["Dimensions"][0]["Value"]["Ref"] for a in errors} == {"ApiFunction", "BackendFunction", "ClockFunction"}
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms)


def test_the_import_task_runs_ccm_identity_center_import_on_a_schedule(translated: Template) -> None:
    resources = translated["Resources"]
    [container] = resources["ImportTaskDefinition"]["Properties"]["ContainerDefinitions"]
    assert container["Command"] == ["identity-center", "import", "--all"]
    schedule = resources["ImportSchedule"]
    assert schedule["Condition"] == "ScheduleImport"
    target = schedule["Properties"]["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["ImportCluster", "Arn"]}
    assert target["EcsParameters"]["TaskDefinitionArn"] == {"Ref": "ImportTaskDefinition"}
    assert target["EcsParameters"]["LaunchType"] == "FARGATE"


def test_the_clock_runs_every_five_minutes_on_arm64_and_its_scheduler_may_invoke_only_it(translated: Template) -> None:
    resources = translated["Resources"]
    clock = function_of_package(translated, "clock.zip")
    assert clock["Architectures"] == ["arm64"]
    assert clock["Timeout"] < 300, "one run must end before the next one starts"
    assert clock["Environment"]["Variables"]["CCM_TRIGGER_QUEUE_PREFIX"] == {"Fn::Sub": "${AWS::StackName}-trigger-"}

    schedule = resources["ClockSchedule"]["Properties"]
    assert schedule["ScheduleExpression"] == "rate(5 minutes)"
    assert schedule["State"] == "ENABLED"
    target = schedule["Target"]
    assert target["Arn"] == {"Fn::GetAtt": ["ClockFunction", "Arn"]}
    assert json.loads(target["Input"]) == schedule_input()

    scheduler_role = resources[target["RoleArn"]["Fn::GetAtt"][0]]
    [trust] = scheduler_role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert [s["Resource"] for s in policy_statements(scheduler_role)] == [{"Fn::GetAtt": ["ClockFunction", "Arn"]}]
    assert all(as_list(s["Action"]) == ["lambda:InvokeFunction"] for s in policy_statements(scheduler_role))

    clock_role = resources[clock["Role"]["Fn::GetAtt"][0]]
    assert not statements_allowing(clock_role, "sts:AssumeRole")
    assert not statements_allowing(clock_role, "s3:GetObject"), "the clock reads the window index, not the archive"
    [claims] = statements_allowing(clock_role, "dynamodb:PutItem")
    assert claims["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["CLOCK#*"]}}
    [queues] = statements_allowing(clock_role, "sqs:SendMessage")
    assert resolve(queues["Resource"]["Fn::Sub"]) == "arn:aws:sqs:us-east-1:123456789012:ccm-prod-trigger-*"


# -- rendering ---------------------------------------------------------------------------------------------


def test_customer_codes_that_would_share_resource_names_are_refused(source_template: Template) -> None:
    document = config_with().model_dump(mode="json")
    alpha = document["customer_mappings"]["alpha"]
    mappings = {code: {**alpha, "customer_code": code} for code in ("hts-np", "hts--np")}

    with pytest.raises(RenderError, match=r"'hts--np' and 'hts-np'"):
        render(source_template, config_with(customer_mappings=mappings))


def test_more_customers_than_the_nested_stacks_hold_are_refused_before_deploying(
    source_template: Template,
) -> None:
    alpha = config_with().model_dump(mode="json")["customer_mappings"]["alpha"]
    crowded = CUSTOMER_SHARDS * 130
    mappings = {f"c{n:04d}": {**alpha, "customer_code": f"c{n:04d}"} for n in range(crowded)}
    config = config_with(customer_mappings=mappings)
    template = render(source_template, config)

    with pytest.raises(RenderError, match="resources; CloudFormation allows 500"):
        check_limits(template, translate(template), render_children(config, source_template))


def test_a_customers_nested_stack_depends_on_its_code_alone(demo_config: AppConfig, source_template: Template) -> None:
    """Adding a customer must never move another's queues (a move deletes and recreates them, dead letters too)."""
    alpha = config_with().model_dump(mode="json")["customer_mappings"]["alpha"]
    before = render_children(demo_config, source_template)
    grown = {
        **demo_config.model_dump(mode="json")["customer_mappings"],
        "aaa-first": {**alpha, "customer_code": "aaa-first"},
    }
    after = render_children(config_with(customer_mappings=grown), source_template)

    for name, child in before.items():
        assert set(child["Resources"]) <= set(after[name]["Resources"])


def test_the_roles_customers_trust_have_names_that_do_not_change(translated: Template) -> None:
    resources = translated["Resources"]
    assert resources["BackendRole"]["Properties"]["RoleName"] == {"Fn::Sub": "${AWS::StackName}-backend"}
    assert resources["ApiRole"]["Properties"]["RoleName"] == {"Fn::Sub": "${AWS::StackName}-api"}
    assert resources["ImportTaskRole"]["Properties"]["RoleName"] == {"Fn::Sub": "${AWS::StackName}-import"}


def test_a_stack_name_too_long_for_the_names_derived_from_it_is_refused(demo_config: AppConfig) -> None:
    check_stack_name("ccm-prod", demo_config)

    with pytest.raises(RenderError, match=r"the edge function .*-gatekeeper would have 65 characters; AWS allows 64"):
        check_stack_name("c" * 54, demo_config)
    with pytest.raises(RenderError, match="must start with a letter"):
        check_stack_name("1-ccm", demo_config)


def test_render_writes_the_deployable_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "build" / "template.yaml"

    assert main(["--config", str(CONFIG_PATH), "--output", str(output)]) == 0

    template = cfn_yaml.load(output)
    zulu = output.parent / child_file(shard_of("zulu"))
    assert "TriggerQueueZulu" in cfn_yaml.load(zulu)["Resources"]
    assert template["Resources"][f"Customers{shard_of('zulu'):02d}"]["Properties"]["TemplateURL"] == zulu.name
    text = output.read_text(encoding="utf-8")
    assert "&id" not in text and "*id" not in text and "!" not in text.replace("!=", "")
    assert "26 customers" in capsys.readouterr().out
    assert not (output.parent / child_file(0).replace("00", "99")).exists()


def test_render_explains_a_broken_config_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "config.json"
    broken.write_text('{"customer_mappings": {}}', encoding="utf-8")

    assert main(["--config", str(broken), "--output", str(tmp_path / "t.yaml")]) == 2

    assert "cannot render the template: config.json" in capsys.readouterr().err
    assert not (tmp_path / "t.yaml").exists()


# -- a first deployment that fails, and deleting the stack ---------------------------------------------------


def test_named_data_survives_updates_but_not_a_first_create_that_rolls_back(translated: Template) -> None:
    for name in ("DataBucket", "Table"):
        resource = translated["Resources"][name]
        assert resource["DeletionPolicy"] == "RetainExceptOnCreate", name
        assert resource["UpdateReplacePolicy"] == "Retain", name
    assert not [
        name
        for name, resource in translated["Resources"].items()
        if resource.get("DeletionPolicy") == "Retain"
        and resource["Type"] in {"AWS::S3::Bucket", "AWS::DynamoDB::Table"}
    ]


def test_deleting_the_stack_deletes_the_import_images(translated: Template) -> None:
    assert translated["Resources"]["ImportRepository"]["Properties"]["EmptyOnDelete"] is True


def test_dead_letter_queues_keep_a_message_longer_than_its_source_queue_did(translated: Template) -> None:
    queues = resources_of_type(translated, "AWS::SQS::Queue")
    sources = [q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert sources
    for source in sources:
        dead_letters = queues[source["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]]["Properties"]
        assert dead_letters["MessageRetentionPeriod"] > source["MessageRetentionPeriod"]
        # A message must live through all its receives in the source queue before it is moved.
        assert (
            source["MessageRetentionPeriod"] > source["RedrivePolicy"]["maxReceiveCount"] * source["VisibilityTimeout"]
        )


# -- the schedule of the contact import ---------------------------------------------------------------------


def test_a_refused_scheduled_start_goes_to_a_dead_letter_queue_and_raises_alarms(translated: Template) -> None:
    resources = translated["Resources"]
    schedule = resources["ImportSchedule"]["Properties"]
    queue_id = schedule["Target"]["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    queue = resources[queue_id]
    assert queue["Type"] == "AWS::SQS::Queue" and queue["Condition"] == "ScheduleImport"
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    [send] = statements_allowing(resources["ImportSchedulerRole"], "sqs:SendMessage")
    assert send["Resource"] == {"Fn::GetAtt": [queue_id, "Arn"]}

    alarms = {name: a for name, a in resources_of_type(translated, "AWS::CloudWatch::Alarm").items()}
    target_errors = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("Namespace") == "AWS/Scheduler" and a["Properties"]["MetricName"] == "TargetErrorCount"
    ]
    assert [a["Dimensions"] for a in target_errors] == [
        [{"Name": "ScheduleGroup", "Value": {"Ref": schedule["GroupName"]["Ref"]}}]
    ]
    assert resources[schedule["GroupName"]["Ref"]]["Type"] == "AWS::Scheduler::ScheduleGroup"
    dead_letter_alarms = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"].get("Dimensions", [{}])[0].get("Value") == {"Fn::GetAtt": [queue_id, "QueueName"]}
    ]
    assert len(dead_letter_alarms) == 1
    for alarm in [*target_errors, *dead_letter_alarms]:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


# -- who answers a slow API request ------------------------------------------------------------------------

LAMBDA_INIT_LIMIT_SECONDS = 10
"""Lambda's limit on a cold start's init phase, which comes before the function's own timeout."""


def test_the_api_function_gives_up_before_cloudfront_stops_waiting_for_it(translated: Template) -> None:
    api_origin = next(o for o in distribution(translated)["Origins"] if o["Id"] == "api")
    read_timeout = api_origin["CustomOriginConfig"]["OriginReadTimeout"]
    timeout = function_of_package(translated, "api.zip")["Timeout"]

    assert timeout + LAMBDA_INIT_LIMIT_SECONDS <= read_timeout


# -- the contact import's own records ---------------------------------------------------------------------


def test_the_import_may_list_read_and_write_only_the_grant_records(translated: Template) -> None:
    """Its own, and those of ``ccm ses subscriptions apply`` (which it leaves alone, and which its image can run)."""
    role = translated["Resources"]["ImportTaskRole"]
    prefixes = [GRANT_RECORD_PREFIX, SUBSCRIPTION_RECORD_PREFIX]
    [listing] = statements_allowing(role, "s3:ListBucket")
    assert listing["Resource"] == {"Fn::GetAtt": ["DataBucket", "Arn"]}
    assert listing["Condition"] == {"StringLike": {"s3:prefix": [f"{prefix}*" for prefix in prefixes]}}
    [read] = statements_allowing(role, "s3:GetObject")
    [write] = statements_allowing(role, "s3:PutObject")
    assert read is write
    assert _bucket_object_resources(read) == {f"{prefix}*" for prefix in prefixes}
    assert statements_allowing(role, "s3:DeleteObject") == []


def test_customer_feeds_reach_the_api_without_the_gatekeeper_identity_headers_or_cookies_cached_5_minutes(
    translated: Template,
) -> None:
    feeds = behaviour(translated, FEEDS_PATH_PATTERN)
    assert feeds["TargetOriginId"] == "api" and "LambdaFunctionAssociations" not in feeds
    assert sorted(feeds["AllowedMethods"]) == ["GET", "HEAD"]
    resources = translated["Resources"]
    origin = resources[feeds["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
    assert origin["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert origin["CookiesConfig"]["CookieBehavior"] == origin["QueryStringsConfig"]["QueryStringBehavior"] == "none"
    cache = resources[feeds["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert cache["DefaultTTL"] == cache["MaxTTL"] == FEEDS_CACHE_SECONDS == 300
    default = distribution(translated)["DefaultCacheBehavior"]
    assert feeds["ResponseHeadersPolicyId"] == default["ResponseHeadersPolicyId"]  # the portal's CSP and headers
