"""The notify service: SMS (templates, failover, rate limit, the SMS log, verification
codes), in-app inboxes, and the front-page announcements."""
