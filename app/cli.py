"""Command-line entries (`flask --app wsgi <command>`). Commands call services; they hold no rules."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from marshmallow import ValidationError

from app.errors import AppError
from app.i18n import LANGUAGES
from app.schemas.console.payouts import PayoutCreateSchema
from app.schemas.console.posters import PosterQuerySchema
from app.services.console import payouts, posters, staff
from app.services.guest import privacy
from app.services.offsetting import credits, leaderboards, payments, projects
from app.services.ops import reconcile, seed


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo organisations, scenarios, projects and credits (running it twice changes nothing).
    Sandbox mode only: in live mode it refuses and creates nothing."""
    try:
        created = seed.seed_demo()
    except seed.LiveModeRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("demo data: " + ", ".join(f"{n} {what}" for what, n in created.items()) + " created")
    if current_app.config["SANDBOX"]:
        made = seed.seed_demo_staff()
        if made:
            click.echo(f"demo console accounts (sandbox only), password {seed.DEMO_STAFF_PASSWORD!r}: "
                       + ", ".join(made))


projects_cli = AppGroup("projects", help="Offset projects.")


@projects_cli.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The project's name.")
@click.option("--owner", required=True, help="The emission-reducing company that owns it (created if new).")
@click.option("--price-fen-per-tonne", required=True, type=click.IntRange(min=1), help="Price in fen per tonne.")
@click.option("--standard", default="CDCER", show_default=True)
@click.option("--kind", default=None, help="e.g. forestry, solar, biogas.")
@click.option("--location", default=None)
@click.option("--name-en", default=None)
@click.option("--description", default=None)
def projects_add(code, name, owner, price_fen_per_tonne, standard, kind, location, name_en, description):
    """Register an offset project owned by an emission-reducing company."""
    try:
        project = projects.add_project(code=code, name=name, owner=owner, price_fen_per_tonne=price_fen_per_tonne,
                                       standard=standard, kind=kind, location=location, name_en=name_en,
                                       description=description)
    except AppError as exc:
        raise click.ClickException(exc.detail or exc.code) from None
    click.echo(f"project {project.code} added ({project.name}, {project.price_fen_per_tonne} fen/t)")


credits_cli = AppGroup("credits", help="Credit inventory.")


@credits_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def credits_import(csv_file: Path):
    """Import blocks of one-tonne credits (project_code,vintage,serial_start,serial_end); all or nothing."""
    try:
        imported = credits.import_blocks(csv_file.read_text(encoding="utf-8"), source=csv_file.name)
    except AppError as exc:
        raise click.ClickException(exc.detail or exc.code) from None
    for code, units in imported.items():
        click.echo(f"{code}: {units} units ({units} t) imported")


@click.command("reconcile")
@with_appcontext
def reconcile_command():
    """Ask WeChat Pay about pending orders: fulfil those paid, close the expired ones."""
    counts = reconcile.reconcile()
    click.echo("reconcile: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing pending"))


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queue is empty, then stop (due periodic jobs run once).")
@click.option("--no-cron", "no_cron", is_flag=True, help="Do not run the periodic jobs (reconcile) from this worker.")
@click.option("--fork", is_flag=True, help="Run each job in a forked child (RQ's default) instead of in-process.")
@click.option("--max-jobs", type=click.IntRange(min=1), default=None, help="Stop after this many jobs (recycling).")
@with_appcontext
def worker_command(burst: bool, no_cron: bool, fork: bool, max_jobs: int | None):
    """Run the after-payment queue (RQ on REDIS_URL) with its scheduler and the periodic reconcile.
    Without Redis there is no queue: the same work runs inline after each response."""
    if current_app.config["QUEUE_MODE"] != "redis":
        raise click.ClickException("no queue to work: set REDIS_URL (QUEUE_MODE is inline, work runs in the "
                                   "web processes)")
    from app.tasks import worker

    worker.run(current_app._get_current_object(), burst=burst, cron=not no_cron, fork=fork, max_jobs=max_jobs)


orders_cli = AppGroup("orders", help="Orders.")


@orders_cli.command("refund")
@click.argument("out_trade_no")
@click.option("--reason", required=True, help="Why (kept with the refund and the revoked certificate).")
def orders_refund(out_trade_no: str, reason: str):
    """Refund an order through WeChat Pay, revoke its certificate and reverse the ledger."""
    try:
        order = payments.refund_order(out_trade_no, reason=reason)
    except AppError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail or ''}".strip()) from None
    click.echo(f"order {order.id} refunded ({order.amount_fen} fen)")


leaderboard_cli = AppGroup("leaderboard", help="Leaderboards.")


@leaderboard_cli.command("rebuild")
def leaderboard_rebuild():
    """Recompute every leaderboard from the valid certificates and reload Redis (when configured)."""
    counts = leaderboards.rebuild()
    click.echo(f"leaderboards rebuilt from {counts['certificates']} certificates ({counts['rows']} rows)")


