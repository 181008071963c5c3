"""A stack's ports: never from the range the kernel gives outgoing connections, never twice."""

from __future__ import annotations

import socket

from shared.devstack import broker
from shared.devstack.broker import LOWEST_PORT, _ephemeral_start, free_port


def test_ports_are_below_the_ephemeral_range_and_never_given_twice() -> None:
    ports = [free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    assert all(LOWEST_PORT <= port < _ephemeral_start() for port in ports)


def test_a_port_something_listens_on_is_passed_over() -> None:
    ports = broker._Ports()
    first = ports.take()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", first + 1))
        listener.listen()
        ports.next = first  # walk over the taken port and the one listened on
        chosen = ports.take()
    assert chosen not in (first, first + 1)
