"""The rental service: users, blacklist, rental orders, accounts, deposits, stored value."""