privacy_cli = AppGroup("privacy", help="Personal data retention.")


@privacy_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=None,
              help="Retention in days (default: SCAN_RETENTION_DAYS, 90).")
@click.option("--batch-size", type=click.IntRange(min=1, max=100_000), default=privacy.PURGE_BATCH,
              show_default=True, help="Scans unlinked per transaction.")
def privacy_purge(days: int | None, batch_size: int):
    """Unlink scans older than the retention period from their guest (run daily, e.g. from cron)."""
    days = days or current_app.config["SCAN_RETENTION_DAYS"]
    count = privacy.purge_scans(retention_days=days, batch_size=batch_size)
    click.echo(f"privacy purge: {count} scans older than {days} days unlinked from their guest")


staff_cli = AppGroup("staff", help="Staff accounts.")


@staff_cli.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", default="Admin", show_default=True)
@click.password_option(help="Prompted for (twice) when not given.")
def staff_create_admin(email: str, name: str, password: str):
    """Create a platform admin account."""
    if len(password) < 10:
        raise click.ClickException("the password needs at least 10 characters")
    try:
        account = staff.create_staff(email=email, name=name, password=password, role="admin")
    except AppError as exc:
        raise click.ClickException(exc.detail or exc.code) from None
    click.echo(f"admin {account.email} created")


POSTER_QUERY_SCHEMA = PosterQuerySchema()


@click.command("posters")
@click.argument("scenario")
@click.option("--doors", default=None, help="Door tags, comma-separated: door1,door2,north "
                                           "(default: the scenario's defined doors).")
@click.option("--format", "filetype", type=click.Choice(["pdf", "png"]), default="pdf", show_default=True)
@click.option("--paper", type=click.Choice(["a4", "a5", "tent"]), default="a4", show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The ZIP to write.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="zh", show_default=True, help="The poster's language.")
@click.option("--second", type=click.Choice((*LANGUAGES, "none")), default=None,
              help="The smaller second lines' language, or none (default: en under zh, zh under the others).")
@with_appcontext
def posters_command(scenario: str, doors: str | None, filetype: str, paper: str, out: Path, lang: str,
                    second: str | None):
    """Print one QR poster per door of a scenario into a ZIP."""
    second = POSTER_QUERY_SCHEMA.load({"lang": lang, **({"second": second} if second else {})})["second"]
    tags = [d.strip() for d in doors.split(",") if d.strip()] if doors is not None else None
    if tags == []:
        raise click.ClickException("give at least one door tag")
    tmp = out.with_name(out.name + ".part")
    try:
        tags = tags or posters.defined_doors(scenario)
        with click.progressbar(length=len(tags), label=f"{scenario} posters") as bar, open(tmp, "wb") as fh:
            count = posters.batch(scenario, tags, paper=paper, filetype=filetype, out=fh,
                                  progress=lambda _door: bar.update(1), lang=lang, second=second)
        tmp.replace(out)
    except AppError as exc:
        tmp.unlink(missing_ok=True)
        raise click.ClickException(f"{exc.code}: {exc.detail or exc.fields or ''}") from None
    click.echo(f"{count} posters written to {out}")


payouts_cli = AppGroup("payouts", help="Payouts to project owners.")
PAYOUT_CREATE_SCHEMA = PayoutCreateSchema()


@payouts_cli.command("record")
@click.option("--organization", required=True, help="The project owner's organisation (name or id).")
@click.option("--amount-fen", required=True, type=int, help="Fen transferred; negative corrects an earlier payout.")
@click.option("--bank-reference", required=True, help="The bank's reference of the transfer (unique per owner).")
@click.option("--paid-on", required=True, help="The day the bank paid, YYYY-MM-DD (China time).")
@click.option("--note", default=None)
@click.option("--by", "admin_email", required=True, help="Email of the platform admin recording it.")
def payouts_record(organization: str, amount_fen: int, bank_reference: str, paid_on: str, note: str | None,
                   admin_email: str):
    """Record a bank transfer to a project owner (the same checks as POST /api/v1/staff/payouts)."""
    body = {"organization": organization, "amount_fen": amount_fen, "bank_reference": bank_reference,
            "paid_on": paid_on, "note": note}
    try:
        data = PAYOUT_CREATE_SCHEMA.load(body)
        payout, balance = payouts.record_payout(staff.active_admin(admin_email), **data)
    except ValidationError as exc:
        raise click.ClickException(f"validation_error: {exc.messages}") from None
    except AppError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail or exc.fields or ''}".strip()) from None
    click.echo(f"payout {payout.id} recorded: {payout.amount_fen} fen, {payout.bank_reference}; "
               f"outstanding {balance.outstanding_fen} fen")


def register_commands(app: Flask) -> None:
    for command in (seed_demo_command, projects_cli, credits_cli, reconcile_command, worker_command, orders_cli,
                    leaderboard_cli, staff_cli, posters_command, payouts_cli, privacy_cli):
        app.cli.add_command(command)
