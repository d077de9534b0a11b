"""The `portal` command: `portal up` brings everything up; Flask's commands (db, shell, routes) too."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import FlaskGroup

from portal.config import var_dir
from portal.jobs import DEFAULT_JOB_WORKERS


def _create_app(*_args) -> Flask:
    from portal import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def main() -> None:
    """Portal: outcomes-based commissioning of social care."""


def register_cli(app: Flask) -> None:
    @app.cli.command("demo")
    def demo_command() -> None:
        """Create the demo organisations and accounts (idempotent)."""
        from portal.dev.demo import seed_demo
        from portal.extensions import db

        created = seed_demo()
        db.session.commit()
        click.echo(f"demo data: {created}")

    @app.cli.command("seed-frameworks")
    def seed_frameworks_command() -> None:
        """Add the national outcome frameworks (Scotland's nine outcomes, England's ASCOF); idempotent."""
        from portal.contracts.frameworks import seed_frameworks
        from portal.extensions import db

        made = seed_frameworks()
        db.session.commit()
        click.echo(f"outcome frameworks added: {made}")

    @app.cli.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="", help="The administrator's full name")
    @click.password_option(help="At least 12 characters; asked for when not given")
    def create_admin_command(email: str, name: str, password: str) -> None:
        """Create a platform administrator (the first account of a new installation)."""
        from portal.accounts.services import check_new_password, create_user
        from portal.errors import ServiceError
        from portal.extensions import db

        try:
            check_new_password(password, email=email)
            user = create_user(email, full_name=name, password=password, is_platform_admin=True)
        except ServiceError as exc:
            raise click.ClickException(exc.message) from exc
        db.session.commit()
        click.echo(f"platform administrator {user.email} created")

    @app.cli.command("seed")
    @click.option("--scale", type=float, required=True,
                  help="How much data: 1 is about 200 providers and 20,000 returns; 0.02 a handful")
    @click.option("--seed", "seed_value", type=int, default=1, show_default=True, help="The random seed")
    def seed_command(scale: float, seed_value: int) -> None:
        """Generate a national-scale data set in bulk (additive: a larger scale adds organisations)."""
        from portal.dev.scale import seed

        if not scale > 0 or scale > 100:
            raise click.BadParameter("give a number greater than 0 and at most 100, like 1 or 0.05", param_hint="--scale")
        counts = seed(scale, seed=seed_value)
        click.echo(f"scale {scale:g} seeded in {counts.pop('seconds')} s: "
                   + ", ".join(f"{table} {n:,}" for table, n in sorted(counts.items())))

    @app.cli.group("search")
    def search_group() -> None:
        """The search index."""

    @search_group.command("reindex")
    @click.option("--all", "everything", is_flag=True, help="Index every submitted return again, not only missing ones")
    def reindex_command(everything: bool) -> None:
        """Index submitted returns for commissioners' search (those submitted before search, or all)."""
        from portal.extensions import db
        from portal.search.jobs import index_submitted_returns, run_pending_index_jobs

        pending = run_pending_index_jobs()
        indexed = index_submitted_returns(only_missing=not everything)
        db.session.commit()
        click.echo(f"search index: {pending} pending submissions and {indexed} returns indexed")

    @app.cli.command("sweep-outbox")
    def sweep_command() -> None:
        """Enqueue outbox messages whose first enqueue was lost."""
        from portal.outbox import sweep_outbox

        click.echo(f"re-enqueued {sweep_outbox()} messages")


@main.command("demo-code", with_appcontext=False)
def demo_code_command() -> None:
    """Print the current MFA code of the demo accounts that use it (their documented demo secret)."""
    import pyotp

    from portal.dev.demo import DEMO_TOTP_SECRET

    left = 30 - int(time.time()) % 30
    click.echo(pyotp.TOTP(DEMO_TOTP_SECRET).now())
    click.echo(f"(valid for about {left} more seconds; each code signs in once, so a second sign-in needs the next code)",
               err=True)


@main.command("worker", with_appcontext=False)
@click.option("--burst", is_flag=True, help="Stop once every queue is empty")
def worker_command_line(burst: bool) -> None:
    """Run one RQ worker on every queue, most urgent first (the worker `portal up` starts)."""
    from portal.config import load_config
    from portal.jobs import worker_command

    url = load_config().get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: name the Redis the web app queues jobs on")
    command = worker_command(url, burst=burst)
    os.execv(command[0], command)


def _bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def start_job_processes(env: dict[str, str], job_workers: int = DEFAULT_JOB_WORKERS,
                        **popen) -> list[subprocess.Popen]:
    """The background-job processes of `portal up`: ``job_workers`` RQ workers and one `rq cron`."""
    from portal.jobs import job_process_commands

    return [subprocess.Popen(command, env=env, **popen)
            for command in job_process_commands(env["REDIS_URL"], job_workers)]


