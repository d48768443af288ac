"""The local stack behind ``make dev``: the whole system on one machine, with an embedded AWS emulator."""
