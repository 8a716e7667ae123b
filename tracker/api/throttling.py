"""Who the client is, for the API throttles and the admin login lockout alike.

Both count requests per client address. The address is REMOTE_ADDR unless the deployment says
how many reverse proxies it trusts (`TRACKER_TRUSTED_PROXIES`): each trusted proxy appends the
address it received the request from to X-Forwarded-For, so the client is the N-th address from
the end. Anything before that was written by the client itself and is ignored, so a forged
X-Forwarded-For changes nothing.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


def client_ip(request) -> str:
    """The client's address, trusting exactly `TRACKER_TRUSTED_PROXIES` proxies (default 0)."""
    remote_addr = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRACKER_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if trusted <= 0 or not forwarded:
        return remote_addr
    addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
    if not addresses:
        return remote_addr
    # With more trusted proxies than addresses, the earliest address is the best we know.
    return addresses[-min(trusted, len(addresses))]


class ClientAnonRateThrottle(AnonRateThrottle):
    """Anonymous reads, counted per client address in the shared cache."""

    def get_ident(self, request):
        return client_ip(request)


class ClientUserRateThrottle(UserRateThrottle):
    """Authenticated reads, counted per user. Anonymous requests are the anonymous throttle's
    alone: counting them twice would cost each request two more cache round trips."""

    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)
