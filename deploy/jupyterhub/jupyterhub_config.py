"""JupyterHub serving sectorwb Academies: one hub-managed service per Academy.

Run it with ``jupyterhub -f deploy/jupyterhub/jupyterhub_config.py`` from a folder the
hub may keep its own files in (its database and cookie secret), with these settings in
the environment (README.md in this folder says why it is built this way):

SECTORWB_ACADEMIES   the Academies to serve, comma-separated slugs (``sectorwb academy
                     new`` made them), e.g. ``denver-metro-2027,pueblo-2027``.
SECTORWB_HUB_URL     where the hub listens (default http://0.0.0.0:8000).
SECTORWB_FIRST_PORT  loopback port of the first Academy's server (default 10100); the
                     next Academies take the ports after it.
SECTORWB_CHP         the configurable-http-proxy command (default: the one on PATH).
SECTORWB_HUB_API_URL, SECTORWB_PROXY_API_URL
                     the hub's and the proxy's own API addresses, on loopback
                     (defaults http://127.0.0.1:8081, http://127.0.0.1:8001).
SECTORWB_DATA_DIR, SECTORWB_DB_URL
                     passed on to every Academy's server: where the answers are kept.

A team opens ``<hub>/services/sectorwb-<slug>/voila/render/00_start_here.ipynb`` with
its team link; nobody logs in to the hub.
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - JupyterHub defines it when it reads this file

slugs = [s.strip() for s in os.environ.get("SECTORWB_ACADEMIES", "").split(",")]
slugs = [s for s in slugs if s]
if not slugs:
    sys.exit(
        "jupyterhub_config.py: set SECTORWB_ACADEMIES to the Academies to serve, "
        "e.g. SECTORWB_ACADEMIES=denver-metro-2027 (see `sectorwb academy new`)."
    )
first_port = int(os.environ.get("SECTORWB_FIRST_PORT", "10100"))

c.JupyterHub.bind_url = os.environ.get("SECTORWB_HUB_URL", "http://0.0.0.0:8000")
c.JupyterHub.hub_bind_url = os.environ.get(
    "SECTORWB_HUB_API_URL", "http://127.0.0.1:8081"
)
c.ConfigurableHTTPProxy.api_url = os.environ.get(
    "SECTORWB_PROXY_API_URL", "http://127.0.0.1:8001"
)
# Teams and trainers never log in to the hub: a team's link carries its code, the
# trainer console asks for the trainer key. With no login, no hub user server starts.
c.JupyterHub.authenticator_class = "null"
c.ConfigurableHTTPProxy.command = [
    os.environ.get("SECTORWB_CHP")
    or shutil.which("configurable-http-proxy")
    or "configurable-http-proxy"
]

# The servers run from the hub's own Python environment, where sectorwb is installed.
sectorwb = str(Path(sys.executable).with_name("sectorwb"))
passed_on = (
    "SECTORWB_DATA_DIR",
    "SECTORWB_DB_URL",
    "SECTORWB_REGIONS_DIR",
    "HOME",
    "LANG",
)
environment = {name: os.environ[name] for name in passed_on if name in os.environ}

c.JupyterHub.services = [
    {
        "name": f"sectorwb-{slug}",
        # The proxy sends /services/sectorwb-<slug>/ here; JupyterHub restarts the
        # server if it exits, and stops it with the hub.
        "url": f"http://127.0.0.1:{first_port + n}",
        "command": [
            sectorwb,
            "serve",
            "--academy",
            slug,
            "--host",
            "127.0.0.1",
            "--port",
            str(first_port + n),
            "--base-url",
            f"/services/sectorwb-{slug}/",
            "--behind-proxy",
        ],
        "environment": environment,
        "display": False,
        # A loaded machine starts Voila slowly; past this the hub gives up and stops.
        "timeout": 180,
    }
    for n, slug in enumerate(slugs)
]
