"""Outside data the after-sales screens read: the national division list."""
