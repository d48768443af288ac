"""``python -m ccm.local``: start the local stack and keep it running until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import threading
from pathlib import Path

from ccm.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the Customer Contact Manager locally.")
    parser.add_argument("--aws-port", type=int, default=int(os.environ.get("CCM_AWS_PORT", "4566")))
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("CCM_LOCAL_DATA", ".local-data")))
    args = parser.parse_args()

    from moto.server import ThreadedMotoServer

    from ccm.provision import Provisioner

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=args.aws_port)
    server.start()
    endpoint = f"http://127.0.0.1:{args.aws_port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    settings = Settings.from_env()
    Provisioner(settings.config, settings.ses_config, settings.bucket, settings.table, visibility_timeout=30).run()
    print(f"AWS emulator ready at {endpoint} (bucket {settings.bucket}, table {settings.table})", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
