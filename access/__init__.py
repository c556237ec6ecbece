"""Who may do what: roles from configuration, the permissions each role has, and when the app may serve."""
