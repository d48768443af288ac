"""The backend: S3 trigger events in, customer emails out, exactly once per recipient.

``processor.TriggerProcessor`` is the per-message pipeline; ``steps`` holds what is done for each status (the
email step now, meeting steps can be inserted beside it); ``delivery`` sends through a customer's own SES under
the delivery ledger of ``ledger``.
"""
