"""Changes, announcements, their status machine and their history."""
