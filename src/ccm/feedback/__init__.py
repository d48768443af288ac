"""The public rating page behind a completion email's rating links (HTML, outside sign-in)."""
