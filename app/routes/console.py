"""The staff web console: one page, a plain client of the staff API (session cookie + CSRF token)."""
from flask import Blueprint

bp = Blueprint("console", __name__)
