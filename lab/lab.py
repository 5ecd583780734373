"""Start JupyterLab on notebooks/ safely (make lab).

- listens on 127.0.0.1 unless LAB_IP says otherwise (then it warns), except in the
  project's container image (LAB_CONTAINER=1), where 0.0.0.0 is the container's own
  interface and only what the host publishes reaches it (make docker-lab: the host's
  127.0.0.1 only); the address printed is then the host's, LAB_HOST_PORT;
- always asks for a token: LAB_TOKEN, or a fresh random one, handed to Jupyter
  through the environment (JUPYTER_TOKEN), never on the command line where `ps`
  would show it;
- LAB_PORT picks the port (default 8888); a port in use is an error, not a
  silent move to another port;
- serves the project's notebooks/, or the folder LAB_NOTEBOOKS names (the image:
  the student's own ~/notebooks);
- adds --allow-root only when running as root;
- one Ctrl-C stops the server and its kernels;
- no news or update checks: the server makes no request to the internet.

Extra arguments are passed on to `jupyter lab` (the tests use --no-browser).
"""

import os
import secrets
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def port_is_free(ip: str, port: int) -> bool:
    """Whether a server could bind ip:port right now."""
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


def main(extra: list[str]) -> int:
    ip = os.environ.get("LAB_IP") or "127.0.0.1"
    port_text = os.environ.get("LAB_PORT") or "8888"
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        print(f"error: LAB_PORT={port_text!r} is not a port number (1-65535)", file=sys.stderr)
        return 2
    port = int(port_text)
    if not port_is_free(ip, port):
        print(f"error: port {port} on {ip} is already in use (is another `make lab` running?).\n"
              f"  Stop it, or pick another port: make lab LAB_PORT={port + 1}", file=sys.stderr)
        return 1
    token = os.environ.get("LAB_TOKEN") or secrets.token_hex(24)
    in_container = os.environ.get("LAB_CONTAINER") == "1"
    if ip not in LOOPBACK and in_container:
        print(f"JupyterLab listens on {ip} inside the container: the container's own network interface,\n"
              "  reachable only through a port the host publishes (make docker-lab publishes it on the\n"
              "  host's 127.0.0.1 only), and only with the token.", flush=True)
    elif ip not in LOOPBACK:
        print(f"warning: LAB_IP={ip}: JupyterLab will listen beyond this machine. Anyone who can reach\n"
              f"  it and learns the token can run code as {os.environ.get('USER', 'this user')}. Prefer the\n"
              "  default 127.0.0.1 and an SSH tunnel (see INSTALL.md).", file=sys.stderr)

    notebooks = Path(os.environ.get("LAB_NOTEBOOKS") or ROOT / "notebooks")
    jupyter = Path(sys.executable).with_name("jupyter")
    command = [
        str(jupyter), "lab",
        f"--ServerApp.root_dir={notebooks}",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.answer_yes=True",  # one Ctrl-C shuts down, no y/n prompt
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    # In the container the address to open is the host's, where the port is published.
    address = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    if in_container:
        address = f"127.0.0.1:{os.environ.get('LAB_HOST_PORT') or port}"
    print(f"JupyterLab on {notebooks}\n  open: http://{address}/lab?token={token}\n"
          "  stop: Ctrl-C", flush=True)
    env = dict(os.environ, JUPYTER_TOKEN=token)
    os.execve(command[0], command + extra, env)  # Jupyter takes over this process and its signals


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
