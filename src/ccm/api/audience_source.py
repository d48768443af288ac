"""The API's audience counter: the customers' SES reached by assumed role, built on the first count.

Built lazily so that a cold start of the API loads none of the mail stack (``tests/api/test_cold_start_imports``);
the first audience request of an execution environment pays for it, and its counts are kept a minute per customer
for every later request of that environment.
"""

from __future__ import annotations

import threading

from ccm.domain.audience import ObjectAudience
from ccm.domain.objects import AnyObject
from ccm.settings import Settings
from ccm.workflow.audience import AudienceSource

SESSION_PREFIX = "ccm-api"


class LazyAudience:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._counter: AudienceSource | None = None
        self._lock = threading.Lock()

    def reach(self, obj: AnyObject) -> ObjectAudience:
        with self._lock:
            if self._counter is None:
                self._counter = self._build()
        return self._counter.reach(obj)

    def _build(self) -> AudienceSource:
        from ccm.aws.assume import RoleSessions
        from ccm.mail.audience import READ_ONLY_SESSION_POLICY, CustomerAudiences
        from ccm.mail.ses import SesMailboxes
        from ccm.meetings.audience import AudienceCounter

        config = self.settings.config
        sessions = RoleSessions(session_prefix=SESSION_PREFIX, session_policy=READ_ONLY_SESSION_POLICY)
        mailboxes = SesMailboxes(config, sessions)
        return AudienceCounter(
            config,
            self.settings.ses_config,
            CustomerAudiences(config, mailboxes),
            teams_available=config.graph_config is not None,
        )
