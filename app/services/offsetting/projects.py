"""Offset projects: registration, the list a guest chooses from, and available kilograms."""
from __future__ import annotations

from sqlalchemy import bindparam, exists, select

from app.errors import AppError, NotFound
from app.extensions import db, own_transaction
from app.models import Project, ScenarioProject
from app.services import organizations
from app.services.guest.scenarios import get_scenario, visible_scenario_id
from app.services.offsetting import stock


class ProjectNotFound(NotFound):
    code = "project_not_found"


class ProjectExists(AppError):
    status_code, code = 409, "project_exists"


def add_project(*, code: str, name: str, owner: str, price_fen_per_tonne: int, standard: str = "CDCER",
                kind: str | None = None, location: str | None = None, name_en: str | None = None,
                description: str | None = None) -> Project:
    """Register a project and its owner (the emission-reducing company, created if new).

    :raise ProjectExists: the code is taken.
    """
    if db.session.execute(select(Project.id).where(Project.code == code)).first():
        raise ProjectExists(f"project {code} already exists")
    organization = organizations.find_or_add(owner)
    project = Project(code=code, name=name, name_en=name_en, owner=organization, standard=standard, kind=kind,
                      location=location, description=description, price_fen_per_tonne=price_fen_per_tonne,
                      credited_kg=0, active=True)
    db.session.add(project)
    db.session.commit()
    return project


def get_project(code: str) -> Project:
    """:raise ProjectNotFound: unknown or inactive."""
    project = db.session.execute(select(Project).where(Project.code == code)).scalar_one_or_none()
    if project is None or not project.active:
        raise ProjectNotFound()
    return project


def offered_in(scenario_id):
    """True where the project is offered in the scenario: every project, unless its organiser chose a list
    (an SQL condition on Project; `scenario_id` a value, a parameter or a column)."""
    chosen = select(ScenarioProject.project_id).where(ScenarioProject.scenario_id == scenario_id)
    return ~exists().where(ScenarioProject.scenario_id == scenario_id) | Project.id.in_(chosen)


# The project list's reads, built once (parameters bound at execution): each project with its owner and its
# available kilograms, in one statement.
_ACTIVE_PROJECTS = own_transaction(select(Project, stock.available_kg_column(Project.id))
                                   .where(Project.active.is_(True)).order_by(Project.code))
_SCENARIO_ID = visible_scenario_id(bindparam("scenario_code"))
_OFFERED_PROJECTS = _ACTIVE_PROJECTS.where(_SCENARIO_ID.is_not(None), offered_in(_SCENARIO_ID))


def is_offered(project: Project, scenario_id: int) -> bool:
    """Every project is offered unless the scenario's organiser chose a list (the rule of offered_in)."""
    return bool(db.session.scalar(select(offered_in(scenario_id)).where(Project.id == project.id)))


def list_projects(scenario_code: str | None = None) -> list[tuple[Project, int]]:
    """Active projects (for a scenario: those it offers) with their available kilograms.

    :raise ScenarioNotFound: unknown scenario code.
    """
    # The scenario is looked up inside the same statement; only an empty answer asks whether it exists.
    params = {"lapsed_before": stock.lapsed_before()}
    rows = db.session.execute(_OFFERED_PROJECTS, {**params, "scenario_code": scenario_code}).all(
    ) if scenario_code else db.session.execute(_ACTIVE_PROJECTS, params).all()
    if scenario_code and not rows:
        get_scenario(scenario_code, totals=False)  # :raise ScenarioNotFound: (else: none offered)
    return [(project, int(available)) for project, available in rows]
