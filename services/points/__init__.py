"""The points gateway: refunds an order's deducted points at their source provider."""
