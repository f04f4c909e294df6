from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(tags=["scale"], route_class=PolicyRoute)
