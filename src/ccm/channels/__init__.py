"""Channels: a customer's Microsoft Teams and Slack channels and signed webhooks, posted after its emails.

Each post is a delivery (DESIGN decision 14): claimed in the delivery ledger per (object, version, event, customer,
channel), retried with backoff, every attempt recorded (:mod:`ccm.storage.channel_log`). docs/channels.md tells
operators how to configure and receive them.
"""
