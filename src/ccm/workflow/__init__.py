"""The workflow of changes and announcements: plain functions over the object store's port, the configuration and
the acting user, taking typed commands (:mod:`ccm.workflow.commands`). Every HTTP endpoint (and anything else that
mutates objects) goes through these."""

from ccm.workflow.actor import Actor, Role
from ccm.workflow.creating import clone, save_draft, submit
from ccm.workflow.editing import delete, edit
from ccm.workflow.errors import ActionNotAllowed, Forbidden, InvalidInput, NotAuthenticated, Problem
from ccm.workflow.listing import Search, drafts, list_objects, my_objects, search, statistics
from ccm.workflow.reading import get_object, list_versions, read_version
from ccm.workflow.results import Mutation
from ccm.workflow.services import Services
from ccm.workflow.transitions import resend, transition, update_status

__all__ = [
    "ActionNotAllowed",
    "Actor",
    "Forbidden",
    "InvalidInput",
    "Mutation",
    "NotAuthenticated",
    "Problem",
    "Role",
    "Search",
    "Services",
    "clone",
    "delete",
    "drafts",
    "edit",
    "get_object",
    "list_objects",
    "list_versions",
    "my_objects",
    "read_version",
    "resend",
    "save_draft",
    "search",
    "statistics",
    "submit",
    "transition",
    "update_status",
]
