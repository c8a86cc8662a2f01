"""The operations the REST API and the admin pages share; callers authorize first."""
