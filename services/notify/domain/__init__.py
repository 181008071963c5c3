"""Pure rules of the notify service: templates, the SMS rate limit, an SMS's life,
verification codes, and the announcement state machine. No I/O."""
