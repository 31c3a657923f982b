"""The ground floor every layer stands on: durations, secrets, errors, text tables, symbols and the config models."""
