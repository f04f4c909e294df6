from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="", tags=["agenda-2030"], route_class=PolicyRoute)
