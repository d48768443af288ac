"""Meetings: one Teams meeting per approved object (Microsoft Graph), or calendar invitations by email.

``port`` the calendar interface; ``graph``/``graph_setup`` its Microsoft Graph adapter (msal, requests, SSM);
``plan`` what an object's meeting should be; ``claims`` one worker per calendar action; ``scheduler`` create,
update, cancel; ``record`` the archive annotations; ``ics``/``content``/``invites`` invitations by email;
``steps`` the backend pipeline's steps; ``download`` the ``.ics`` the API serves.
"""
