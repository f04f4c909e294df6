from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/core-missions", tags=["core-missions"], route_class=PolicyRoute)
