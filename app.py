"""Start Companion's web app: the youth chat at / and the counsellor console at /console.

Serves on loopback (127.0.0.1) by default; the port comes from --port, COMPANION_WEB_PORT or
7860. The terminal chat is still `companion chat`.
"""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from companion.cli import _prepare
    from companion.errors import CompanionError
    from companion.settings import load_settings
    from companion.web import DEFAULT_HOST, DEFAULT_PORT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=None, help=f"default: settings web_host ({DEFAULT_HOST})")
    parser.add_argument("--port", type=int, default=None, help=f"default: settings web_port ({DEFAULT_PORT})")
    args = parser.parse_args(argv)
    try:
        import uvicorn

        from companion.privacy import configure_logging
        from companion.web import accounts_for, create_app

        configure_logging()
        settings = load_settings()
        args.host = args.host or settings.web_host
        args.port = args.port or settings.web_port
        companion = _prepare(settings)
        app = create_app(settings, companion)
        if not accounts_for(companion, settings).list():
            print("No counsellor accounts yet: the console at /console needs one (see README, 'Web app').")
        print(
            f"Companion: youth chat at http://{args.host}:{args.port}/ , console at http://{args.host}:{args.port}/console"
        )
        uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    except CompanionError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        if exc.fix:
            print(f"  To fix: {exc.fix}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
