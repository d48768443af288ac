"""Where objects live: the S3 archive (source of truth) and the DynamoDB catalog (what lists read)."""
