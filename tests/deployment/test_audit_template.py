"""The audit log in the template: Object Lock from the parameters, versioning, nobody allowed to delete, a Glue
table with the events' own fields, and every archive write routed to the audit queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ccm.audit.stream_records import filter_patterns
from ccm.domain.audit import AuditEvent, event_key
from ccm.s3_events import audit_configurations
from tests.deployment.conftest import Template, as_list, policy_statements

DELETING = ("s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention", "s3:*", "*")


def resources(template: Template, kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_the_audit_bucket_locks_every_event_for_the_retention_of_the_parameters(translated: Template) -> None:
    bucket = translated["Resources"]["AuditBucket"]["Properties"]

    assert bucket["ObjectLockEnabled"] is True
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    retention = bucket["ObjectLockConfiguration"]["Rule"]["DefaultRetention"]
    assert retention == {"Mode": {"Ref": "AuditRetentionMode"}, "Years": {"Ref": "AuditRetentionYears"}}
    parameters = translated["Parameters"]
    assert (parameters["AuditRetentionYears"]["Default"], parameters["AuditRetentionMode"]["Default"]) == (
        7,
        "GOVERNANCE",
    )
    assert parameters["AuditRetentionMode"]["AllowedValues"] == ["GOVERNANCE", "COMPLIANCE"]
    assert "LifecycleConfiguration" not in bucket


def test_no_role_of_the_stack_may_delete_an_event_and_the_bucket_policy_denies_it_to_everyone(
    translated: Template,
) -> None:
    for name, role in resources(translated, "AWS::IAM::Role").items():
        for statement in policy_statements(role):
            if statement["Effect"] != "Allow":
                continue
            touches_audit = "AuditBucket" in str(statement.get("Resource"))
            deletes = set(as_list(statement["Action"])) & set(DELETING)
            assert not (touches_audit and deletes), f"{name} {statement.get('Sid')} may delete audit events"
    [policy] = [p for p in resources(translated, "AWS::S3::BucketPolicy").values() if "AuditBucket" in str(p)]
    [deny] = [
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "NobodyDeletesOrShortensEvents"
    ]
    assert (deny["Effect"], deny["Principal"]) == ("Deny", "*")
    assert {"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"} <= set(deny["Action"])


def test_the_audit_function_may_only_append_events(translated: Template) -> None:
    role = translated["Resources"]["AuditRole"]
    on_audit = [s for s in policy_statements(role) if "AuditBucket" in str(s.get("Resource"))]

    assert [as_list(s["Action"]) for s in on_audit] == [["s3:PutObject"]]


def test_the_glue_table_has_exactly_the_fields_of_an_audit_event_and_projects_the_date_partitions(
    translated: Template,
) -> None:
    table = translated["Resources"]["AuditEventsTable"]["Properties"]["TableInput"]
    columns = [column["Name"] for column in table["StorageDescriptor"]["Columns"]]

    assert columns == list(AuditEvent.model_fields)
    assert [key["Name"] for key in table["PartitionKeys"]] == ["year", "month", "day"]
    assert table["Parameters"]["projection.enabled"] == "true"
    # Athena fills in each day's folder, as the audit function names its keys.
    [scheme, bucket, location] = table["Parameters"]["storage.location.template"]["Fn::Join"][1]
    assert (scheme, bucket) == ("s3://", {"Ref": "AuditBucket"})
    day = location.replace("${year}", "2030").replace("${month}", "03").replace("${day}", "02")
    key = event_key("CHG-1", 1, "created", datetime(2030, 3, 2, 9, 0, tzinfo=UTC))
    assert day.removeprefix("/") == key.rsplit("/", 1)[0] + "/"


def test_every_archive_write_reaches_the_audit_queue_as_the_local_stack_routes_it(rendered: Template) -> None:
    queues = rendered["Resources"]["DataBucket"]["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    audit = [q for q in queues if q["Queue"] == {"Fn::GetAtt": ["AuditQueue", "Arn"]}]
    prefixes = [{r["Name"]: r["Value"] for r in q["Filter"]["S3Key"]["Rules"]}["prefix"] for q in audit]

    local = [rule["Value"] for c in audit_configurations("arn") for rule in c["Filter"]["Key"]["FilterRules"]]
    assert prefixes == ["archive/", "deleted/archive/"]
    assert [p for p in local if p.endswith("/")] == prefixes
    assert len(queues) == len(audit) + 1, "beside the audit queue's, only the router queue's entry for customers/"


def test_the_table_streams_its_writes_to_the_audit_function_filtered_to_templates_and_delegations(
    translated: Template,
) -> None:
    table = translated["Resources"]["Table"]["Properties"]
    [mapping] = [
        r["Properties"]
        for r in resources(translated, "AWS::Lambda::EventSourceMapping").values()
        if r["Properties"]["EventSourceArn"] == {"Fn::GetAtt": ["Table", "StreamArn"]}
    ]

    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert mapping["FunctionName"] == {"Ref": "AuditFunction"}
    # The very patterns the local stack's poller applies.
    assert [f["Pattern"] for f in mapping["FilterCriteria"]["Filters"]] == filter_patterns()
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] >= 1
    # A batch given up is named where a failed archive write ends up, under the same alarm.
    failures = {"Fn::GetAtt": ["AuditDeadLetterQueue", "Arn"]}
    assert mapping["DestinationConfig"]["OnFailure"]["Destination"] == failures
    alarm = translated["Resources"]["AuditDeadLettersAlarm"]["Properties"]
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["AuditDeadLetterQueue", "QueueName"]}


def test_the_audit_role_reads_only_the_tables_stream_and_only_sends_to_its_dead_letter_queue(
    translated: Template,
) -> None:
    role = translated["Resources"]["AuditRole"]
    streams = [s for s in policy_statements(role) if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]
    stream_reads = [s for s in streams if "stream" in str(s["Resource"])]
    sends = [s for s in policy_statements(role) if "sqs:SendMessage" in as_list(s["Action"])]

    [read] = stream_reads
    assert sorted(as_list(read["Action"])) == [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ]
    assert read["Resource"] == {"Fn::Sub": "${Table.Arn}/stream/*"}
    assert [s["Resource"] for s in sends] == [{"Fn::GetAtt": ["AuditDeadLetterQueue", "Arn"]}]
