"""A development SAML identity provider for the local stack and the tests.

It generates (and keeps in a directory) an RSA key and a self-signed certificate, signs real SAML responses
and assertions for demo users, serves a sign-in page and its metadata as a WSGI app. The portal's production
validation path runs unchanged against it. Never deploy it: anyone can sign in as anyone here.

Typical use (what the local stack does)::

    from ccm.devidp.local import local_sign_in
    idp, edge_config = local_sign_in(app_config, data_dir, public_base_url="http://localhost:8080",
                                     idp_base_url="http://localhost:8080/idp", table=table, region=region)
    functions.edge_auth.app.use_config(edge_config)      # both edge handlers trust this IdP now
    wsgi_app = DevIdpApp(idp)                             # mount at /idp (SCRIPT_NAME) or serve on its own port
"""
