"""The voucher back office: lottery vouchers bought with points, void, order reversal."""
