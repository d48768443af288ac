"""The clock: time-driven work, found through the window index and handed to the customers' queues.

Run every 5 minutes by EventBridge Scheduler (``functions/clock/app.py``), and on a short interval by the local
stack. It decides what is due (reminders before an approved change's window, nudges after it) and claims each action
once in the table; the backend, the only sender, does the rest.
"""
