"""Emails, as the backend and the CLI both send them.

``decisions`` which email and topic a status calls for; ``views``/``render`` what it says (jinja2 templates);
``mime`` the message bytes; ``port`` one customer's SES as a small interface, ``ses`` its Amazon SES v2 adapter;
``recipients`` who may receive a topic; ``delivery`` one email to one customer's recipients, at the account's rate,
under the ledger.
"""
