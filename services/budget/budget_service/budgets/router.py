from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/budgets", tags=["budgets"], route_class=PolicyRoute)
