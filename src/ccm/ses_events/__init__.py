"""SES's events about our emails (Send, Delivery, Bounce, Complaint, Reject, DeliveryDelay, RenderingFailure,
Subscription), from every customer's configuration set through SNS to one queue, recorded on the delivery ledger.

``messages`` reads what an SQS message carries; ``recorder`` records each event and says what became of it.
"""
