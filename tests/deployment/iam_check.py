"""Which role each component runs as in the rendered template, and which of its recorded calls that role refuses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.awsrequest import AWSResponse

from tests.deployment.aws_calls import ENTRY_POINTS, Recorded, own_access_key
from tests.deployment.iam_policy import Decision, Statement, evaluate, statements_of
from tests.deployment.iam_requests import requests_for
from tests.deployment.template_values import Deployment

IMPORT_COMMAND = ["identity-center", "import", "--all"]
NO_HEADERS: Any = {}


def role_of(component: str, template: dict[str, Any]) -> str:
    """The logical id of the IAM role a component runs as: its function's role, or the import task's role."""
    resources = template["Resources"]
    if component == "import":
        for resource in resources.values():
            if resource["Type"] == "AWS::ECS::TaskDefinition":
                containers = resource["Properties"]["ContainerDefinitions"]
                if any(container.get("Command") == IMPORT_COMMAND for container in containers):
                    return str(resource["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0])
        raise LookupError("no ECS task definition runs `ccm identity-center import --all`")
    handlers = [f"{module}.{function}" for (module, function), name in ENTRY_POINTS.items() if name == component]
    for resource in resources.values():
        if resource["Type"] == "AWS::Serverless::Function" and resource["Properties"]["Handler"] in handlers:
            return str(resource["Properties"]["Role"]["Fn::GetAtt"][0])
    raise LookupError(f"no function of the template runs {' or '.join(handlers)}")


@dataclass
class Refusal:
    component: str
    role: str
    recorded: Recorded
    decision: Decision

    def __str__(self) -> str:
        request = self.recorded.request
        return (
            f"{self.component}: {request.call} needs {request.describe()}; {self.decision.reason(self.role)} "
            f"[{self.recorded.calls} call(s), first in {self.recorded.first_test}]"
        )


def refusals(component: str, role: str, statements: Sequence[Statement], recorded: Iterable[Recorded]) -> list[Refusal]:
    found = []
    for entry in recorded:
        decision = evaluate(statements, entry.request)
        if not decision.allowed:
            found.append(Refusal(component, role, entry, decision))
    return sorted(
        found, key=lambda r: (r.recorded.request.call, r.recorded.request.action, r.recorded.request.resource)
    )


def role_statements(deployment: Deployment, role: str) -> list[Statement]:
    return statements_of(deployment.role_documents(role))


@dataclass
class RoleEnforcer:
    """Makes AWS (moto) refuse, with 403 AccessDenied, every call made with the process's own credentials that
    ``statements`` do not allow, as IAM would for a process running as that role."""

    role: str
    statements: list[Statement]
    refused: list[str] = field(default_factory=list)

    def attach(self, client: Any) -> Any:
        service = client.meta.service_model.service_name
        region = client.meta.region_name or "us-east-1"

        def stash(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["enforced_params"] = dict(params)

        def check(model: Any, context: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            credentials = client._request_signer._credentials
            if credentials is None or credentials.access_key != own_access_key():
                return None
            params = context.get("enforced_params", {})
            for request in requests_for(service, model.name, params, region=region, status=200):
                decision = evaluate(self.statements, request)
                if not decision.allowed:
                    message = decision.explain(self.role, request)
                    self.refused.append(message)
                    response = AWSResponse("https://iam.enforced", 403, NO_HEADERS, None)
                    return response, {
                        "Error": {"Code": "AccessDenied", "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": 403},
                    }
            return None

        client.meta.events.register_first("before-parameter-build", stash)
        client.meta.events.register_first("before-call", check)
        return client
