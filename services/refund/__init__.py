"""The refund service: refund forms and approval sagas, payouts, after-sales, reports."""
