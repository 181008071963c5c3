"""Outside systems the refund service calls: the payment provider."""
