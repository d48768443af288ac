"""The trigger router: one S3 notification for ``customers/`` reaches one queue, and this forwards each trigger to
its customer's own trigger queue (see docs/scale.md)."""
