"""The rendered template's IAM policies with their intrinsic functions resolved, as one deployment would see them.

Only what role policies use is resolved: Ref, Fn::GetAtt ``Arn``, Fn::Sub, Fn::Join, Fn::Select, Fn::Split,
Fn::If over the template's Conditions. A value that cannot be known without deploying (an id AWS chooses)
resolves to a placeholder that no real request matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tests.deployment.iam_requests import ACCOUNT, PARTITION

NO_VALUE = object()


API_ID = "a1b2c3d4e5"
"""The id of the live WebSocket API in the tests (``CCM_LIVE_ENDPOINT`` of tests/audit/test_live_events.py)."""


@dataclass
class Deployment:
    template: dict[str, Any]
    stack_name: str
    region: str = "us-east-1"
    parameters: dict[str, Any] = field(default_factory=dict)

    # -- values -----------------------------------------------------------------------------------------

    def parameter(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        declared = self.template.get("Parameters", {}).get(name)
        if declared is None:
            return None
        default = declared.get("Default")
        if declared.get("Type") == "CommaDelimitedList" and isinstance(default, str):
            return [item for item in default.split(",") if item]
        return default

    def pseudo(self, name: str) -> Any:
        return {
            "AWS::Partition": PARTITION,
            "AWS::Region": self.region,
            "AWS::AccountId": ACCOUNT,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }.get(name)

    def _named(self, logical_id: str) -> str:
        resource = self.template["Resources"][logical_id]
        properties = resource.get("Properties", {})
        for key in ("BucketName", "TableName", "LogGroupName", "QueueName", "RoleName", "FunctionName"):
            if key in properties:
                return str(self.resolve(properties[key]))
        return f"{self.stack_name}-{logical_id}-UNKNOWN"

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.template.get("Parameters", {}):
            return self.parameter(name)
        if self.template["Resources"][name]["Type"] == "AWS::ApiGatewayV2::Api":
            # API Gateway names an API by an id of its own choosing: the one the tests' endpoints use.
            return API_ID
        return self._named(name)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        kind = self.template["Resources"][logical_id]["Type"]
        if attribute != "Arn":
            return f"{logical_id}.{attribute}"
        name = self._named(logical_id)
        account, region = ACCOUNT, self.region
        return {
            "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:{PARTITION}:dynamodb:{region}:{account}:table/{name}",
            "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{region}:{account}:log-group:{name}:*",
            "AWS::SQS::Queue": f"arn:{PARTITION}:sqs:{region}:{account}:{name}",
            "AWS::IAM::Role": f"arn:{PARTITION}:iam::{account}:role/{name}",
        }.get(kind, f"arn:{PARTITION}:unknown:{region}:{account}:{logical_id}")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    # -- intrinsic functions ----------------------------------------------------------------------------

    def _sub(self, text: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self.get_att(logical_id, attribute))
            return str(self.ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            resolved = [self.resolve(item) for item in value]
            return [item for item in resolved if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [(key, argument)] = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.get_att(logical_id, attribute)
            if key == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                return self._sub(text, variables)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(item) for item in self.resolve(items))
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key == "Fn::Split":
                separator, text = argument
                return str(self.resolve(text)).split(separator)
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Equals":
                left, right = (self.resolve(item) for item in argument)
                return left == right
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::And":
                return all(self.resolve(item) for item in argument)
            if key == "Fn::Or":
                return any(self.resolve(item) for item in argument)
            if key == "Condition":
                return self.condition(argument)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in value.items()) if v is not NO_VALUE}

    # -- roles ------------------------------------------------------------------------------------------

    def role_documents(self, logical_id: str) -> list[dict[str, Any]]:
        """The inline policy documents of a role, resolved."""
        role = self.template["Resources"][logical_id]
        if role["Type"] != "AWS::IAM::Role":
            raise ValueError(f"{logical_id} is a {role['Type']}, not an IAM role")
        managed = self.resolve(role.get("Properties", {}).get("ManagedPolicyArns", []))
        if managed is not NO_VALUE and managed:
            raise ValueError(f"{logical_id} has managed policies, which this check cannot read")
        policies = self.resolve(role["Properties"].get("Policies", []))
        return [policy["PolicyDocument"] for policy in policies]
