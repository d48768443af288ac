"""The backend: S3 trigger events in, customer emails out, exactly once per recipient.

``trigger_events`` reads what an SQS message carries; ``processor.TriggerProcessor`` is the per-message pipeline;
``steps`` the fixed sequence of steps of each status, with the email step, and ``meeting_steps`` the meeting's;
``principal`` the backend's own identity; ``wiring`` builds it all once per cold start. The emails themselves are
:mod:`ccm.mail`'s, the meetings :mod:`ccm.meetings`'.
"""
