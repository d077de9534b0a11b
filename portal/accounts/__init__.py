"""Users, roles, invitations, passwords, sessions and API tokens."""
