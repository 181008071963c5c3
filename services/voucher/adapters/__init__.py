"""Outside systems the voucher service calls: the lottery issuer."""
