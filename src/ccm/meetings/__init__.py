"""Meetings: one Teams meeting per approved object (Microsoft Graph), or calendar invitations by email.

``port`` the calendar interface; ``graph``/``graph_setup`` its Microsoft Graph adapter (msal, requests, SSM);
``plan`` what an object's meeting should be; ``scheduler`` create, update, cancel (one worker per action, under
:mod:`ccm.storage.meeting_claims`); ``record`` the archive annotations; ``ics``/``content``/``invitation``/``invites``
invitations by email; ``download`` the ``.ics`` the API serves; ``wiring`` builds the parts once.
"""
