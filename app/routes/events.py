"""Event neutralisation: the organiser's event footprint and the top-up order that ends in one certificate."""
from flask import Blueprint

bp = Blueprint("events", __name__, url_prefix="/api/v1/staff")
