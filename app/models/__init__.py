"""Every model, imported here so Flask-Migrate sees every table."""
from app.models.certificate import Certificate
from app.models.credit import CreditBlock, CreditClaim, CreditUnit
from app.models.door import ScenarioDoor
from app.models.event import EventFootprint, EventNeutralisation
from app.models.footprint import Footprint
from app.models.leaderboard import LeaderboardEntry, ScenarioTotal
from app.models.ledger import LedgerEntry
from app.models.order import Order
from app.models.organization import Organization
from app.models.payment import PaymentNotification, Refund
from app.models.payout import Payout
from app.models.project import Project, ScenarioProject, StockShard
from app.models.sandbox import SandboxPayRefund, SandboxPayTransaction
from app.models.scan import Scan
from app.models.scenario import Scenario
from app.models.security import SignInThrottle, StaffSession
from app.models.staff import StaffAccount, StaffAssignment
from app.models.user import User

__all__ = [
    "Certificate", "CreditBlock", "CreditClaim", "CreditUnit", "EventFootprint", "EventNeutralisation", "Footprint",
    "LeaderboardEntry", "LedgerEntry", "Order", "ScenarioTotal",
    "Organization", "PaymentNotification", "Payout", "Project", "Refund", "SandboxPayRefund", "SandboxPayTransaction",
    "Scan", "Scenario", "ScenarioDoor", "ScenarioProject", "SignInThrottle", "StaffAccount", "StaffAssignment",
    "StaffSession", "StockShard", "User",
]
