"""The web dashboard and `/metrics`: `aipulse serve`, or `aipulse run` with `[web] listen` set (see app.py)."""
