"""AWS plumbing shared by every part: retrying clients, rate limits, assumed-role sessions."""
