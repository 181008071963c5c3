"""Pure rules of the points gateway: which refund request is valid, what to do with it,
and how the provider's answer becomes the refund's outcome. No I/O."""
