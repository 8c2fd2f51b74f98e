"""Project owners' money: sales, what they are owed, payouts recorded by admins, CSV statements."""
from flask import Blueprint

bp = Blueprint("payouts", __name__, url_prefix="/api/v1/staff")
