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
    with socket.socket() as listener:
        listened = free_port()
        listener.bind(("127.0.0.1", listened))
        listener.listen()
        ports = broker._Ports()  # a walk that has handed out nothing yet
        ports.next = listened
        chosen = ports.take()
    assert chosen != listened
