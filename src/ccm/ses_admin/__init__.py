"""Administration of each customer's SES account: its contact list, contacts, topics and suppression list."""
