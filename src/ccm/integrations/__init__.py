"""ServiceNow and Jira: the tickets a change names, checked on submit, created and followed as deliveries."""
