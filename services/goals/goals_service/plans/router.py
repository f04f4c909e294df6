from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/plans", tags=["plans"], route_class=PolicyRoute)
