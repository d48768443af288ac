"""One router per resource; :func:`ccm.api.app.create_app` includes them all."""
