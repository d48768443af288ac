"""Models built on first use (``defer_build``) must validate correctly when that first use happens in many threads
at once: the local stack serves the API from eight threads, the backend sends from a pool, and the fleet commands
run per customer in threads. A model that some thread is still building must never be validated with its parent
class's validator (which would refuse the subclass's fields as unknown) or fail half-built."""

from __future__ import annotations

from tests.fresh_interpreter import json_printed_by

THREADS = 16

# Each thread validates one command of every subclass of the workflow's command base at the same moment, in a fresh
# interpreter so that none is built yet.
PROBE = """
import json, sys, threading
from ccm.workflow.approval_commands import ApprovalCommand, DelegationCommand, RejectionCommand, TemplateCommand

bodies = [
    (RejectionCommand, {"reason": "the window overlaps the freeze"}),
    (ApprovalCommand, {"comment": "fine", "onBehalfOf": "ada@example.com"}),
    (DelegationCommand, {"delegate": "bob@example.com", "from": "2026-12-01", "until": "2026-12-02"}),
    (TemplateCommand, {"name": "Patch night", "risk": "low", "implementationPlan": "patch", "testPlan": "smoke test",
                       "rollbackPlan": "restore the snapshot", "customerImpact": "none"}),
]
models = [model for model, _ in bodies]
assert not any(model.__pydantic_complete__ for model in models), "a model was built before its first use"
start = threading.Barrier(%(threads)d)
problems = []

def first_use() -> None:
    start.wait()
    for model, body in bodies:
        try:
            model.model_validate(body)
        except Exception as error:
            problems.append(f"{model.__name__}: {type(error).__name__}: {error}")

threads = [threading.Thread(target=first_use) for _ in range(%(threads)d)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps(problems))
"""


def test_the_first_validations_of_deferred_models_in_many_threads_at_once_all_succeed() -> None:
    for _ in range(3):
        assert json_printed_by(PROBE % {"threads": THREADS}) == []
