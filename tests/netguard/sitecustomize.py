"""Loaded into test subprocesses (via PYTHONPATH): any outbound connection to an address
outside the loopback range raises, so a test fails if newsbot reaches for the network."""

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guard(address):
    if not _is_loopback(address):
        raise ConnectionRefusedError(f"network blocked by the test harness: {address!r}")


def connect(self, address):
    _guard(address)
    return _real_connect(self, address)


def connect_ex(self, address):
    _guard(address)
    return _real_connect_ex(self, address)


socket.socket.connect = connect
socket.socket.connect_ex = connect_ex
