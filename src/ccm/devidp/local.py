"""Everything the local stack needs for sign-in: the development identity provider and a matching edge config."""

from __future__ import annotations

import contextlib
from pathlib import Path

from ccm.config import AppConfig
from ccm.devidp.keys import SigningMaterial
from ccm.devidp.provider import DevIdentityProvider, ServiceProvider, demo_users
from ccm.edge.config_builder import build_edge_config, generate_cookie_key, write_edge_config
from ccm.edge.edge_config import EdgeConfig, load_edge_config
from ccm.edge.session import KeyRing
from ccm.errors import ConfigError

EDGE_CONFIG_FILE = "edge_config.json"


def local_sign_in(
    app_config: AppConfig,
    data_dir: str | Path,
    *,
    public_base_url: str,
    idp_base_url: str,
    table: str,
    region: str | None = None,
) -> tuple[DevIdentityProvider, EdgeConfig]:
    """The identity provider (key kept in ``data_dir``) and the edge configuration that trusts it.

    The edge configuration is also written to ``data_dir/edge_config.json``; its cookie key is reused on the
    next start so that a restart keeps everyone signed in.
    """
    data_dir = Path(data_dir)
    material = SigningMaterial.load_or_create(data_dir)
    config_path = data_dir / EDGE_CONFIG_FILE
    keys = KeyRing(generate_cookie_key())
    if config_path.exists():
        with contextlib.suppress(ConfigError):  # an unreadable earlier file is simply replaced
            keys = load_edge_config(config_path).cookie_keys
    idp = DevIdentityProvider(
        material,
        idp_base_url,
        ServiceProvider(public_base_url.rstrip("/"), public_base_url.rstrip("/") + "/saml/acs"),
        demo_users(app_config.authorization, app_config.approval_policies),
    )
    config = build_edge_config(
        app_config, idp.settings, keys, replay_table=table, replay_region=region, public_base_url=public_base_url
    )
    idp.service_provider = ServiceProvider.from_edge_config(config)
    write_edge_config(config, config_path)
    return idp, config
