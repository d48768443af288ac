"""The contact import from IAM Identity Center: read a customer's directory once, map group roles to SES topics,
sync the contact list."""
