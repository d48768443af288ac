"""What a cold start of a regional handler loads: the routing and wiring, never what only some requests need (the
backend or the mail stack for the API; boto3, templates and meetings until the first request or message)."""

from __future__ import annotations

from tests.fresh_interpreter import json_printed_by

PROBE = "import json, sys; import functions.{}.app; print(json.dumps(sorted(sys.modules)))"
BUILT_MODELS = """
import json, pydantic, functions.{}.app
def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)
print(json.dumps(sorted({{f"{{m.__module__}}.{{m.__qualname__}}" for m in subclasses(pydantic.BaseModel)
    if m.__module__.startswith(("ccm.", "functions.")) and m.__pydantic_complete__}})))
"""


def run_probe(probe: str) -> list[str]:
    names: list[str] = json_printed_by(probe)
    return names


def loaded_by_importing(handler: str) -> set[str]:
    return set(run_probe(PROBE.format(handler)))


def test_importing_the_api_handler_loads_no_backend_meeting_or_template_code() -> None:
    loaded = loaded_by_importing("api")

    assert "ccm.workflow" in loaded and "ccm.api" in loaded
    assert not {name for name in loaded if name.startswith(("ccm.backend", "ccm.meetings", "ccm.mail"))}
    assert not {name for name in loaded if name.split(".")[0] in {"jinja2", "icalendar", "msal"}}
    # ServiceNow and Jira are for the requests that name their tickets, and only where they are configured.
    assert not {name for name in loaded if name.startswith("ccm.integrations.") or name.split(".")[0] == "requests"}


def test_importing_the_api_handler_loads_neither_boto3_nor_the_openapi_models() -> None:
    loaded = loaded_by_importing("api")

    assert "boto3" not in loaded and "botocore.config" not in loaded
    assert "aws_lambda_powertools.event_handler.openapi.models" not in loaded


def test_importing_the_api_handler_builds_none_of_our_pydantic_models() -> None:
    # Building a model's validator is most of its cost; a request pays it for the models it validates, on first use.
    assert run_probe(BUILT_MODELS.format("api")) == []


def test_importing_the_backend_handler_leaves_the_pipeline_to_the_first_message() -> None:
    loaded = loaded_by_importing("backend")

    assert "boto3" not in loaded and "botocore.config" not in loaded
    assert not {name for name in loaded if name.startswith(("ccm.backend.", "ccm.mail", "ccm.meetings"))}
    assert not {name for name in loaded if name.split(".")[0] in {"jinja2", "icalendar", "msal", "requests"}}
