"""Alert rules, their evaluation after each run, and delivery of the notifications through Apprise."""
