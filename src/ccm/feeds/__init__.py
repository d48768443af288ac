"""A customer's maintenance calendar as it leaves the system: the iCalendar feed and its small public page."""
