"""Requests to addresses that someone else names: a push subscriber's endpoint, an OAuth
client's metadata document. Without a rule anyone could make the server send requests into
its own network (SSRF): such addresses must be https on public hosts, checked when they are
given and again, after resolving the name, at each request, which then connects to the
address it checked (no second lookup a DNS rebinding could answer differently). No
redirects are followed, time is bounded, and an answer is read only up to a limit.
`allow_private` lifts the address rules (and allows plain http) for tests and development."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from salon.errors import Invalid

MAX_LENGTH = 2048
LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")
_tls: ssl.SSLContext | None = None  # made once: building one reads the CA bundle


class Refused(Exception):
    """A name that resolves to an address the server must not reach."""


class TooLarge(Exception):
    """An answer longer than the caller's limit."""


NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Global and not multicast, looking through the IPv6 forms that carry an IPv4 address
    (mapped, 6to4, Teredo, NAT64, the old compatible form): each could reach inside."""
    if isinstance(address, ipaddress.IPv6Address):
        if address in IPV4_COMPATIBLE:
            return False
        inner = (address.ipv4_mapped or address.sixtofour
                 or (address.teredo[1] if address.teredo else None)
                 or (ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
                     if any(address in n for n in NAT64) else None))
        if inner is not None:
            return _public(inner)
    return address.is_global and not address.is_multicast


def check_url(url: str, allow_private: bool, field: str, what: str) -> str:
    """The URL as given, if the server may send to it; else Invalid naming `field`.
    `what` names what it should be ("a push service")."""
    if len(url) > MAX_LENGTH:
        raise Invalid(f"{field} must be at most {MAX_LENGTH} characters.", field)
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - refuses a port that is not a number
        httpx.URL(url)  # what a request will send to (an IDNA name, a path)
    except (ValueError, httpx.InvalidURL):
        raise Invalid(f"{field} must be a URL.", field) from None
    schemes = ("https", "http") if allow_private else ("https",)
    if any(c.isspace() for c in url):
        raise Invalid(f"{field} must be a URL.", field)
    if parts.scheme not in schemes or not host or parts.username or parts.password:
        raise Invalid(f"{field} must be an https:// URL of {what}.", field)
    try:
        host.encode("idna")  # what resolving it will need: empty or over-long labels fail
    except UnicodeError:
        raise Invalid(f"{field} must name a valid host.", field) from None
    if allow_private:
        return url
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if host.endswith(LOCAL_NAMES) or host == "localhost" or "." not in host:
            raise Invalid(f"{field} must be on a public host.", field) from None
        return url
    if not _public(literal):
        raise Invalid(f"{field} must be on a public address, not {literal}.", field)
    return url


async def resolve(url: str, allow_private: bool) -> str:
    """The address to connect to for `url`: its name resolved now, every address it has
    checked as public (one private answer refuses it all). Refused if not allowed."""
    parts = urlsplit(url)
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


def _tls_context() -> ssl.SSLContext:
    global _tls
    if _tls is None:
        _tls = ssl.create_default_context()
    return _tls


@dataclass
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes  # at most the caller's limit; empty when it asked for none


async def send(method: str, url: str, *, allow_private: bool, seconds: float,
               headers: dict[str, str] | None = None, content: bytes | None = None,
               limit: int = 0) -> Answer:
    """One request to the address just checked (the TLS name stays the host's), no
    redirects, at most `seconds` in all (a server that trickles its answer is cut off);
    the answer's body is read up to `limit` bytes as sent (no decompression: TooLarge past
    it). Refused, TimeoutError, OSError and httpx.HTTPError are the caller's."""
    async with asyncio.timeout(seconds):
        return await _send(method, url, allow_private, seconds, headers, content, limit)


async def _send(method: str, url: str, allow_private: bool, seconds: float,
                headers: dict[str, str] | None, content: bytes | None, limit: int) -> Answer:
    address = await resolve(url, allow_private)
    target = httpx.URL(url)
    pinned = target.copy_with(host=address)
    bounded = httpx.Timeout(seconds, connect=min(5.0, seconds))
    async with httpx.AsyncClient(verify=_tls_context(), timeout=bounded, trust_env=False,
                                 follow_redirects=False) as client:
        request = client.build_request(
            method, pinned, content=content,
            headers={"Accept-Encoding": "identity", **(headers or {}),
                     "Host": target.netloc.decode()},
            extensions={"sni_hostname": target.host},
        )
        response = await client.send(request, stream=True)
        body = bytearray()
        try:
            if limit:
                async for chunk in response.aiter_raw():
                    body += chunk
                    if len(body) > limit:
                        raise TooLarge(f"{target.host} answered more than {limit} bytes")
        finally:
            await response.aclose()
        return Answer(response.status_code, response.headers, bytes(body))
