"""Pure rules of after-sales: activation, the ticket's review and processing, images."""
