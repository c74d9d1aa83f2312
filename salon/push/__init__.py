"""Web Push (RFC 8030): people's apps subscribe an endpoint of their push service, and each
notification they want is encrypted (RFC 8291) and POSTed there with a VAPID (RFC 8292)
signature, by a durable job."""
