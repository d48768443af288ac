"""SES sending domains: identities with Easy DKIM, MAIL FROM, configuration sets and their DNS in Route 53."""
