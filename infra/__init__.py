"""Deployment to the real cloud: the SAM template, its rendering from config.json, packaging and upload tools."""
