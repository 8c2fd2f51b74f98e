"""`flask --app wsgi payouts record ...`: a payout recorded from the command line, by a named admin.

Registered by adding `payouts_cli` to the commands in `app/cli.py`'s `register_commands`.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup
from marshmallow import ValidationError

from app.errors import AppError
from app.schemas.payouts import PayoutCreateSchema
from app.services import payouts

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
        payout, balance = payouts.record_payout(payouts.admin_by_email(admin_email), **data)
    except ValidationError as exc:
        raise click.ClickException(f"validation_error: {exc.messages}") from None
    except AppError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail or exc.fields or ''}".strip()) from None
    click.echo(f"payout {payout.id} recorded: {payout.amount_fen} fen, {payout.bank_reference}; "
               f"outstanding {balance.outstanding_fen} fen")
