"""Which push endpoints the server may POST to. A subscriber names the address, so without
a rule anyone could make the server send requests into its own network (SSRF): endpoints
must be https on public addresses, checked when subscribing and again, after resolving the
name, at each delivery, which then connects to the address it checked (no second lookup a
DNS rebinding could answer differently). SALON_PUSH_ALLOW_PRIVATE lifts it for tests."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

import httpx

from salon.errors import Invalid

FIELD = "subscription[endpoint]"
MAX_LENGTH = 2048
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


class Refused(Exception):
    """An endpoint whose name resolves to an address the server must not reach."""


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def check_endpoint(endpoint: str, allow_private: bool) -> str:
    """The endpoint as given, if the server may POST to it; else Invalid naming the field."""
    if len(endpoint) > MAX_LENGTH:
        raise Invalid(f"{FIELD} must be at most {MAX_LENGTH} characters.", FIELD)
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - refuses a port that is not a number
        httpx.URL(endpoint)  # what delivery will send to (an IDNA name, a path)
    except (ValueError, httpx.InvalidURL):
        raise Invalid(f"{FIELD} must be a URL.", FIELD) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if any(c.isspace() for c in endpoint):
        raise Invalid(f"{FIELD} must be a URL.", FIELD)
    if parts.scheme not in schemes or not host or parts.username or parts.password:
        raise Invalid(f"{FIELD} must be an https:// URL of a push service.", FIELD)
    if allow_private:
        return endpoint
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if host.endswith(LOCAL_NAMES) or host == "localhost" or "." not in host:
            raise Invalid(f"{FIELD} must be on a public host.", FIELD) from None
        return endpoint
    if not _public(literal):
        raise Invalid(f"{FIELD} must be on a public address, not {literal}.", FIELD)
    return endpoint


async def resolve(endpoint: str, allow_private: bool) -> str:
    """The address to connect to for `endpoint`: its name resolved now, every address it
    has checked as public (one private answer refuses it all). Refused if not allowed."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise OSError(f"{host} has no address")
    if not allow_private:
        refused = [a for a in addresses if not _public(ipaddress.ip_address(a.split("%")[0]))]
        if refused:
            raise Refused(f"{host} resolves to {', '.join(refused)}, which is not public")
    return addresses[0]
