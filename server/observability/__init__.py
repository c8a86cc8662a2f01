"""Observability for tenant admins: the event inspector and the service health view."""
