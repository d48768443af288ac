"""Where objects and bookkeeping live: the S3 archive (source of truth), the DynamoDB catalog (what lists read), the
delivery ledger and the meeting claims (on one lease helper), behind the port the workflow uses."""
