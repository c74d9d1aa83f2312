"""Which address a request comes from. Behind a reverse proxy the peer is the proxy, and the
client is named in a header; anyone can send that header, so it is believed only from the
proxies in SALON_TRUSTED_PROXIES. Rate limits and logs then see the real client."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from starlette.types import ASGIApp, Receive, Scope, Send

from salon.settings import comma_list

Network = IPv4Network | IPv6Network


def networks(setting: str) -> list[Network]:
    """SALON_TRUSTED_PROXIES read: addresses and CIDRs, comma-separated."""
    try:
        return [ip_network(item, strict=False) for item in comma_list(setting)]
    except ValueError as error:
        raise ValueError(f"SALON_TRUSTED_PROXIES: {error}") from None


def _address(value: str) -> str | None:
    """An IP address from a header item ("1.2.3.4", "1.2.3.4:80", "[::1]:80", '"[::1]"'),
    or None if it is not one ("unknown", an obfuscated Forwarded name)."""
    value = value.strip().strip('"')
    if value.startswith("["):
        value = value[1 : value.find("]")]
    elif value.count(":") == 1:
        value = value.split(":")[0]
    try:
        return str(ip_address(value))
    except ValueError:
        return None


class TrustedProxies:
    """ASGI middleware: where the peer is a trusted proxy, the client is the right-most
    address its headers name that is not itself a trusted proxy (everything left of that was
    written by the client and proves nothing), and the scheme is X-Forwarded-Proto's."""

    def __init__(self, app: ASGIApp, trusted: str) -> None:
        self.app = app
        self.trusted = networks(trusted)

    def _is_trusted(self, host: str) -> bool:
        try:
            address = ip_address(host)
        except ValueError:  # a Unix socket or a test client: not a proxy
            return False
        return any(address in network for network in self.trusted)

    def client(self, headers: dict[str, str]) -> str | None:
        if "x-forwarded-for" in headers:
            chain = headers["x-forwarded-for"].split(",")
        elif "forwarded" in headers:
            chain = [
                part.split("=", 1)[1]
                for element in headers["forwarded"].split(",")
                for part in element.split(";")
                if part.strip().lower().startswith("for=")
            ]
        else:
            chain = [headers.get("x-real-ip", "")]
        found = None
        for item in reversed(chain):
            found = _address(item)
            if found is None or not self._is_trusted(found):
                return found
        return found  # every hop was a trusted proxy: the first one is the client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        peer = scope.get("client")
        if (self.trusted and scope["type"] in ("http", "websocket") and peer
                and self._is_trusted(peer[0])):
            scope = self._as_sent(dict(scope))
        await self.app(scope, receive, send)

    def _as_sent(self, scope: Scope) -> Scope:
        """The scope with the client and scheme the trusted proxy saw."""
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # repeated headers form one list
            key = name.decode("latin-1").lower()
            text = value.decode("latin-1")
            headers[key] = f"{headers[key]},{text}" if key in headers else text
        client = self.client(headers)
        if client:
            scope["client"] = (client, 0)
        proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            if scope["type"] == "websocket":
                scope["scheme"] = "wss" if proto == "https" else "ws"
            else:
                scope["scheme"] = proto
        return scope
