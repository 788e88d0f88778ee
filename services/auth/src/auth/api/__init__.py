"""HTTP routes of the auth service: thin, they validate input and call the use cases."""
