"""classroom/docker_bridge.py: the address where the students' containers reach the hub, from Docker's
answer, or from the bridge's interface when a daemon's first start left the gateway out (moby#26799).
The interface here is the loopback, which every machine has; the classroom's tests ask a real daemon."""

import importlib.util

import pytest
from conftest import ROOT

spec = importlib.util.spec_from_file_location("docker_bridge", ROOT / "classroom" / "docker_bridge.py")
docker_bridge = importlib.util.module_from_spec(spec)
spec.loader.exec_module(docker_bridge)


def bridge(config: list[dict], interface: str | None = "docker0") -> dict:
    """A network as `docker network inspect bridge` gives it (only the parts that matter here)."""
    return {"IPAM": {"Driver": "default", "Config": config},
            "Options": {} if interface is None else {"com.docker.network.bridge.name": interface}}


def test_the_gateway_docker_states_is_used():
    assert docker_bridge.gateway(bridge([{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}])) == "172.17.0.1"


def test_an_ipv6_entry_before_the_ipv4_one_is_passed_over():
    config = [{"Subnet": "fd00::/80", "Gateway": "fd00::1"}, {"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}]
    assert docker_bridge.gateway(bridge(config)) == "172.18.0.1"


def test_without_a_gateway_the_bridge_interfaces_address_is_used():
    assert docker_bridge.gateway(bridge([{"Subnet": "127.0.0.0/8"}], interface="lo")) == "127.0.0.1"


def test_without_a_gateway_or_the_interface_it_says_what_docker_answered():
    with pytest.raises(ValueError) as error:
        docker_bridge.gateway(bridge([{"Subnet": "172.17.0.0/16"}], interface="mxnet-none0"))
    assert str(error.value) == ('Docker\'s bridge network has no gateway (IPAM Config: [{"Subnet": "172.17.0.0/16"}]), '
                                "and its interface mxnet-none0 has no IPv4 address here: [Errno 19] No such device")


def test_an_interface_address_outside_the_subnet_is_refused():
    with pytest.raises(ValueError, match="has the address 127.0.0.1, outside its subnet"):
        docker_bridge.gateway(bridge([{"Subnet": "172.17.0.0/16"}], interface="lo"))


def test_a_network_with_no_ipv4_entry_is_refused():
    with pytest.raises(ValueError, match=r"no IPv4 gateway and no bridge interface \(IPAM Config: \[\]\)"):
        docker_bridge.gateway(bridge([]))
