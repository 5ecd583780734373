"""The address of Docker's default bridge on this machine: where the students' containers reach the hub.

Asked the way DockerSpawner talks to Docker (the docker SDK, `docker.from_env()`). Docker's own answer
is the bridge network's IPAM gateway, but a daemon's first start on a machine (no docker0 yet, an empty
network store) leaves the gateway out of that answer until the daemon restarts (moby/moby#26799).
The gateway is then read where Docker put it: the address of the bridge's own interface on this host
(docker0, named in the network's options), provided it lies in the network's subnet.

    classroom/.venv/bin/python classroom/docker_bridge.py   # prints e.g. 172.17.0.1, or why not (exit 1)
"""

import fcntl
import ipaddress
import json
import socket
import struct
import sys

SIOCGIFADDR = 0x8915  # Linux's ioctl for an interface's IPv4 address


def interface_address(name: str) -> str:
    """The IPv4 address of a network interface on this machine; OSError if it has none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        answer = fcntl.ioctl(probe.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()[:15]))
    return socket.inet_ntoa(answer[20:24])


def gateway(network: dict) -> str:
    """The IPv4 gateway of a Docker network, from `docker network inspect`'s attributes; ValueError
    saying what Docker answered when neither the answer nor the bridge's interface gives one."""
    configs = [c for c in (network.get("IPAM") or {}).get("Config") or []
               if ipaddress.ip_network(c.get("Subnet", "::/0"), strict=False).version == 4]
    for config in configs:
        if config.get("Gateway"):
            return config["Gateway"]
    seen = json.dumps((network.get("IPAM") or {}).get("Config"))
    name = (network.get("Options") or {}).get("com.docker.network.bridge.name")
    if not configs or not name:
        raise ValueError(f"Docker's bridge network has no IPv4 gateway and no bridge interface (IPAM Config: {seen})")
    try:
        address = interface_address(name)
    except OSError as error:
        raise ValueError(f"Docker's bridge network has no gateway (IPAM Config: {seen}), and its interface "
                         f"{name} has no IPv4 address here: {error}") from None
    subnets = [ipaddress.ip_network(c["Subnet"], strict=False) for c in configs]
    if not any(ipaddress.ip_address(address) in subnet for subnet in subnets):
        raise ValueError(f"Docker's bridge network has no gateway (IPAM Config: {seen}), and its interface "
                         f"{name} has the address {address}, outside its subnet")
    return address


def main() -> int:
    import docker  # the classroom's environment has it (DockerSpawner's client)

    try:
        network = docker.from_env(timeout=30).networks.get("bridge").attrs
    except docker.errors.DockerException as error:
        print(f"docker: {error}", file=sys.stderr)
        return 1
    try:
        print(gateway(network))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