def stop_processes(processes: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM to each (workers finish their job), then kill what has not stopped in ``timeout``."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_migrations(env: dict[str, str]) -> None:
    subprocess.run([_bin("portal"), "db", "upgrade", "heads"], env=env, check=True)


def _checked_services(port: int | None) -> tuple[int, object | None]:
    """The web port and, unless DATABASE_URL names other services, the embedded services to start.

    Every port is checked before anything starts; a problem is one line naming the port and the
    variable to set (PORT, PORTAL_REDIS_PORT, PORTAL_S3_PORT or PORTAL_WEED_BASE_PORT).
    """
    from portal.dev.embedded import EmbeddedServices
    from portal.dev.ports import PortProblem, PortSetting, check_ports, read_port

    try:
        if port is None:
            port = read_port(os.environ, "PORT", 5000)
        settings = [PortSetting("PORT", "the portal's web server", port)]
        services = None
        if not os.environ.get("DATABASE_URL"):
            services = EmbeddedServices.from_env(var_dir())
            settings += services.port_settings()
        check_ports(settings)
    except PortProblem as exc:
        raise click.ClickException(str(exc)) from None
    return port, services


@main.command("up", with_appcontext=False)
@click.option("--port", type=click.IntRange(1024, 65535), default=None, help="Web port  [default: $PORT or 5000]")
@click.option("--workers", default=2, show_default=True, help="gunicorn web workers")
@click.option("--job-workers", default=DEFAULT_JOB_WORKERS, show_default=True, type=click.IntRange(min=1),
              help="RQ worker processes for background jobs")
@click.option("--no-demo", is_flag=True, help="Do not seed the demo data")
def up_command(port: int | None, workers: int, job_workers: int, no_demo: bool) -> None:
    """Start the services (embedded unless configured), migrate, seed, then serve web and workers.

    Embedded services include clamd (ClamAV) on a socket under var/clamav/, with downloaded
    signatures from var/clamav/db or CLAMAV_DATABASE_DIR, else a local EICAR-only signature.

    Ports: PORT (web, 5000), PORTAL_REDIS_PORT (16379), PORTAL_S3_PORT (18333, and +10000) and
    PORTAL_WEED_BASE_PORT (19300 to 19302, and +10000).
    """
    from portal.dev.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_accounts
    from portal.dev.embedded import env_with

    port, embedded = _checked_services(port)
    services = None
    scanner = ""
    children: list[subprocess.Popen] = []
    stopping = False

    def stop(*_args):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        click.echo("\nstopping the portal...")
        stop_processes(children)
        if services is not None:
            services.stop()
        click.echo("stopped; data kept under var/")

    def interrupted(*_args):
        raise KeyboardInterrupt

    # Set explicitly: a shell that starts us in the background may have told us to ignore SIGINT.
    signal.signal(signal.SIGINT, interrupted)
    signal.signal(signal.SIGTERM, interrupted)
    try:
        if os.environ.get("DATABASE_URL"):
            env = dict(os.environ)
            click.echo("using the services named in the environment")
        else:
            folder = var_dir()
            folder.mkdir(parents=True, exist_ok=True)
            click.echo(f"starting embedded PostgreSQL, Redis and S3 (data in {folder.name}/)...")
            services = embedded
            try:
                urls = services.start()
            except RuntimeError as exc:  # e.g. SeaweedFS stopped at once: the message names its log
                raise click.ClickException(str(exc)) from None
            click.echo("starting ClamAV (clamd) to scan uploads...")
            scanner = services.start_clamd()
            click.echo(scanner)
            urls = services.urls
            services.write_env_file(folder / "services.env", {"PORT": str(port)})
            env = env_with(urls)
        env.setdefault("BASE_URL", f"http://127.0.0.1:{port}")
        env["PORT"] = str(port)
        click.echo("applying migrations...")
        run_migrations(env)
        subprocess.run([_bin("portal"), "seed-frameworks"], env=env, check=True)
        if not no_demo:
            subprocess.run([_bin("portal"), "demo"], env=env, check=True)
        children += start_job_processes(env, job_workers)
        children.append(subprocess.Popen(
            [_bin("gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--access-logfile", "-", "wsgi:app"], env=env))
        time.sleep(1.5)
        click.echo("")
        click.echo(f"Portal is running at http://127.0.0.1:{port}  (Ctrl-C stops it)")
        if services is not None:
            click.echo("Service settings for psql, rq and the AWS CLI: var/services.env")
            click.echo(scanner)
        if not no_demo:
            click.echo(f"Demo accounts (password {DEMO_PASSWORD}):")
            for email, role, slug in demo_accounts():
                click.echo(f"  {email:40} {role:20} {slug}")
            click.echo(f"The platform administrator and Glasgow's procurement and finance officers use MFA: the "
                       f"authenticator secret is {DEMO_TOTP_SECRET}, and `portal demo-code` prints the current code.")
        while all(child.poll() is None for child in children):
            time.sleep(1)
        failed = [c.args[0] for c in children if c.poll() is not None]
        click.echo(f"a process stopped unexpectedly: {failed}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM: `finally` stops everything
        click.echo("interrupted")
    finally:
        stop()
