"""The organiser's live dashboard per scenario, its CSV exports, doors and venue staff assignments."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/api/v1/staff")
