"""The rental domain's errors, each with the code the gateway, the agent or the DLQ sees."""

from __future__ import annotations

from shared.errors import DomainError, InvalidInput, NotFound, RetryLater


class InvalidQuery(InvalidInput):
    code = "invalid_query"


class InvalidEndTime(InvalidInput):
    """The end time the user reports must lie between the trip's start and now."""

    code = "invalid_end_time"


class UserNotFound(NotFound):
    code = "user_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class BikeNotFound(NotFound):
    code = "bike_not_found"


class FeedbackNotFound(NotFound):
    code = "feedback_not_found"


class ApplicationNotFound(NotFound):
    code = "application_not_found"


class GuideVersionNotFound(NotFound):
    code = "guide_version_not_found"


class UserDeleted(DomainError):
    code = "user_deleted"


class UserNotDeleted(DomainError):
    code = "user_not_deleted"


class UserRenting(DomainError):
    """A user with a rental under way is not deleted: fix the rental first."""

    code = "user_renting"


class AlreadyBlacklisted(DomainError):
    code = "already_blacklisted"


class NotBlacklisted(DomainError):
    code = "not_blacklisted"


class NotLatestOrder(DomainError):
    """Seed 001: change a user's status only when the order is the user's latest."""

    code = "not_latest_order"


class OrderNotOpen(DomainError):
    """Only a rental still under way (renting or temporarily returned) is fixed."""

    code = "order_not_open"


class LockNotLocked(DomainError):
    """Seed 001: if the lock is not locked the agent does nothing and sends on-site staff."""

    code = "lock_not_locked"


class AlreadyDecided(DomainError):
    code = "already_decided"


class GuideVersionConflict(DomainError):
    """Someone saved the guide since this editor read it: read again, then save."""

    code = "guide_version_conflict"


class NotYetKnown(RetryLater):
    """An event about something not seen yet (a trip's end before its start): retried."""

    code = "not_yet_known"
