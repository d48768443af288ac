"""Sign-in at the CloudFront edge.

The gatekeeper modules (``edge_config``, ``http``, ``next_url``, ``gatekeeper``) use the standard library only:
they go into the viewer-request package, which Lambda@Edge limits to 1 MB. The SAML modules need python3-saml
and run in the origin-request package.
"""
