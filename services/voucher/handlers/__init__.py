"""Use cases, one transaction each: ingest, redeem, void_voucher, start_reversal, retry, timers."""
