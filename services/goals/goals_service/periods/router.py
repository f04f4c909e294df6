from fastapi import APIRouter

from styrkedjan_common.security import PolicyRoute

router = APIRouter(prefix="/mandate-periods", tags=["periods"], route_class=PolicyRoute)
