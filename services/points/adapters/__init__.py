"""Outside systems the points gateway talks to: points providers."""
