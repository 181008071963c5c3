"""The voucher domain, pure: statuses, named rules, the reversal saga, the query's filters."""
