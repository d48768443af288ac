"""The one DynamoDB table: catalog rows, statistics counters, the text search's postings (``TERM#...``, plain items
with their own ``pk``: :mod:`ccm.storage.search_index`), the delivery ledger, the SAML replay cache, the audit
trail's index (``AUDIT#<month>``, ``ccm.storage.audit_index``) and the reports' sums (``REPORT#<month>``,
``REPORTFACT#<id>``, ``ccm.storage.report_store``).

The table streams its writes (new and old images): the audit function reads the writes of the template and
delegation rows from it (``ccm.audit.stream_records``), since those rows are never archived.

Its shape is defined here once; ``ccm local provision`` creates it from this and the SAM template is checked
against it.

CloudFormation creates or deletes only one global secondary index per stack update, so a release adds at most
one (tests/deployment checks it against the indexes of the last release). ``by_group`` is the index of this
release and is shared: each kind of row that needs a second access path puts its own prefix in ``group_pk`` and
orders itself by ``group_sk``. Rows that use it, by ``group_pk`` prefix:

* ``WINDOW#<YYYY-MM>`` (``group_sk = <window start>#<id>``): the window index, one row per month an object's window
  touches (:mod:`ccm.storage.window_index`). "Changes whose window starts (or ends) between t1 and t2" is one Query
  per month touched: ``WindowIndex.starting(t1, t2)`` (a key condition on ``group_sk``) and
  ``WindowIndex.ending(t1, t2)`` (a filter on ``window_end``); the clock reads these for the windows starting soon
  (reminders) and ending (nudges). ``WindowIndex.meeting(a, b)`` is what the calendar reads.
* ``FEED#<customer code>`` (``group_sk = <window start>#<id>``): the ``CUST#`` catalog rows of what a customer's
  maintenance feed shows (approved, completed, cancelled after approval), so one feed is one Query.
* ``DELIVERY#<object id>``: the delivery-ledger rows of one object's emails (not its channel posts), ``group_sk`` =
  ``<customer>#<event>#v<version>#<recipient>`` (:mod:`ccm.storage.ledger`, :mod:`ccm.storage.delivery_records`)
* ``CHANNELLOG#<object id>``: the attempts to post about one object to the customers' channels, ``group_sk =
  <attempted at>#<attempt id>`` (:mod:`ccm.storage.channel_log`)
* ``NOTICE#<scope>#<month>``: a change's report facts with a customer notice lead time, ordered by that notice
  (``ccm.storage.report_store``), so a report lists the changes below the notice minimum with one query a month.
* ``REVIEW#change``: approved emergency changes whose retrospective review is open, ``group_sk = <due by>#<id>``
  (:mod:`ccm.storage.catalog`, summary rows only)
* ``DELEGATE#<delegate>``: delegations naming that delegate, ``group_sk = <last day>#<approver>``
  (:mod:`ccm.storage.delegations`)
* ``FEEDBACKMONTH#<yyyy-mm>``: customers' ratings by the month answered, ``group_sk = <answered at>#<customer>#<object
  id>#<recipient hash>`` (:mod:`ccm.storage.feedback`), so the last 90 days of all customers are four Queries

Rows kept on the table itself (``pk``/``sk``), besides the catalog's ``OBJ#`` and ``STATS#``: ``LEDGER#`` (the delivery
ledger), ``MEETING#`` (meeting claims), ``CLOCK#`` (the clock's claims, :mod:`ccm.storage.clock_claims`),
``FEEDTOKEN#`` (each customer's feed token, :mod:`ccm.storage.feed_tokens`), ``SAML#`` (the sign-in replay cache),
``DELEGATION#`` (:mod:`ccm.storage.delegations`), ``TEMPLATE`` (the standard change templates and their counter,
:mod:`ccm.storage.templates`), ``SESMSG#`` and ``DELIVERABILITY#`` (SES message pointers and daily deliverability
counts, :mod:`ccm.storage.delivery_records`), ``TRIGGERFAIL#`` (why a trigger last failed,
:mod:`ccm.storage.trigger_failures`), ``CHANNELLOG#<customer>`` (channel post attempts, :mod:`ccm.storage.channel_log`),
``FEEDBACK#<object id>`` (one customer recipient's rating each) and ``FEEDBACKKEY`` (the rating links' signing keys,
:mod:`ccm.storage.feedback`),
``LIVE#CONNECTIONS`` and ``LIVE#EVENT#<object id>`` (the live portal's open sockets and the claims that publish each
event once, :mod:`ccm.storage.live_connections`).
"""

from __future__ import annotations

from typing import Any

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
STREAM_VIEW = "NEW_AND_OLD_IMAGES"

INDEXES: dict[str, tuple[str, str]] = {
    # name: (partition key attribute, sort key attribute); sort keys are "<modifiedAt>#<id>", newest last
    "by_kind": ("kind_pk", "order_sk"),
    "by_status": ("status_pk", "order_sk"),
    "by_creator": ("creator_pk", "order_sk"),
    "by_customer": ("customer_pk", "order_sk"),
    # shared by every row kind listed in the module docstring, each under its own group_pk prefix
    "by_group": ("group_pk", "group_sk"),
}


def create_table_arguments(table_name: str) -> dict[str, Any]:
    attributes = {PARTITION_KEY, SORT_KEY}
    for pk, sk in INDEXES.values():
        attributes.update((pk, sk))
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in sorted(attributes)],
        # The audit function reads the administrative rows' writes (templates, delegations) from the stream.
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": STREAM_VIEW},
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": pk, "KeyType": "HASH"},
                    {"AttributeName": sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, (pk, sk) in INDEXES.items()
        ],
    }
