from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="", tags=["planning-assumptions"], route_class=PolicyRoute)
