"""Outside systems the notify service talks to: SMS providers."""
