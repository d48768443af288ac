"""The audit function's core: every archive write becomes audit events in the audit bucket (and their index rows),
and refreshes the change's contribution to the monthly report sums. ``ccm audit verify`` checks the same here."""
